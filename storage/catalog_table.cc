#include "storage/catalog_table.h"

#include <mutex>

#include "storage/kv.h"

namespace volumed::storage {
namespace {

class KvCatalogTable final : public CatalogTable {
 public:
  explicit KvCatalogTable(std::unique_ptr<Kv> kv) : kv_(std::move(kv)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override { return kv_->Get(key); }
  Status Write(leveldb::WriteBatch* batch) override { return kv_->Write(batch, true); }
  Status Scan(std::string_view start, std::string_view end, const ScanVisitor& visit) override {
    return kv_->Scan(start, end, visit);
  }
  // One server uses the table: a process-wide mutex is the whole exclusion.
  Result<std::unique_ptr<Hold>> Exclusive() override {
    return std::unique_ptr<Hold>(std::make_unique<LockedHold>(&mu_));
  }

 private:
  class LockedHold final : public Hold {
   public:
    explicit LockedHold(std::mutex* mu) : lock_(*mu) {}

   private:
    std::unique_lock<std::mutex> lock_;
  };

  std::unique_ptr<Kv> kv_;
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<CatalogTable> NewKvCatalogTable(std::unique_ptr<Kv> kv) {
  return std::make_unique<KvCatalogTable>(std::move(kv));
}

}  // namespace volumed::storage
