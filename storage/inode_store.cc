#include "storage/inode_store.h"

#include <leveldb/write_batch.h>

#include "storage/key_codec.h"

namespace volumed::storage {

Result<std::optional<InodeRecord>> InodeStore::Get(InodeId ino) const {
  if (auto d = DeferredRecord(ino)) return d;
  VOLUMED_ASSIGN_OR_RETURN(auto value, kv_->Get(keys::Inode(ino)));
  if (!value) return std::optional<InodeRecord>();
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, DecodeInode(*value));
  return std::optional<InodeRecord>(std::move(r));
}

Status InodeStore::GetMany(const std::vector<InodeId>& inos,
                           const std::function<void(InodeId, const InodeRecord&)>& found) const {
  std::vector<std::string> wanted;
  wanted.reserve(inos.size());
  for (InodeId ino : inos) wanted.push_back(keys::Inode(ino));
  Status decode;
  VOLUMED_RETURN_IF_ERROR(kv_->GetSorted(wanted, [&](std::string_view key, std::string_view value) {
    const InodeId ino = *keys::ParseInode(key);
    // A deferred record's stored one exists: it was written before the deferral began.
    if (auto d = DeferredRecord(ino)) {
      found(ino, *d);
      return true;
    }
    auto rec = DecodeInode(value);
    if (!rec.ok()) {
      decode = rec.status();
      return false;
    }
    found(ino, *rec);
    return true;
  }));
  return decode;
}

Result<InodeRecord> InodeStore::GetRef(InodeRef ref) const {
  VOLUMED_ASSIGN_OR_RETURN(auto r, Get(ref.ino));
  if (!r || r->generation != ref.generation) {
    return Status(Status::Code::kStale, "inode " + std::to_string(ref.ino) + " is gone");
  }
  return std::move(*r);
}

void InodeStore::Put(leveldb::WriteBatch* batch, InodeId ino, const InodeRecord& r) const {
  batch->Put(keys::Inode(ino), Encode(r));
}

void InodeStore::Delete(leveldb::WriteBatch* batch, InodeId ino) const {
  batch->Delete(keys::Inode(ino));
}

void InodeStore::Defer(InodeId ino, const InodeRecord& r, int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  Deferred& d = deferred_[ino];
  d.record = r;
  d.bytes += bytes;
  deferred_count_.store(deferred_.size(), std::memory_order_release);
  kv_->NoteChange();
}

std::optional<int64_t> InodeStore::DeferredBytes(InodeId ino) const {
  auto d = Find(ino);
  if (!d) return std::nullopt;
  return d->bytes;
}

void InodeStore::Undefer(InodeId ino) {
  std::lock_guard<std::mutex> l(mu_);
  deferred_.erase(ino);
  deferred_count_.store(deferred_.size(), std::memory_order_release);
  kv_->NoteChange();
}

std::vector<InodeId> InodeStore::DeferredInodes() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<InodeId> out;
  out.reserve(deferred_.size());
  for (const auto& [ino, d] : deferred_) out.push_back(ino);
  return out;
}

std::optional<InodeRecord> InodeStore::DeferredRecord(InodeId ino) const {
  auto d = Find(ino);
  if (!d) return std::nullopt;
  return std::move(d->record);
}

std::optional<InodeStore::Deferred> InodeStore::Find(InodeId ino) const {
  if (deferred_count_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard<std::mutex> l(mu_);
  auto it = deferred_.find(ino);
  if (it == deferred_.end()) return std::nullopt;
  return it->second;
}

}  // namespace volumed::storage
