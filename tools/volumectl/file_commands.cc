#include <nfsc/libnfs.h>

#include "file_commands.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "json_writer.h"
#include "progress.h"
#include "remote_link.h"
#include "remote_path.h"

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

std::string ModeString(const RemoteEntry& e) {
  std::string s(10, '-');
  s[0] = e.type;
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if (e.mode & (0400u >> i)) s[1 + i] = rwx[i];
  }
  if (e.mode & S_ISUID) s[3] = (e.mode & 0100) ? 's' : 'S';
  if (e.mode & S_ISGID) s[6] = (e.mode & 0010) ? 's' : 'S';
  if (e.mode & S_ISVTX) s[9] = (e.mode & 0001) ? 't' : 'T';
  return s;
}

std::string TimeString(int64_t sec) {
  const time_t t = static_cast<time_t>(sec);
  tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &local);
  return buf;
}

void WriteEntryJson(JsonWriter& j, const RemoteEntry& e) {
  const char* type = e.type == 'd'   ? "directory"
                     : e.type == 'l' ? "symlink"
                     : e.type == '-' ? "file"
                                     : "special";
  j.BeginObject()
      .Key("name")
      .String(e.name)
      .Key("type")
      .String(type)
      .Key("mode")
      .Uint(e.mode)
      .Key("nlink")
      .Uint(e.nlink)
      .Key("uid")
      .Uint(e.uid)
      .Key("gid")
      .Uint(e.gid)
      .Key("size")
      .Uint(e.size)
      .Key("used")
      .Uint(e.used)
      .Key("mtime_ns")
      .Int(e.mtime_sec * 1'000'000'000 + e.mtime_nsec);
  if (e.type == 'l') j.Key("target").String(e.target);
  j.EndObject();
}

// What ls, du and rm start from: a session on NAME[:PATH] and PATH's own entry.
struct Opened {
  RemotePath where;
  std::unique_ptr<NfsSession> session;
  RemoteEntry self;
};

CliResult<Opened> OpenAndStat(const NfsTarget& target, const std::string& spec) {
  CliResult<RemotePath> rp = ParseRemotePath(spec);
  if (!rp.ok()) return rp.status();
  CliResult<std::unique_ptr<NfsSession>> s = NfsSession::Open(target, rp->volume);
  if (!s.ok()) return s.status();
  CliResult<RemoteEntry> self = StatRemote(**s, rp->path);
  if (!self.ok()) return self.status();
  return Opened{std::move(*rp), std::move(*s), std::move(*self)};
}

// What du counts: a symlink is counted apart, its target's length is not file bytes.
struct DuTotals {
  uint64_t bytes = 0, used = 0, files = 0, dirs = 0, links = 0;
};

void CountLeaf(const RemoteEntry& e, DuTotals* t) {
  if (e.type == 'l') {
    ++t->links;
    return;
  }
  ++t->files;
  t->bytes += e.size;
  t->used += e.used;
}

CliStatus Walk(NfsSession& s, const std::string& path, DuTotals* t) {
  CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, path);
  if (!entries.ok()) return entries.status();
  for (const RemoteEntry& e : *entries) {
    if (e.type == 'd') {
      ++t->dirs;
      if (CliStatus st = Walk(s, JoinPath(path, e.name), t); !st.ok()) return st;
    } else {
      CountLeaf(e, t);
    }
  }
  return CliStatus::Ok();
}

CliStatus RemoveTree(NfsSession& s, const std::string& path) {
  CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, path);
  if (!entries.ok()) return entries.status();
  for (const RemoteEntry& e : *entries) {
    const std::string child = JoinPath(path, e.name);
    if (e.type == 'd') {
      if (CliStatus st = RemoveTree(s, child); !st.ok()) return st;
      if (int rc = nfs_rmdir(s.ctx(), child.c_str()); rc < 0) return s.Error(rc, child);
    } else if (int rc = nfs_unlink(s.ctx(), child.c_str()); rc < 0) {
      return s.Error(rc, child);
    }
  }
  return CliStatus::Ok();
}

}  // namespace

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

CliStatus LsCommand(const NfsTarget& target, const std::string& spec, bool long_format, bool json) {
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  NfsSession& s = *o->session;
  const bool is_dir = o->self.type == 'd';
  std::vector<RemoteEntry> entries;
  if (is_dir) {
    CliResult<std::vector<RemoteEntry>> listed = ReadRemoteDir(s, o->where.path);
    if (!listed.ok()) return listed.status();
    entries = std::move(*listed);
  } else {
    entries.push_back(o->self);
  }
  if (long_format || json) {
    for (RemoteEntry& e : entries) {
      if (e.type != 'l') continue;
      const std::string path = is_dir ? JoinPath(o->where.path, e.name) : o->where.path;
      CliResult<std::string> link = ReadRemoteLink(s, path);
      if (!link.ok()) return link.status();
      e.target = std::move(*link);
    }
  }
  if (json) {
    JsonWriter j;
    j.BeginArray();
    for (const RemoteEntry& e : entries) WriteEntryJson(j, e);
    j.EndArray();
    j.Print();
    return CliStatus::Ok();
  }
  for (const RemoteEntry& e : entries) {
    const char* suffix = e.type == 'd' ? "/" : "";
    if (long_format) {
      std::printf("%s %3u %5u %5u %12llu %s %s%s%s%s\n", ModeString(e).c_str(), e.nlink, e.uid,
                  e.gid, static_cast<unsigned long long>(e.size), TimeString(e.mtime_sec).c_str(),
                  e.name.c_str(), suffix, e.type == 'l' ? " -> " : "", e.target.c_str());
    } else {
      std::printf("%s%s\n", e.name.c_str(), suffix);
    }
  }
  return CliStatus::Ok();
}

CliStatus RmCommand(const NfsTarget& target, const std::string& spec, bool recursive) {
  if (spec.find(':') == std::string::npos) {
    if (CliResult<RemotePath> rp = ParseRemotePath(spec); !rp.ok()) return rp.status();
    return Fail(Exit::kUsage, "rm wants NAME:PATH (to delete a whole volume, use `delete`)");
  }
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  NfsSession& session = *o->session;
  const RemotePath& rp = o->where;
  // A symlink is removed itself, never what it points to.
  if (o->self.type != 'd') {
    if (int rc = nfs_unlink(session.ctx(), rp.path.c_str()); rc < 0) {
      return session.Error(rc, rp.path);
    }
    return CliStatus::Ok();
  }
  if (!recursive) {
    return Fail(Exit::kFailure,
                rp.Display() + " is a directory (use -r to remove it and all it holds)");
  }
  if (CliStatus st = RemoveTree(session, rp.path); !st.ok()) return st;
  if (rp.path != "/") {
    if (int rc = nfs_rmdir(session.ctx(), rp.path.c_str()); rc < 0) {
      return session.Error(rc, rp.path);
    }
  }
  return CliStatus::Ok();
}

CliStatus DuCommand(const NfsTarget& target, const std::string& spec, bool json) {
  CliResult<Opened> o = OpenAndStat(target, spec);
  if (!o.ok()) return o.status();
  const RemotePath& rp = o->where;
  DuTotals t;
  if (o->self.type == 'd') {
    if (CliStatus st = Walk(*o->session, rp.path, &t); !st.ok()) return st;
  } else {
    CountLeaf(o->self, &t);
  }
  if (json) {
    JsonWriter j;
    j.BeginObject()
        .Key("path")
        .String(rp.Display())
        .Key("bytes")
        .Uint(t.bytes)
        .Key("used_bytes")
        .Uint(t.used)
        .Key("files")
        .Uint(t.files)
        .Key("directories")
        .Uint(t.dirs)
        .Key("symlinks")
        .Uint(t.links)
        .EndObject();
    j.Print();
  } else {
    const std::string links = t.links == 0 ? "" : ", " + std::to_string(t.links) + " symlinks";
    std::printf("%s\t%llu bytes in %llu files, %llu directories%s\t%s\n",
                HumanBytes(t.bytes).c_str(), static_cast<unsigned long long>(t.bytes),
                static_cast<unsigned long long>(t.files), static_cast<unsigned long long>(t.dirs),
                links.c_str(), rp.Display().c_str());
  }
  return CliStatus::Ok();
}

}  // namespace volumectl
