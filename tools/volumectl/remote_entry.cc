#include <nfsc/libnfs.h>

#include "remote_entry.h"

#include <sys/stat.h>

#include <algorithm>

namespace volumectl {
namespace {

char TypeLetter(uint64_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return 'd';
    case S_IFLNK:
      return 'l';
    case S_IFBLK:
      return 'b';
    case S_IFCHR:
      return 'c';
    case S_IFSOCK:
      return 's';
    case S_IFIFO:
      return 'p';
    default:
      return '-';
  }
}

// libnfs reports ftype3 numbers in nfsdirent::type (NF3REG = 1 ... NF3FIFO = 7).
char TypeLetterFromFtype(uint32_t type) {
  static const char kLetters[] = {'?', '-', 'd', 'b', 'c', 'l', 's', 'p'};
  return type < sizeof kLetters ? kLetters[type] : '?';
}

}  // namespace

// Names that are not UTF-8 follow json_output.h's policy: replaced, plus "name_hex".
Json EntryJson(const RemoteEntry& e) {
  const char* type = e.type == 'd'   ? "directory"
                     : e.type == 'l' ? "symlink"
                     : e.type == '-' ? "file"
                                     : "special";
  Json out = Json::object();
  PutName(out, "name", e.name);
  out["type"] = type;
  out["mode"] = e.mode;
  out["nlink"] = e.nlink;
  out["uid"] = e.uid;
  out["gid"] = e.gid;
  out["size"] = e.size;
  out["used"] = e.used;
  out["mtime_ns"] = e.mtime_sec * 1'000'000'000 + e.mtime_nsec;
  if (e.type == 'l') PutName(out, "target", e.target);
  return out;
}

CliResult<RemoteEntry> StatRemote(NfsSession& s, const std::string& path, bool follow) {
  nfs_stat_64 st{};
  const int rc =
      follow ? nfs_stat64(s.ctx(), path.c_str(), &st) : nfs_lstat64(s.ctx(), path.c_str(), &st);
  if (rc < 0) return s.Error(rc, path);
  RemoteEntry e;
  e.name = BaseName(path);
  e.type = TypeLetter(st.nfs_mode);
  e.mode = static_cast<uint32_t>(st.nfs_mode & 07777);
  e.nlink = static_cast<uint32_t>(st.nfs_nlink);
  e.uid = static_cast<uint32_t>(st.nfs_uid);
  e.gid = static_cast<uint32_t>(st.nfs_gid);
  e.size = st.nfs_size;
  e.used = st.nfs_used;
  e.mtime_sec = static_cast<int64_t>(st.nfs_mtime);
  e.mtime_nsec = static_cast<uint32_t>(st.nfs_mtime_nsec);
  e.atime_sec = static_cast<int64_t>(st.nfs_atime);
  e.atime_nsec = static_cast<uint32_t>(st.nfs_atime_nsec);
  return e;
}

CliResult<std::vector<RemoteEntry>> ReadRemoteDir(NfsSession& s, const std::string& path) {
  nfsdir* dir = nullptr;
  if (int rc = nfs_opendir(s.ctx(), path.c_str(), &dir); rc < 0) return s.Error(rc, path);
  std::vector<RemoteEntry> out;
  while (nfsdirent* d = nfs_readdir(s.ctx(), dir)) {
    const std::string_view name = d->name;
    if (name == "." || name == "..") continue;
    RemoteEntry e;
    e.name = d->name;
    e.type = TypeLetterFromFtype(d->type);
    e.mode = d->mode & 07777;
    e.nlink = d->nlink;
    e.uid = d->uid;
    e.gid = d->gid;
    e.size = d->size;
    e.used = d->used;
    e.mtime_sec = d->mtime.tv_sec;
    e.mtime_nsec = d->mtime_nsec;
    e.atime_sec = d->atime.tv_sec;
    e.atime_nsec = d->atime_nsec;
    out.push_back(std::move(e));
  }
  nfs_closedir(s.ctx(), dir);
  std::sort(out.begin(), out.end(),
            [](const RemoteEntry& a, const RemoteEntry& b) { return a.name < b.name; });
  return out;
}

CliStatus RemoveRemoteContents(NfsSession& s, const std::string& path) {
  CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, path);
  if (!entries.ok()) return entries.status();
  for (const RemoteEntry& e : *entries) {
    if (CliStatus st = RemoveRemote(s, JoinPath(path, e.name), e.type); !st.ok()) return st;
  }
  return CliStatus::Ok();
}

CliStatus RemoveRemote(NfsSession& s, const std::string& path, char type) {
  if (type != 'd') {
    if (int rc = nfs_unlink(s.ctx(), path.c_str()); rc < 0) return s.Error(rc, path);
    return CliStatus::Ok();
  }
  if (CliStatus st = RemoveRemoteContents(s, path); !st.ok()) return st;
  if (int rc = nfs_rmdir(s.ctx(), path.c_str()); rc < 0) return s.Error(rc, path);
  return CliStatus::Ok();
}

CliResult<Opened> OpenAndStat(const NfsTarget& target, const std::string& spec) {
  CliResult<RemotePath> rp = ParseRemotePath(spec);
  if (!rp.ok()) return rp.status();
  CliResult<std::unique_ptr<NfsSession>> s = NfsSession::Open(target, rp->volume);
  if (!s.ok()) return s.status();
  CliResult<RemoteEntry> self = StatRemote(**s, rp->path);
  if (!self.ok()) return self.status();
  return Opened{std::move(*rp), std::move(*s), std::move(*self)};
}

}  // namespace volumectl
