// put: local files, trees and symlinks into a volume (see transfer.h).
#include <nfsc/libnfs.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

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
  CliResult<std::unique_ptr<NfsSession>> opened = NfsSession::Open(options.target, rp->volume);
  if (!opened.ok()) return opened.status();
  NfsSession& s = **opened;

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
  CliStatus result = errors.Result();
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
  c->callback(TransferCallback(ctx, f, &PutCommand));
}

}  // namespace volumectl
