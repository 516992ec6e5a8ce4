#include "storage/records.h"

#include "storage/coding.h"

namespace volumed::storage {
namespace {

constexpr uint8_t kVersion1 = 1;
constexpr uint8_t kVersion2 = 2;
constexpr size_t kMaxCidrs = 1024;
constexpr size_t kMaxCidrLength = 64;
constexpr size_t kMaxVolumeNameLength = 64;

void PutTime(std::string* out, const Timespec& t) {
  coding::PutI64(out, t.sec);
  coding::PutU32(out, t.nsec);
}

Timespec GetTime(coding::Reader* r) {
  Timespec t;
  t.sec = r->I64();
  t.nsec = r->U32();
  return t;
}

bool ValidType(uint8_t t) { return t >= 1 && t <= 7; }

Status Bad(const char* what) { return Corruption(std::string("malformed ") + what + " record"); }

// Reads the version byte; false for anything but version 1.
bool Version1(coding::Reader* r) { return r->U8() == kVersion1 && r->ok(); }

}  // namespace

std::string Encode(const InodeRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU8(&out, static_cast<uint8_t>(r.type));
  coding::PutU32(&out, r.mode);
  coding::PutU32(&out, r.uid);
  coding::PutU32(&out, r.gid);
  coding::PutU32(&out, r.nlink);
  coding::PutU64(&out, r.size);
  coding::PutU64(&out, r.used);
  PutTime(&out, r.atime);
  PutTime(&out, r.mtime);
  PutTime(&out, r.ctime);
  coding::PutU32(&out, r.generation);
  coding::PutU32(&out, r.rdev_major);
  coding::PutU32(&out, r.rdev_minor);
  coding::PutU64(&out, r.parent);
  coding::PutU64(&out, r.next_cookie);
  coding::PutU8(&out, r.has_verifier ? 1 : 0);
  coding::PutU64(&out, r.verifier);
  coding::PutBytes(&out, r.target);
  return out;
}

Result<InodeRecord> DecodeInode(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("inode");
  InodeRecord r;
  uint8_t type = rd.U8();
  r.mode = rd.U32();
  r.uid = rd.U32();
  r.gid = rd.U32();
  r.nlink = rd.U32();
  r.size = rd.U64();
  r.used = rd.U64();
  r.atime = GetTime(&rd);
  r.mtime = GetTime(&rd);
  r.ctime = GetTime(&rd);
  r.generation = rd.U32();
  r.rdev_major = rd.U32();
  r.rdev_minor = rd.U32();
  r.parent = rd.U64();
  r.next_cookie = rd.U64();
  uint8_t has_verifier = rd.U8();
  r.verifier = rd.U64();
  r.target = std::string(rd.Bytes(kMaxPathLength));
  if (!rd.ok() || !rd.AtEnd() || !ValidType(type) || has_verifier > 1 || (r.mode & ~07777u)) {
    return Bad("inode");
  }
  r.type = static_cast<FileType>(type);
  r.has_verifier = has_verifier == 1;
  return r;
}

std::string Encode(const EntryRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU64(&out, r.child);
  coding::PutU32(&out, r.generation);
  coding::PutU8(&out, static_cast<uint8_t>(r.type));
  coding::PutU64(&out, r.cookie);
  return out;
}

Result<EntryRecord> DecodeEntry(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("entry");
  EntryRecord r;
  r.child = rd.U64();
  r.generation = rd.U32();
  uint8_t type = rd.U8();
  r.cookie = rd.U64();
  if (!rd.ok() || !rd.AtEnd() || !ValidType(type)) return Bad("entry");
  r.type = static_cast<FileType>(type);
  return r;
}

std::string Encode(const CookieRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU64(&out, r.child);
  coding::PutU32(&out, r.generation);
  coding::PutU8(&out, static_cast<uint8_t>(r.type));
  coding::PutBytes(&out, r.name);
  return out;
}

Result<CookieRecord> DecodeCookie(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("cookie");
  CookieRecord r;
  r.child = rd.U64();
  r.generation = rd.U32();
  uint8_t type = rd.U8();
  r.name = std::string(rd.Bytes(kMaxNameLength));
  if (!rd.ok() || !rd.AtEnd() || !ValidType(type) || r.name.empty()) return Bad("cookie");
  r.type = static_cast<FileType>(type);
  return r;
}

std::string Encode(const OrphanRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU64(&out, r.from_block);
  coding::PutU8(&out, r.dead ? 1 : 0);
  return out;
}

Result<OrphanRecord> DecodeOrphan(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("orphan");
  OrphanRecord r;
  r.from_block = rd.U64();
  uint8_t dead = rd.U8();
  if (!rd.ok() || !rd.AtEnd() || dead > 1) return Bad("orphan");
  r.dead = dead == 1;
  return r;
}

// A boot id is a UUID (36 characters); the bound only guards the decoder.
constexpr size_t kMaxBootIdLength = 128;

std::string Encode(const RunRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutBytes(&out, r.boot_id);
  coding::PutU8(&out, r.clean ? 1 : 0);
  return out;
}

Result<RunRecord> DecodeRun(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("run");
  RunRecord r;
  r.boot_id = std::string(rd.Bytes(kMaxBootIdLength));
  uint8_t clean = rd.U8();
  if (!rd.ok() || !rd.AtEnd() || clean > 1) return Bad("run");
  r.clean = clean == 1;
  return r;
}

std::string Encode(const DroppedRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU64(&out, static_cast<uint64_t>(r.dropped_ns));
  return out;
}

Result<DroppedRecord> DecodeDropped(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("dropped");
  DroppedRecord r;
  r.dropped_ns = static_cast<int64_t>(rd.U64());
  if (!rd.ok() || !rd.AtEnd()) return Bad("dropped");
  return r;
}

std::string Encode(const GatewayRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutBytes(&out, r.address);
  coding::PutU32(&out, static_cast<uint32_t>(r.held.size()));
  for (const auto& a : r.held) coding::PutBytes(&out, a);
  coding::PutI64(&out, r.seen_ns);
  return out;
}

Result<GatewayRecord> DecodeGateway(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("gateway");
  GatewayRecord r;
  r.address = std::string(rd.Bytes(kMaxGatewayAddressBytes));
  const uint32_t held = rd.U32();
  if (held > kMaxGatewayHeld) return Bad("gateway");
  for (uint32_t i = 0; i < held && rd.ok(); ++i) {
    r.held.emplace_back(rd.Bytes(kMaxGatewayAddressBytes));
  }
  r.seen_ns = static_cast<int64_t>(rd.U64());
  if (!rd.ok() || !rd.AtEnd()) return Bad("gateway");
  return r;
}

std::string Encode(const FormatRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU32(&out, r.format_version);
  coding::PutU32(&out, r.block_size);
  coding::PutU64(&out, r.volume_id);
  coding::PutU64(&out, r.epoch);
  return out;
}

Result<FormatRecord> DecodeFormat(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("format");
  FormatRecord r;
  r.format_version = rd.U32();
  r.block_size = rd.U32();
  r.volume_id = rd.U64();
  r.epoch = rd.U64();
  if (!rd.ok() || !rd.AtEnd()) return Bad("format");
  // Block sizes are powers of two from 4 KiB to the largest single I/O.
  if (r.block_size < 4096 || r.block_size > kMaxIoSize || (r.block_size & (r.block_size - 1))) {
    return Bad("format");
  }
  return r;
}

std::string Encode(const CountersRecord& r) {
  std::string out;
  coding::PutU8(&out, kVersion1);
  coding::PutU64(&out, r.next_ino);
  coding::PutU64(&out, r.used_bytes);
  coding::PutU64(&out, r.used_files);
  return out;
}

Result<CountersRecord> DecodeCounters(std::string_view v) {
  coding::Reader rd(v);
  if (!Version1(&rd)) return Bad("counters");
  CountersRecord r;
  r.next_ino = rd.U64();
  r.used_bytes = rd.U64();
  r.used_files = rd.U64();
  if (!rd.ok() || !rd.AtEnd()) return Bad("counters");
  return r;
}

std::string Encode(const VolumeInfo& r) {
  const bool derived = r.origin_id != 0 || !r.snapshot.empty() || r.incarnation != 0;
  std::string out;
  coding::PutU8(&out, derived ? kVersion2 : kVersion1);
  coding::PutBytes(&out, r.name);
  coding::PutU64(&out, r.id);
  coding::PutU64(&out, r.epoch);
  coding::PutU8(&out, static_cast<uint8_t>(r.kind));
  coding::PutI64(&out, r.lease_expiry_ns);
  coding::PutI64(&out, r.created_ns);
  coding::PutU64(&out, r.quota.max_bytes);
  coding::PutU64(&out, r.quota.max_files);
  coding::PutU8(&out, r.policy.read_only ? 1 : 0);
  coding::PutU8(&out, static_cast<uint8_t>(r.policy.squash));
  coding::PutU32(&out, r.policy.anon_uid);
  coding::PutU32(&out, r.policy.anon_gid);
  coding::PutU32(&out, static_cast<uint32_t>(r.policy.allowed_cidrs.size()));
  for (const auto& cidr : r.policy.allowed_cidrs) coding::PutBytes(&out, cidr);
  if (derived) {
    coding::PutU64(&out, r.origin_id);
    coding::PutBytes(&out, r.snapshot);
    coding::PutU32(&out, r.incarnation);
  }
  return out;
}

Result<VolumeInfo> DecodeVolume(std::string_view v) {
  coding::Reader rd(v);
  const uint8_t version = rd.U8();
  if (!rd.ok() || (version != kVersion1 && version != kVersion2)) return Bad("volume");
  VolumeInfo r;
  r.name = std::string(rd.Bytes(kMaxVolumeNameLength));
  r.id = rd.U64();
  r.epoch = rd.U64();
  uint8_t kind = rd.U8();
  r.lease_expiry_ns = rd.I64();
  r.created_ns = rd.I64();
  r.quota.max_bytes = rd.U64();
  r.quota.max_files = rd.U64();
  uint8_t read_only = rd.U8();
  uint8_t squash = rd.U8();
  r.policy.anon_uid = rd.U32();
  r.policy.anon_gid = rd.U32();
  uint32_t ncidrs = rd.U32();
  if (!rd.ok() || ncidrs > kMaxCidrs) return Bad("volume");
  for (uint32_t i = 0; i < ncidrs && rd.ok(); ++i) {
    r.policy.allowed_cidrs.emplace_back(rd.Bytes(kMaxCidrLength));
  }
  if (version == kVersion2) {
    r.origin_id = rd.U64();
    r.snapshot = std::string(rd.Bytes(kMaxVolumeNameLength));
    r.incarnation = rd.U32();
  }
  if (!rd.ok() || !rd.AtEnd() || (kind != 1 && kind != 2) || read_only > 1 || squash > 2) {
    return Bad("volume");
  }
  r.kind = static_cast<VolumeKind>(kind);
  r.policy.read_only = read_only == 1;
  r.policy.squash = static_cast<Squash>(squash);
  return r;
}

Attributes ToAttributes(InodeId ino, const InodeRecord& r) {
  Attributes a;
  a.type = r.type;
  a.mode = r.mode;
  a.nlink = r.nlink;
  a.uid = r.uid;
  a.gid = r.gid;
  a.size = r.size;
  a.used = r.used;
  a.rdev_major = r.rdev_major;
  a.rdev_minor = r.rdev_minor;
  a.fileid = ino;
  a.generation = r.generation;
  a.atime = r.atime;
  a.mtime = r.mtime;
  a.ctime = r.ctime;
  return a;
}

}  // namespace volumed::storage
