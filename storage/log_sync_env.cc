#include "storage/log_sync_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace volumed::storage {
namespace {

// Appends are gathered up to here before a write(2); LevelDB flushes every record anyway.
constexpr size_t kBufferLimit = size_t{64} << 10;

leveldb::Status PosixError(const std::string& context, int err) {
  return leveldb::Status::IOError(context, std::strerror(err));
}

// LevelDB's write-ahead logs are "<dbdir>/<digits>.log".
bool IsWriteAheadLog(const std::string& fname, std::string* dbdir) {
  const size_t slash = fname.rfind('/');
  if (slash == std::string::npos) return false;
  std::string_view base = std::string_view(fname).substr(slash + 1);
  if (base.size() <= 4 || !base.ends_with(".log")) return false;
  for (char c : base.substr(0, base.size() - 4)) {
    if (c < '0' || c > '9') return false;
  }
  *dbdir = fname.substr(0, slash);
  return true;
}

}  // namespace

struct LogSyncEnv::LogFd {
  explicit LogFd(int f) : fd(f) {}
  ~LogFd() { ::close(fd); }
  LogFd(const LogFd&) = delete;
  LogFd& operator=(const LogFd&) = delete;
  const int fd;
};

// One log file. LevelDB's writer calls Append/Flush/Sync/Close from one thread at a time;
// LogSyncEnv::SyncLog touches only the shared descriptor.
class SyncableLogFile final : public leveldb::WritableFile {
 public:
  SyncableLogFile(LogSyncEnv* env, std::string dbdir, std::string fname, int fd)
      : env_(env),
        dbdir_(std::move(dbdir)),
        fname_(std::move(fname)),
        log_(std::make_shared<LogSyncEnv::LogFd>(fd)) {}
  ~SyncableLogFile() override { Close(); }

  leveldb::Status Append(const leveldb::Slice& data) override {
    buf_.append(data.data(), data.size());
    return buf_.size() >= kBufferLimit ? WriteOut() : leveldb::Status::OK();
  }

  leveldb::Status Flush() override { return WriteOut(); }

  leveldb::Status Sync() override {
    leveldb::Status s = WriteOut();
    if (!s.ok()) return s;
    if (::fdatasync(log_->fd) != 0) return PosixError(fname_, errno);
    unsynced_ = false;
    return leveldb::Status::OK();
  }

  // Syncs what the file holds before it stops being its database's current log.
  leveldb::Status Close() override {
    if (log_ == nullptr) return leveldb::Status::OK();
    leveldb::Status s = WriteOut();
    if (s.ok() && unsynced_) s = Sync();
    env_->Retire(dbdir_, log_.get(), s);
    log_.reset();
    return s;
  }

 private:
  leveldb::Status WriteOut() {
    if (buf_.empty()) return leveldb::Status::OK();
    if (!current_) {
      env_->BecomeCurrent(dbdir_, log_);  // before the first byte reaches the file
      current_ = true;
    }
    const char* p = buf_.data();
    size_t left = buf_.size();
    while (left > 0) {
      const ssize_t n = ::write(log_->fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError(fname_, errno);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    buf_.clear();
    unsynced_ = true;
    return leveldb::Status::OK();
  }

  LogSyncEnv* const env_;
  const std::string dbdir_;
  const std::string fname_;
  std::shared_ptr<LogSyncEnv::LogFd> log_;  // null once closed
  std::string buf_;
  bool current_ = false;
  bool unsynced_ = false;
};

LogSyncEnv::LogSyncEnv(leveldb::Env* base) : leveldb::EnvWrapper(base) {}

LogSyncEnv::~LogSyncEnv() = default;

leveldb::Status LogSyncEnv::NewWritableFile(const std::string& fname,
                                            leveldb::WritableFile** result) {
  std::string dbdir;
  if (!IsWriteAheadLog(fname, &dbdir)) return target()->NewWritableFile(fname, result);
  const int fd = ::open(fname.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *result = nullptr;
    return PosixError(fname, errno);
  }
  *result = new SyncableLogFile(this, std::move(dbdir), fname, fd);
  return leveldb::Status::OK();
}

leveldb::Status LogSyncEnv::SyncLog(const std::string& dbdir) {
  std::shared_ptr<LogFd> log;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto failed = failed_.find(dbdir);
    if (failed != failed_.end()) return failed->second;
    auto it = current_.find(dbdir);
    if (it == current_.end()) return leveldb::Status::OK();
    log = it->second;
  }
  if (::fdatasync(log->fd) == 0) return leveldb::Status::OK();
  // After a failed fsync the kernel may have dropped the dirty pages: never report this
  // database durable again in this process.
  leveldb::Status s = PosixError(dbdir + " log sync", errno);
  std::lock_guard<std::mutex> l(mu_);
  failed_.emplace(dbdir, s);
  return s;
}

void LogSyncEnv::BecomeCurrent(const std::string& dbdir, const std::shared_ptr<LogFd>& log) {
  std::lock_guard<std::mutex> l(mu_);
  current_[dbdir] = log;
}

void LogSyncEnv::Retire(const std::string& dbdir, const LogFd* log,
                        const leveldb::Status& final_sync) {
  std::lock_guard<std::mutex> l(mu_);
  if (!final_sync.ok()) failed_.emplace(dbdir, final_sync);
  auto it = current_.find(dbdir);
  if (it != current_.end() && it->second.get() == log) current_.erase(it);
}

}  // namespace volumed::storage
