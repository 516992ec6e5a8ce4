#include "storage/block_store.h"

#include <leveldb/write_batch.h>

#include <algorithm>
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

Status BlockStore::Stored(InodeId ino, const FileBefore& file, size_t limit,
                          std::vector<std::pair<uint64_t, size_t>>* out) const {
  out->clear();
  if (file.dense) {
    // A scan would read the table block holding each block's data just to learn it.
    const uint64_t bs = block_size_;
    for (uint64_t index = 0; index * bs < file.size && out->size() <= limit; ++index) {
      out->emplace_back(index, static_cast<size_t>(std::min(bs, file.size - index * bs)));
    }
    return Status::Ok();
  }
  return Scan(ino, 0, [&](uint64_t index, std::string_view v) {
    out->emplace_back(index, v.size());
    return out->size() <= limit;
  });
}

void BlockStore::Delete(leveldb::WriteBatch* batch, InodeId ino, uint64_t index) const {
  batch->Delete(keys::Block(ino, index));
}

Status BlockStore::Read(InodeId ino, uint64_t offset, std::span<char> out) const {
  if (out.empty()) return Status::Ok();
  const uint64_t bs = block_size_;
  const uint64_t len = out.size();
  const uint64_t first = offset / bs;
  const uint64_t last = (offset + len - 1) / bs;
  uint64_t filled = 0;  // bytes of `out` already written, data or zeros
  auto place = [&](uint64_t index, std::string_view data) {
    const uint64_t block_start = index * bs;
    const uint64_t from = std::max(offset, block_start);
    const uint64_t to = std::min({offset + len, block_start + data.size()});
    if (to > from) {
      std::fill(out.data() + filled, out.data() + (from - offset), '\0');  // a hole before
      std::copy_n(data.data() + (from - block_start), to - from, out.data() + (from - offset));
      filled = to - offset;
    }
  };
  if (first == last) {
    // One block: a point read, which LevelDB's bloom filters steer past the tables that
    // lack the key, where an iterator would be positioned in every level (the profile of
    // random 4 KiB reads in storage/TUNING.md).
    VOLUMED_ASSIGN_OR_RETURN(auto v, kv_->Get(keys::Block(ino, first)));
    if (v) place(first, *v);
  } else {
    VOLUMED_RETURN_IF_ERROR(Scan(ino, first, [&](uint64_t index, std::string_view data) {
      if (index > last) return false;
      place(index, data);
      return true;
    }));
  }
  std::fill(out.data() + filled, out.data() + len, '\0');
  return Status::Ok();
}

Result<uint64_t> BlockStore::Warm(InodeId ino, uint64_t offset, uint64_t len,
                                  const std::function<bool(uint64_t offset)>& keep_going) const {
  if (len == 0) return uint64_t{0};
  constexpr size_t kPageBytes = 4096;
  const uint64_t last = (offset + len - 1) / block_size_;
  uint64_t walked = 0;
  // Table blocks stored raw (incompressible data) are read in place from LevelDB's mapping
  // of the table file: only touching their pages brings them in.
  volatile unsigned char sink = 0;
  VOLUMED_RETURN_IF_ERROR(
      Scan(ino, offset / block_size_, [&](uint64_t index, std::string_view data) {
        if (index > last || !keep_going(index * block_size_)) return false;
        for (size_t i = 0; i < data.size(); i += kPageBytes) sink = sink ^ data[i];
        if (!data.empty()) sink = sink ^ data.back();
        walked += data.size();
        return true;
      }));
  return walked;
}

Status BlockStore::Write(leveldb::WriteBatch* batch, InodeId ino, uint64_t offset,
                         std::string_view data, const FileBefore& before,
                         int64_t* used_delta) const {
  *used_delta = 0;
  if (data.empty()) return Status::Ok();
  const uint64_t bs = block_size_;
  const uint64_t end = offset + data.size();
  const uint64_t first = offset / bs;
  const uint64_t last = (end - 1) / bs;
  // The write's part of block `index`: file offsets [from, to).
  auto part = [&](uint64_t index) {
    const uint64_t block_start = index * bs;
    return std::pair{std::max(offset, block_start), std::min(end, block_start + bs)};
  };
  // The new block is the write's part alone: no old byte survives (old bytes lie below
  // the old end of file, which the part reaches or passes).
  auto replaced = [&](uint64_t index) {
    const auto [from, to] = part(index);
    return from == index * bs && (to == index * bs + bs || to >= before.size);
  };
  auto absent = [&](uint64_t index) { return index * bs >= before.size; };
  auto needs_lookup = [&](uint64_t index) {
    return !absent(index) && (!replaced(index) || !before.dense);
  };

  // Only the first and last blocks can be covered in part; the ones between may need
  // their old length. [lo, hi]: the range that needs anything, read with point reads
  // when it is one or two blocks, else with one scan.
  uint64_t lo = first;
  while (lo <= last && !needs_lookup(lo)) ++lo;
  uint64_t hi = last;
  while (hi > lo && !needs_lookup(hi)) --hi;
  std::vector<size_t> old_len(lo <= last ? hi - lo + 1 : 0, 0);
  std::string old_first, old_last;  // old contents of the partly covered end blocks
  auto found = [&](uint64_t index, std::string_view v) {
    old_len[index - lo] = v.size();
    if (!replaced(index)) (index == first ? old_first : old_last).assign(v);
  };
  if (lo <= last && hi - lo < 2) {
    for (uint64_t index = lo; index <= hi; ++index) {
      if (!needs_lookup(index)) continue;
      VOLUMED_ASSIGN_OR_RETURN(auto v, kv_->Get(keys::Block(ino, index)));
      if (v) found(index, *v);
    }
  } else if (lo <= last) {
    VOLUMED_RETURN_IF_ERROR(Scan(ino, lo, [&](uint64_t index, std::string_view v) {
      if (index > hi) return false;
      found(index, v);
      return true;
    }));
  }
  auto old_length = [&](uint64_t index) -> size_t {
    if (absent(index)) return 0;
    if (index >= lo && index <= hi && needs_lookup(index)) return old_len[index - lo];
    return static_cast<size_t>(std::min<uint64_t>(bs, before.size - index * bs));  // dense
  };

  for (uint64_t index = first; index <= last; ++index) {
    const uint64_t block_start = index * bs;
    const auto [from, to] = part(index);
    const size_t was = old_length(index);
    if (replaced(index)) {
      batch->Put(keys::Block(ino, index), leveldb::Slice(data.data() + (from - offset), to - from));
      *used_delta += static_cast<int64_t>(to - from) - static_cast<int64_t>(was);
      continue;
    }
    std::string block = std::move(index == first ? old_first : old_last);
    const size_t need = static_cast<size_t>(to - block_start);
    if (block.size() < need) block.resize(need, '\0');
    std::copy_n(data.data() + (from - offset), to - from, block.data() + (from - block_start));
    *used_delta += static_cast<int64_t>(block.size()) - static_cast<int64_t>(was);
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
