// NfsOps: the NFSv3 and MOUNT calls the crash matrix makes, one synchronous call each,
// over an RpcCaller (RpcSession or PipelinedSession). File handles are plain byte strings.
//
// Outcomes: Ok; kIoError when no reply came (the connection failed: the server is gone
// and the call may or may not have taken effect); kInternal carrying "NFS3ERR <n>" for
// any other NFS status (the workload never expects one).
//
// Thread-safety: as its transports (RpcSession: one thread; PipelinedSession: any).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "rpc_session.h"

namespace volumed::crashmatrix {

using Fh = std::string;
using Verifier = std::string;  // 8 bytes

struct WriteAck {
  bool stable = false;  // the server said DATA_SYNC or FILE_SYNC
  Verifier verf;
};

class NfsOps {
 public:
  // `mount` may be null when Mount is never called.
  NfsOps(RpcCaller* nfs, RpcCaller* mount) : nfs_(nfs), mount_(mount) {}

  Result<Fh> Mount(const std::string& path);
  Result<Fh> Lookup(const Fh& dir, const std::string& name);
  // As Lookup, but NFS3ERR_NOENT is an answer: nullopt.
  Result<std::optional<Fh>> LookupIfExists(const Fh& dir, const std::string& name);
  Result<Fh> Create(const Fh& dir, const std::string& name);  // GUARDED, mode 0644
  Result<Fh> Mkdir(const Fh& dir, const std::string& name);
  Result<WriteAck> Write(const Fh& file, uint64_t offset, const std::string& data, bool sync);
  Result<Verifier> Commit(const Fh& file);
  Status Truncate(const Fh& file, uint64_t size);
  Status Rename(const Fh& from_dir, const std::string& from, const Fh& to_dir,
                const std::string& to);
  Status Remove(const Fh& dir, const std::string& name);
  Result<uint64_t> Size(const Fh& file);
  // One READ of at most `count` bytes; `eof` as the server said (or no bytes came).
  struct ReadReply {
    std::string data;
    bool eof = false;
  };
  Result<ReadReply> Read(const Fh& file, uint64_t offset, uint32_t count);
  Result<std::string> ReadAll(const Fh& file);
  Result<std::vector<std::string>> List(const Fh& dir);  // without "." and ".."

  // Whether `s` is the answer NFS status `nfsstat` (as opposed to no reply or success).
  static bool IsNfsStatus(const Status& s, int nfsstat);

 private:
  RpcCaller* nfs_;
  RpcCaller* mount_;
};

}  // namespace volumed::crashmatrix
