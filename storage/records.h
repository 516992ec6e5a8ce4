// Records: the values stored under KeyCodec's keys. Every record opens with a version
// byte; a persisted encoding never changes once written (a new layout gets a new version
// and the decoder keeps reading the old ones). All integers big-endian.
//
// Grammar (version 1 of each):
//   InodeRecord    := 0x01 type:u8 mode:u32 uid:u32 gid:u32 nlink:u32 size:u64 used:u64
//                     atime mtime ctime generation:u32 rdev_major:u32 rdev_minor:u32
//                     parent:u64 next_cookie:u64 has_verifier:u8 verifier:u64
//                     target:bytes                       (time := sec:i64 nsec:u32;
//                                                          bytes := len:u32 byte*)
//   EntryRecord    := 0x01 child:u64 generation:u32 type:u8 cookie:u64
//   CookieRecord   := 0x01 child:u64 generation:u32 type:u8 name:bytes
//   OrphanRecord   := 0x01 from_block:u64 dead:u8
//   FormatRecord   := 0x01 format_version:u32 block_size:u32 volume_id:u64 epoch:u64
//   CountersRecord := 0x01 next_ino:u64 used_bytes:u64 used_files:u64
//   VolumeRecord   := 0x01 name:bytes id:u64 epoch:u64 kind:u8 lease_expiry_ns:i64
//                     created_ns:i64 max_bytes:u64 max_files:u64 read_only:u8 squash:u8
//                     anon_uid:u32 anon_gid:u32 ncidrs:u32 cidr:bytes*
//                   | 0x02 (the same fields) origin_id:u64 snapshot:bytes incarnation:u32
//                     (version 2 for snapshots, forks and restored volumes only; the
//                     others stay version 1)
//   RunRecord      := 0x01 boot_id:bytes clean:u8
//   DroppedRecord  := 0x01 dropped_ns:i64
//   GatewayRecord  := 0x01 address:bytes held_count:u32 held:bytes{held_count} seen_ns:i64
//                     (bytes: u32 length + bytes, at most 64 each; at most 64 held)
//
// `parent` is the containing directory for directories (root: itself), 0 otherwise.
// `next_cookie` is the next READDIR cookie a directory hands out (never reused).
// `used` is the bytes of blocks stored for the file.
//
// Thread-safety: plain values and stateless functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/catalog.h"
#include "storage/types.h"

namespace volumed::storage {

// Cookies below this are never handed to stored entries: 0 means "from the start" and
// the protocol layer may use the rest for "." and "..".
inline constexpr uint64_t kFirstCookie = 16;
// The layout of a volume's database (FormatRecord::format_version). 2: deferred markers
// (key_codec.h, `deferred`) may be present. A volumed that knows only 1 refuses to open
// a volume of 2, so none serves a volume without repairing its markers after a crash.
// Open raises a volume of 1 to 2 before anything else is written; the layouts are
// otherwise the same.
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kOldestFormatVersion = 1;

struct InodeRecord {
  FileType type = FileType::kRegular;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;
  uint64_t size = 0;
  uint64_t used = 0;
  Timespec atime, mtime, ctime;
  uint32_t generation = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  InodeId parent = 0;
  uint64_t next_cookie = kFirstCookie;
  bool has_verifier = false;
  uint64_t verifier = 0;
  std::string target;  // symlinks
  friend bool operator==(const InodeRecord&, const InodeRecord&) = default;
};

struct EntryRecord {
  InodeId child = 0;
  uint32_t generation = 0;
  FileType type = FileType::kRegular;
  uint64_t cookie = 0;
  friend bool operator==(const EntryRecord&, const EntryRecord&) = default;
};

struct CookieRecord {
  InodeId child = 0;
  uint32_t generation = 0;
  FileType type = FileType::kRegular;
  std::string name;
  friend bool operator==(const CookieRecord&, const CookieRecord&) = default;
};

// Blocks of `ino` at index >= from_block wait for reclaim; `dead`: the inode is gone.
struct OrphanRecord {
  uint64_t from_block = 0;
  bool dead = false;
  friend bool operator==(const OrphanRecord&, const OrphanRecord&) = default;
};

struct FormatRecord {
  uint32_t format_version = kFormatVersion;
  uint32_t block_size = 0;
  uint64_t volume_id = 0;
  uint64_t epoch = 0;
  friend bool operator==(const FormatRecord&, const FormatRecord&) = default;
};

struct CountersRecord {
  uint64_t next_ino = 0;
  uint64_t used_bytes = 0;
  uint64_t used_files = 0;
  friend bool operator==(const CountersRecord&, const CountersRecord&) = default;
};

// The catalog's record of the server run that has it open: the machine's boot id, and
// whether the run ended with a clean shutdown (every volume closed, its log synced).
struct RunRecord {
  std::string boot_id;
  bool clean = false;
  friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

// A gateway of a store several share (storage/gateway_registry.h): its own service
// address, the service addresses it answers on now (its own and those it took over) and
// when it last wrote this record.
struct GatewayRecord {
  std::string address;
  std::vector<std::string> held;
  int64_t seen_ns = 0;
  friend bool operator==(const GatewayRecord&, const GatewayRecord&) = default;
};
inline constexpr size_t kMaxGatewayAddressBytes = 64;
inline constexpr size_t kMaxGatewayHeld = 64;

// An ephemeral volume dropped at start because the machine had crashed under it.
struct DroppedRecord {
  int64_t dropped_ns = 0;
  friend bool operator==(const DroppedRecord&, const DroppedRecord&) = default;
};

std::string Encode(const InodeRecord& r);
std::string Encode(const EntryRecord& r);
std::string Encode(const CookieRecord& r);
std::string Encode(const OrphanRecord& r);
std::string Encode(const FormatRecord& r);
std::string Encode(const CountersRecord& r);
std::string Encode(const VolumeInfo& r);
std::string Encode(const RunRecord& r);
std::string Encode(const DroppedRecord& r);
std::string Encode(const GatewayRecord& r);

// Each returns kCorruption for an unknown version, a short or over-long value, or an
// out-of-range field.
Result<InodeRecord> DecodeInode(std::string_view v);
Result<EntryRecord> DecodeEntry(std::string_view v);
Result<CookieRecord> DecodeCookie(std::string_view v);
Result<OrphanRecord> DecodeOrphan(std::string_view v);
Result<FormatRecord> DecodeFormat(std::string_view v);
Result<CountersRecord> DecodeCounters(std::string_view v);
Result<VolumeInfo> DecodeVolume(std::string_view v);
Result<RunRecord> DecodeRun(std::string_view v);
Result<DroppedRecord> DecodeDropped(std::string_view v);
Result<GatewayRecord> DecodeGateway(std::string_view v);

Attributes ToAttributes(InodeId ino, const InodeRecord& r);

}  // namespace volumed::storage
