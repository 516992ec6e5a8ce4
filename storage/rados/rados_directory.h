// RadosDirectory: one directory of LevelDB files in RADOS — the omap of the namespace's
// "volumed.dir" object, mapping each file name to the id of the file's current
// incarnation (rados_names.h). Every change is one compound operation on that object,
// guarded by omap_cmp of the entries it replaces, so a change is all or nothing:
// replacing CURRENT (Rename) can never leave the name missing or pointing at a file that
// is not complete. A change is durable when RADOS acknowledges it (no directory fsync).
// Listings go page by page (the OSD caps an omap read), never over the pool.
//
// Callers remove the objects of replaced or unlinked files after the change: a crash in
// between leaves objects no name refers to, which RadosEnv::SweepGarbage removes.
//
// Thread-safety: thread-safe (librados IoCtx operations are); changes of different names
// may run concurrently, and a lost compare (another writer changed the same name) is
// retried a few times and then reported as an IO error.
#pragma once

#include <leveldb/status.h>
#include <rados/librados.hpp>

#include <cstddef>
#include <map>
#include <string>

namespace volumed::storage::rados {

class RadosDirectory {
 public:
  // `io` is set to the directory's namespace and outlives this object.
  RadosDirectory(librados::IoCtx* io, size_t page_entries);

  // Creates the directory object if it is missing.
  leveldb::Status Create();
  // Whether the directory object exists.
  leveldb::Status Exists(bool* exists);
  // The file id `name` refers to; NotFound when there is no such name (or directory).
  leveldb::Status Lookup(const std::string& name, std::string* file_id);
  // Every name → file id, read page by page; a missing directory lists as empty.
  leveldb::Status List(std::map<std::string, std::string>* entries);
  // Points `name` at `file_id`; `*replaced` = the id it referred to before ("" if none).
  leveldb::Status Publish(const std::string& name, const std::string& file_id,
                          std::string* replaced);
  // Moves `from` to `to` in one operation, replacing `to`; `*replaced` as in Publish.
  leveldb::Status Rename(const std::string& from, const std::string& to, std::string* replaced);
  // Removes `name`; `*file_id` = the id it referred to. NotFound when absent.
  leveldb::Status Unlink(const std::string& name, std::string* file_id);
  // The omap header: "open" while a gateway owns the directory, "clean" after it let go.
  leveldb::Status ReadHeader(std::string* header);
  leveldb::Status WriteHeader(const std::string& header);
  // Removes the directory object itself (absent is fine).
  leveldb::Status Remove();

 private:
  leveldb::Status LookupOptional(const std::string& name, std::string* file_id, bool* found);

  librados::IoCtx* const io_;
  const size_t page_entries_;
};

}  // namespace volumed::storage::rados
