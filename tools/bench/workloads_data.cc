// Data workloads: random WRITE and READ of a fixed size into one shared file, and
// sequential streaming WRITE (+ COMMIT) and READ of a file per client.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <vector>

#include "nfs_calls.h"
#include "workloads.h"

namespace volumed::bench {
namespace {

using Started = Workload::Started;

constexpr uint32_t kRandomIoKib = 4;
constexpr uint32_t kSequentialIoKib = 1024;

// The I/O size asked for (or the default), clamped to what the server takes at most.
uint32_t IoBytes(const WorkloadOptions& o, uint32_t default_kib, uint32_t server_max) {
  const uint32_t want = (o.io_kib != 0 ? o.io_kib : default_kib) * 1024;
  if (server_max != 0 && want > server_max) {
    std::fprintf(stderr, "loadgen: I/O size %u clamped to the server's maximum %u\n", want,
                 server_max);
    return server_max;
  }
  return want;
}

// Writes `bytes` sequentially into `fh` (UNSTABLE, 8 in flight) and COMMITs them: the
// untimed fill of the random workloads' file.
Status Fill(AsyncNfs& c, const Fh& fh, uint64_t bytes, uint32_t io) {
  const std::span<const char> data = WritePattern(io);
  uint64_t next = 0;
  int active = 0;
  Status failure;
  while (next < bytes || active > 0) {
    while (next < bytes && active < 8 && failure.ok()) {
      const uint64_t len = std::min<uint64_t>(io, bytes - next);
      VOLUMED_RETURN_IF_ERROR(
          StartWrite(c, fh, next, data.first(len), UNSTABLE, [&](const Status& s) {
            --active;
            if (!s.ok()) failure = s;
          }));
      ++active;
      next += len;
    }
    if (!failure.ok() && active == 0) return failure;
    VOLUMED_RETURN_IF_ERROR(c.Pump(100));
  }
  VOLUMED_RETURN_IF_ERROR(failure);
  return Sync(c, [&](Done d) { return StartCommit(c, fh, d); });
}

// The working directory, and the server's transfer sizes (FSINFO of the export's root).
Result<Fh> OpenWorkDirAndSizes(AsyncNfs& c, const WorkloadOptions& o, TransferSizes* sizes) {
  VOLUMED_ASSIGN_OR_RETURN(Fh root, Mount(c, o.export_path));
  VOLUMED_ASSIGN_OR_RETURN(*sizes, FsInfo(c, root));
  return LookupOrMkdir(c, root, o.dir);
}

Result<Fh> LookupFile(AsyncNfs& c, const Fh& dir, const std::string& name, uint64_t* size) {
  Fh found;
  VOLUMED_RETURN_IF_ERROR(Sync(c, [&](Done d) {
    return StartLookup(c, dir, name, [&, d](const Status& s, const Fh& fh, uint64_t sz) {
      found = fh;
      *size = sz;
      d(s);
    });
  }));
  return found;
}

Result<Fh> CreateFile(AsyncNfs& c, const Fh& dir, const std::string& name) {
  Fh made;
  VOLUMED_RETURN_IF_ERROR(Sync(c, [&](Done d) {
    return StartCreate(c, dir, name, /*exclusive=*/false, [&, d](const Status& s, const Fh& fh) {
      made = fh;
      d(s);
    });
  }));
  return made;
}

// Random I/O into one file of `file_mib` shared by every client, made (and filled) by
// Setup when it is missing or of another size.
class RandomIo : public Workload {
 public:
  explicit RandomIo(const WorkloadOptions& o)
      : options_(o),
        name_(o.file.empty() ? "rand" : o.file),
        files_(o.clients),
        io_(IoBytes(o, kRandomIoKib, 0)),
        blocks_((o.file_mib << 20) / io_) {}
  Status Setup(Client& c) override {
    TransferSizes sizes;
    VOLUMED_ASSIGN_OR_RETURN(Fh dir, OpenWorkDirAndSizes(*c.nfs, options_, &sizes));
    const uint64_t bytes = options_.file_mib << 20;
    uint64_t size = 0;
    auto found = LookupFile(*c.nfs, dir, name_, &size);
    if (found.ok() && size == bytes) return Status::Ok();
    if (!found.ok() && found.status().code() != Status::Code::kNotFound) return found.status();
    VOLUMED_ASSIGN_OR_RETURN(Fh fh, CreateFile(*c.nfs, dir, name_));
    return Fill(*c.nfs, fh, bytes, std::min<uint32_t>(kSequentialIoKib * 1024, sizes.wtmax));
  }
  Status Prepare(Client& c) override {
    VOLUMED_ASSIGN_OR_RETURN(Fh dir, OpenWorkDir(*c.nfs, options_));
    uint64_t size = 0;
    VOLUMED_ASSIGN_OR_RETURN(files_[c.index], LookupFile(*c.nfs, dir, name_, &size));
    if (blocks_ == 0 || size != options_.file_mib << 20) {
      return InvalidArgument(name_ + ": unexpected size " + std::to_string(size));
    }
    return Status::Ok();
  }
  const char* Unit() const override { return "IOPS"; }

 protected:
  uint64_t RandomOffset(Client& c) const { return (c.rng() % blocks_) * io_; }

  const WorkloadOptions options_;
  const std::string name_;
  std::vector<Fh> files_;  // per client
  const uint32_t io_;
  const uint64_t blocks_;
};

class RandomWriteWorkload : public RandomIo {
 public:
  using RandomIo::RandomIo;
  Started StartUnit(Client& c, UnitDone done) override {
    Status q = StartWrite(*c.nfs, files_[c.index], RandomOffset(c), WritePattern(io_),
                          options_.stable, [done](const Status& s) { done(s, 1); });
    if (!q.ok()) done(q, 0);
    return Started::kYes;
  }
  // UNSTABLE writes count only once committed.
  Status Finish(Client& c) override {
    if (options_.stable != UNSTABLE) return Status::Ok();
    return Sync(*c.nfs, [&](Done d) { return StartCommit(*c.nfs, files_[c.index], d); });
  }
};

class RandomReadWorkload : public RandomIo {
 public:
  using RandomIo::RandomIo;
  Started StartUnit(Client& c, UnitDone done) override {
    const uint32_t want = io_;
    Status q = StartRead(*c.nfs, files_[c.index], RandomOffset(c), want,
                         [done, want](const Status& s, uint32_t count, bool) {
                           if (s.ok() && count != want) return done(IoError("short read"), 0);
                           done(s, 1);
                         });
    if (!q.ok()) done(q, 0);
    return Started::kYes;
  }
};

// A file per client, <file>-<client> (default seq-<client>), streamed from offset 0.
class Sequential : public Workload {
 public:
  explicit Sequential(const WorkloadOptions& o) : options_(o), streams_(o.clients) {}
  double ItemsPerUnit() const override { return 1e6; }
  const char* Unit() const override { return "MB/s"; }

 protected:
  struct Stream {
    Fh fh;
    uint64_t size = 0;
    uint64_t next = 0;
    uint32_t io = 0;
  };
  std::string FileName(const Client& c) const {
    return (options_.file.empty() ? "seq" : options_.file) + "-" + std::to_string(c.index);
  }
  // The next chunk of the client's stream; false at its end.
  bool NextChunk(const Client& c, uint64_t* offset, uint32_t* len) {
    Stream& s = streams_[c.index];
    if (s.next >= s.size) return false;
    *offset = s.next;
    *len = static_cast<uint32_t>(std::min<uint64_t>(s.io, s.size - s.next));
    s.next += *len;
    return true;
  }

  const WorkloadOptions options_;
  std::vector<Stream> streams_;  // per client
};

class SequentialWriteWorkload : public Sequential {
 public:
  using Sequential::Sequential;
  Status Setup(Client& c) override { return OpenWorkDir(*c.nfs, options_).status(); }
  Status Prepare(Client& c) override {
    TransferSizes sizes;
    VOLUMED_ASSIGN_OR_RETURN(Fh dir, OpenWorkDirAndSizes(*c.nfs, options_, &sizes));
    Stream& s = streams_[c.index];
    VOLUMED_ASSIGN_OR_RETURN(s.fh, CreateFile(*c.nfs, dir, FileName(c)));
    s.size = options_.seq_mib << 20;
    s.io = IoBytes(options_, kSequentialIoKib, sizes.wtmax);
    return Status::Ok();
  }
  Started StartUnit(Client& c, UnitDone done) override {
    uint64_t offset;
    uint32_t len;
    if (!NextChunk(c, &offset, &len)) return Started::kNoneLeft;
    Status q = StartWrite(*c.nfs, streams_[c.index].fh, offset, WritePattern(len), Stability(),
                          [done, len](const Status& st) { done(st, len); });
    if (!q.ok()) done(q, 0);
    return Started::kYes;
  }
  Status Finish(Client& c) override {
    if (Stability() != UNSTABLE) return Status::Ok();
    return Sync(*c.nfs, [&](Done d) { return StartCommit(*c.nfs, streams_[c.index].fh, d); });
  }

 private:
  stable_how Stability() const { return options_.stable_given ? options_.stable : UNSTABLE; }
};

class SequentialReadWorkload : public Sequential {
 public:
  using Sequential::Sequential;
  Status Prepare(Client& c) override {
    TransferSizes sizes;
    VOLUMED_ASSIGN_OR_RETURN(Fh dir, OpenWorkDirAndSizes(*c.nfs, options_, &sizes));
    Stream& s = streams_[c.index];
    VOLUMED_ASSIGN_OR_RETURN(s.fh, LookupFile(*c.nfs, dir, FileName(c), &s.size));
    if (s.size == 0) return InvalidArgument(FileName(c) + " is empty: run seqwrite first");
    s.io = IoBytes(options_, kSequentialIoKib, sizes.rtmax);
    return Status::Ok();
  }
  Started StartUnit(Client& c, UnitDone done) override {
    uint64_t offset;
    uint32_t len;
    if (!NextChunk(c, &offset, &len)) return Started::kNoneLeft;
    Status q = StartRead(*c.nfs, streams_[c.index].fh, offset, len,
                         [done, len](const Status& st, uint32_t count, bool) {
                           if (st.ok() && count != len) return done(IoError("short read"), 0);
                           done(st, count);
                         });
    if (!q.ok()) done(q, 0);
    return Started::kYes;
  }
};

}  // namespace

std::unique_ptr<Workload> MakeRandomWriteWorkload(const WorkloadOptions& o) {
  return std::make_unique<RandomWriteWorkload>(o);
}
std::unique_ptr<Workload> MakeRandomReadWorkload(const WorkloadOptions& o) {
  return std::make_unique<RandomReadWorkload>(o);
}
std::unique_ptr<Workload> MakeSequentialWriteWorkload(const WorkloadOptions& o) {
  return std::make_unique<SequentialWriteWorkload>(o);
}
std::unique_ptr<Workload> MakeSequentialReadWorkload(const WorkloadOptions& o) {
  return std::make_unique<SequentialReadWorkload>(o);
}

}  // namespace volumed::bench
