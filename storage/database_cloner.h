// DatabaseCloner: the one step of snapshots and forks that depends on where a store keeps
// its files — "make directory B a copy of the LevelDB database in directory A, as it is
// now" — and the matching question "how many of this database's bytes are its own, and
// how many does it share with other databases". The catalog (storage/catalog_impl.cc)
// decides when to clone and what the copy becomes; the cloner only moves files.
//
// What makes a cheap copy possible: LevelDB never changes a table file (*.ldb, *.sst)
// once written, so a copy may share them; only the write-ahead log, the MANIFEST and
// CURRENT are still appended to or replaced, and those are copied. The caller holds the
// database's writes while Clone runs (WriteQueue::Quiesce) and has synced the log first,
// so every applied write is in the log's file (a store may buffer it until a sync) and
// the log does not grow;
// LevelDB's background compaction may still run, adding tables and a MANIFEST record and
// then deleting the tables it replaced. Clone therefore reads the MANIFEST's name and size
// first, takes the files, and checks that neither changed: a change means a table the
// copy's MANIFEST names may be gone, and the copy is discarded and taken again.
//
// Two implementations:
//  - NewLinkingCloner (the embedded store on the POSIX file system): tables are hard
//    links, so a clone costs the log, the MANIFEST and one directory entry per table, and
//    its space is freed only when the last link goes. Space counts a file as shared while
//    its link count is above one.
//  - NewCopyingCloner(env): any leveldb::Env (LevelDB's MemEnv in tests, a store that
//    offers nothing cheaper): every file is copied through the Env; nothing is shared.
// A store that can share objects (RADOS) implements this interface with its own sharing.
//
// Durability: Clone only copies (it runs while the source's writes wait, so it does no
// more than it must); MakeDurable, called after it, puts the copy's files and directory
// entries on stable storage.
//
// Thread-safety: thread-safe; concurrent clones must write to different directories.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace leveldb {
class Env;
}

namespace volumed::storage {

// A database's bytes on the store, split by whether another database references them too.
struct DatabaseSpace {
  uint64_t own_bytes = 0;     // freed when this database is destroyed
  uint64_t shared_bytes = 0;  // also referenced by another database (a snapshot, a fork)
};

class DatabaseCloner {
 public:
  virtual ~DatabaseCloner() = default;

  // Makes `to` (created here; it must not exist) a copy of the database in `from`. kBusy
  // when the source kept changing under every attempt. On failure `to` is removed.
  virtual Status Clone(const std::string& from, const std::string& to) = 0;
  // After Clone: the copy in `to` is durable on return.
  virtual Status MakeDurable(const std::string& to) = 0;
  // Space of the database in `dir`.
  virtual Result<DatabaseSpace> Space(const std::string& dir) = 0;
};

std::unique_ptr<DatabaseCloner> NewLinkingCloner(leveldb::Env* env);
std::unique_ptr<DatabaseCloner> NewCopyingCloner(leveldb::Env* env);

}  // namespace volumed::storage
