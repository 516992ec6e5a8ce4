// NfsSession: one libnfs mount of one volume (nfs://HOST/NAME), through which volumectl's
// file commands work, so that they work from any host the volume's policy admits. Paths
// are absolute within the volume ("/a/b"). Errors become CliStatus with a plain message.
//
// When several gateways share the store (README "Scaling out"), the host given may not
// serve the volume (MOUNT answers NOENT) or may not answer at all: the session then
// mounts from the address NfsTarget::locate gives for the volume, when it is another.
//
// Thread-safety: none; a libnfs context belongs to one thread. Parallel transfers open
// one session per worker.
#pragma once

// libnfs.h and libtirpc's rpc.h cannot meet in one translation unit (both declare
// AUTH); only the .cc files that call libnfs include it.
struct nfs_context;
struct nfsfh;

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "cli_result.h"

namespace volumectl {

struct NfsTarget {
  std::string host = "127.0.0.1";
  int nfs_port = 0;    // 0 = ask the portmapper
  int mount_port = 0;  // 0 = ask the portmapper
  // The address of the gateway serving volume `volume` (or "NAME@SNAP"), "" when not
  // known; unset: only `host` is tried (owner_locator.h).
  std::function<std::string(const std::string& volume)> locate;
  // The volumes found served elsewhere than `host`, and where: shared by the copies of a
  // target, so that the sessions opened after the first (parallel transfer workers) go
  // there directly.
  struct Followed {
    std::mutex mu;
    std::map<std::string, std::string> host;  // volume -> where it was mounted from
  };
  std::shared_ptr<Followed> followed = std::make_shared<Followed>();
};

class NfsSession {
 public:
  static CliResult<std::unique_ptr<NfsSession>> Open(const NfsTarget& target,
                                                     const std::string& volume);
  ~NfsSession();
  NfsSession(const NfsSession&) = delete;
  NfsSession& operator=(const NfsSession&) = delete;

  nfs_context* ctx() { return nfs_; }
  const std::string& volume() const { return volume_; }

  // Words a failed libnfs call (rc < 0, a -errno) for the user: "vol:/a/b: what".
  CliStatus Error(int rc, std::string_view path) const;
  // For a failed nfs_pread/nfs_pwrite: libnfs 4.0 reports every failed READ/WRITE as
  // -EFAULT and loses the NFS status, so the cause is found by asking the server again
  // (GETATTR of the file: STALE and the like; FSSTAT after a write: quota or space).
  CliStatus IoError(int rc, nfsfh* fh, std::string_view path, bool writing);

 private:
  NfsSession(nfs_context* nfs, std::string volume) : nfs_(nfs), volume_(std::move(volume)) {}
  nfs_context* nfs_;
  std::string volume_;
};

}  // namespace volumectl
