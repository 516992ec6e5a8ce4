// RadosEnv: a leveldb::Env whose files live in Ceph RADOS (DESIGN.md §11, CEPH.md §3), so
// that each volume stays a LevelDB database while its bytes are replicated by the cluster.
// Layout (rados_names.h): every directory under `root` is one RADOS namespace of the pool
// (the catalog "catalog", volume 7 "volumes/7"; under a prefix P, "P/catalog"); its files are named
// in the omap of one directory object (rados_directory.h), and every file incarnation is a new run
// of chunk objects (rados_file_objects.h). Method by method:
//   NewWritableFile  new chunk 0, then publish name → id (one omap op), then remove the
//                    replaced incarnation: create replaces, as LevelDB expects
//   RenameFile       one compound omap op (CURRENT.dbtmp → CURRENT is atomic), then
//                    remove the replaced incarnation
//   RemoveFile       unlink the name (one omap op), then remove the objects
//   GetChildren      the directory's omap, page by page; never a pool listing
//   LockFile         a lease lock with fencing (rados_lease_lock.h), renewed by a thread
//                    of this Env; fails at once while another gateway owns the directory.
//                    Taking a directory that was not let go cleanly (omap header still
//                    "open") first sweeps its garbage
//   CreateDir        creates the directory object; RemoveDir removes every object of an
//                    empty directory's namespace
//   NewLogger        LevelDB's info log goes to our log at debug level (not into RADOS)
// Threads, clocks and scheduling come from Env::Default(). Appendable files are not
// supported (LevelDB only asks for them with reuse_logs). Errors map to leveldb::Status
// once, in rados_errors.h.
//
// Thread-safety: thread-safe, as leveldb::Env must be.
#pragma once

#include <leveldb/env.h>
#include <rados/librados.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "storage/rados/rados_directory.h"
#include "storage/rados/rados_read_cache.h"
#include "storage/rados/rados_writable_file.h"

namespace volumed::storage::rados {

struct RadosEnvOptions {
  std::string conf_path;         // ceph.conf (mon addresses, keyring)
  std::string user = "admin";    // cephx id ("admin" or "client.admin")
  std::string pool;              // the pool every namespace lives in
  std::string namespace_prefix;  // prefix of every namespace ("" = none; rados_names.h)
  std::string root;              // local path prefix mapped onto the pool (the data dir)
  // This server's identity in lock cookies: a restart of the same gateway takes over its
  // own crashed predecessor's directories at once (after fencing it) instead of waiting
  // for their leases to lapse.
  std::string gateway_id;
  std::chrono::seconds lease{30};
  uint64_t chunk_bytes = uint64_t{64} << 20;  // half of osd_max_object_size's default
  size_t read_cache_bytes = size_t{64} << 20;
  size_t read_extent_bytes = size_t{256} << 10;
  size_t readahead_bytes = size_t{1} << 20;
  size_t list_page_entries = 1024;
  WriteLimits write;
};

class RadosEnv final : public leveldb::EnvWrapper {
 public:
  static Result<std::unique_ptr<RadosEnv>> Connect(const RadosEnvOptions& options);
  ~RadosEnv() override;

  leveldb::Status NewSequentialFile(const std::string& fname,
                                    leveldb::SequentialFile** result) override;
  leveldb::Status NewRandomAccessFile(const std::string& fname,
                                      leveldb::RandomAccessFile** result) override;
  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override;
  leveldb::Status NewAppendableFile(const std::string& fname,
                                    leveldb::WritableFile** result) override;
  bool FileExists(const std::string& fname) override;
  leveldb::Status GetChildren(const std::string& dir, std::vector<std::string>* result) override;
  leveldb::Status RemoveFile(const std::string& fname) override;
  leveldb::Status CreateDir(const std::string& dirname) override;
  leveldb::Status RemoveDir(const std::string& dirname) override;
  leveldb::Status GetFileSize(const std::string& fname, uint64_t* file_size) override;
  leveldb::Status RenameFile(const std::string& src, const std::string& target) override;
  leveldb::Status LockFile(const std::string& fname, leveldb::FileLock** lock) override;
  leveldb::Status UnlockFile(leveldb::FileLock* lock) override;
  leveldb::Status GetTestDirectory(std::string* path) override;
  leveldb::Status NewLogger(const std::string& fname, leveldb::Logger** result) override;

  // Removes the objects of directory `dir` that no name refers to (what a crash between
  // "unlink name" and "remove object", or between "create" and "publish", leaves).
  // Only safe while nobody writes the directory: its owner calls it right after taking
  // the lock, before LevelDB creates a file. *removed counts the objects removed.
  leveldb::Status SweepGarbage(const std::string& dir, size_t* removed);
  // Every object in directory `dir`'s namespace (tests and tools; walks the pool's PGs).
  leveldb::Status ListObjects(const std::string& dir, std::vector<std::string>* objects);
  // The gateway holding the lease of directory `dir` ("" when nobody does: released, or
  // lapsed — cls_lock drops expired lockers, judged by the OSD's clock).
  leveldb::Status LeaseHolder(const std::string& dir, std::string* gateway);
  // Whether this Env holds the lease of directory `dir` and it has certainly not lapsed
  // (false once renewals failed for a lease's length: fenced, or cut off).
  bool HoldsLease(const std::string& dir);
  // Tests: makes this Env's lease of `dir` look lapsed by the local clock, as after a
  // pause, so the next write must renew it before going on (or fail). No-op when the
  // lease is not held.
  void LapseLeaseForTest(const std::string& dir);
  // "pool 'P', namespace 'N'" for `dir`.
  std::string Describe(const std::string& dir) const;
  const RadosEnvOptions& options() const { return options_; }
  // The connection, for cluster-wide questions (pool capacity); lives as long as this.
  librados::Rados* cluster() { return &cluster_; }
  // An IoCtx of the store's pool (no namespace set).
  librados::IoCtx pool() const { return pool_; }

 private:
  struct Space;
  class Lock;

  explicit RadosEnv(const RadosEnvOptions& options);
  Status Init();
  // The namespace of directory `dir` / of file `fname`'s directory; null when not under
  // root (*status says why).
  Space* SpaceOfDir(const std::string& dir, leveldb::Status* status);
  Space* SpaceOfFile(const std::string& fname, std::string* name, leveldb::Status* status);
  // The namespace of file `fname` and the id its name refers to (NotFound when none).
  leveldb::Status Resolve(const std::string& fname, Space** space, std::string* id);
  // OK while this process owns `space` (or holds no lease on it): its lease has not
  // lapsed, or a renewal just now found the lock still its own. Else LeaseLapsed.
  leveldb::Status CheckOwned(Space& space);
  RadosFileObjects Objects(Space& space, const std::string& file_id) const;
  // Removes a replaced or unlinked incarnation; a failure leaves garbage for the sweep.
  void Discard(Space& space, const std::string& file_id);
  void RenewLoop();

  const RadosEnvOptions options_;
  librados::Rados cluster_;
  librados::IoCtx pool_;
  uint64_t instance_ = 0;
  std::atomic<uint64_t> next_file_{0};
  RadosReadCache read_cache_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Space>> spaces_;  // guarded by mu_; never erased
  std::vector<Space*> locked_;                            // guarded by mu_

  std::mutex renew_mu_;
  std::condition_variable renew_cv_;
  bool stopping_ = false;  // guarded by renew_mu_
  std::thread renewer_;
};

}  // namespace volumed::storage::rados
