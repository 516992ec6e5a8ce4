// Namespace workloads: NULL, create (+ one write), unlink, GETATTR, LOOKUP, READDIRPLUS,
// and touching many volumes once each.
#include <atomic>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "nfs_calls.h"
#include "workloads.h"

namespace volumed::bench {
namespace {

using Started = Workload::Started;

std::string FileName(uint64_t i) { return "f" + std::to_string(i); }

// Starts a call; a failure to queue it completes the unit at once.
Started StartOrFail(const Status& queued, const Workload::UnitDone& done) {
  if (!queued.ok()) done(queued, 0);
  return Started::kYes;
}

class NullWorkload : public Workload {
 public:
  Status Prepare(Client&) override { return Status::Ok(); }
  Started StartUnit(Client& c, UnitDone done) override {
    return StartOrFail(StartNull(*c.nfs, [done](const Status& s) { done(s, 1); }), done);
  }
  const char* Unit() const override { return "calls/s"; }
};

// Base of the workloads that work in the export's working directory.
class InDirectory : public Workload {
 public:
  explicit InDirectory(const WorkloadOptions& o) : options_(o), dirs_(o.clients) {}
  // Makes the directory once, so clients do not race to make it.
  Status Setup(Client& c) override { return OpenWorkDir(*c.nfs, options_).status(); }
  Status Prepare(Client& c) override {
    VOLUMED_ASSIGN_OR_RETURN(dirs_[c.index], OpenWorkDir(*c.nfs, options_));
    return Status::Ok();
  }

 protected:
  const WorkloadOptions options_;
  std::vector<Fh> dirs_;  // per client
};

// Files f<first + i>, i from a counter all clients share, until `files` were handed out.
class OverFiles : public InDirectory {
 public:
  using InDirectory::InDirectory;

 protected:
  bool NextFile(uint64_t* i) {
    const uint64_t k = next_.fetch_add(1, std::memory_order_relaxed);
    *i = options_.first + k;
    return k < options_.files;
  }

 private:
  std::atomic<uint64_t> next_{0};
};

class CreateWorkload : public OverFiles {
 public:
  explicit CreateWorkload(const WorkloadOptions& o)
      : OverFiles(o), data_(WritePattern(size_t{o.file_kib} * 1024)) {}
  Started StartUnit(Client& c, UnitDone done) override {
    uint64_t i;
    if (!NextFile(&i)) return Started::kNoneLeft;
    AsyncNfs& nfs = *c.nfs;
    return StartOrFail(StartCreate(nfs, dirs_[c.index], FileName(i), /*exclusive=*/true,
                                   [this, &nfs, done](const Status& s, const Fh& fh) {
                                     if (!s.ok() || data_.empty()) {
                                       done(s, 1);
                                       return;
                                     }
                                     Status queued =
                                         StartWrite(nfs, fh, 0, data_, options_.stable,
                                                    [done](const Status& w) { done(w, 1); });
                                     if (!queued.ok()) done(queued, 0);
                                   }),
                       done);
  }
  const char* Unit() const override { return "files/s"; }

 private:
  std::span<const char> data_;
};

class UnlinkWorkload : public OverFiles {
 public:
  using OverFiles::OverFiles;
  Started StartUnit(Client& c, UnitDone done) override {
    uint64_t i;
    if (!NextFile(&i)) return Started::kNoneLeft;
    return StartOrFail(
        StartRemove(*c.nfs, dirs_[c.index], FileName(i), [done](const Status& s) { done(s, 1); }),
        done);
  }
  const char* Unit() const override { return "files/s"; }
};

// Every handle in the working directory, listed with READDIRPLUS.
Result<std::vector<Fh>> ListHandles(AsyncNfs& c, const Fh& dir, uint32_t maxcount) {
  std::vector<Fh> handles;
  uint64_t cookie = 0;
  std::string verifier;
  bool eof = false;
  while (!eof) {
    VOLUMED_RETURN_IF_ERROR(Sync(c, [&](Done d) {
      return StartReadDirPlus(c, dir, cookie, verifier, maxcount,
                              [&, d](const Status& s, DirPage&& page) {
                                if (s.ok()) {
                                  for (Fh& fh : page.handles) handles.push_back(std::move(fh));
                                  cookie = page.last_cookie;
                                  verifier = page.verifier;
                                  eof = page.eof;
                                }
                                d(s);
                              });
    }));
  }
  return handles;
}

class GetattrWorkload : public InDirectory {
 public:
  explicit GetattrWorkload(const WorkloadOptions& o) : InDirectory(o), handles_(o.clients) {}
  Status Prepare(Client& c) override {
    VOLUMED_RETURN_IF_ERROR(InDirectory::Prepare(c));
    VOLUMED_ASSIGN_OR_RETURN(handles_[c.index],
                             ListHandles(*c.nfs, dirs_[c.index], options_.readdir_kib * 1024));
    if (handles_[c.index].empty()) return NotFound("no files in " + options_.dir);
    return Status::Ok();
  }
  Started StartUnit(Client& c, UnitDone done) override {
    const std::vector<Fh>& h = handles_[c.index];
    return StartOrFail(
        StartGetattr(*c.nfs, h[c.rng() % h.size()], [done](const Status& s) { done(s, 1); }), done);
  }
  const char* Unit() const override { return "ops/s"; }

 private:
  std::vector<std::vector<Fh>> handles_;  // per client
};

class LookupWorkload : public InDirectory {
 public:
  using InDirectory::InDirectory;
  Started StartUnit(Client& c, UnitDone done) override {
    return StartOrFail(
        StartLookup(*c.nfs, dirs_[c.index], FileName(options_.first + c.rng() % options_.files),
                    [done](const Status& s, const Fh&, uint64_t) { done(s, 1); }),
        done);
  }
  const char* Unit() const override { return "ops/s"; }
};

// One complete listing per client; a unit is one READDIRPLUS page.
class ReadDirPlusWorkload : public InDirectory {
 public:
  explicit ReadDirPlusWorkload(const WorkloadOptions& o) : InDirectory(o), cursors_(o.clients) {}
  Started StartUnit(Client& c, UnitDone done) override {
    Cursor& cur = cursors_[c.index];
    if (cur.eof) return Started::kNoneLeft;
    return StartOrFail(StartReadDirPlus(*c.nfs, dirs_[c.index], cur.cookie, cur.verifier,
                                        options_.readdir_kib * 1024,
                                        [&cur, done](const Status& s, DirPage&& page) {
                                          if (s.ok()) {
                                            cur.cookie = page.last_cookie;
                                            cur.verifier = page.verifier;
                                            cur.eof = page.eof;
                                          }
                                          done(s, page.entries);
                                        }),
                       done);
  }
  int MaxInFlight() const override { return 1; }  // each page starts at the last cookie
  const char* Unit() const override { return "entries/s"; }

 private:
  struct Cursor {
    uint64_t cookie = 0;
    std::string verifier;
    bool eof = false;
  };
  std::vector<Cursor> cursors_;  // per client
};

// Per volume <prefix><i>: MNT, create (or truncate) "touched", write 4 KiB FILE_SYNC, read
// it back. Needs no export of its own.
class TouchVolumesWorkload : public Workload {
 public:
  explicit TouchVolumesWorkload(const WorkloadOptions& o)
      : options_(o), data_(WritePattern(4096)) {}
  Status Prepare(Client&) override { return Status::Ok(); }
  Started StartUnit(Client& c, UnitDone done) override {
    const uint64_t k = next_.fetch_add(1, std::memory_order_relaxed);
    if (k >= options_.count) return Started::kNoneLeft;
    AsyncNfs& nfs = *c.nfs;
    const std::string path = "/" + options_.volume_prefix + std::to_string(options_.first + k);
    return StartOrFail(
        StartMount(
            nfs, path,
            [this, &nfs, done](const Status& s, const Fh& root) {
              if (!s.ok()) return done(s, 0);
              Status q = StartCreate(
                  nfs, root, "touched", /*exclusive=*/false,
                  [this, &nfs, done](const Status& s, const Fh& fh) {
                    if (!s.ok()) return done(s, 0);
                    Status q = StartWrite(
                        nfs, fh, 0, data_, FILE_SYNC, [this, &nfs, fh, done](const Status& s) {
                          if (!s.ok()) return done(s, 0);
                          Status q = StartRead(nfs, fh, 0, static_cast<uint32_t>(data_.size()),
                                               [this, done](const Status& s, uint32_t count, bool) {
                                                 if (s.ok() && count != data_.size()) {
                                                   return done(IoError("short read"), 0);
                                                 }
                                                 done(s, 1);
                                               });
                          if (!q.ok()) done(q, 0);
                        });
                    if (!q.ok()) done(q, 0);
                  });
              if (!q.ok()) done(q, 0);
            }),
        done);
  }
  const char* Unit() const override { return "volumes/s"; }

 private:
  const WorkloadOptions options_;
  std::span<const char> data_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace

std::span<const char> WritePattern(size_t bytes) {
  static const std::vector<char> pattern = [] {
    std::vector<char> p(size_t{16} << 20);
    std::mt19937_64 rng(0x766f6c756d6564);  // fixed seed: every run sends the same bytes
    for (size_t i = 0; i + 8 <= p.size(); i += 8) {
      const uint64_t word = rng();
      std::memcpy(&p[i], &word, 8);
    }
    return p;
  }();
  return std::span<const char>(pattern).first(std::min(bytes, pattern.size()));
}

Result<Fh> OpenWorkDir(AsyncNfs& c, const WorkloadOptions& o) {
  VOLUMED_ASSIGN_OR_RETURN(Fh root, Mount(c, o.export_path));
  return LookupOrMkdir(c, root, o.dir);
}

std::unique_ptr<Workload> MakeNullWorkload() { return std::make_unique<NullWorkload>(); }
std::unique_ptr<Workload> MakeCreateWorkload(const WorkloadOptions& o) {
  return std::make_unique<CreateWorkload>(o);
}
std::unique_ptr<Workload> MakeUnlinkWorkload(const WorkloadOptions& o) {
  return std::make_unique<UnlinkWorkload>(o);
}
std::unique_ptr<Workload> MakeGetattrWorkload(const WorkloadOptions& o) {
  return std::make_unique<GetattrWorkload>(o);
}
std::unique_ptr<Workload> MakeLookupWorkload(const WorkloadOptions& o) {
  return std::make_unique<LookupWorkload>(o);
}
std::unique_ptr<Workload> MakeReadDirPlusWorkload(const WorkloadOptions& o) {
  return std::make_unique<ReadDirPlusWorkload>(o);
}
std::unique_ptr<Workload> MakeTouchVolumesWorkload(const WorkloadOptions& o) {
  return std::make_unique<TouchVolumesWorkload>(o);
}

}  // namespace volumed::bench
