#include <nfsc/libnfs.h>

#include "nfs_session.h"

#include <errno.h>

#include <sys/statvfs.h>

#include <cstring>

namespace volumectl {

namespace {

// Mounts `volume` from target.host; the context belongs to the caller.
CliResult<nfs_context*> Mount(const NfsTarget& target, const std::string& volume) {
  nfs_context* nfs = nfs_init_context();
  if (nfs == nullptr) return Fail(Exit::kFailure, "cannot initialise libnfs");
  nfs_set_timeout(nfs, 30'000);
  std::string url = "nfs://" + target.host + "/" + volume;
  std::string sep = "?";
  if (target.nfs_port > 0) {
    url += sep + "nfsport=" + std::to_string(target.nfs_port);
    sep = "&";
  }
  if (target.mount_port > 0) url += sep + "mountport=" + std::to_string(target.mount_port);
  nfs_url* parsed = nfs_parse_url_dir(nfs, url.c_str());
  if (parsed == nullptr) {
    std::string err = nfs_get_error(nfs);
    nfs_destroy_context(nfs);
    return Fail(Exit::kUsage, "bad server or volume '" + url + "': " + err);
  }
  const int rc = nfs_mount(nfs, parsed->server, parsed->path);
  nfs_destroy_url(parsed);
  if (rc != 0) {
    const std::string err = nfs_get_error(nfs);
    nfs_destroy_context(nfs);
    if (err.find("MNT3ERR_NOENT") != std::string::npos) {
      return Fail(Exit::kNotFound, "no volume named '" + volume + "' on " + target.host);
    }
    if (err.find("MNT3ERR_ACCES") != std::string::npos ||
        err.find("MNT3ERR_PERM") != std::string::npos) {
      return Fail(Exit::kDenied, target.host + " does not let this client mount volume '" + volume +
                                     "' (its export policy refuses this address)");
    }
    if (err.find("MNT3ERR_") != std::string::npos || err.find("NFS3ERR_") != std::string::npos) {
      return Fail(Exit::kFailure, "mounting " + target.host + ":/" + volume + " failed: " + err);
    }
    // Anything else is the transport: refused, reset ("nfs_service failed"), timed out, no
    // portmapper or no MOUNT program registered with it.
    return Fail(Exit::kNoServer, "no NFS server answers at " + target.host +
                                     " (use --server, --nfs-port, --mount-port): " + err);
  }
  return nfs;
}

}  // namespace

CliResult<std::unique_ptr<NfsSession>> NfsSession::Open(const NfsTarget& target,
                                                        const std::string& volume) {
  NfsTarget first = target;
  {
    std::lock_guard<std::mutex> lock(target.followed->mu);
    if (auto it = target.followed->host.find(volume); it != target.followed->host.end()) {
      first.host = it->second;
    }
  }
  CliResult<nfs_context*> nfs = Mount(first, volume);
  const Exit failed = nfs.ok() ? Exit::kOk : nfs.status().exit;
  // The host given does not serve the volume, or does not answer: follow its gateway.
  if ((failed == Exit::kNotFound || failed == Exit::kNoServer) && target.locate) {
    const std::string there = target.locate(volume);
    if (!there.empty() && there != first.host) {
      NfsTarget owner = target;
      owner.host = there;
      nfs = Mount(owner, volume);
      if (nfs.ok()) {
        std::lock_guard<std::mutex> lock(target.followed->mu);
        target.followed->host[volume] = there;
      }
    }
  }
  if (!nfs.ok()) return nfs.status();
  return std::unique_ptr<NfsSession>(new NfsSession(*nfs, volume));
}

NfsSession::~NfsSession() {
  if (nfs_ != nullptr) {
    nfs_umount(nfs_);
    nfs_destroy_context(nfs_);
  }
}

CliStatus NfsSession::Error(int rc, std::string_view path) const {
  const int err = rc < 0 ? -rc : EIO;
  const std::string where = volume_ + ":" + std::string(path) + ": ";
  switch (err) {
    case ENOENT:
      return Fail(Exit::kNotFound, where + "no such file or directory");
    case EEXIST:
      return Fail(Exit::kExists, where + "already exists");
    case EACCES:
    case EPERM:
      return Fail(Exit::kDenied, where + "permission denied");
    case EROFS:
      return Fail(Exit::kDenied, where + "the volume is read-only");
    case EDQUOT:
      return Fail(Exit::kFailure, where + "the volume's quota is used up");
    case ENOSPC:
      return Fail(Exit::kFailure, where + "no space left on the volume");
    case ENOTDIR:
      return Fail(Exit::kFailure, where + "not a directory");
    case EISDIR:
      return Fail(Exit::kFailure, where + "is a directory");
    case ENOTEMPTY:
      return Fail(Exit::kFailure, where + "directory not empty");
    case ESTALE:
      return Fail(Exit::kNotFound, where + "the volume was deleted (stale handle)");
    default:
      return Fail(Exit::kFailure, where + std::strerror(err) + " (" + nfs_get_error(nfs_) + ")");
  }
}

}  // namespace volumectl

namespace volumectl {

CliStatus NfsSession::IoError(int rc, nfsfh* fh, std::string_view path, bool writing) {
  if (rc != -EFAULT) return Error(rc, path);
  nfs_stat_64 st{};
  if (int r = nfs_fstat64(nfs_, fh, &st); r < 0) return Error(r, path);
  if (writing) {
    struct statvfs sv {};
    if (nfs_statvfs(nfs_, "/", &sv) == 0 &&
        static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize < (uint64_t{2} << 20)) {
      return Error(-EDQUOT, path);
    }
  }
  return Fail(Exit::kFailure, volume_ + ":" + std::string(path) + ": the server failed the " +
                                  (writing ? "write" : "read"));
}

}  // namespace volumectl
