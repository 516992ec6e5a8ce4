#include "storage/dir_store.h"

#include <leveldb/write_batch.h>

#include "storage/key_codec.h"

namespace volumed::storage {

Result<std::optional<EntryRecord>> DirStore::Lookup(InodeId dir, std::string_view name) const {
  VOLUMED_ASSIGN_OR_RETURN(auto value, kv_->Get(keys::Entry(dir, name)));
  if (!value) return std::optional<EntryRecord>();
  VOLUMED_ASSIGN_OR_RETURN(EntryRecord e, DecodeEntry(*value));
  return std::optional<EntryRecord>(e);
}

void DirStore::Add(leveldb::WriteBatch* batch, InodeId dir, InodeRecord* dir_rec,
                   std::string_view name, InodeId child, const InodeRecord& child_rec) const {
  uint64_t cookie = dir_rec->next_cookie++;
  EntryRecord e{child, child_rec.generation, child_rec.type, cookie};
  CookieRecord c{child, child_rec.generation, child_rec.type, std::string(name)};
  batch->Put(keys::Entry(dir, name), Encode(e));
  batch->Put(keys::Cookie(dir, cookie), Encode(c));
}

void DirStore::Remove(leveldb::WriteBatch* batch, InodeId dir, std::string_view name,
                      const EntryRecord& entry) const {
  batch->Delete(keys::Entry(dir, name));
  batch->Delete(keys::Cookie(dir, entry.cookie));
}

Result<bool> DirStore::IsEmpty(InodeId dir) const {
  std::string prefix = keys::EntryPrefix(dir);
  bool empty = true;
  VOLUMED_RETURN_IF_ERROR(
      kv_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view, std::string_view) {
        empty = false;
        return false;
      }));
  return empty;
}

Status DirStore::List(InodeId dir, uint64_t after, const Visitor& visit) const {
  if (after == UINT64_MAX) return Status::Ok();
  std::string start = keys::Cookie(dir, after + 1);
  std::string end = keys::PrefixEnd(keys::CookiePrefix(dir));
  Status decode_status;
  Status s = kv_->Scan(start, end, [&](std::string_view key, std::string_view value) {
    auto parsed = keys::ParseCookie(key);
    auto rec = DecodeCookie(value);
    if (!parsed || !rec.ok()) {
      decode_status = Corruption("bad directory cookie record");
      return false;
    }
    return visit(parsed->second, *rec);
  });
  VOLUMED_RETURN_IF_ERROR(s);
  return decode_status;
}

}  // namespace volumed::storage
