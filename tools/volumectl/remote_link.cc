#include <nfsc/libnfs.h>

#include "remote_link.h"

#include <errno.h>
#include <limits.h>

#include <vector>

#include "remote_entry.h"

namespace volumectl {

CliResult<std::string> ReadRemoteLink(NfsSession& s, const std::string& path) {
  std::vector<char> buf(PATH_MAX + 1, '\0');
  if (int rc = nfs_readlink(s.ctx(), path.c_str(), buf.data(), static_cast<int>(buf.size() - 1));
      rc < 0) {
    return s.Error(rc, path);
  }
  return std::string(buf.data());
}

CliStatus MakeRemoteLink(NfsSession& s, const std::string& path, const std::string& target) {
  if (target.empty() || target.size() >= PATH_MAX) {
    return Fail(Exit::kUsage, s.volume() + ":" + path + ": a link target must have 1 to " +
                                  std::to_string(PATH_MAX - 1) + " bytes");
  }
  int rc = nfs_symlink(s.ctx(), target.c_str(), path.c_str());
  if (rc == -EEXIST) {
    CliResult<RemoteEntry> existing = StatRemote(s, path);
    if (!existing.ok()) return existing.status();
    if (existing->type == 'd') {
      return Fail(Exit::kExists, s.volume() + ":" + path + ": exists and is a directory");
    }
    if (rc = nfs_unlink(s.ctx(), path.c_str()); rc < 0) return s.Error(rc, path);
    rc = nfs_symlink(s.ctx(), target.c_str(), path.c_str());
  }
  if (rc < 0) return s.Error(rc, path);
  return CliStatus::Ok();
}

}  // namespace volumectl
