// The NFSv3 procedures the load generator issues, each as one asynchronous call on an
// AsyncNfs client whose completion gets a Status (NFS3ERR_NOENT → kNotFound,
// NFS3ERR_EXIST → kExists, any other failure → kIoError naming the status) and the few
// result fields the workloads use. Sync() runs one of them to completion, for set-up.
//
// Thread-safety: as AsyncNfs (one thread per client).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "async_nfs.h"

namespace volumed::bench {

using Done = std::function<void(const Status&)>;

// MNT (on the MOUNT connection): the root handle of an export.
Status StartMount(AsyncNfs& c, const std::string& export_path,
                  std::function<void(const Status&, const Fh& root)> done);
Result<Fh> Mount(AsyncNfs& c, const std::string& export_path);
Status StartNull(AsyncNfs& c, Done done);
// obj: the handle; size: the file's size from the post-op attributes (0 if absent).
Status StartLookup(AsyncNfs& c, const Fh& dir, const std::string& name,
                   std::function<void(const Status&, const Fh& obj, uint64_t size)> done);
Status StartGetattr(AsyncNfs& c, const Fh& fh, Done done);
// GUARDED mode 0644 when `exclusive`, else UNCHECKED with size 0 (truncates).
Status StartCreate(AsyncNfs& c, const Fh& dir, const std::string& name, bool exclusive,
                   std::function<void(const Status&, const Fh& obj)> done);
Status StartMkdir(AsyncNfs& c, const Fh& dir, const std::string& name, Done done);
Status StartRemove(AsyncNfs& c, const Fh& dir, const std::string& name, Done done);
// Fails unless the server took every byte.
Status StartWrite(AsyncNfs& c, const Fh& fh, uint64_t offset, std::span<const char> data,
                  stable_how stable, Done done);
// count: bytes returned.
Status StartRead(AsyncNfs& c, const Fh& fh, uint64_t offset, uint32_t length,
                 std::function<void(const Status&, uint32_t count, bool eof)> done);
Status StartCommit(AsyncNfs& c, const Fh& fh, Done done);

struct DirPage {
  uint64_t entries = 0;     // without "." and ".."
  std::vector<Fh> handles;  // of those entries that carried one
  uint64_t last_cookie = 0;
  std::string verifier;  // cookieverf3 for the next page
  bool eof = false;
};
// One READDIRPLUS page from `cookie` (0 and an empty verifier for the first).
Status StartReadDirPlus(AsyncNfs& c, const Fh& dir, uint64_t cookie, const std::string& verifier,
                        uint32_t maxcount, std::function<void(const Status&, DirPage&&)> done);

// FSINFO: the server's preferred read and write sizes (rtpref, wtpref) and their maxima.
struct TransferSizes {
  uint32_t rtmax = 0, rtpref = 0, wtmax = 0, wtpref = 0;
};
Result<TransferSizes> FsInfo(AsyncNfs& c, const Fh& root);

// Runs one Start* call to completion: Sync(c, [&](Done d) { return StartNull(c, d); }).
Status Sync(AsyncNfs& c, const std::function<Status(Done)>& start);

// LOOKUP of `name` in `dir`; MKDIR first when it is missing.
Result<Fh> LookupOrMkdir(AsyncNfs& c, const Fh& dir, const std::string& name);

}  // namespace volumed::bench
