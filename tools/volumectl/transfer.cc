#include <nfsc/libnfs.h>

#include "transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "file_commands.h"
#include "progress.h"
#include "remote_path.h"

namespace volumectl {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 1 << 20;

struct Times {
  int64_t atime_sec = 0, mtime_sec = 0;
  uint32_t atime_nsec = 0, mtime_nsec = 0;
};

struct Item {
  std::string local;
  std::string remote;  // path inside `volume`
  std::string volume;
  uint32_t mode = 0644;
  uint64_t size = 0;
  Times times;
  std::string link_target;  // symlinks only
};

Times TimesOf(const struct stat& st) {
  return {st.st_atim.tv_sec, st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec),
          static_cast<uint32_t>(st.st_mtim.tv_nsec)};
}

CliStatus LocalError(int err, const std::string& path) {
  switch (err) {
    case ENOENT:
      return Fail(Exit::kNotFound, path + ": no such file or directory");
    case EEXIST:
      return Fail(Exit::kExists, path + ": already exists (use --force to overwrite)");
    case EACCES:
    case EPERM:
      return Fail(Exit::kDenied, path + ": permission denied");
    default:
      return Fail(Exit::kFailure, path + ": " + std::strerror(err));
  }
}

// Collects failures from workers; the first one decides the exit code.
class Errors {
 public:
  // The first failure is returned by Result() (and printed by main); later ones are
  // printed as they happen so that none is lost.
  void Add(CliStatus s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (count_++ == 0) {
      first_ = std::move(s);
    } else {
      std::fprintf(stderr, "volumectl: %s\n", s.message.c_str());
    }
  }
  CliStatus Result() {
    std::lock_guard<std::mutex> lock(mu_);
    CliStatus out = first_;
    if (count_ > 1) out.message += " (" + std::to_string(count_) + " failures in all)";
    return out;
  }

 private:
  std::mutex mu_;
  CliStatus first_;
  int count_ = 0;
};

// Runs `fn(session, item)` over items on `jobs` workers, each with its own sessions.
template <typename Fn>
void RunParallel(const NfsTarget& target, int jobs, const std::vector<Item>& items, Errors* errors,
                 Fn fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    std::map<std::string, std::unique_ptr<NfsSession>> sessions;
    for (size_t i = next++; i < items.size(); i = next++) {
      const Item& item = items[i];
      auto& session = sessions[item.volume];
      if (!session) {
        CliResult<std::unique_ptr<NfsSession>> s = NfsSession::Open(target, item.volume);
        if (!s.ok()) {
          errors->Add(s.status());
          continue;
        }
        session = std::move(*s);
      }
      if (CliStatus st = fn(*session, item); !st.ok()) errors->Add(std::move(st));
    }
  };
  const size_t n = std::clamp<size_t>(static_cast<size_t>(std::max(jobs, 1)), 1,
                                      std::max<size_t>(items.size(), 1));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
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

// ---- put ----

CliStatus UploadFile(NfsSession& s, const Item& item, Progress* progress) {
  const int fd = open(item.local.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return LocalError(errno, item.local);
  nfsfh* fh = nullptr;
  // Owner write is needed while we fill the file; the real mode is set afterwards.
  int rc =
      nfs_create(s.ctx(), item.remote.c_str(), O_TRUNC, static_cast<int>(item.mode | 0200), &fh);
  if (rc < 0) {
    close(fd);
    return s.Error(rc, item.remote);
  }
  std::vector<char> buf(kChunk);
  uint64_t offset = 0;
  CliStatus result;
  for (;;) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      result = LocalError(errno, item.local);
      break;
    }
    if (n == 0) break;
    size_t done = 0;
    while (done < static_cast<size_t>(n)) {
      rc = nfs_pwrite(s.ctx(), fh, offset + done, static_cast<uint64_t>(n) - done,
                      buf.data() + done);
      if (rc <= 0) break;
      done += static_cast<size_t>(rc);
    }
    if (rc <= 0) {
      result = s.IoError(rc == 0 ? -EIO : rc, fh, item.remote, /*writing=*/true);
      break;
    }
    offset += static_cast<uint64_t>(n);
    progress->AddBytes(static_cast<uint64_t>(n));
  }
  close(fd);
  if (result.ok()) {
    // COMMIT: when put returns, the bytes are durable on the server.
    if (rc = nfs_fsync(s.ctx(), fh); rc < 0) result = s.Error(rc, item.remote);
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

}  // namespace

CliStatus PutCommand(const TransferOptions& options, const std::vector<std::string>& sources,
                     const std::string& dest) {
  if (dest.find(':') == std::string::npos) {
    return Fail(Exit::kUsage, "put wants NAME:PATH as its last argument, not '" + dest + "'");
  }
  CliResult<RemotePath> rp = ParseRemotePath(dest);
  if (!rp.ok()) return rp.status();
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

  std::vector<Item> dirs, files, links;
  uint64_t total_bytes = 0;
  for (const std::string& src : sources) {
    struct stat st {};
    if (lstat(src.c_str(), &st) != 0) return LocalError(errno, src);
    const std::string base =
        fs::path(src).lexically_normal().filename().empty()
            ? fs::path(src).lexically_normal().parent_path().filename().string()
            : fs::path(src).lexically_normal().filename().string();
    const std::string top = into_dir ? JoinPath(rp->path, base) : rp->path;
    auto add = [&](const std::string& local, const std::string& remote, const struct stat& lst) {
      Item item{local,
                remote,
                rp->volume,
                static_cast<uint32_t>(lst.st_mode & 07777),
                static_cast<uint64_t>(lst.st_size),
                TimesOf(lst),
                {}};
      if (S_ISDIR(lst.st_mode)) {
        dirs.push_back(item);
      } else if (S_ISREG(lst.st_mode)) {
        total_bytes += item.size;
        files.push_back(item);
      } else if (S_ISLNK(lst.st_mode)) {
        std::error_code ec;
        item.link_target = fs::read_symlink(local, ec).string();
        links.push_back(item);
      } else {
        std::fprintf(stderr, "volumectl: skipping %s: not a file, directory or symlink\n",
                     local.c_str());
      }
    };
    add(src, top, st);
    if (S_ISDIR(st.st_mode)) {
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(src, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        struct stat cst {};
        if (lstat(it->path().c_str(), &cst) != 0) return LocalError(errno, it->path().string());
        const std::string rel = fs::relative(it->path(), src).generic_string();
        add(it->path().string(), JoinPath(top, rel), cst);
      }
      if (ec) return LocalError(ec.value(), src);
    }
  }

  for (const Item& d : dirs) {
    if (CliStatus st = MakeRemoteDir(s, d.remote, d.mode); !st.ok()) return st;
  }
  Errors errors;
  for (const Item& l : links) {
    std::fprintf(stderr, "volumectl: skipping %s: put does not copy symbolic links\n",
                 l.local.c_str());
  }
  Progress progress("put", files.size(), total_bytes);
  progress.Start();
  RunParallel(
      options.target, options.jobs, files, &errors,
      [&](NfsSession& session, const Item& item) { return UploadFile(session, item, &progress); });
  progress.Finish();
  // Directory modes and times last, deepest first: filling them changed their mtimes.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    if (CliStatus st = SetRemoteAttrs(s, it->remote, it->mode, it->times); !st.ok()) errors.Add(st);
  }
  return errors.Result();
}

// ---- get ----

namespace {

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

CliStatus DownloadFile(NfsSession& s, const Item& item, bool force, Progress* progress) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  const int fd = open(item.local.c_str(), flags, 0600);
  if (fd < 0) return LocalError(errno, item.local);
  nfsfh* fh = nullptr;
  int rc = nfs_open(s.ctx(), item.remote.c_str(), O_RDONLY, &fh);
  if (rc < 0) {
    close(fd);
    return s.Error(rc, item.remote);
  }
  std::vector<char> buf(kChunk);
  uint64_t offset = 0;
  CliStatus result;
  for (;;) {
    rc = nfs_pread(s.ctx(), fh, offset, buf.size(), buf.data());
    if (rc < 0) {
      result = s.IoError(rc, fh, item.remote, /*writing=*/false);
      break;
    }
    if (rc == 0) break;
    size_t done = 0;
    while (done < static_cast<size_t>(rc)) {
      const ssize_t w = write(fd, buf.data() + done, static_cast<size_t>(rc) - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) break;
      done += static_cast<size_t>(w);
    }
    if (done < static_cast<size_t>(rc)) {
      result = LocalError(errno, item.local);
      break;
    }
    offset += static_cast<uint64_t>(rc);
    progress->AddBytes(static_cast<uint64_t>(rc));
  }
  nfs_close(s.ctx(), fh);
  if (result.ok() && fd != STDOUT_FILENO) {
    fchmod(fd, item.mode);
    const timespec ts[2] = {{static_cast<time_t>(item.times.atime_sec), item.times.atime_nsec},
                            {static_cast<time_t>(item.times.mtime_sec), item.times.mtime_nsec}};
    futimens(fd, ts);
  }
  if (close(fd) != 0 && result.ok()) result = LocalError(errno, item.local);
  progress->AddFile();
  return result;
}

CliStatus StreamToStdout(NfsSession& s, const std::string& path) {
  nfsfh* fh = nullptr;
  int rc = nfs_open(s.ctx(), path.c_str(), O_RDONLY, &fh);
  if (rc < 0) return s.Error(rc, path);
  std::vector<char> buf(kChunk);
  uint64_t offset = 0;
  CliStatus result;
  while ((rc = nfs_pread(s.ctx(), fh, offset, buf.size(), buf.data())) > 0) {
    if (std::fwrite(buf.data(), 1, static_cast<size_t>(rc), stdout) != static_cast<size_t>(rc)) {
      result = Fail(Exit::kFailure, "writing to stdout failed");
      break;
    }
    offset += static_cast<uint64_t>(rc);
  }
  if (rc < 0) result = s.IoError(rc, fh, path, /*writing=*/false);
  nfs_close(s.ctx(), fh);
  std::fflush(stdout);
  return result;
}

}  // namespace

CliStatus GetCommand(const TransferOptions& options, const std::vector<std::string>& sources,
                     const std::string& dest) {
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

  std::vector<Item> dirs, files, links;
  uint64_t total_bytes = 0;
  Errors errors;
  // Walks a remote tree, planning local directories and files.
  std::function<CliStatus(NfsSession&, const std::string&, const std::string&, const RemoteEntry&)>
      plan = [&](NfsSession& s, const std::string& remote, const std::string& local,
                 const RemoteEntry& e) -> CliStatus {
    Item item{local,  remote, s.volume(),
              e.mode, e.size, {e.atime_sec, e.mtime_sec, e.atime_nsec, e.mtime_nsec},
              {}};
    if (e.type == 'd') {
      dirs.push_back(item);
      CliResult<std::vector<RemoteEntry>> entries = ReadRemoteDir(s, remote);
      if (!entries.ok()) return entries.status();
      for (const RemoteEntry& child : *entries) {
        if (CliStatus st = plan(s, JoinPath(remote, child.name),
                                (fs::path(local) / child.name).string(), child);
            !st.ok()) {
          return st;
        }
      }
    } else if (e.type == '-') {
      if (!options.force && fs::symlink_status(local, ec).type() != fs::file_type::not_found) {
        return Fail(Exit::kExists, local + ": already exists (use --force to overwrite)");
      }
      total_bytes += e.size;
      files.push_back(item);
    } else if (e.type == 'l') {
      std::vector<char> buf(4097);
      if (int rc =
              nfs_readlink(s.ctx(), remote.c_str(), buf.data(), static_cast<int>(buf.size() - 1));
          rc < 0) {
        return s.Error(rc, remote);
      }
      item.link_target = buf.data();
      links.push_back(item);
    } else {
      std::fprintf(stderr, "volumectl: skipping %s:%s: not a file, directory or symlink\n",
                   s.volume().c_str(), remote.c_str());
    }
    return CliStatus::Ok();
  };
  for (const auto& [volume, path] : remotes) {
    NfsSession& s = *sessions[volume];
    CliResult<RemoteEntry> e = StatRemote(s, path);
    if (!e.ok()) return e.status();
    const std::string base = path == "/" ? volume : BaseName(path);
    const std::string local = into_dir ? (fs::path(dest) / base).string() : dest;
    if (CliStatus st = plan(s, path, local, *e); !st.ok()) return st;
  }

  for (const Item& d : dirs) {
    if (mkdir(d.local.c_str(), 0700) != 0 && errno != EEXIST) return LocalError(errno, d.local);
    if (!fs::is_directory(d.local, ec))
      return Fail(Exit::kExists, d.local + ": exists and is not a directory");
  }
  for (const Item& l : links) {
    if (options.force) unlink(l.local.c_str());
    if (symlink(l.link_target.c_str(), l.local.c_str()) != 0)
      errors.Add(LocalError(errno, l.local));
  }
  Progress progress("get", files.size(), total_bytes);
  progress.Start();
  RunParallel(options.target, options.jobs, files, &errors,
              [&](NfsSession& session, const Item& item) {
                return DownloadFile(session, item, options.force, &progress);
              });
  progress.Finish();
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    chmod(it->local.c_str(), it->mode);
    const timespec ts[2] = {{static_cast<time_t>(it->times.atime_sec), it->times.atime_nsec},
                            {static_cast<time_t>(it->times.mtime_sec), it->times.mtime_nsec}};
    utimensat(AT_FDCWD, it->local.c_str(), ts, 0);
  }
  return errors.Result();
}

}  // namespace volumectl
