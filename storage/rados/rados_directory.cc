#include "storage/rados/rados_directory.h"

#include <set>
#include <utility>

#include "storage/rados/rados_errors.h"
#include "storage/rados/rados_names.h"

namespace volumed::storage::rados {
namespace {

// Different names never conflict; a cancelled compare means another writer changed the
// very entry we read, which LevelDB never does to itself.
constexpr int kCompareAttempts = 4;

const std::string kDir(kDirectoryObject);

librados::bufferlist Bytes(const std::string& s) {
  librados::bufferlist bl;
  bl.append(s.data(), s.size());
  return bl;
}

// omap_cmp that `name` currently holds `value`; "" asserts that it is absent (RADOS
// compares a missing key as empty, and no entry is ever empty).
void AssertEntry(std::map<std::string, std::pair<librados::bufferlist, int>>* assertions,
                 const std::string& name, const std::string& value) {
  (*assertions)[name] = {Bytes(value), LIBRADOS_CMPXATTR_OP_EQ};
}

}  // namespace

RadosDirectory::RadosDirectory(librados::IoCtx* io, size_t page_entries)
    : io_(io), page_entries_(page_entries == 0 ? 1 : page_entries) {}

leveldb::Status RadosDirectory::Create() {
  librados::ObjectWriteOperation op;
  op.create(false);
  const int r = io_->operate(kDir, &op);
  return r < 0 ? RadosError(r, "create", kDir) : leveldb::Status::OK();
}

leveldb::Status RadosDirectory::Exists(bool* exists) {
  uint64_t size = 0;
  time_t mtime = 0;
  const int r = io_->stat(kDir, &size, &mtime);
  *exists = r == 0;
  if (r == 0 || Classify(r) == RadosOutcome::kNotFound) return leveldb::Status::OK();
  return RadosError(r, "stat", kDir);
}

leveldb::Status RadosDirectory::LookupOptional(const std::string& name, std::string* file_id,
                                               bool* found) {
  librados::ObjectReadOperation op;
  std::map<std::string, librados::bufferlist> out;
  int rval = 0;
  op.omap_get_vals_by_keys({name}, &out, &rval);
  const int r = io_->operate(kDir, &op, nullptr);
  *found = false;
  if (Classify(r) == RadosOutcome::kNotFound) return leveldb::Status::OK();
  if (r < 0) return RadosError(r, "omap lookup", kDir);
  if (rval < 0) return RadosError(rval, "omap lookup", kDir);
  auto it = out.find(name);
  if (it == out.end()) return leveldb::Status::OK();
  *file_id = it->second.to_str();
  *found = true;
  return leveldb::Status::OK();
}

leveldb::Status RadosDirectory::Lookup(const std::string& name, std::string* file_id) {
  bool found = false;
  leveldb::Status s = LookupOptional(name, file_id, &found);
  if (s.ok() && !found) return leveldb::Status::NotFound(name, "no such file in RADOS");
  return s;
}

leveldb::Status RadosDirectory::List(std::map<std::string, std::string>* entries) {
  entries->clear();
  std::string after;
  bool more = true;
  while (more) {
    librados::ObjectReadOperation op;
    std::map<std::string, librados::bufferlist> page;
    int rval = 0;
    more = false;
    op.omap_get_vals2(after, page_entries_, &page, &more, &rval);
    const int r = io_->operate(kDir, &op, nullptr);
    if (Classify(r) == RadosOutcome::kNotFound) return leveldb::Status::OK();
    if (r < 0) return RadosError(r, "omap list", kDir);
    if (rval < 0) return RadosError(rval, "omap list", kDir);
    for (auto& [name, value] : page) entries->emplace(name, value.to_str());
    if (page.empty()) break;  // no progress possible: trust the end, not `more`
    after = page.rbegin()->first;
  }
  return leveldb::Status::OK();
}

leveldb::Status RadosDirectory::Publish(const std::string& name, const std::string& file_id,
                                        std::string* replaced) {
  for (int attempt = 0; attempt < kCompareAttempts; ++attempt) {
    std::string old;
    bool found = false;
    leveldb::Status s = LookupOptional(name, &old, &found);
    if (!s.ok()) return s;
    librados::ObjectWriteOperation op;
    op.create(false);
    std::map<std::string, std::pair<librados::bufferlist, int>> assertions;
    AssertEntry(&assertions, name, found ? old : "");
    int cmp = 0;
    op.omap_cmp(assertions, &cmp);
    op.omap_set({{name, Bytes(file_id)}});
    const int r = io_->operate(kDir, &op);
    if (Classify(r) == RadosOutcome::kCanceled) continue;
    if (r < 0) return RadosError(r, "omap publish " + name, kDir);
    *replaced = found ? old : "";
    return leveldb::Status::OK();
  }
  return leveldb::Status::IOError(name, "directory entry kept changing under us in RADOS");
}

leveldb::Status RadosDirectory::Rename(const std::string& from, const std::string& to,
                                       std::string* replaced) {
  if (from == to) {
    std::string id;
    replaced->clear();
    return Lookup(from, &id);
  }
  for (int attempt = 0; attempt < kCompareAttempts; ++attempt) {
    std::string id;
    leveldb::Status s = Lookup(from, &id);
    if (!s.ok()) return s;
    std::string old;
    bool found = false;
    s = LookupOptional(to, &old, &found);
    if (!s.ok()) return s;
    librados::ObjectWriteOperation op;
    std::map<std::string, std::pair<librados::bufferlist, int>> assertions;
    AssertEntry(&assertions, from, id);
    AssertEntry(&assertions, to, found ? old : "");
    int cmp = 0;
    op.omap_cmp(assertions, &cmp);
    op.omap_set({{to, Bytes(id)}});
    op.omap_rm_keys({from});
    const int r = io_->operate(kDir, &op);
    if (Classify(r) == RadosOutcome::kCanceled) continue;
    if (r < 0) return RadosError(r, "omap rename " + from + " to " + to, kDir);
    *replaced = found ? old : "";
    return leveldb::Status::OK();
  }
  return leveldb::Status::IOError(from, "directory entry kept changing under us in RADOS");
}

leveldb::Status RadosDirectory::Unlink(const std::string& name, std::string* file_id) {
  for (int attempt = 0; attempt < kCompareAttempts; ++attempt) {
    std::string id;
    leveldb::Status s = Lookup(name, &id);
    if (!s.ok()) return s;
    librados::ObjectWriteOperation op;
    std::map<std::string, std::pair<librados::bufferlist, int>> assertions;
    AssertEntry(&assertions, name, id);
    int cmp = 0;
    op.omap_cmp(assertions, &cmp);
    op.omap_rm_keys({name});
    const int r = io_->operate(kDir, &op);
    if (Classify(r) == RadosOutcome::kCanceled) continue;
    if (r < 0) return RadosError(r, "omap unlink " + name, kDir);
    *file_id = id;
    return leveldb::Status::OK();
  }
  return leveldb::Status::IOError(name, "directory entry kept changing under us in RADOS");
}

leveldb::Status RadosDirectory::ReadHeader(std::string* header) {
  librados::bufferlist bl;
  const int r = io_->omap_get_header(kDir, &bl);
  if (Classify(r) == RadosOutcome::kNotFound) {
    header->clear();
    return leveldb::Status::OK();
  }
  if (r < 0) return RadosError(r, "omap header read", kDir);
  *header = bl.to_str();
  return leveldb::Status::OK();
}

leveldb::Status RadosDirectory::WriteHeader(const std::string& header) {
  librados::ObjectWriteOperation op;
  op.create(false);
  op.omap_set_header(Bytes(header));
  const int r = io_->operate(kDir, &op);
  return r < 0 ? RadosError(r, "omap header write", kDir) : leveldb::Status::OK();
}

leveldb::Status RadosDirectory::Remove() {
  const int r = io_->remove(kDir);
  if (r == 0 || Classify(r) == RadosOutcome::kNotFound) return leveldb::Status::OK();
  return RadosError(r, "remove", kDir);
}

}  // namespace volumed::storage::rados
