#include "storage/log_sync_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "base/logging.h"
#include "storage/log_tail.h"

namespace volumed::storage {
namespace {

// Appends are gathered up to here before a write(2); LevelDB flushes every record anyway.
constexpr size_t kBufferLimit = size_t{64} << 10;

// A log is written with zeros up to this much ahead of its records (log_sync_env.h).
constexpr uint64_t kZeroAhead = uint64_t{1} << 20;

leveldb::Status PosixError(const std::string& context, int err) {
  return leveldb::Status::IOError(context, std::strerror(err));
}

// Whether `fname` is "<dbdir>/<digits><ext>", a file LevelDB numbers; *dbdir gets <dbdir>.
bool IsNumberedFile(const std::string& fname, std::string_view ext, std::string* dbdir) {
  const size_t slash = fname.rfind('/');
  if (slash == std::string::npos) return false;
  std::string_view base = std::string_view(fname).substr(slash + 1);
  if (base.size() <= ext.size() || !base.ends_with(ext)) return false;
  for (char c : base.substr(0, base.size() - ext.size())) {
    if (c < '0' || c > '9') return false;
  }
  *dbdir = fname.substr(0, slash);
  return true;
}

// LevelDB's write-ahead logs are "<dbdir>/<digits>.log".
bool IsWriteAheadLog(const std::string& fname, std::string* dbdir) {
  return IsNumberedFile(fname, ".log", dbdir);
}

// LevelDB's tables are "<dbdir>/<digits>.ldb".
bool IsTable(const std::string& fname) {
  std::string dbdir;
  return IsNumberedFile(fname, ".ldb", &dbdir);
}

// write(2) of all of `data` at the descriptor's offset.
leveldb::Status WriteAll(int fd, std::string_view data, const std::string& fname) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError(fname, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return leveldb::Status::OK();
}

// A file whose appends are gathered up to kBufferLimit before WriteOut hands them to the
// kernel.
class BufferedFile : public leveldb::WritableFile {
 public:
  leveldb::Status Append(const leveldb::Slice& data) final {
    buf_.append(data.data(), data.size());
    return buf_.size() >= kBufferLimit ? WriteOut() : leveldb::Status::OK();
  }
  leveldb::Status Flush() final { return WriteOut(); }

 protected:
  virtual leveldb::Status WriteOut() = 0;
  std::string buf_;  // appended, not yet written
};

// A table file as LevelDB's own POSIX file writes it (a 64 KiB buffer; Sync is
// `fdatasync`), except that the kernel starts writing each completed MiB back at once
// (`sync_file_range`, which promises nothing): the `fdatasync` LevelDB calls when the
// table is complete, before the table counts, then finds little left to write
// (storage/TUNING.md, "Tables written back as they are built").
class TableFile final : public BufferedFile {
 public:
  TableFile(int fd, std::string fname) : fd_(fd), fname_(std::move(fname)) {}
  ~TableFile() override { Close(); }

  leveldb::Status Sync() override {
    leveldb::Status s = WriteOut();
    if (s.ok() && ::fdatasync(fd_) != 0) s = PosixError(fname_, errno);
    return s;
  }
  leveldb::Status Close() override {
    if (fd_ < 0) return leveldb::Status::OK();
    leveldb::Status s = WriteOut();
    if (::close(fd_) != 0 && s.ok()) s = PosixError(fname_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr uint64_t kWritebackStep = uint64_t{1} << 20;

  leveldb::Status WriteOut() override {
    leveldb::Status s = WriteAll(fd_, buf_, fname_);
    if (!s.ok()) return s;
    written_ += buf_.size();
    buf_.clear();
    if (written_ - written_back_ >= kWritebackStep) {
      // Best effort: a failure here leaves the work to the fdatasync, which reports.
      ::sync_file_range(fd_, static_cast<off_t>(written_back_),
                        static_cast<off_t>(written_ - written_back_), SYNC_FILE_RANGE_WRITE);
      written_back_ = written_;
    }
    return leveldb::Status::OK();
  }

  int fd_;
  const std::string fname_;
  uint64_t written_ = 0;       // bytes handed to the kernel
  uint64_t written_back_ = 0;  // of which writeback was started
};

}  // namespace

struct LogSyncEnv::LogFd {
  LogFd(int f, std::string name) : fd(f), fname(std::move(name)) {}
  ~LogFd() { ::close(fd); }
  LogFd(const LogFd&) = delete;
  LogFd& operator=(const LogFd&) = delete;
  const int fd;
  const std::string fname;
  // Set by the first sync: from then on the writer writes zeros ahead of its records.
  std::atomic<bool> synced{false};
};

// One log file. LevelDB's writer calls Append/Flush/Sync/Close from one thread at a time;
// LogSyncEnv::SyncLog touches only the shared descriptor.
class SyncableLogFile final : public BufferedFile {
 public:
  SyncableLogFile(LogSyncEnv* env, std::string dbdir, std::string fname, int fd)
      : env_(env),
        dbdir_(std::move(dbdir)),
        fname_(std::move(fname)),
        log_(std::make_shared<LogSyncEnv::LogFd>(fd, fname_)) {}
  ~SyncableLogFile() override { Close(); }

  // A synced write: this log, after the database's earlier logs still unsynced.
  leveldb::Status Sync() override {
    leveldb::Status s = WriteOut();
    if (s.ok()) s = env_->SyncRetired(dbdir_);
    if (!s.ok()) return s;
    if (::fdatasync(log_->fd) != 0) return PosixError(fname_, errno);
    log_->synced.store(true, std::memory_order_relaxed);
    unsynced_ = false;
    return leveldb::Status::OK();
  }

  // Stops being its database's current log; LogSyncEnv::Retire says when it is synced.
  leveldb::Status Close() override {
    if (log_ == nullptr) return leveldb::Status::OK();
    leveldb::Status s = WriteOut();
    // The zeros go: a closed log is read once more at most (the next open replays it),
    // and an idle volume's database keeps its last log until then.
    if (s.ok() && zeroed_ > written_) {
      if (::ftruncate(log_->fd, static_cast<off_t>(written_)) != 0) {
        s = PosixError(fname_, errno);
      } else {
        zeroed_ = written_;
        unsynced_ = true;  // the new size
      }
    }
    return env_->Retire(dbdir_, std::move(log_), s, unsynced_);
  }

 private:
  leveldb::Status WriteOut() override {
    if (buf_.empty()) return leveldb::Status::OK();
    if (!current_) {
      env_->BecomeCurrent(dbdir_, log_);  // before the first byte reaches the file
      current_ = true;
    }
    const uint64_t end = written_ + buf_.size();
    if (end > zeroed_ && log_->synced.load(std::memory_order_relaxed)) {
      leveldb::Status z = ZeroAhead(end);
      if (!z.ok()) return z;
    }
    leveldb::Status s = WriteAll(log_->fd, buf_, fname_);
    if (!s.ok()) return s;
    written_ = end;
    zeroed_ = std::max(zeroed_, written_);
    buf_.clear();
    unsynced_ = true;
    return leveldb::Status::OK();
  }

  // Writes zeros from zeroed_ (the file's end) to the next multiple of kZeroAhead past
  // `end`, with pwrite: the descriptor's offset, where records go, stays at written_.
  leveldb::Status ZeroAhead(uint64_t end) {
    static const std::string zeros(size_t{1} << 20, '\0');
    const uint64_t target = (end / kZeroAhead + 1) * kZeroAhead;
    while (zeroed_ < target) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), target - zeroed_));
      const ssize_t w = ::pwrite(log_->fd, zeros.data(), n, static_cast<off_t>(zeroed_));
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_, errno);
      }
      zeroed_ += static_cast<uint64_t>(w);
    }
    return leveldb::Status::OK();
  }

  LogSyncEnv* const env_;
  const std::string dbdir_;
  const std::string fname_;
  std::shared_ptr<LogSyncEnv::LogFd> log_;  // null once closed
  bool current_ = false;
  bool unsynced_ = false;
  uint64_t written_ = 0;  // the records' end: the descriptor's offset
  uint64_t zeroed_ = 0;   // the file's size: zeros from written_ to here, if any
};

// A log as recovery reads it: the first `length` bytes of the file (log_tail.h).
class IntactLogFile final : public leveldb::SequentialFile {
 public:
  IntactLogFile(std::unique_ptr<leveldb::SequentialFile> file, uint64_t length)
      : file_(std::move(file)), left_(length) {}

  leveldb::Status Read(size_t n, leveldb::Slice* result, char* scratch) override {
    leveldb::Status s =
        file_->Read(static_cast<size_t>(std::min<uint64_t>(n, left_)), result, scratch);
    if (s.ok()) left_ -= result->size();
    return s;
  }

  leveldb::Status Skip(uint64_t n) override {
    n = std::min(n, left_);
    left_ -= n;
    return file_->Skip(n);
  }

 private:
  std::unique_ptr<leveldb::SequentialFile> file_;
  uint64_t left_;
};

LogSyncEnv::LogSyncEnv(leveldb::Env* base) : leveldb::EnvWrapper(base) {}

LogSyncEnv::~LogSyncEnv() = default;

leveldb::Status LogSyncEnv::NewSequentialFile(const std::string& fname,
                                              leveldb::SequentialFile** result) {
  std::string dbdir;
  leveldb::Status s = target()->NewSequentialFile(fname, result);
  if (!s.ok() || !IsWriteAheadLog(fname, &dbdir)) return s;
  std::unique_ptr<leveldb::SequentialFile> file(*result);
  *result = nullptr;
  const int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PosixError(fname, errno);
  struct stat st {};
  uint64_t length = 0;
  uint64_t cut = 0;
  const LogReadAt read = [fd](uint64_t offset, size_t n, char* out) {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  };
  errno = 0;
  const bool ok = ::fstat(fd, &st) == 0 &&
                  IntactLogLength(read, static_cast<uint64_t>(st.st_size), &length, &cut);
  const int err = errno != 0 ? errno : EIO;  // a short read sets none
  ::close(fd);
  if (!ok) return PosixError(fname, err);
  if (cut > 0) {
    // Normal after a crash in the middle of a write, which was then never acknowledged
    // as synced; said, so that damage to a synced tail is never dropped unseen.
    LOG_WARN("{}: recovery ends the log at byte {}, dropping the {} bytes of a record cut short",
             fname, length, cut);
  }
  *result = new IntactLogFile(std::move(file), length);
  return leveldb::Status::OK();
}

leveldb::Status LogSyncEnv::NewWritableFile(const std::string& fname,
                                            leveldb::WritableFile** result) {
  std::string dbdir;
  const bool log = IsWriteAheadLog(fname, &dbdir);
  if (!log && !IsTable(fname)) return target()->NewWritableFile(fname, result);
  const int fd = ::open(fname.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *result = nullptr;
    return PosixError(fname, errno);
  }
  if (!log) {
    *result = new TableFile(fd, fname);
    return leveldb::Status::OK();
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    ++open_logs_[dbdir];
  }
  *result = new SyncableLogFile(this, std::move(dbdir), fname, fd);
  return leveldb::Status::OK();
}

leveldb::Status LogSyncEnv::RemoveFile(const std::string& fname) {
  std::string dbdir;
  if (IsWriteAheadLog(fname, &dbdir)) {
    // LevelDB removes a log once its records are in a synced table: no sync owed.
    std::lock_guard<std::mutex> l(mu_);
    auto it = retired_.find(dbdir);
    if (it != retired_.end()) {
      std::erase_if(it->second, [&](const auto& log) { return log->fname == fname; });
      if (it->second.empty()) retired_.erase(it);
    }
  }
  return target()->RemoveFile(fname);
}

leveldb::Status LogSyncEnv::SyncAll(const std::string& dbdir,
                                    const std::vector<std::shared_ptr<LogFd>>& logs) {
  for (const auto& log : logs) {
    if (::fdatasync(log->fd) == 0) continue;
    // After a failed fsync the kernel may have dropped the dirty pages: never report this
    // database durable again in this process.
    leveldb::Status s = PosixError(log->fname + " sync", errno);
    std::lock_guard<std::mutex> l(mu_);
    failed_.emplace(dbdir, s);
    return s;
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = retired_.find(dbdir);
  if (it != retired_.end()) {
    std::erase_if(it->second, [&](const auto& log) {
      return std::find(logs.begin(), logs.end(), log) != logs.end();
    });
    if (it->second.empty()) retired_.erase(it);
  }
  return leveldb::Status::OK();
}

leveldb::Status LogSyncEnv::SyncRetired(const std::string& dbdir) {
  std::vector<std::shared_ptr<LogFd>> logs;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto failed = failed_.find(dbdir);
    if (failed != failed_.end()) return failed->second;
    auto it = retired_.find(dbdir);
    if (it != retired_.end()) logs = it->second;
  }
  return SyncAll(dbdir, logs);
}

leveldb::Status LogSyncEnv::SyncLog(const std::string& dbdir) {
  std::vector<std::shared_ptr<LogFd>> logs;
  std::shared_ptr<LogFd> current;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto failed = failed_.find(dbdir);
    if (failed != failed_.end()) return failed->second;
    auto retired = retired_.find(dbdir);
    if (retired != retired_.end()) logs = retired->second;
    auto it = current_.find(dbdir);
    if (it != current_.end()) current = it->second;
  }
  // The closed logs first: their records came before the current log's.
  leveldb::Status s = SyncAll(dbdir, logs);
  if (!s.ok() || current == nullptr) return s;
  if (::fdatasync(current->fd) == 0) {
    current->synced.store(true, std::memory_order_relaxed);
    return leveldb::Status::OK();
  }
  s = PosixError(dbdir + " log sync", errno);
  std::lock_guard<std::mutex> l(mu_);
  failed_.emplace(dbdir, s);
  return s;
}

void LogSyncEnv::BecomeCurrent(const std::string& dbdir, const std::shared_ptr<LogFd>& log) {
  std::lock_guard<std::mutex> l(mu_);
  current_[dbdir] = log;
}

leveldb::Status LogSyncEnv::Retire(const std::string& dbdir, std::shared_ptr<LogFd> log,
                                   const leveldb::Status& written, bool unsynced) {
  std::vector<std::shared_ptr<LogFd>> logs;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto current = current_.find(dbdir);
    if (current != current_.end() && current->second == log) current_.erase(current);
    auto open = open_logs_.find(dbdir);
    const bool switching = open != open_logs_.end() && --open->second > 0;
    if (open != open_logs_.end() && open->second == 0) open_logs_.erase(open);
    if (!written.ok()) {
      failed_.emplace(dbdir, written);
      return written;
    }
    if (switching) {
      // LevelDB opened the next log before closing this one: the next SyncLog (or synced
      // write) syncs this one first, and a log LevelDB removes needs none.
      if (unsynced) retired_[dbdir].push_back(std::move(log));
      return leveldb::Status::OK();
    }
    // The database closes: what it wrote is made durable now.
    auto retired = retired_.find(dbdir);
    if (retired != retired_.end()) logs = retired->second;
    if (unsynced) logs.push_back(std::move(log));
  }
  return SyncAll(dbdir, logs);
}

}  // namespace volumed::storage
