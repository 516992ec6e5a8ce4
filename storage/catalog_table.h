// CatalogTable: where the catalog's records live (storage/key_codec.h, "Catalog DB
// grammar") — a small ordered key-value table whose batch writes are atomic and durable
// when they return. The embedded store keeps it in a LevelDB of its own (DATA/catalog,
// through Kv); the RADOS store in the omap of one object that every gateway of the store
// reads and writes (storage/rados/rados_catalog_table.h), so that all of them see one
// catalog.
//
// Several gateways changing the table serialise their changes with Exclusive(): a change
// reads what it checks and writes the outcome while it holds the table. A hold is a lease;
// should a holder pause past it and another gateway take the table, every later write of
// the paused holder fails (kBusy) instead of overwriting what the other one decided.
//
// Thread-safety: thread-safe. Exclusive() also excludes the other threads of this process.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace leveldb {
class WriteBatch;
}

namespace volumed::storage {

class Kv;

class CatalogTable {
 public:
  // The visitor returns false to stop the scan early.
  using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

  // Released when destroyed.
  class Hold {
   public:
    virtual ~Hold() = default;
  };

  virtual ~CatalogTable() = default;

  // nullopt when the key is absent.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // Applies every Put and Delete of `batch` at once (a key written twice: the last one).
  virtual Status Write(leveldb::WriteBatch* batch) = 0;
  // Visits keys in [start, end) in order ("" end = no bound).
  virtual Status Scan(std::string_view start, std::string_view end, const ScanVisitor& visit) = 0;
  // Waits until this caller alone, across every gateway, may change the table (kBusy
  // after a long wait); the change's writes happen while the Hold lives.
  virtual Result<std::unique_ptr<Hold>> Exclusive() = 0;
};

// The embedded store's table: a LevelDB database (every write synced).
std::unique_ptr<CatalogTable> NewKvCatalogTable(std::unique_ptr<Kv> kv);

}  // namespace volumed::storage
