#include "storage/rados/rados_read_cache.h"

namespace volumed::storage::rados {
namespace {

void DeleteBytes(const leveldb::Slice&, void* value) { delete static_cast<std::string*>(value); }

}  // namespace

RadosReadCache::RadosReadCache(size_t capacity_bytes, size_t extent_bytes)
    : extent_bytes_(extent_bytes), cache_(leveldb::NewLRUCache(capacity_bytes)) {}

RadosReadCache::Extent::~Extent() {
  if (handle_ != nullptr) cache_->Release(handle_);
}

RadosReadCache::Extent& RadosReadCache::Extent::operator=(Extent&& o) noexcept {
  if (this != &o) {
    if (handle_ != nullptr) cache_->Release(handle_);
    cache_ = o.cache_;
    handle_ = o.handle_;
    o.handle_ = nullptr;
  }
  return *this;
}

const std::string& RadosReadCache::Extent::bytes() const {
  return *static_cast<std::string*>(cache_->Value(handle_));
}

std::string RadosReadCache::Key(std::string_view file_key, uint64_t extent) {
  std::string key(file_key);
  key.push_back('\0');
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(extent >> shift));
  return key;
}

RadosReadCache::Extent RadosReadCache::Lookup(std::string_view file_key, uint64_t extent) const {
  const std::string key = Key(file_key, extent);
  return Extent(cache_.get(), cache_->Lookup(key));
}

RadosReadCache::Extent RadosReadCache::Insert(std::string_view file_key, uint64_t extent,
                                              std::string bytes) {
  const std::string key = Key(file_key, extent);
  const size_t charge = bytes.size() + key.size();
  auto* value = new std::string(std::move(bytes));
  return Extent(cache_.get(), cache_->Insert(key, value, charge, &DeleteBytes));
}

}  // namespace volumed::storage::rados
