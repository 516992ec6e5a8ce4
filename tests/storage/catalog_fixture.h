// Store options for catalog tests: a small store on LevelDB's in-memory Env.
#pragma once

#include <leveldb/env.h>

#include "storage/catalog.h"

namespace volumed::storage {

inline StoreOptions MemStoreOptions(leveldb::Env* env) {
  StoreOptions o;
  o.data_dir = "/data";
  o.env = env;
  o.block_size = 4096;
  o.block_cache_bytes = 1 << 20;
  return o;
}

}  // namespace volumed::storage
