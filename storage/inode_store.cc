#include "storage/inode_store.h"

#include <leveldb/write_batch.h>

#include "storage/key_codec.h"

namespace volumed::storage {

Result<std::optional<InodeRecord>> InodeStore::Get(InodeId ino) const {
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
    auto rec = DecodeInode(value);
    if (!rec.ok()) {
      decode = rec.status();
      return false;
    }
    found(*keys::ParseInode(key), *rec);
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

}  // namespace volumed::storage
