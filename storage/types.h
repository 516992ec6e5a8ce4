// Value types shared by the storage layer and its callers: attributes, credentials,
// set-attribute requests, wcc data. Plain data, no XDR, no LevelDB.
//
// Thread-safety: plain values; not synchronised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace volumed::storage {

using InodeId = uint64_t;

// Numbered as NFSv3's ftype3 so conversions are obvious (not relied upon).
enum class FileType : unsigned char {
  kRegular = 1,
  kDirectory = 2,
  kBlockDevice = 3,
  kCharDevice = 4,
  kSymlink = 5,
  kSocket = 6,
  kFifo = 7,
};

struct Timespec {
  int64_t sec = 0;
  uint32_t nsec = 0;
  friend bool operator==(const Timespec&, const Timespec&) = default;
};

// An inode as callers see it.
struct Attributes {
  FileType type = FileType::kRegular;
  uint32_t mode = 0;  // permission bits only (07777)
  uint32_t nlink = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  uint64_t used = 0;  // bytes of blocks actually stored
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  InodeId fileid = 0;
  uint32_t generation = 0;
  Timespec atime, mtime, ctime;
};

// A reference to an inode as a file handle carries it: stale when the generation differs.
struct InodeRef {
  InodeId ino = 0;
  uint32_t generation = 0;
  friend bool operator==(const InodeRef&, const InodeRef&) = default;
};

// The pre-operation part of wcc data.
struct WccAttr {
  uint64_t size = 0;
  Timespec mtime, ctime;
};

// Weak cache consistency data for one object, taken atomically with the change.
// `before` is absent when the object did not exist or could not be read first.
struct Wcc {
  std::optional<WccAttr> before;
  std::optional<Attributes> after;
};

// Who is asking, after the export policy's squashing has been applied.
struct Credentials {
  uint32_t uid = 65534;
  uint32_t gid = 65534;
  std::vector<uint32_t> groups;
  bool IsRoot() const { return uid == 0; }
};

enum class TimeHow : unsigned char { kDontChange, kServerTime, kClientTime };

// SETATTR's sattr3 plus its guard; also the initial attributes of CREATE/MKDIR/….
struct SetAttrRequest {
  std::optional<uint32_t> mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<uint64_t> size;
  TimeHow atime_how = TimeHow::kDontChange;
  Timespec atime;
  TimeHow mtime_how = TimeHow::kDontChange;
  Timespec mtime;
  // SETATTR only: fail with kNotSync unless the object's ctime equals this.
  std::optional<Timespec> guard_ctime;
};

// ACCESS bits, numbered as NFSv3's ACCESS3_* constants.
enum AccessBits : uint32_t {
  kAccessRead = 0x01,
  kAccessLookup = 0x02,
  kAccessModify = 0x04,
  kAccessExtend = 0x08,
  kAccessDelete = 0x10,
  kAccessExecute = 0x20,
};

enum class Stability : unsigned char { kUnstable, kDataSync, kFileSync };

enum class CreateMode : unsigned char { kUnchecked, kGuarded, kExclusive };

struct Quota {
  uint64_t max_bytes = 0;  // 0 = unlimited
  uint64_t max_files = 0;  // 0 = unlimited
};

// What LevelDB says about one open database, for monitoring (Kv::Stats).
struct StoreStats {
  uint64_t table_files = 0;
  uint64_t table_bytes = 0;     // approximate size of the table files
  uint64_t memtable_bytes = 0;  // the memtables (mutable and being flushed), not the block cache
  // Compaction input and output since the database was opened, as LevelDB counts them
  // (it reports whole MiB; a reopened volume starts again from zero).
  uint64_t compaction_read_bytes = 0;
  uint64_t compaction_written_bytes = 0;
};

// FSSTAT figures, quota-aware: a volume with a quota reports the quota as its size.
struct FsStat {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;
  uint64_t avail_bytes = 0;
  uint64_t total_files = 0;
  uint64_t free_files = 0;
  uint64_t avail_files = 0;
  uint64_t used_bytes = 0;
  uint64_t used_files = 0;
};

struct DirEntry {
  std::string name;
  InodeId ino = 0;
  uint32_t generation = 0;
  FileType type = FileType::kRegular;
  uint64_t cookie = 0;  // resume READDIR after this entry with this cookie
  // ReadDirPlus only: the entry's attributes, read in the same pass (absent when the
  // entry's inode was replaced or removed meanwhile).
  std::optional<Attributes> attrs;
};

// Limits enforced by the store (and advertised by FSINFO/PATHCONF).
inline constexpr uint32_t kMaxNameLength = 255;
inline constexpr uint32_t kMaxPathLength = 4096;  // symlink targets
inline constexpr uint32_t kMaxLinkCount = 65000;
inline constexpr uint64_t kMaxFileSize = (uint64_t{1} << 50);  // 1 PiB
inline constexpr uint32_t kMaxIoSize = 1 << 20;                // one READ/WRITE

// Block size of new volumes: the page size clients write in, so a 4 KiB write replaces a
// block without reading it (storage/TUNING.md, "Block size"). Each volume records its own.
inline constexpr uint32_t kDefaultBlockSize = 4 * 1024;

}  // namespace volumed::storage
