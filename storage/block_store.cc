#include "storage/block_store.h"

#include <leveldb/write_batch.h>

#include <algorithm>
#include <map>
#include <vector>

#include "storage/key_codec.h"

namespace volumed::storage {

Status BlockStore::Scan(
    InodeId ino, uint64_t from,
    const std::function<bool(uint64_t index, std::string_view data)>& visit) const {
  std::string end = keys::PrefixEnd(keys::BlockPrefix(ino));
  return kv_->Scan(keys::Block(ino, from), end, [&](std::string_view key, std::string_view v) {
    auto parsed = keys::ParseBlock(key);
    if (!parsed) return false;
    return visit(parsed->second, v);
  });
}

void BlockStore::Delete(leveldb::WriteBatch* batch, InodeId ino, uint64_t index) const {
  batch->Delete(keys::Block(ino, index));
}

Result<std::string> BlockStore::Read(InodeId ino, uint64_t offset, uint64_t len) const {
  std::string out(len, '\0');
  if (len == 0) return out;
  const uint64_t bs = block_size_;
  const uint64_t first = offset / bs;
  const uint64_t last = (offset + len - 1) / bs;
  VOLUMED_RETURN_IF_ERROR(Scan(ino, first, [&](uint64_t index, std::string_view data) {
    if (index > last) return false;
    const uint64_t block_start = index * bs;
    const uint64_t from = std::max(offset, block_start);
    const uint64_t to = std::min({offset + len, block_start + data.size()});
    if (to > from) {
      std::copy_n(data.data() + (from - block_start), to - from, out.data() + (from - offset));
    }
    return true;
  }));
  return out;
}

Status BlockStore::Write(leveldb::WriteBatch* batch, InodeId ino, uint64_t offset,
                         std::string_view data, int64_t* used_delta) const {
  *used_delta = 0;
  if (data.empty()) return Status::Ok();
  const uint64_t bs = block_size_;
  const uint64_t end = offset + data.size();
  const uint64_t first = offset / bs;
  const uint64_t last = (end - 1) / bs;
  std::map<uint64_t, std::string> existing;
  VOLUMED_RETURN_IF_ERROR(Scan(ino, first, [&](uint64_t index, std::string_view v) {
    if (index > last) return false;
    existing.emplace(index, std::string(v));
    return true;
  }));
  for (uint64_t index = first; index <= last; ++index) {
    const uint64_t block_start = index * bs;
    const uint64_t from = std::max(offset, block_start);
    const uint64_t to = std::min(end, block_start + bs);
    std::string block;
    auto it = existing.find(index);
    if (it != existing.end()) block = std::move(it->second);
    const size_t old_len = block.size();
    const size_t need = static_cast<size_t>(to - block_start);
    if (block.size() < need) block.resize(need, '\0');
    std::copy_n(data.data() + (from - offset), to - from, block.data() + (from - block_start));
    *used_delta += static_cast<int64_t>(block.size()) - static_cast<int64_t>(old_len);
    batch->Put(keys::Block(ino, index), block);
  }
  return Status::Ok();
}

Result<BlockStore::TruncateResult> BlockStore::Truncate(leveldb::WriteBatch* batch, InodeId ino,
                                                        uint64_t new_size,
                                                        size_t inline_limit) const {
  TruncateResult r;
  const uint64_t bs = block_size_;
  const uint64_t keep = (new_size + bs - 1) / bs;  // blocks that hold bytes below new_size
  // Trim the straddling block.
  if (new_size % bs != 0) {
    const uint64_t index = keep - 1;
    VOLUMED_ASSIGN_OR_RETURN(auto v, kv_->Get(keys::Block(ino, index)));
    const size_t keep_len = static_cast<size_t>(new_size - index * bs);
    if (v && v->size() > keep_len) {
      r.used_delta -= static_cast<int64_t>(v->size() - keep_len);
      v->resize(keep_len);
      batch->Put(keys::Block(ino, index), *v);
    }
  }
  std::vector<std::pair<uint64_t, size_t>> beyond;
  VOLUMED_RETURN_IF_ERROR(Scan(ino, keep, [&](uint64_t index, std::string_view v) {
    beyond.emplace_back(index, v.size());
    return beyond.size() <= inline_limit;
  }));
  if (beyond.size() > inline_limit) {
    r.needs_orphan = true;
    r.orphan_from = keep;
    return r;
  }
  for (const auto& [index, len] : beyond) {
    batch->Delete(keys::Block(ino, index));
    r.used_delta -= static_cast<int64_t>(len);
  }
  return r;
}

}  // namespace volumed::storage
