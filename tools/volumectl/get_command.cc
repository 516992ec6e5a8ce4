// get: files, trees and symlinks out of a volume, or one file to stdout (see transfer.h).
#include <nfsc/libnfs.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
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

// A Times as utimensat/futimens take it.
std::array<timespec, 2> Timespecs(const Times& t) {
  return {timespec{static_cast<time_t>(t.atime_sec), t.atime_nsec},
          timespec{static_cast<time_t>(t.mtime_sec), t.mtime_nsec}};
}

bool HasGlob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

// Expands globs component by component.
CliResult<std::vector<std::string>> Expand(NfsSession& s, const RemotePath& rp) {
  if (!HasGlob(rp.path)) return std::vector<std::string>{rp.path};
  std::vector<std::string> current{"/"};
  size_t pos = 1;
  while (pos <= rp.path.size()) {
    size_t end = rp.path.find('/', pos);
    if (end == std::string::npos) end = rp.path.size();
    const std::string comp = rp.path.substr(pos, end - pos);
    pos = end + 1;
    if (comp.empty()) continue;
    std::vector<std::string> next;
    for (const std::string& dir : current) {
      if (!HasGlob(comp)) {
        next.push_back(JoinPath(dir, comp));
        continue;
      }
      CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, dir);
      if (!entries.ok()) continue;  // not a directory: no match below it
      for (const RemoteEntry& e : *entries) {
        if (fnmatch(comp.c_str(), e.name.c_str(), FNM_PERIOD) == 0)
          next.push_back(JoinPath(dir, e.name));
      }
    }
    current = std::move(next);
  }
  if (current.empty()) return Fail(Exit::kNotFound, "no match for " + rp.Display());
  return current;
}

CliResult<size_t> ReadRemote(NfsSession& s, nfsfh* fh, char* buf, size_t size, uint64_t offset,
                             const std::string& path) {
  const int rc = nfs_pread(s.ctx(), fh, offset, size, buf);
  if (rc < 0) return s.IoError(rc, fh, path, /*writing=*/false);
  return static_cast<size_t>(rc);
}

// Copies the remote file `path` through `write`.
CliStatus ReadRemoteFile(NfsSession& s, const std::string& path, const ChunkWriter& write,
                         Progress* progress) {
  nfsfh* fh = nullptr;
  if (int rc = nfs_open(s.ctx(), path.c_str(), O_RDONLY, &fh); rc < 0) return s.Error(rc, path);
  CliStatus result =
      CopyChunks([&](char* buf, size_t size,
                     uint64_t offset) { return ReadRemote(s, fh, buf, size, offset, path); },
                 write, progress);
  nfs_close(s.ctx(), fh);
  return result;
}

CliStatus DownloadFile(NfsSession& s, const Item& item, bool force, Progress* progress) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  const int fd = open(item.local.c_str(), flags, 0600);
  if (fd < 0) return LocalError(errno, item.local);
  CliStatus result = ReadRemoteFile(
      s, item.remote,
      [&](const char* buf, size_t n, uint64_t) { return WriteLocal(fd, buf, n, item.local); },
      progress);
  if (result.ok()) {
    fchmod(fd, item.mode);
    futimens(fd, Timespecs(item.times).data());
  }
  if (close(fd) != 0 && result.ok()) result = LocalError(errno, item.local);
  progress->AddFile();
  return result;
}

CliStatus StreamToStdout(NfsSession& s, const std::string& path) {
  CliStatus result = ReadRemoteFile(
      s, path,
      [](const char* buf, size_t n, uint64_t) {
        if (std::fwrite(buf, 1, n, stdout) != n) {
          return Fail(Exit::kFailure, "writing to stdout failed");
        }
        return CliStatus::Ok();
      },
      nullptr);
  std::fflush(stdout);
  return result;
}

CliStatus MakeLocalLink(const Item& item, bool force) {
  if (force) unlink(item.local.c_str());
  if (symlink(item.link_target.c_str(), item.local.c_str()) != 0) {
    return LocalError(errno, item.local);
  }
  utimensat(AT_FDCWD, item.local.c_str(), Timespecs(item.times).data(), AT_SYMLINK_NOFOLLOW);
  return CliStatus::Ok();
}

// Walks a remote tree, planning local directories, files and symlinks.
class GetPlanner {
 public:
  GetPlanner(bool force, Plan* plan) : force_(force), plan_(plan) {}

  CliStatus Add(NfsSession& s, const std::string& remote, const std::string& local,
                const RemoteEntry& e) {
    Item item{local,  remote, s.volume(),
              e.mode, e.size, {e.atime_sec, e.mtime_sec, e.atime_nsec, e.mtime_nsec},
              {}};
    if (e.type == 'd') {
      plan_->dirs.push_back(item);
      CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, remote);
      if (!entries.ok()) return entries.status();
      for (const RemoteEntry& child : *entries) {
        if (CliStatus st = Add(s, JoinPath(remote, child.name),
                               (fs::path(local) / child.name).string(), child);
            !st.ok()) {
          return st;
        }
      }
      return CliStatus::Ok();
    }
    if (e.type != '-' && e.type != 'l') {
      fmt::print(stderr, "volumectl: skipping {}:{}: not a file, directory or symlink\n",
                 s.volume(), remote);
      return CliStatus::Ok();
    }
    std::error_code ec;
    if (!force_ && fs::symlink_status(local, ec).type() != fs::file_type::not_found) {
      return Fail(Exit::kExists, local + ": already exists (use --force to overwrite)");
    }
    if (e.type == 'l') {
      CliResult<std::string> target = ReadRemoteLink(s, remote);
      if (!target.ok()) return target.status();
      item.link_target = std::move(*target);
      plan_->links.push_back(std::move(item));
    } else {
      plan_->file_bytes += e.size;
      plan_->files.push_back(std::move(item));
    }
    return CliStatus::Ok();
  }

 private:
  const bool force_;
  Plan* plan_;
};

}  // namespace

CliStatus GetCommand(const TransferOptions& options, const std::vector<std::string>& sources,
                     const std::string& dest) {
  const auto started = std::chrono::steady_clock::now();
  if (dest == "-" && options.json) {
    return Fail(Exit::kUsage, "get to stdout ('-') takes no --json: stdout holds the file");
  }
  std::map<std::string, std::unique_ptr<NfsSession>> sessions;
  std::vector<std::pair<std::string, std::string>> remotes;  // (volume, path)
  for (const std::string& spec : sources) {
    if (spec.find(':') == std::string::npos) {
      return Fail(Exit::kUsage, "get wants NAME:PATH sources, not '" + spec + "'");
    }
    CliResult<RemotePath> rp = ParseRemotePath(spec);
    if (!rp.ok()) return rp.status();
    auto& session = sessions[rp->volume];
    if (!session) {
      CliResult<std::unique_ptr<NfsSession>> s = NfsSession::Open(options.target, rp->volume);
      if (!s.ok()) return s.status();
      session = std::move(*s);
    }
    CliResult<std::vector<std::string>> paths = Expand(*session, *rp);
    if (!paths.ok()) return paths.status();
    for (const std::string& p : *paths) remotes.emplace_back(rp->volume, p);
  }

  if (dest == "-") {
    for (const auto& [volume, path] : remotes) {
      CliResult<RemoteEntry> e = StatRemote(*sessions[volume], path, true);
      if (!e.ok()) return e.status();
      if (e->type != '-')
        return Fail(Exit::kUsage,
                    volume + ":" + path + " is not a regular file; cannot write it to stdout");
      if (CliStatus st = StreamToStdout(*sessions[volume], path); !st.ok()) return st;
    }
    return CliStatus::Ok();
  }

  std::error_code ec;
  bool into_dir = fs::is_directory(dest, ec);
  if (!into_dir && remotes.size() > 1) {
    if (fs::exists(dest, ec)) return Fail(Exit::kUsage, dest + " is not a directory");
    if (!fs::create_directories(dest, ec) && ec) return LocalError(ec.value(), dest);
    into_dir = true;
  }

  Plan plan;
  GetPlanner planner(options.force, &plan);
  for (const auto& [volume, path] : remotes) {
    NfsSession& s = *sessions[volume];
    CliResult<RemoteEntry> e = StatRemote(s, path);
    if (!e.ok()) return e.status();
    const std::string base = path == "/" ? volume : BaseName(path);
    const std::string local = into_dir ? (fs::path(dest) / base).string() : dest;
    if (CliStatus st = planner.Add(s, path, local, *e); !st.ok()) return st;
  }

  for (const Item& d : plan.dirs) {
    if (mkdir(d.local.c_str(), 0700) != 0 && errno != EEXIST) return LocalError(errno, d.local);
    if (!fs::is_directory(d.local, ec))
      return Fail(Exit::kExists, d.local + ": exists and is not a directory");
  }
  Errors errors;
  for (const Item& l : plan.links) {
    if (CliStatus st = MakeLocalLink(l, options.force); !st.ok()) errors.Add(std::move(st));
  }
  Progress progress("get", plan.files.size(), plan.file_bytes);
  progress.Start();
  RunParallel(options.target, options.jobs, plan.files, &errors,
              [&](NfsSession& session, const Item& item) {
                return DownloadFile(session, item, options.force, &progress);
              });
  progress.Finish();
  for (auto it = plan.dirs.rbegin(); it != plan.dirs.rend(); ++it) {
    chmod(it->local.c_str(), it->mode);
    utimensat(AT_FDCWD, it->local.c_str(), Timespecs(it->times).data(), 0);
  }
  CliStatus result = errors.Result();
  if (result.ok() && options.json) PrintSummary(plan, std::chrono::steady_clock::now() - started);
  return result;
}

void AddGetCommand(CLI::App& app, CliContext& ctx) {
  auto f = std::make_shared<TransferFlags>();
  CLI::App* c = app.add_subcommand("get", "copy files out of a volume: NAME:PATH... LOCAL|-");
  c->add_option("args", f->args, "NAME:PATH... LOCAL (or - for stdout); PATH may hold globs")
      ->required()
      ->expected(2, -1);
  c->add_flag("-f,--force", f->transfer.force, "overwrite existing local files");
  c->add_option("-j,--jobs", f->transfer.jobs, "files copied at once (default 4)");
  c->add_flag("--json", f->transfer.json, "print a summary as JSON");
  c->callback(TransferCallback(ctx, f, &GetCommand));
}

}  // namespace volumectl
