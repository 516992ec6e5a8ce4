// RadosCatalogTable: the catalog's table (storage/catalog_table.h) in the omap of one
// RADOS object that every gateway of the store shares, so that all of them read and write
// one catalog (README "Scaling out").
//
// Layout: object "volumed.catalog" in namespace [prefix "/"] "shared"; each catalog key
// is an omap key, each record its value. A batch is one ObjectWriteOperation (omap set +
// remove keys), which RADOS applies atomically and durably.
//
// Exclusive(): the cls_lock "catalog" on that object, exclusive, held as a lease of
// `lease` seconds (a change is short: a few omap operations, or a snapshot's copy), with
// the holder's cookie then written to the object's xattr "holder". Every write made under
// a hold carries a compare of "holder" with our cookie, so a holder that paused past its
// lease, after another gateway took the lock (and wrote its own cookie), can write nothing
// more: the compare fails, and the write answers kBusy. Waiting for the lock polls with a
// growing back-off, up to two leases.
//
// Thread-safety: thread-safe; Exclusive() also serialises the threads of this process.
#pragma once

#include <rados/librados.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "storage/catalog_table.h"

namespace volumed::storage::rados {

struct RadosCatalogTableOptions {
  std::string namespace_prefix;  // the store's (RadosEnvOptions::namespace_prefix)
  std::string gateway;           // this gateway's id, in the lock cookie
  std::chrono::seconds lease{30};
  size_t scan_page = 1024;  // omap entries per read of a Scan
};

// `pool` is an IoCtx of the store's pool (its namespace is set here).
Result<std::unique_ptr<CatalogTable>> OpenRadosCatalogTable(librados::IoCtx pool,
                                                            const RadosCatalogTableOptions& o);

}  // namespace volumed::storage::rados
