#include <nfsc/libnfs.h>

#include "file_commands.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "json_output.h"
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

namespace {

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
    Json list = Json::array();
    for (const RemoteEntry& e : entries) list.push_back(EntryJson(e));
    PrintJson(list);
    return CliStatus::Ok();
  }
  for (const RemoteEntry& e : entries) {
    const char* suffix = e.type == 'd' ? "/" : "";
    if (long_format) {
      fmt::print("{} {:3} {:5} {:5} {:12} {} {}{}{}{}\n", ModeString(e), e.nlink, e.uid, e.gid,
                 e.size, TimeString(e.mtime_sec), e.name, suffix, e.type == 'l' ? " -> " : "",
                 e.target);
    } else {
      fmt::print("{}{}\n", e.name, suffix);
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
    PrintJson({{"path", rp.Display()},
               {"bytes", t.bytes},
               {"used_bytes", t.used},
               {"files", t.files},
               {"directories", t.dirs},
               {"symlinks", t.links}});
  } else {
    const std::string links = t.links == 0 ? "" : ", " + std::to_string(t.links) + " symlinks";
    fmt::print("{}\t{} bytes in {} files, {} directories{}\t{}\n", HumanBytes(t.bytes), t.bytes,
               t.files, t.dirs, links, rp.Display());
  }
  return CliStatus::Ok();
}

// ---- registration ----

namespace {

struct PathFlags {
  std::string spec;
  bool json = false;
  bool long_format = false;
  bool recursive = false;
};

}  // namespace

void AddLsCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<PathFlags>();
  CLI::App* c = app.add_subcommand("ls", "list a directory of a volume: NAME[:PATH]");
  c->add_option("path", f->spec, "NAME[:PATH]")->required();
  c->add_flag("-l,--long", f->long_format, "long listing");
  c->add_flag("--json", f->json, "print JSON");
  c->callback([&ctx, f] { ctx.Finish(LsCommand(ctx.nfs, f->spec, f->long_format, f->json)); });
}

void AddRmCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<PathFlags>();
  CLI::App* c = app.add_subcommand("rm", "remove a file (or, with -r, a tree) from a volume");
  c->add_option("path", f->spec, "NAME:PATH")->required();
  c->add_flag("-r,--recursive", f->recursive, "remove directories and their contents");
  c->callback([&ctx, f] { ctx.Finish(RmCommand(ctx.nfs, f->spec, f->recursive)); });
}

void AddDuCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<PathFlags>();
  CLI::App* c = app.add_subcommand("du", "bytes and files used under NAME[:PATH]");
  c->add_option("path", f->spec, "NAME[:PATH]")->required();
  c->add_flag("--json", f->json, "print JSON");
  c->callback([&ctx, f] { ctx.Finish(DuCommand(ctx.nfs, f->spec, f->json)); });
}

}  // namespace volumectl
