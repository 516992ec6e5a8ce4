#include "storage/rados/rados_env.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <list>
#include <set>

#include "base/logging.h"
#include "storage/rados/rados_errors.h"
#include "storage/rados/rados_lease_lock.h"
#include "storage/rados/rados_names.h"
#include "storage/rados/rados_readable_files.h"

namespace volumed::storage::rados {
namespace {

constexpr size_t kListBatch = 1024;

// LevelDB's info log, forwarded to ours at debug level: it grows without bound and is
// no part of the database's state, so it does not belong in RADOS.
class DebugLogger final : public leveldb::Logger {
 public:
  explicit DebugLogger(std::string prefix) : prefix_(std::move(prefix)) {}
  void Logv(const char* format, std::va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    LOG_DEBUG("leveldb {}: {}", prefix_, line);
  }

 private:
  const std::string prefix_;
};

}  // namespace

struct RadosEnv::Space {
  Space(librados::IoCtx ctx, std::string dir_ns, size_t page)
      : io(std::move(ctx)), ns(io.get_namespace()), rel(std::move(dir_ns)), dir(&io, page) {}
  librados::IoCtx io;
  const std::string ns;   // the RADOS namespace
  const std::string rel;  // the directory relative to the Env's root ("" = root)
  RadosDirectory dir;
  std::atomic<int64_t> valid_until{RadosLeaseLock::kUnowned};
  std::atomic<bool> garbage{false};      // an incarnation could not be removed
  std::shared_ptr<RadosLeaseLock> lock;  // guarded by RadosEnv::mu_
};

class RadosEnv::Lock final : public leveldb::FileLock {
 public:
  explicit Lock(Space* space) : space(space) {}
  Space* const space;
};

RadosEnv::RadosEnv(const RadosEnvOptions& options)
    : leveldb::EnvWrapper(leveldb::Env::Default()),
      options_(options),
      read_cache_(options.read_cache_bytes, options.read_extent_bytes) {}

Result<std::unique_ptr<RadosEnv>> RadosEnv::Connect(const RadosEnvOptions& options) {
  if (options.pool.empty()) return InvalidArgument("no Ceph pool given");
  if (options.root.empty()) return InvalidArgument("no root path for the RADOS store");
  if (options.chunk_bytes == 0 || options.read_extent_bytes == 0 ||
      options.chunk_bytes % options.read_extent_bytes != 0) {
    return InvalidArgument("the read extent must divide the chunk size");
  }
  if (options.lease.count() < 3) return InvalidArgument("the lease must be at least 3 s");
  const std::string& prefix = options.namespace_prefix;
  if (!prefix.empty() && (prefix.front() == '/' || prefix.back() == '/')) {
    return InvalidArgument("the namespace prefix '" + prefix + "' starts or ends with '/'");
  }
  std::unique_ptr<RadosEnv> env(new RadosEnv(options));
  VOLUMED_RETURN_IF_ERROR(env->Init());
  return env;
}

Status RadosEnv::Init() {
  const std::string& user = options_.user;
  int r = user.rfind("client.", 0) == 0 ? cluster_.init2(user.c_str(), "ceph", 0)
                                        : cluster_.init(user.c_str());
  if (r < 0) return IoError(fmt::format("ceph user '{}': {}", user, std::strerror(-r)));
  if (!options_.conf_path.empty()) {
    r = cluster_.conf_read_file(options_.conf_path.c_str());
    if (r < 0) {
      return IoError(fmt::format("ceph conf {}: {}", options_.conf_path, std::strerror(-r)));
    }
  }
  r = cluster_.connect();
  if (r < 0) return IoError(fmt::format("cannot connect to Ceph: {}", std::strerror(-r)));
  r = cluster_.ioctx_create(options_.pool.c_str(), pool_);
  if (r < 0) {
    return IoError(fmt::format("ceph pool '{}': {}", options_.pool, std::strerror(-r)));
  }
  instance_ = cluster_.get_instance_id();
  renewer_ = std::thread([this] { RenewLoop(); });
  return Status::Ok();
}

RadosEnv::~RadosEnv() {
  {
    std::lock_guard<std::mutex> l(renew_mu_);
    stopping_ = true;
  }
  renew_cv_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  // Every DB is closed by now; let go of leases LevelDB did not unlock.
  std::vector<std::shared_ptr<RadosLeaseLock>> held;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [ns, space] : spaces_) {
      if (space->lock) held.push_back(std::move(space->lock));
    }
  }
  for (auto& lock : held) (void)lock->Release();
  spaces_.clear();
  pool_.close();
  cluster_.shutdown();
}

RadosEnv::Space* RadosEnv::SpaceOfDir(const std::string& dir, leveldb::Status* status) {
  auto ns = DirectoryNamespace(options_.root, dir);
  if (!ns) {
    *status =
        leveldb::Status::InvalidArgument(dir, "not under the RADOS store's root " + options_.root);
    return nullptr;
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = spaces_.find(*ns);
  if (it == spaces_.end()) {
    librados::IoCtx io;
    io.dup(pool_);
    io.set_namespace(PrefixedNamespace(options_.namespace_prefix, *ns));
    it = spaces_
             .emplace(*ns, std::make_unique<Space>(std::move(io), *ns, options_.list_page_entries))
             .first;
  }
  return it->second.get();
}

RadosEnv::Space* RadosEnv::SpaceOfFile(const std::string& fname, std::string* name,
                                       leveldb::Status* status) {
  auto path = SplitFilePath(options_.root, fname);
  if (!path) {
    *status = leveldb::Status::InvalidArgument(
        fname, "not a file under the RADOS store's root " + options_.root);
    return nullptr;
  }
  *name = path->name;
  const std::string dir = path->ns.empty() ? options_.root : options_.root + "/" + path->ns;
  return SpaceOfDir(dir, status);
}

leveldb::Status RadosEnv::CheckOwned(Space& space) {
  const int64_t until = space.valid_until.load(std::memory_order_acquire);
  if (until == RadosLeaseLock::kUnowned || SteadyNowNs() < until) return leveldb::Status::OK();
  // Lapsed by this process's clock: its renewals were late (a loaded machine) or failed,
  // or it was paused. Only a renewal tells which: while the lock is still ours, go on.
  std::shared_ptr<RadosLeaseLock> lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = space.lock;
  }
  if (lease != nullptr && lease->Renew().ok() &&
      SteadyNowNs() < space.valid_until.load(std::memory_order_acquire)) {
    return leveldb::Status::OK();
  }
  return LeaseLapsed("namespace '" + space.ns + "'");
}

RadosFileObjects RadosEnv::Objects(Space& space, const std::string& file_id) const {
  return RadosFileObjects(&space.io, file_id, options_.chunk_bytes);
}

void RadosEnv::Discard(Space& space, const std::string& file_id) {
  if (file_id.empty()) return;
  leveldb::Status s = Objects(space, file_id).Remove();
  if (!s.ok()) {
    space.garbage.store(true);
    LOG_WARN("rados: could not remove {} in namespace '{}' (the next sweep will): {}", file_id,
             space.ns, s.ToString());
  }
}

leveldb::Status RadosEnv::Resolve(const std::string& fname, Space** space, std::string* id) {
  leveldb::Status s;
  std::string name;
  *space = SpaceOfFile(fname, &name, &s);
  if (*space == nullptr) return s;
  return (*space)->dir.Lookup(name, id);
}

leveldb::Status RadosEnv::NewSequentialFile(const std::string& fname,
                                            leveldb::SequentialFile** result) {
  *result = nullptr;
  Space* space = nullptr;
  std::string id;
  leveldb::Status s = Resolve(fname, &space, &id);
  if (!s.ok()) return s;
  *result = new RadosSequentialFile(Objects(*space, id), options_.readahead_bytes);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::NewRandomAccessFile(const std::string& fname,
                                              leveldb::RandomAccessFile** result) {
  *result = nullptr;
  Space* space = nullptr;
  std::string id;
  leveldb::Status s = Resolve(fname, &space, &id);
  if (!s.ok()) return s;
  std::string cache_key = space->ns;
  cache_key.push_back('\0');
  cache_key += id;
  *result = new RadosRandomAccessFile(Objects(*space, id), std::move(cache_key), &read_cache_);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::NewWritableFile(const std::string& fname,
                                          leveldb::WritableFile** result) {
  *result = nullptr;
  leveldb::Status s;
  std::string name;
  Space* space = SpaceOfFile(fname, &name, &s);
  if (space == nullptr) return s;
  s = CheckOwned(*space);
  if (!s.ok()) return s;
  const std::string id = MakeFileId(instance_, next_file_.fetch_add(1), name);
  RadosFileObjects objects = Objects(*space, id);
  s = objects.CreateFirst();
  if (!s.ok()) return s;
  std::string replaced;
  s = space->dir.Publish(name, id, &replaced);
  if (!s.ok()) {
    Discard(*space, id);
    return s;
  }
  Discard(*space, replaced);
  *result = new RadosWritableFile(std::move(objects), options_.write,
                                  [this, space] { return CheckOwned(*space); });
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::NewAppendableFile(const std::string& fname,
                                            leveldb::WritableFile** result) {
  *result = nullptr;
  return leveldb::Status::NotSupported(fname, "appending to an existing RADOS file");
}

bool RadosEnv::FileExists(const std::string& fname) {
  leveldb::Status s;
  std::string name;
  if (Space* space = SpaceOfFile(fname, &name, &s); space != nullptr) {
    std::string id;
    if (space->dir.Lookup(name, &id).ok()) return true;
  }
  // A directory exists when its directory object does.
  Space* dir = SpaceOfDir(fname, &s);
  bool exists = false;
  return dir != nullptr && dir->dir.Exists(&exists).ok() && exists;
}

leveldb::Status RadosEnv::GetChildren(const std::string& dir, std::vector<std::string>* result) {
  result->clear();
  leveldb::Status s;
  Space* space = SpaceOfDir(dir, &s);
  if (space == nullptr) return s;
  std::map<std::string, std::string> entries;
  s = space->dir.List(&entries);
  if (!s.ok()) return s;
  if (entries.empty()) {
    bool exists = false;
    s = space->dir.Exists(&exists);
    if (!s.ok()) return s;
    if (!exists) return leveldb::Status::NotFound(dir, "no such directory in RADOS");
  }
  for (auto& [name, id] : entries) result->push_back(name);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::RemoveFile(const std::string& fname) {
  leveldb::Status s;
  std::string name;
  Space* space = SpaceOfFile(fname, &name, &s);
  if (space == nullptr) return s;
  s = CheckOwned(*space);
  if (!s.ok()) return s;
  std::string id;
  s = space->dir.Unlink(name, &id);
  if (!s.ok()) return s;
  Discard(*space, id);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::CreateDir(const std::string& dirname) {
  leveldb::Status s;
  Space* space = SpaceOfDir(dirname, &s);
  if (space == nullptr) return s;
  return space->dir.Create();
}

leveldb::Status RadosEnv::RemoveDir(const std::string& dirname) {
  leveldb::Status s;
  Space* space = SpaceOfDir(dirname, &s);
  if (space == nullptr) return s;
  std::map<std::string, std::string> entries;
  s = space->dir.List(&entries);
  if (!s.ok()) return s;
  if (!entries.empty()) return leveldb::Status::IOError(dirname, "directory not empty");
  std::vector<std::string> objects;
  s = ListObjects(dirname, &objects);
  if (!s.ok()) return s;
  // Everything but the directory object first: while it exists, the directory does.
  for (const auto& oid : objects) {
    if (oid == kDirectoryObject) continue;
    const int r = space->io.remove(oid);
    if (r < 0 && Classify(r) != RadosOutcome::kNotFound) return RadosError(r, "remove", oid);
  }
  return space->dir.Remove();
}

leveldb::Status RadosEnv::GetFileSize(const std::string& fname, uint64_t* file_size) {
  *file_size = 0;
  Space* space = nullptr;
  std::string id;
  leveldb::Status s = Resolve(fname, &space, &id);
  if (!s.ok()) return s;
  return Objects(*space, id).Size(file_size);
}

leveldb::Status RadosEnv::RenameFile(const std::string& src, const std::string& target) {
  leveldb::Status s;
  std::string from, to;
  Space* space = SpaceOfFile(src, &from, &s);
  if (space == nullptr) return s;
  Space* target_space = SpaceOfFile(target, &to, &s);
  if (target_space == nullptr) return s;
  if (target_space != space) {
    return leveldb::Status::NotSupported(src, "renaming across RADOS namespaces");
  }
  s = CheckOwned(*space);
  if (!s.ok()) return s;
  std::string replaced;
  s = space->dir.Rename(from, to, &replaced);
  if (!s.ok()) return s;
  Discard(*space, replaced);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::LockFile(const std::string& fname, leveldb::FileLock** lock) {
  *lock = nullptr;
  leveldb::Status s;
  std::string name;
  Space* space = SpaceOfFile(fname, &name, &s);
  if (space == nullptr) return s;
  auto lease = std::make_shared<RadosLeaseLock>(&cluster_, &space->io, options_.gateway_id,
                                                MakeCookie(options_.gateway_id, RandomNonce()),
                                                options_.lease, &space->valid_until);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (space->lock) return leveldb::Status::IOError("lock " + fname, "already held by process");
    space->lock = lease;  // reserved: a concurrent LockFile of the same name fails
  }
  s = lease->Acquire();
  if (s.ok()) {
    // A previous owner that did not let go may have left garbage: sweep before LevelDB
    // creates anything.
    std::string header;
    s = space->dir.ReadHeader(&header);
    if (s.ok() && header == kHeaderOpen) {
      size_t removed = 0;
      s = SweepGarbage(options_.root + (space->rel.empty() ? "" : "/" + space->rel), &removed);
      if (s.ok() && removed > 0) {
        LOG_INFO("rados: namespace '{}' was not closed cleanly; removed {} orphaned objects",
                 space->ns, removed);
      }
    }
    if (s.ok()) s = space->dir.WriteHeader(std::string(kHeaderOpen));
    if (!s.ok()) (void)lease->Release();
  }
  if (!s.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    space->lock.reset();
    return s;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    locked_.push_back(space);
  }
  *lock = new Lock(space);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::LeaseHolder(const std::string& dir, std::string* gateway) {
  gateway->clear();
  leveldb::Status s;
  Space* space = SpaceOfDir(dir, &s);
  if (space == nullptr) return s;
  int exclusive = 0;
  std::string tag;
  std::list<librados::locker_t> lockers;
  const int r = space->io.list_lockers(std::string(kLockObject), std::string(kLockName), &exclusive,
                                       &tag, &lockers);
  if (r < 0 && Classify(r) != RadosOutcome::kNotFound) {
    return RadosError(r, "list lockers", kLockObject);
  }
  if (r >= 0 && !lockers.empty()) *gateway = std::string(GatewayOfCookie(lockers.front().cookie));
  return leveldb::Status::OK();
}

bool RadosEnv::HoldsLease(const std::string& dir) {
  leveldb::Status s;
  Space* space = SpaceOfDir(dir, &s);
  if (space == nullptr) return false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!space->lock) return false;
  }
  const int64_t until = space->valid_until.load(std::memory_order_acquire);
  return until != RadosLeaseLock::kUnowned && SteadyNowNs() < until;
}

void RadosEnv::LapseLeaseForTest(const std::string& dir) {
  leveldb::Status s;
  Space* space = SpaceOfDir(dir, &s);
  if (space == nullptr) return;
  int64_t until = space->valid_until.load(std::memory_order_acquire);
  while (until != RadosLeaseLock::kUnowned &&
         !space->valid_until.compare_exchange_weak(until, SteadyNowNs() - 1,
                                                   std::memory_order_acq_rel)) {
  }
}

leveldb::Status RadosEnv::UnlockFile(leveldb::FileLock* lock) {
  auto* held = static_cast<Lock*>(lock);
  Space* space = held->space;
  delete held;
  std::shared_ptr<RadosLeaseLock> lease;
  {
    std::lock_guard<std::mutex> l(mu_);
    lease = std::move(space->lock);
    std::erase(locked_, space);
  }
  leveldb::Status s;
  if (!space->garbage.load()) s = space->dir.WriteHeader(std::string(kHeaderClean));
  leveldb::Status r = lease ? lease->Release() : leveldb::Status::OK();
  return s.ok() ? r : s;
}

leveldb::Status RadosEnv::GetTestDirectory(std::string* path) {
  *path = options_.root + "/leveldbtest";
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::NewLogger(const std::string& fname, leveldb::Logger** result) {
  *result = new DebugLogger(fname);
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::ListObjects(const std::string& dir, std::vector<std::string>* objects) {
  objects->clear();
  leveldb::Status s;
  Space* space = SpaceOfDir(dir, &s);
  if (space == nullptr) return s;
  librados::IoCtx& io = space->io;
  librados::ObjectCursor cursor = io.object_list_begin();
  const librados::ObjectCursor end = io.object_list_end();
  while (!io.object_list_is_end(cursor)) {
    std::vector<librados::ObjectItem> items;
    librados::ObjectCursor next;
    const int r = io.object_list(cursor, end, kListBatch, {}, &items, &next);
    if (r < 0) return RadosError(r, "list objects in namespace", space->ns);
    for (auto& item : items) objects->push_back(std::move(item.oid));
    cursor = next;
  }
  return leveldb::Status::OK();
}

leveldb::Status RadosEnv::SweepGarbage(const std::string& dir, size_t* removed) {
  *removed = 0;
  leveldb::Status s;
  Space* space = SpaceOfDir(dir, &s);
  if (space == nullptr) return s;
  std::map<std::string, std::string> entries;
  s = space->dir.List(&entries);
  if (!s.ok()) return s;
  std::set<std::string> live;
  for (auto& [name, id] : entries) live.insert(id);
  std::vector<std::string> objects;
  s = ListObjects(dir, &objects);
  if (!s.ok()) return s;
  for (const auto& oid : objects) {
    auto id = FileIdOfChunk(oid);
    if (!id || live.count(*id) != 0) continue;  // ours and named, or not a file chunk
    const int r = space->io.remove(oid);
    if (r < 0 && Classify(r) != RadosOutcome::kNotFound) return RadosError(r, "remove", oid);
    ++*removed;
  }
  space->garbage.store(false);
  return leveldb::Status::OK();
}

std::string RadosEnv::Describe(const std::string& dir) const {
  auto ns = DirectoryNamespace(options_.root, dir);
  return fmt::format("pool '{}', namespace '{}'", options_.pool,
                     ns ? PrefixedNamespace(options_.namespace_prefix, *ns) : "?");
}

void RadosEnv::RenewLoop() {
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(options_.lease) / 3;
  std::unique_lock<std::mutex> l(renew_mu_);
  while (!renew_cv_.wait_for(l, period, [this] { return stopping_; })) {
    std::vector<std::pair<std::string, std::shared_ptr<RadosLeaseLock>>> held;
    {
      std::lock_guard<std::mutex> g(mu_);
      for (Space* space : locked_) {
        if (space->lock) held.emplace_back(space->ns, space->lock);
      }
    }
    l.unlock();
    for (auto& [ns, lease] : held) {
      leveldb::Status s = lease->Renew();
      if (!s.ok()) {
        LOG_ERROR("rados: cannot renew the lease on namespace '{}'; writes stop when it lapses: {}",
                  ns, s.ToString());
      }
    }
    l.lock();
  }
}

}  // namespace volumed::storage::rados
