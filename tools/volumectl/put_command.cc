// put: local files, trees and symlinks into a volume (see transfer.h).
#include <nfsc/libnfs.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "remote_entry.h"
#include "remote_link.h"
#include "remote_path.h"
#include "transfer.h"
#include "transfer_parts.h"

namespace volumectl {
namespace {

namespace fs = std::filesystem;

Times TimesOf(const struct stat& st) {
  return {st.st_atim.tv_sec, st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec),
          static_cast<uint32_t>(st.st_mtim.tv_nsec)};
}

CliStatus SetRemoteAttrs(NfsSession& s, const std::string& path, uint32_t mode, const Times& t) {
  if (int rc = nfs_chmod(s.ctx(), path.c_str(), static_cast<int>(mode)); rc < 0) {
    return s.Error(rc, path);
  }
  timeval tv[2] = {
      {static_cast<time_t>(t.atime_sec), static_cast<suseconds_t>(t.atime_nsec / 1000)},
      {static_cast<time_t>(t.mtime_sec), static_cast<suseconds_t>(t.mtime_nsec / 1000)}};
  if (int rc = nfs_utimes(s.ctx(), path.c_str(), tv); rc < 0) return s.Error(rc, path);
  return CliStatus::Ok();
}

CliStatus WriteRemote(NfsSession& s, nfsfh* fh, const char* buf, size_t n, uint64_t offset,
                      const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const int rc = nfs_pwrite(s.ctx(), fh, offset + done, n - done, buf + done);
    if (rc <= 0) return s.IoError(rc == 0 ? -EIO : rc, fh, path, /*writing=*/true);
    done += static_cast<size_t>(rc);
  }
  return CliStatus::Ok();
}

CliStatus UploadFile(NfsSession& s, const Item& item, Progress* progress) {
  const int fd = open(item.local.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return LocalError(errno, item.local);
  nfsfh* fh = nullptr;
  // Owner write is needed while we fill the file; the real mode is set afterwards.
  if (int rc = nfs_create(s.ctx(), item.remote.c_str(), O_TRUNC, static_cast<int>(item.mode | 0200),
                          &fh);
      rc < 0) {
    close(fd);
    return s.Error(rc, item.remote);
  }
  CliStatus result = CopyChunks(
      [&](char* buf, size_t size, uint64_t) { return ReadLocal(fd, buf, size, item.local); },
      [&](const char* buf, size_t n, uint64_t offset) {
        return WriteRemote(s, fh, buf, n, offset, item.remote);
      },
      progress);
  close(fd);
  if (result.ok()) {
    // COMMIT: when put returns, the bytes are durable on the server.
    if (int rc = nfs_fsync(s.ctx(), fh); rc < 0) result = s.Error(rc, item.remote);
  }
  nfs_close(s.ctx(), fh);
  if (result.ok()) result = SetRemoteAttrs(s, item.remote, item.mode, item.times);
  progress->AddFile();
  return result;
}

CliStatus MakeRemoteDir(NfsSession& s, const std::string& path, uint32_t mode) {
  const int rc = nfs_mkdir2(s.ctx(), path.c_str(), static_cast<int>(mode | 0700));
  if (rc == 0) return CliStatus::Ok();
  if (rc == -EEXIST) {
    CliResult<RemoteEntry> e = StatRemote(s, path, true);
    if (e.ok() && e->type == 'd') return CliStatus::Ok();
    return Fail(Exit::kExists, s.volume() + ":" + path + ": exists and is not a directory");
  }
  return s.Error(rc, path);
}

// Adds the local `path` (lstat'ed as `st`) to the plan as `remote`.
CliStatus AddLocal(const std::string& volume, const std::string& path, const std::string& remote,
                   const struct stat& st, Plan* plan) {
  Item item{path,
            remote,
            volume,
            static_cast<uint32_t>(st.st_mode & 07777),
            static_cast<uint64_t>(st.st_size),
            TimesOf(st),
            {}};
  if (S_ISDIR(st.st_mode)) {
    plan->dirs.push_back(std::move(item));
  } else if (S_ISREG(st.st_mode)) {
    plan->file_bytes += item.size;
    plan->files.push_back(std::move(item));
  } else if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    item.link_target = fs::read_symlink(path, ec).string();
    if (ec) return LocalError(ec.value(), path);
    plan->links.push_back(std::move(item));
  } else {
    fmt::print(stderr, "volumectl: skipping {}: not a file, directory or symlink\n", path);
  }
  return CliStatus::Ok();
}

// Plans `src` (a file, symlink or whole tree) to land at `top` in `volume`.
CliStatus PlanSource(const std::string& volume, const std::string& src, const std::string& top,
                     Plan* plan) {
  struct stat st {};
  if (lstat(src.c_str(), &st) != 0) return LocalError(errno, src);
  if (CliStatus s = AddLocal(volume, src, top, st, plan); !s.ok()) return s;
  if (!S_ISDIR(st.st_mode)) return CliStatus::Ok();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(src, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat cst {};
    if (lstat(it->path().c_str(), &cst) != 0) return LocalError(errno, it->path().string());
    // Lexically: fs::relative() would resolve a symlink to its target's path, putting
    // the link where its target is (the bug that made put skip symlinks before).
    const std::string rel = it->path().lexically_relative(src).generic_string();
    if (CliStatus s = AddLocal(volume, it->path().string(), JoinPath(top, rel), cst, plan);
        !s.ok()) {
      return s;
    }
  }
  if (ec) return LocalError(ec.value(), src);
  return CliStatus::Ok();
}

// Carries out `plan`: directories, links, files (options.jobs at once), then directory
// modes and times.
CliStatus Transfer(const TransferOptions& options, NfsSession& s, const Plan& plan) {
  for (const Item& d : plan.dirs) {
    if (CliStatus st = MakeRemoteDir(s, d.remote, d.mode); !st.ok()) return st;
  }
  Errors errors;
  RunParallel(options.target, options.jobs, plan.links, &errors,
              [](NfsSession& session, const Item& item) {
                return MakeRemoteLink(session, item.remote, item.link_target);
              });
  Progress progress("put", plan.files.size(), plan.file_bytes);
  progress.Start();
  RunParallel(
      options.target, options.jobs, plan.files, &errors,
      [&](NfsSession& session, const Item& item) { return UploadFile(session, item, &progress); });
  progress.Finish();
  // Directory modes and times last, deepest first: filling them changed their mtimes.
  for (auto it = plan.dirs.rbegin(); it != plan.dirs.rend(); ++it) {
    if (CliStatus st = SetRemoteAttrs(s, it->remote, it->mode, it->times); !st.ok()) errors.Add(st);
  }
  return errors.Result();
}

// Six random characters of [a-z0-9]: names put --atomic's staging entries apart.
std::string RandomSuffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 6; ++i) out += kChars[rd() % (sizeof(kChars) - 1)];
  return out;
}

std::string UtcStamp() {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

std::string ParentPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// put --atomic (transfer.h): `source` published at `rp` in one RENAME.
CliStatus PutAtomic(const TransferOptions& options, NfsSession& s, const std::string& source,
                    const RemotePath& rp, Plan* plan) {
  if (rp.path == "/") return Fail(Exit::kUsage, "put --atomic needs NAME:PATH below the root");
  bool replace_link = false;
  if (CliResult<RemoteEntry> existing = StatRemote(s, rp.path); existing.ok()) {
    if (existing->type != 'l') {
      return Fail(Exit::kExists, rp.Display() +
                                     " exists and is not a symbolic link: put --atomic "
                                     "publishes to a new path or replaces a link to a version");
    }
    replace_link = true;
  } else if (existing.status().exit != Exit::kNotFound) {
    return existing.status();
  }
  const std::string parent = ParentPath(rp.path);
  const std::string base = BaseName(rp.path);
  const std::string suffix = RandomSuffix();
  const std::string staging = JoinPath(parent, "." + base + ".staging-" + suffix);
  const std::string version = base + "." + UtcStamp() + "-" + suffix;
  const std::string link = JoinPath(parent, "." + base + ".link-" + suffix);
  // What exists of ours at each point, for the clean-up after a failure.
  std::string made = staging;
  char made_type = 'd';
  CliStatus st = PlanSource(rp.volume, source, staging, plan);
  if (st.ok()) {
    if (!plan->dirs.empty() && plan->dirs.front().remote == staging) {
      made_type = 'd';
    } else {
      made_type = plan->links.empty() ? '-' : 'l';
    }
    st = Transfer(options, s, *plan);
  }
  if (st.ok() && !replace_link) {
    if (int rc = nfs_rename(s.ctx(), staging.c_str(), rp.path.c_str()); rc < 0) {
      st = s.Error(rc, rp.path);
    } else {
      made.clear();
    }
  } else if (st.ok()) {
    const std::string version_path = JoinPath(parent, version);
    if (int rc = nfs_rename(s.ctx(), staging.c_str(), version_path.c_str()); rc < 0) {
      st = s.Error(rc, version_path);
    } else {
      made = version_path;
      st = MakeRemoteLink(s, link, version);
      if (st.ok()) {
        if (int rc = nfs_rename(s.ctx(), link.c_str(), rp.path.c_str()); rc < 0) {
          st = s.Error(rc, rp.path);
          (void)nfs_unlink(s.ctx(), link.c_str());
        } else {
          made.clear();
        }
      }
    }
  }
  if (st.ok() || made.empty()) return st;
  if (CliStatus removed = RemoveRemote(s, made, made_type); !removed.ok()) {
    st.message += "; the partial upload is left at " + s.volume() + ":" + made +
                  " (remove it with `volumectl rm -r " + s.volume() + ":" + made + "`)";
  }
  return st;
}

}  // namespace

CliStatus PutCommand(const TransferOptions& options, const std::vector<std::string>& sources,
                     const std::string& dest) {
  const auto started = std::chrono::steady_clock::now();
  if (dest.find(':') == std::string::npos) {
    return Fail(Exit::kUsage, "put wants NAME:PATH as its last argument, not '" + dest + "'");
  }
  CliResult<RemotePath> rp = ParseRemotePath(dest);
  if (!rp.ok()) return rp.status();
  // Every source must exist before anything is copied.
  for (const std::string& src : sources) {
    struct stat st {};
    if (lstat(src.c_str(), &st) != 0) return LocalError(errno, src);
  }
  if (options.atomic && sources.size() != 1) {
    return Fail(Exit::kUsage, "put --atomic publishes one LOCAL (a tree or a file) at a time");
  }
  CliResult<std::unique_ptr<NfsSession>> opened = NfsSession::Open(options.target, rp->volume);
  if (!opened.ok()) return opened.status();
  NfsSession& s = **opened;
  if (options.atomic) {
    Plan plan;
    CliStatus st = PutAtomic(options, s, sources.front(), *rp, &plan);
    if (st.ok() && options.json) PrintSummary(plan, std::chrono::steady_clock::now() - started);
    return st;
  }

  // Where do sources go?
  bool into_dir = false;
  CliResult<RemoteEntry> target = StatRemote(s, rp->path, true);
  if (target.ok()) {
    into_dir = target->type == 'd';
    if (!into_dir && sources.size() > 1) {
      return Fail(Exit::kUsage, rp->Display() + " is not a directory");
    }
  } else if (target.status().exit == Exit::kNotFound) {
    if (sources.size() > 1 || rp->trailing_slash) {
      if (CliStatus st = MakeRemoteDir(s, rp->path, 0755); !st.ok()) return st;
      into_dir = true;
    }
  } else {
    return target.status();
  }

  Plan plan;
  for (const std::string& src : sources) {
    const fs::path norm = fs::path(src).lexically_normal();
    const std::string base =
        norm.filename().empty() ? norm.parent_path().filename().string() : norm.filename().string();
    const std::string top = into_dir ? JoinPath(rp->path, base) : rp->path;
    if (CliStatus st = PlanSource(rp->volume, src, top, &plan); !st.ok()) return st;
  }

  CliStatus result = Transfer(options, s, plan);
  if (result.ok() && options.json) PrintSummary(plan, std::chrono::steady_clock::now() - started);
  return result;
}

void AddPutCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<TransferFlags>();
  CLI::App* c =
      app.add_subcommand("put", "copy local files and trees into a volume: LOCAL... NAME:PATH");
  c->add_option("args", f->args, "LOCAL... NAME:PATH")->required()->expected(2, -1);
  c->add_option("-j,--jobs", f->transfer.jobs, "files copied at once (default 4)");
  c->add_flag("--json", f->transfer.json, "print a summary as JSON");
  c->add_flag("--atomic", f->transfer.atomic,
              "publish LOCAL at PATH in one step: PATH must not exist, or be a symlink that "
              "is then replaced by a link to the new version");
  c->callback(TransferCallback(ctx, f, &PutCommand));
}

}  // namespace volumectl
