#include "storage/rados/rados_catalog_table.h"

#include <leveldb/write_batch.h>
#include <sys/time.h>

#include <map>
#include <optional>
#include <set>
#include <thread>

#include "base/logging.h"
#include "storage/kv.h"
#include "storage/rados/rados_errors.h"
#include "storage/rados/rados_names.h"

namespace volumed::storage::rados {
namespace {

const std::string kObject = "volumed.catalog";
const std::string kLock = "catalog";
constexpr const char* kHolderXattr = "holder";
constexpr std::string_view kNamespace = "shared";

Status Failed(int r, std::string_view op) { return FromLevelDb(RadosError(r, op, kObject)); }

// The final state of each key a batch writes: a value, or nullopt for a delete.
class BatchCollector final : public leveldb::WriteBatch::Handler {
 public:
  void Put(const leveldb::Slice& key, const leveldb::Slice& value) override {
    keys_[key.ToString()] = value.ToString();
  }
  void Delete(const leveldb::Slice& key) override { keys_[key.ToString()] = std::nullopt; }
  const std::map<std::string, std::optional<std::string>>& keys() const { return keys_; }

 private:
  std::map<std::string, std::optional<std::string>> keys_;
};

class RadosCatalogTable final : public CatalogTable {
 public:
  RadosCatalogTable(librados::IoCtx io, const RadosCatalogTableOptions& o)
      : io_(std::move(io)), options_(o), cookie_(MakeCookie(o.gateway, RandomNonce())) {}

  Status Init() {
    librados::ObjectWriteOperation op;
    op.create(false);
    const int r = io_.operate(kObject, &op);
    return r < 0 ? Failed(r, "create") : Status::Ok();
  }

  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::map<std::string, librados::bufferlist> vals;
    const int r = io_.omap_get_vals_by_keys(kObject, {std::string(key)}, &vals);
    if (r < 0) return Failed(r, "omap get");
    auto it = vals.find(std::string(key));
    if (it == vals.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second.to_str());
  }

  Status Write(leveldb::WriteBatch* batch) override {
    BatchCollector collect;
    leveldb::Status iterated = batch->Iterate(&collect);
    if (!iterated.ok()) return FromLevelDb(iterated);
    std::map<std::string, librados::bufferlist> set;
    std::set<std::string> remove;
    for (const auto& [key, value] : collect.keys()) {
      if (value) {
        set[key].append(*value);
      } else {
        remove.insert(key);
      }
    }
    librados::ObjectWriteOperation op;
    bool guarded = false;
    {
      std::lock_guard<std::mutex> l(state_mu_);
      if (holding_) {
        librados::bufferlist mine;
        mine.append(cookie_);
        op.cmpxattr(kHolderXattr, LIBRADOS_CMPXATTR_OP_EQ, mine);
        guarded = true;
      }
    }
    if (!set.empty()) op.omap_set(set);
    if (!remove.empty()) op.omap_rm_keys(remove);
    const int r = io_.operate(kObject, &op);
    if (r < 0 && guarded && Classify(r) == RadosOutcome::kCanceled) {
      return Status(Status::Code::kBusy,
                    "the catalog was taken by another gateway while this one held it (paused "
                    "past its lease?): the change was not written");
    }
    return r < 0 ? Failed(r, "omap write") : Status::Ok();
  }

  Status Scan(std::string_view start, std::string_view end, const ScanVisitor& visit) override {
    // omap reads start after a key: the first key itself is read on its own.
    std::string after(start);
    if (!start.empty()) {
      VOLUMED_ASSIGN_OR_RETURN(auto first, Get(start));
      if (first && !visit(start, *first)) return Status::Ok();
    }
    for (;;) {
      std::map<std::string, librados::bufferlist> page;
      bool more = false;
      const int r = io_.omap_get_vals2(kObject, after, options_.scan_page, &page, &more);
      if (r < 0) return Failed(r, "omap read");
      for (auto& [key, value] : page) {
        if (!end.empty() && key >= end) return Status::Ok();
        if (!visit(key, value.to_str())) return Status::Ok();
        after = key;
      }
      if (!more || page.empty()) return Status::Ok();
    }
  }

  Result<std::unique_ptr<Hold>> Exclusive() override {
    std::unique_lock<std::mutex> local(hold_mu_);
    struct timeval duration = {static_cast<time_t>(options_.lease.count()), 0};
    const auto deadline = std::chrono::steady_clock::now() + 2 * options_.lease;
    auto backoff = std::chrono::milliseconds(5);
    for (;;) {
      const int r =
          io_.lock_exclusive(kObject, kLock, cookie_, "volumed catalog change", &duration, 0);
      if (r == 0) break;
      if (Classify(r) != RadosOutcome::kBusy && Classify(r) != RadosOutcome::kExists) {
        return Failed(r, "lock");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return Status(Status::Code::kBusy, "another gateway holds the catalog for too long");
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
    }
    librados::ObjectWriteOperation mark;
    librados::bufferlist mine;
    mine.append(cookie_);
    mark.setxattr(kHolderXattr, mine);
    const int r = io_.operate(kObject, &mark);
    if (r < 0) {
      (void)io_.unlock(kObject, kLock, cookie_);
      return Failed(r, "setxattr holder");
    }
    {
      std::lock_guard<std::mutex> l(state_mu_);
      holding_ = true;
    }
    return std::unique_ptr<Hold>(std::make_unique<RadosHold>(this, std::move(local)));
  }

 private:
  class RadosHold final : public Hold {
   public:
    RadosHold(RadosCatalogTable* table, std::unique_lock<std::mutex> local)
        : table_(table), local_(std::move(local)) {}
    ~RadosHold() override { table_->Release(); }

   private:
    RadosCatalogTable* const table_;
    std::unique_lock<std::mutex> local_;  // released after Release (members go last)
  };

  void Release() {
    {
      std::lock_guard<std::mutex> l(state_mu_);
      holding_ = false;
    }
    const int r = io_.unlock(kObject, kLock, cookie_);
    if (r < 0 && Classify(r) != RadosOutcome::kNotFound) {
      LOG_WARN("catalog: cannot release the catalog lock: {}", Failed(r, "unlock").ToString());
    }
  }

  librados::IoCtx io_;
  const RadosCatalogTableOptions options_;
  const std::string cookie_;
  std::mutex hold_mu_;   // held by the thread that holds the table
  std::mutex state_mu_;  // guards holding_
  bool holding_ = false;
};

}  // namespace

Result<std::unique_ptr<CatalogTable>> OpenRadosCatalogTable(librados::IoCtx pool,
                                                            const RadosCatalogTableOptions& o) {
  pool.set_namespace(PrefixedNamespace(o.namespace_prefix, kNamespace));
  auto table = std::make_unique<RadosCatalogTable>(std::move(pool), o);
  VOLUMED_RETURN_IF_ERROR(table->Init());
  return std::unique_ptr<CatalogTable>(std::move(table));
}

}  // namespace volumed::storage::rados
