#include "storage/key_codec.h"

#include "storage/coding.h"

namespace volumed::storage::keys {
namespace {

std::string WithTag(Tag tag) { return std::string(1, static_cast<char>(tag)); }

std::string TagU64(Tag tag, uint64_t a) {
  std::string k = WithTag(tag);
  coding::PutU64(&k, a);
  return k;
}

std::string TagU64U64(Tag tag, uint64_t a, uint64_t b) {
  std::string k = TagU64(tag, a);
  coding::PutU64(&k, b);
  return k;
}

bool HasTag(std::string_view key, Tag tag, size_t min_len) {
  return key.size() >= min_len && static_cast<uint8_t>(key[0]) == tag;
}

std::optional<uint64_t> ParseTagU64(std::string_view key, Tag tag) {
  if (key.size() != 9 || !HasTag(key, tag, 9)) return std::nullopt;
  return coding::LoadU64(key.data() + 1);
}

std::optional<ParsedPair> ParseTagU64U64(std::string_view key, Tag tag) {
  if (key.size() != 17 || !HasTag(key, tag, 17)) return std::nullopt;
  return ParsedPair{coding::LoadU64(key.data() + 1), coding::LoadU64(key.data() + 9)};
}

}  // namespace

std::string Super(SuperField field) {
  std::string k = WithTag(kSuperTag);
  coding::PutU8(&k, field);
  return k;
}
std::string Inode(InodeId ino) { return TagU64(kInodeTag, ino); }
std::string Entry(InodeId dir, std::string_view name) {
  std::string k = TagU64(kEntryTag, dir);
  k.append(name);
  return k;
}
std::string EntryPrefix(InodeId dir) { return TagU64(kEntryTag, dir); }
std::string Cookie(InodeId dir, uint64_t cookie) { return TagU64U64(kCookieTag, dir, cookie); }
std::string CookiePrefix(InodeId dir) { return TagU64(kCookieTag, dir); }
std::string Orphan(InodeId ino) { return TagU64(kOrphanTag, ino); }
std::string Deferred(InodeId ino) { return TagU64(kDeferredTag, ino); }
std::string Block(InodeId ino, uint64_t index) { return TagU64U64(kBlockTag, ino, index); }
std::string BlockPrefix(InodeId ino) { return TagU64(kBlockTag, ino); }
std::string Marker() { return WithTag(kMarkerTag); }
std::string TagPrefix(Tag tag) { return WithTag(tag); }

std::string CatalogName(std::string_view name) {
  std::string k = WithTag(kCatalogNameTag);
  k.append(name);
  return k;
}
std::string CatalogVolume(uint64_t id) { return TagU64(kCatalogVolumeTag, id); }
std::string CatalogNextId() { return WithTag(kCatalogNextIdTag); }
std::string CatalogDoomed(uint64_t id) { return TagU64(kCatalogDoomedTag, id); }
std::string CatalogRun(std::string_view gateway) {
  std::string k = WithTag(kCatalogRunTag);
  k.append(gateway);
  return k;
}
std::string CatalogGateway(std::string_view gateway) {
  std::string k = WithTag(kCatalogGatewayTag);
  k.append(gateway);
  return k;
}
std::string CatalogOwner(uint64_t id) { return TagU64(kCatalogOwnerTag, id); }
std::string CatalogDropped(std::string_view name) {
  std::string k = WithTag(kCatalogDroppedTag);
  k.append(name);
  return k;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

std::optional<InodeId> ParseInode(std::string_view key) { return ParseTagU64(key, kInodeTag); }
std::optional<ParsedEntry> ParseEntry(std::string_view key) {
  if (!HasTag(key, kEntryTag, 9)) return std::nullopt;
  return ParsedEntry{coding::LoadU64(key.data() + 1), key.substr(9)};
}
std::optional<ParsedPair> ParseCookie(std::string_view key) {
  return ParseTagU64U64(key, kCookieTag);
}
std::optional<InodeId> ParseOrphan(std::string_view key) { return ParseTagU64(key, kOrphanTag); }
std::optional<InodeId> ParseDeferred(std::string_view key) {
  return ParseTagU64(key, kDeferredTag);
}
std::optional<ParsedPair> ParseBlock(std::string_view key) {
  return ParseTagU64U64(key, kBlockTag);
}
std::optional<uint64_t> ParseCatalogVolume(std::string_view key) {
  return ParseTagU64(key, kCatalogVolumeTag);
}
std::optional<uint64_t> ParseCatalogDoomed(std::string_view key) {
  return ParseTagU64(key, kCatalogDoomedTag);
}
std::optional<uint64_t> ParseCatalogOwner(std::string_view key) {
  return ParseTagU64(key, kCatalogOwnerTag);
}

}  // namespace volumed::storage::keys
