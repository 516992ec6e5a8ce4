// KeyCodec: the only place that builds and parses LevelDB keys, for volume DBs and the
// catalog DB. Keys are big-endian so that byte order is tuple order.
//
// Volume DB grammar (DESIGN.md §3):
//   super   := 0x00 field:u8                      field 0x01 format, 0x02 counters
//   inode   := 0x01 ino:u64                       → InodeRecord
//   entry   := 0x02 dir:u64 name:bytes            → EntryRecord (child, type, cookie)
//   cookie  := 0x03 dir:u64 cookie:u64            → CookieRecord (name, child, type)
//   orphan  := 0x04 ino:u64                       → OrphanRecord (blocks to reclaim)
//   block   := 0x80 ino:u64 index:u64             → raw block bytes (absent = hole)
//   marker  := 0x05                               → commit barrier marker (empty value;
//                                                    written by COMMIT before syncs moved
//                                                    out of band, still accepted)
//   deferred:= 0x06 ino:u64                       → empty: the inode's record lags its
//                                                    blocks (UNSTABLE writes since its
//                                                    last write); Open repairs it
// Catalog DB grammar:
//   name    := 0x10 name:bytes                    → id:u64
//   volume  := 0x11 id:u64                        → VolumeRecord
//   next id := 0x12                               → next id:u64 (ids never reused)
//   doomed  := 0x13 id:u64                        → empty: directory volumes/<id> still to
//                                                    destroy; or incarnation:u32: directory
//                                                    volumes/<id>.<incarnation>
//   run     := 0x14                               → RunRecord (boot id, clean shutdown)
//   dropped := 0x15 name:bytes                    → DroppedRecord (ephemeral volume lost
//                                                    to a machine crash)
//   gateway := 0x16 gateway:bytes                 → GatewayRecord (a gateway of a shared
//                                                    store: addresses, last update)
//   owner   := 0x17 id:u64                        → gateway:bytes serving volume id (only
//                                                    in a store several gateways share)
//   run     := 0x14 gateway:bytes                 (in a shared store: each gateway's own)
// A prefix's end (for range scans) is the prefix with its last byte incremented.
//
// Thread-safety: stateless free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/types.h"

namespace volumed::storage::keys {

enum Tag : uint8_t {
  kSuperTag = 0x00,
  kInodeTag = 0x01,
  kEntryTag = 0x02,
  kCookieTag = 0x03,
  kOrphanTag = 0x04,
  kMarkerTag = 0x05,
  kDeferredTag = 0x06,
  kCatalogNameTag = 0x10,
  kCatalogVolumeTag = 0x11,
  kCatalogNextIdTag = 0x12,
  kCatalogDoomedTag = 0x13,
  kCatalogRunTag = 0x14,
  kCatalogDroppedTag = 0x15,
  kCatalogGatewayTag = 0x16,
  kCatalogOwnerTag = 0x17,
  kBlockTag = 0x80,
};

enum SuperField : uint8_t { kSuperFormat = 0x01, kSuperCounters = 0x02 };

std::string Super(SuperField field);
std::string Inode(InodeId ino);
std::string Entry(InodeId dir, std::string_view name);
std::string EntryPrefix(InodeId dir);
std::string Cookie(InodeId dir, uint64_t cookie);
std::string CookiePrefix(InodeId dir);
std::string Orphan(InodeId ino);
std::string Deferred(InodeId ino);
std::string Block(InodeId ino, uint64_t index);
std::string BlockPrefix(InodeId ino);
std::string Marker();
// Every key with this one-byte tag.
std::string TagPrefix(Tag tag);

std::string CatalogName(std::string_view name);
std::string CatalogVolume(uint64_t id);
std::string CatalogNextId();
std::string CatalogDoomed(uint64_t id);
// `gateway` "": the run record of a store only one server uses.
std::string CatalogRun(std::string_view gateway = {});
std::string CatalogGateway(std::string_view gateway);
std::string CatalogOwner(uint64_t id);
std::string CatalogDropped(std::string_view name);

// The smallest key greater than every key that starts with `prefix` ("" = no bound).
std::string PrefixEnd(std::string_view prefix);

// Parsers: nullopt when `key` is not of that kind.
std::optional<InodeId> ParseInode(std::string_view key);
struct ParsedEntry {
  InodeId dir;
  std::string_view name;
};
std::optional<ParsedEntry> ParseEntry(std::string_view key);
struct ParsedPair {
  uint64_t first;
  uint64_t second;
};
std::optional<ParsedPair> ParseCookie(std::string_view key);  // dir, cookie
std::optional<InodeId> ParseOrphan(std::string_view key);
std::optional<InodeId> ParseDeferred(std::string_view key);
std::optional<ParsedPair> ParseBlock(std::string_view key);  // ino, index
std::optional<uint64_t> ParseCatalogVolume(std::string_view key);
std::optional<uint64_t> ParseCatalogDoomed(std::string_view key);
std::optional<uint64_t> ParseCatalogOwner(std::string_view key);

}  // namespace volumed::storage::keys
