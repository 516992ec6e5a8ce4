// DatabaseCloner over a leveldb::Env, sharing tables by hard link on POSIX
// (storage/database_cloner.h).
#include "storage/database_cloner.h"

#include <fcntl.h>
#include <leveldb/env.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "storage/kv.h"

namespace volumed::storage {
namespace {

// Attempts before Clone gives up on a source whose compactions keep changing its MANIFEST.
constexpr int kMaxAttempts = 20;
// Copy buffer.
constexpr size_t kChunk = size_t{1} << 20;

// LevelDB's file names: what a copy needs of each.
enum class FileRole { kTable, kLog, kManifest, kOther };

FileRole RoleOf(const std::string& name) {
  if (name.ends_with(".ldb") || name.ends_with(".sst")) return FileRole::kTable;
  if (name.ends_with(".log")) return FileRole::kLog;
  if (name.starts_with("MANIFEST-")) return FileRole::kManifest;
  return FileRole::kOther;  // CURRENT (written last), LOCK, LOG, LOG.old, *.dbtmp
}

Status ErrnoStatus(const std::string& what, int err) {
  if (err == ENOSPC) return Status(Status::Code::kNoSpace, what + ": " + std::strerror(err));
  return IoError(what + ": " + std::strerror(err));
}

Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : ErrnoStatus("fsync " + dir, err);
}

std::string Parent(const std::string& dir) {
  const size_t slash = dir.find_last_of('/');
  return slash == std::string::npos ? "." : dir.substr(0, slash);
}

class FileCloner final : public DatabaseCloner {
 public:
  FileCloner(leveldb::Env* env, bool link_tables) : env_(env), link_tables_(link_tables) {}

  Status Clone(const std::string& from, const std::string& to) override {
    if (env_->FileExists(to)) return Exists("clone target " + to + " exists");
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      bool changed = false;
      Status s = TryClone(from, to, &changed);
      if (s.ok() && !changed) return Status::Ok();
      Remove(to);
      if (!s.ok()) return s;
    }
    return Status(Status::Code::kBusy,
                  "the database in " + from + " kept compacting while it was copied; try again");
  }

  Result<DatabaseSpace> Space(const std::string& dir) override {
    std::vector<std::string> children;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->GetChildren(dir, &children)));
    DatabaseSpace out;
    for (const std::string& c : children) {
      if (c == "." || c == "..") continue;
      const std::string path = dir + "/" + c;
      if (link_tables_) {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) continue;  // removed by a compaction meanwhile
        (st.st_nlink > 1 ? out.shared_bytes : out.own_bytes) += static_cast<uint64_t>(st.st_size);
      } else {
        uint64_t size = 0;
        if (env_->GetFileSize(path, &size).ok()) out.own_bytes += size;
      }
    }
    return out;
  }

 private:
  // One attempt; *changed when the source's MANIFEST moved on meanwhile.
  Status TryClone(const std::string& from, const std::string& to, bool* changed) {
    std::string current;
    VOLUMED_RETURN_IF_ERROR(
        FromLevelDb(leveldb::ReadFileToString(env_, from + "/CURRENT", &current)));
    if (current.size() < 2 || current.back() != '\n') return Corruption("bad CURRENT in " + from);
    const std::string manifest = current.substr(0, current.size() - 1);
    uint64_t manifest_size = 0;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->GetFileSize(from + "/" + manifest, &manifest_size)));

    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->CreateDir(to)));
    std::vector<std::string> children;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->GetChildren(from, &children)));
    for (const std::string& c : children) {
      Status s;
      switch (RoleOf(c)) {
        case FileRole::kTable:
          s = link_tables_ ? Link(from + "/" + c, to + "/" + c)
                           : Copy(from + "/" + c, to + "/" + c);
          break;
        case FileRole::kLog:
          s = Copy(from + "/" + c, to + "/" + c);
          break;
        case FileRole::kManifest:
          if (c == manifest) s = Copy(from + "/" + c, to + "/" + c, manifest_size);
          break;
        case FileRole::kOther:
          break;
      }
      // A file listed a moment ago and gone now: a compaction finished meanwhile.
      if (s.code() == Status::Code::kNotFound) {
        *changed = true;
        return Status::Ok();
      }
      VOLUMED_RETURN_IF_ERROR(s);
    }
    VOLUMED_RETURN_IF_ERROR(Write(to + "/CURRENT", current));

    std::string current_after;
    uint64_t size_after = 0;
    VOLUMED_RETURN_IF_ERROR(
        FromLevelDb(leveldb::ReadFileToString(env_, from + "/CURRENT", &current_after)));
    const leveldb::Status size_status = env_->GetFileSize(from + "/" + manifest, &size_after);
    *changed = current_after != current || !size_status.ok() || size_after != manifest_size;
    return Status::Ok();
  }

  // Copies `from` to `to` (at most `limit` bytes) and syncs it.
  Status Copy(const std::string& from, const std::string& to, uint64_t limit = UINT64_MAX) {
    leveldb::SequentialFile* in_raw = nullptr;
    leveldb::Status ls = env_->NewSequentialFile(from, &in_raw);
    if (ls.IsNotFound() || (!ls.ok() && !env_->FileExists(from))) return NotFound(from);
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(ls));
    std::unique_ptr<leveldb::SequentialFile> in(in_raw);
    leveldb::WritableFile* out_raw = nullptr;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->NewWritableFile(to, &out_raw)));
    std::unique_ptr<leveldb::WritableFile> out(out_raw);
    std::vector<char> buffer(kChunk);
    uint64_t copied = 0;
    while (copied < limit) {
      leveldb::Slice chunk;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, limit - copied));
      VOLUMED_RETURN_IF_ERROR(FromLevelDb(in->Read(want, &chunk, buffer.data())));
      if (chunk.empty()) break;
      VOLUMED_RETURN_IF_ERROR(FromLevelDb(out->Append(chunk)));
      copied += chunk.size();
    }
    if (!link_tables_) VOLUMED_RETURN_IF_ERROR(FromLevelDb(out->Sync()));  // see MakeDurable
    return FromLevelDb(out->Close());
  }

  Status Write(const std::string& path, const std::string& data) {
    leveldb::WritableFile* raw = nullptr;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->NewWritableFile(path, &raw)));
    std::unique_ptr<leveldb::WritableFile> out(raw);
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(out->Append(data)));
    if (!link_tables_) VOLUMED_RETURN_IF_ERROR(FromLevelDb(out->Sync()));  // see MakeDurable
    return FromLevelDb(out->Close());
  }

  static Status Link(const std::string& from, const std::string& to) {
    if (::link(from.c_str(), to.c_str()) == 0) return Status::Ok();
    if (errno == ENOENT) return NotFound(from);
    return ErrnoStatus("link " + from + " to " + to, errno);
  }

  // POSIX: every file of the copy (a hard-linked table was synced when LevelDB wrote
  // it; its fsync finds nothing to write) and the directory entries. Through another Env
  // each copied file was synced as it was written (Copy), and there are no directories.
  Status MakeDurable(const std::string& to) override {
    if (!link_tables_) return Status::Ok();
    std::vector<std::string> children;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->GetChildren(to, &children)));
    for (const std::string& c : children) {
      if (c == "." || c == "..") continue;
      const std::string path = to + "/" + c;
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoStatus("open " + path, errno);
      const int rc = ::fdatasync(fd);
      const int err = errno;
      ::close(fd);
      if (rc != 0) return ErrnoStatus("fdatasync " + path, err);
    }
    VOLUMED_RETURN_IF_ERROR(SyncDirectory(to));
    return SyncDirectory(Parent(to));
  }

  void Remove(const std::string& dir) {
    std::vector<std::string> children;
    if (env_->GetChildren(dir, &children).ok()) {
      for (const std::string& c : children) {
        if (c != "." && c != "..") env_->RemoveFile(dir + "/" + c);
      }
    }
    env_->RemoveDir(dir);
  }

  leveldb::Env* const env_;
  const bool link_tables_;
};

}  // namespace

std::unique_ptr<DatabaseCloner> NewLinkingCloner(leveldb::Env* env) {
  return std::make_unique<FileCloner>(env, true);
}

std::unique_ptr<DatabaseCloner> NewCopyingCloner(leveldb::Env* env) {
  return std::make_unique<FileCloner>(env, false);
}

}  // namespace volumed::storage
