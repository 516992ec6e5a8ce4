// VolumeImpl: opening, formatting, closing, shared helpers and background reclaim.
// The operations live in volume_attr_io.cc and volume_namespace.cc.
#include "storage/volume_impl.h"

#include <leveldb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "storage/key_codec.h"
#include "storage/permissions.h"
#include "storage/volume_util.h"

namespace volumed::storage {
namespace {

// Blocks deleted per reclaim batch: bounds the batch (1,024 deletes, ≈4 MiB of data at
// 4 KiB blocks).
constexpr size_t kReclaimStepBlocks = 1024;
// Steps of one background reclaim run (≈64 MiB at 4 KiB blocks): a volume with much to
// reclaim takes turns with the others on the shared executor.
constexpr size_t kReclaimStepsPerRun = 16;
// Pause before background reclaim retries after a failure.
constexpr std::chrono::seconds kReclaimRetry(5);

uint32_t GenerationFor(InodeId ino, uint64_t epoch) {
  uint64_t z = ino * 0x9e3779b97f4a7c15ull ^ epoch;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  auto g = static_cast<uint32_t>(z ^ (z >> 31));
  return g == 0 ? 1 : g;
}

}  // namespace

Result<std::shared_ptr<VolumeImpl>> VolumeImpl::Open(std::unique_ptr<Kv> kv,
                                                     const Options& options) {
  VOLUMED_ASSIGN_OR_RETURN(auto format_value, kv->Get(keys::Super(keys::kSuperFormat)));
  FormatRecord format;
  CountersRecord counters;
  if (!format_value) {
    // A new volume: superblock and root directory in one synced batch.
    format.block_size = options.block_size;
    format.volume_id = options.id;
    format.epoch = options.epoch;
    VOLUMED_RETURN_IF_ERROR(DecodeFormat(Encode(format)).status());  // validates block size
    counters.next_ino = kRootIno + 1;
    InodeRecord root;
    root.type = FileType::kDirectory;
    root.mode = 0777;
    root.nlink = 2;
    root.parent = kRootIno;
    root.generation = GenerationFor(kRootIno, options.epoch);
    root.atime = root.mtime = root.ctime = Now();
    leveldb::WriteBatch batch;
    batch.Put(keys::Super(keys::kSuperFormat), Encode(format));
    batch.Put(keys::Super(keys::kSuperCounters), Encode(counters));
    batch.Put(keys::Inode(kRootIno), Encode(root));
    VOLUMED_RETURN_IF_ERROR(kv->Write(&batch, true));
  } else {
    VOLUMED_ASSIGN_OR_RETURN(format, DecodeFormat(*format_value));
    if (format.format_version < kOldestFormatVersion || format.format_version > kFormatVersion) {
      return Corruption("unknown volume format version " + std::to_string(format.format_version));
    }
    if (format.volume_id != options.id || format.epoch != options.epoch) {
      return Corruption("volume database belongs to another volume id/epoch");
    }
    if (format.format_version < kFormatVersion) {
      // Before any write that could leave a deferred marker (records.h).
      format.format_version = kFormatVersion;
      leveldb::WriteBatch batch;
      batch.Put(keys::Super(keys::kSuperFormat), Encode(format));
      VOLUMED_RETURN_IF_ERROR(kv->Write(&batch, true));
    }
    VOLUMED_ASSIGN_OR_RETURN(auto cv, kv->Get(keys::Super(keys::kSuperCounters)));
    if (!cv) return Corruption("volume has no counters record");
    VOLUMED_ASSIGN_OR_RETURN(counters, DecodeCounters(*cv));
  }
  std::shared_ptr<VolumeImpl> v(new VolumeImpl(std::move(kv), options, format, counters));
  VOLUMED_ASSIGN_OR_RETURN(auto root, v->inodes_.Get(kRootIno));
  if (!root) return Corruption("volume has no root directory");
  v->root_ = InodeRef{kRootIno, root->generation};
  // Resume reclaim of whatever was left in the orphan list.
  std::string prefix = keys::TagPrefix(keys::kOrphanTag);
  Status decode;
  VOLUMED_RETURN_IF_ERROR(v->kv_->Scan(prefix, keys::PrefixEnd(prefix),
                                       [&](std::string_view key, std::string_view value) {
                                         auto ino = keys::ParseOrphan(key);
                                         auto rec = DecodeOrphan(value);
                                         if (!ino || !rec.ok()) {
                                           decode = Corruption("bad orphan record");
                                           return false;
                                         }
                                         v->NoteOrphan(*ino, rec->dead);
                                         return true;
                                       }));
  VOLUMED_RETURN_IF_ERROR(decode);
  VOLUMED_RETURN_IF_ERROR(v->RepairDeferred());
  Executor* executor = options.background_executor;
  if (executor == nullptr) {
    v->own_background_executor_ = std::make_unique<Executor>(1, Executor::OnShutdown::kDropQueued);
    executor = v->own_background_executor_.get();
  }
  std::shared_ptr<ReadAheadBudget> budget =
      options.read_ahead_budget != nullptr
          ? options.read_ahead_budget
          : std::make_shared<ReadAheadBudget>(options.read_ahead.max_in_flight);
  // Close stops read-ahead and reclaim before the volume goes away, so the raw pointers
  // are safe in both.
  auto warm = [raw = v.get()](InodeId ino, uint64_t offset, uint64_t len,
                              const ReadAhead::KeepGoing& keep_going) {
    return raw->blocks_.Warm(ino, offset, len, keep_going);
  };
  v->read_ahead_ = std::make_unique<ReadAhead>(
      executor, std::move(budget), options.read_ahead_totals, options.read_ahead, std::move(warm));
  if (options.background_reclaim) {
    v->reclaimer_ =
        std::make_unique<CoalescingTask>(executor, [raw = v.get()] { raw->ReclaimInBackground(); });
    std::lock_guard<std::mutex> l(v->orphans_mu_);
    if (v->orphans_pending_) v->reclaimer_->Request();
  }
  return v;
}

VolumeImpl::VolumeImpl(std::unique_ptr<Kv> kv, const Options& options, const FormatRecord& format,
                       const CountersRecord& counters)
    : kv_(std::move(kv)),
      id_(options.id),
      epoch_(options.epoch),
      options_(options),
      inodes_(kv_.get()),
      dirs_(kv_.get()),
      blocks_(kv_.get(), format.block_size),
      own_scheduler_(options.sync_scheduler == nullptr ? std::make_unique<SyncScheduler>(1)
                                                       : nullptr),
      durability_(kv_.get(),
                  options.sync_scheduler != nullptr ? options.sync_scheduler : own_scheduler_.get(),
                  options.syncs),
      queue_(std::make_unique<WriteQueue>(kv_.get(), &durability_, counters, options.quota)) {}

VolumeImpl::~VolumeImpl() { Close(); }

void VolumeImpl::Close() {
  {
    std::lock_guard<std::mutex> l(orphans_mu_);
    stopping_ = true;
  }
  if (reclaimer_ != nullptr) reclaimer_->Stop();
  if (read_ahead_ != nullptr) read_ahead_->Stop();
  std::unique_lock<std::shared_mutex> l(life_);
  if (closed_) return;
  // Unsynced, as the UNSTABLE writes they describe: a reopened volume (or a restart after
  // a kill) finds them, and a COMMIT after the reopen promises no more than that.
  Status s = WriteAllDeferred();
  if (!s.ok()) LOG_WARN("volume {}: writing deferred records: {}", id_, s.ToString());
  closed_ = true;
  durability_.Close();
  queue_.reset();
  kv_.reset();
}

Status VolumeImpl::CloneTo(DatabaseCloner* cloner, const std::string& to, int64_t* pause_ns) {
  auto g = Enter();
  if (!g.ok) return Status(Status::Code::kStale, "volume is closed");
  // The copy holds records, not this memory: write the deferred ones first. A record
  // deferred again meanwhile leaves its marker in the copy, which Open repairs.
  VOLUMED_RETURN_IF_ERROR(WriteAllDeferred());
  VOLUMED_RETURN_IF_ERROR(queue_->Quiesce([&] {
    const int64_t start = MonotonicNowNs();
    // The copy reads the log's file: what was applied must be in it, also where the
    // store buffers a log until it is synced (the RADOS Env) and for a volume that never
    // syncs (ephemeral).
    Status s = kv_->SyncLog();
    if (s.ok()) s = cloner->Clone(kv_->path(), to);
    if (pause_ns != nullptr) *pause_ns = MonotonicNowNs() - start;
    return s;
  }));
  // Writes go on meanwhile: they are not in the copy.
  return cloner->MakeDurable(to);
}

Status VolumeImpl::Reidentify(Kv* kv, uint64_t id, uint64_t epoch, uint64_t min_next_ino) {
  VOLUMED_ASSIGN_OR_RETURN(auto value, kv->Get(keys::Super(keys::kSuperFormat)));
  if (!value) return Corruption("the copied volume has no format record");
  VOLUMED_ASSIGN_OR_RETURN(FormatRecord format, DecodeFormat(*value));
  VOLUMED_ASSIGN_OR_RETURN(auto counters_value, kv->Get(keys::Super(keys::kSuperCounters)));
  if (!counters_value) return Corruption("the copied volume has no counters record");
  VOLUMED_ASSIGN_OR_RETURN(CountersRecord counters, DecodeCounters(*counters_value));
  format.volume_id = id;
  format.epoch = epoch;
  counters.next_ino = std::max(counters.next_ino, min_next_ino);
  leveldb::WriteBatch batch;
  batch.Put(keys::Super(keys::kSuperFormat), Encode(format));
  batch.Put(keys::Super(keys::kSuperCounters), Encode(counters));
  return kv->Write(&batch, true);
}

VolumeImpl::OpGuard VolumeImpl::Enter() {
  std::shared_lock<std::shared_mutex> l(life_);
  bool ok = !closed_;
  return OpGuard{std::move(l), ok};
}

void VolumeImpl::SetQuota(const Quota& quota) {
  auto g = Enter();
  if (g.ok) queue_->SetQuota(quota);
}

InodeRecord VolumeImpl::NewInode(const Credentials& cred, const InodeRecord& dir, FileType type,
                                 uint32_t default_mode, const SetAttrRequest& initial,
                                 InodeId ino) {
  InodeRecord r;
  r.type = type;
  r.mode = perm::NewInodeMode(cred, dir, type, initial.mode.value_or(default_mode));
  r.uid = cred.uid;
  r.gid = perm::NewInodeGroup(cred, dir);
  // An owner or group in the creation's attributes is a chown after the creation, which
  // only root may make (knfsd ignores them for others).
  if (cred.IsRoot() && (initial.uid || initial.gid)) {
    SetAttrRequest chown;
    chown.uid = initial.uid;
    chown.gid = initial.gid;
    r.mode = perm::ModeAfterSetAttr(cred, r, chown);
    r.uid = initial.uid.value_or(r.uid);
    r.gid = initial.gid.value_or(r.gid);
  }
  r.nlink = 1;
  r.generation = GenerationFor(ino, epoch_);
  Timespec now = Now();
  r.atime = r.mtime = r.ctime = now;
  if (initial.atime_how == TimeHow::kClientTime) r.atime = initial.atime;
  if (initial.mtime_how == TimeHow::kClientTime) r.mtime = initial.mtime;
  return r;
}

Status VolumeImpl::CommitOp(Mutation* m, bool needed) {
  VOLUMED_RETURN_IF_ERROR(CommitOnce(m, needed));
  for (const auto& [ino, dead] : m->orphans) NoteOrphan(ino, dead);
  for (InodeId ino : m->undeferred) inodes_.Undefer(ino);
  if (m->deferred) inodes_.Defer(m->deferred->first, m->deferred->second, m->delta.deferred);
  return Status::Ok();
}

void VolumeImpl::PutInode(Mutation* m, InodeId ino, const InodeRecord& r) {
  inodes_.Put(&m->batch, ino, r);
  Undefer(m, ino);
}

void VolumeImpl::DeleteInode(Mutation* m, InodeId ino) {
  inodes_.Delete(&m->batch, ino);
  Undefer(m, ino);
}

void VolumeImpl::Undefer(Mutation* m, InodeId ino) {
  const std::optional<int64_t> bytes = inodes_.DeferredBytes(ino);
  if (!bytes) return;
  m->batch.Delete(keys::Deferred(ino));
  m->delta.deferred -= *bytes;
  m->undeferred.push_back(ino);
}

Status VolumeImpl::WriteDeferred(InodeId ino) {
  if (!inodes_.DeferredBytes(ino)) return Status::Ok();
  VOLUMED_ASSIGN_OR_RETURN(auto rec, inodes_.Get(ino));
  if (!rec) return Status::Ok();
  Mutation m;
  PutInode(&m, ino, *rec);
  return CommitOp(&m, false);
}

Status VolumeImpl::WriteAllDeferred() {
  for (InodeId ino : inodes_.DeferredInodes()) {
    auto guard = locks_.Exclusive(ino);
    VOLUMED_RETURN_IF_ERROR(WriteDeferred(ino));
  }
  return Status::Ok();
}

Status VolumeImpl::RepairDeferred() {
  std::vector<InodeId> marked;
  const std::string prefix = keys::TagPrefix(keys::kDeferredTag);
  VOLUMED_RETURN_IF_ERROR(
      kv_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view) {
        if (auto ino = keys::ParseDeferred(k)) marked.push_back(*ino);
        return true;
      }));
  if (!marked.empty()) {
    LOG_INFO("volume {}: repairing {} file record(s) a crash left behind their blocks", id_,
             marked.size());
  }
  for (InodeId ino : marked) {
    Mutation m;
    m.batch.Delete(keys::Deferred(ino));
    VOLUMED_ASSIGN_OR_RETURN(auto rec, inodes_.Get(ino));
    VOLUMED_ASSIGN_OR_RETURN(auto orphan, kv_->Get(keys::Orphan(ino)));
    // A record is deferred only while no truncated tail of its file waits for reclaim
    // (Write), and a truncate or remove writes it: the marker never meets an orphan
    // record, and every block past the recorded size came from a deferred write.
    if (rec && rec->type == FileType::kRegular && !orphan) {
      const uint64_t bs = blocks_.block_size();
      uint64_t stored = 0;
      uint64_t end = 0;
      VOLUMED_RETURN_IF_ERROR(blocks_.Scan(ino, 0, [&](uint64_t index, std::string_view data) {
        stored += data.size();
        end = std::max(end, index * bs + data.size());
        return true;
      }));
      const Timespec now = Now();
      m.delta.bytes = static_cast<int64_t>(stored) - static_cast<int64_t>(rec->used);
      rec->used = stored;
      rec->size = std::max(rec->size, end);
      rec->mtime = After(rec->mtime, now);
      rec->ctime = After(rec->ctime, now);
      PutInode(&m, ino, *rec);
    }
    VOLUMED_RETURN_IF_ERROR(CommitOp(&m, false));
  }
  return Status::Ok();
}

Status VolumeImpl::CommitOnce(Mutation* m, bool needed) {
  Status s = queue_->Commit(&m->batch, needed, m->delta);
  if (s.code() != Status::Code::kQuotaExceeded || m->delta.bytes <= 0) return s;
  bool pending;
  {
    std::lock_guard<std::mutex> l(orphans_mu_);
    pending = orphans_pending_;
  }
  if (!pending) return s;
  // Space held by removed files still waiting for reclaim counts against the quota:
  // free it now and try once more before reporting the quota as exhausted.
  VOLUMED_RETURN_IF_ERROR(ReclaimDead());
  return queue_->Commit(&m->batch, needed, m->delta);
}

Status VolumeImpl::FreeInode(Mutation* m, InodeId ino, const InodeRecord& rec) {
  DeleteInode(m, ino);
  m->delta.files -= 1;
  if (rec.type != FileType::kRegular) return Status::Ok();
  std::vector<std::pair<uint64_t, size_t>> stored;
  const size_t limit = options_.inline_reclaim_blocks;
  const BlockStore::FileBefore file = Shape(ino, rec);
  VOLUMED_RETURN_IF_ERROR(blocks_.Stored(ino, file, limit, &stored));
  if (stored.size() > limit) {
    m->batch.Put(keys::Orphan(ino), Encode(OrphanRecord{0, true}));
    m->orphans.emplace_back(ino, true);
    return Status::Ok();
  }
  for (const auto& [index, len] : stored) {
    blocks_.Delete(&m->batch, ino, index);
    m->delta.bytes -= static_cast<int64_t>(len);
  }
  // A truncated tail still listed is gone with the rest.
  if (!file.dense) m->batch.Delete(keys::Orphan(ino));
  return Status::Ok();
}

Status VolumeImpl::Unlink(Mutation* m, InodeId child, InodeRecord* rec, const Timespec& now) {
  if (rec->type == FileType::kDirectory || rec->nlink <= 1) return FreeInode(m, child, *rec);
  rec->nlink -= 1;
  rec->ctime = After(rec->ctime, now);
  PutInode(m, child, *rec);
  return Status::Ok();
}

Status VolumeImpl::Truncate(Mutation* m, InodeId ino, InodeRecord* rec, uint64_t new_size) {
  if (new_size > rec->size) {
    VOLUMED_RETURN_IF_ERROR(ReclaimOwnTail(ino));
    // ReclaimOwnTail may have lowered `used`; re-read what it wrote.
    VOLUMED_ASSIGN_OR_RETURN(auto fresh, inodes_.Get(ino));
    if (!fresh) return Stale();
    rec->used = fresh->used;
    rec->size = new_size;
    return Status::Ok();
  }
  if (new_size == rec->size) return Status::Ok();
  VOLUMED_ASSIGN_OR_RETURN(
      auto t, blocks_.Truncate(&m->batch, ino, new_size, options_.inline_reclaim_blocks));
  m->delta.bytes += t.used_delta;
  rec->used = static_cast<uint64_t>(static_cast<int64_t>(rec->used) + t.used_delta);
  rec->size = new_size;
  if (t.needs_orphan) {
    VOLUMED_ASSIGN_OR_RETURN(auto existing, kv_->Get(keys::Orphan(ino)));
    uint64_t from = t.orphan_from;
    if (existing) {
      VOLUMED_ASSIGN_OR_RETURN(OrphanRecord o, DecodeOrphan(*existing));
      from = std::min(from, o.from_block);
    }
    m->batch.Put(keys::Orphan(ino), Encode(OrphanRecord{from, false}));
    m->orphans.emplace_back(ino, false);
  }
  return Status::Ok();
}

void VolumeImpl::NoteOrphan(InodeId ino, bool dead) {
  {
    std::lock_guard<std::mutex> l(orphans_mu_);
    if (dead) {
      live_tails_.erase(ino);
    } else {
      live_tails_.insert(ino);
    }
    orphans_pending_ = true;
    ++orphan_seq_;
    // Null only while Open scans the orphan records; Open requests a run after that.
    if (reclaimer_ != nullptr) reclaimer_->Request();
  }
}

Status VolumeImpl::ReclaimStep(InodeId ino, bool* done) {
  std::lock_guard<std::mutex> rl(reclaim_mu_);
  *done = false;
  VOLUMED_ASSIGN_OR_RETURN(auto ov, kv_->Get(keys::Orphan(ino)));
  if (!ov) {
    *done = true;
    return Status::Ok();
  }
  VOLUMED_ASSIGN_OR_RETURN(OrphanRecord orphan, DecodeOrphan(*ov));
  Mutation m;
  int64_t freed = 0;
  size_t count = 0;
  uint64_t last = 0;
  VOLUMED_RETURN_IF_ERROR(
      blocks_.Scan(ino, orphan.from_block, [&](uint64_t index, std::string_view v) {
        if (count == kReclaimStepBlocks) return false;
        blocks_.Delete(&m.batch, ino, index);
        freed += static_cast<int64_t>(v.size());
        last = index;
        ++count;
        return true;
      }));
  const bool finished = count < kReclaimStepBlocks;
  if (finished) {
    m.batch.Delete(keys::Orphan(ino));
  } else {
    m.batch.Put(keys::Orphan(ino), Encode(OrphanRecord{last + 1, orphan.dead}));
  }
  if (!orphan.dead && freed > 0) {
    VOLUMED_ASSIGN_OR_RETURN(auto rec, inodes_.Get(ino));
    if (rec) {
      rec->used -= std::min<uint64_t>(rec->used, static_cast<uint64_t>(freed));
      PutInode(&m, ino, *rec);
    }
  }
  m.delta.bytes = -freed;
  VOLUMED_RETURN_IF_ERROR(CommitOp(&m, false));
  if (finished) {
    std::lock_guard<std::mutex> l(orphans_mu_);
    live_tails_.erase(ino);
  }
  *done = finished;
  return Status::Ok();
}

BlockStore::FileBefore VolumeImpl::Shape(InodeId ino, const InodeRecord& rec) {
  return {rec.size, rec.used == rec.size && !TailPending(ino)};
}

bool VolumeImpl::TailPending(InodeId ino) {
  std::lock_guard<std::mutex> l(orphans_mu_);
  return live_tails_.count(ino) != 0;
}

Status VolumeImpl::ReclaimOwnTail(InodeId ino) {
  if (!TailPending(ino)) return Status::Ok();
  bool done = false;
  while (!done) VOLUMED_RETURN_IF_ERROR(ReclaimStep(ino, &done));
  return Status::Ok();
}

Status VolumeImpl::ReclaimDead() {
  std::vector<InodeId> dead;
  std::string prefix = keys::TagPrefix(keys::kOrphanTag);
  VOLUMED_RETURN_IF_ERROR(
      kv_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view v) {
        auto ino = keys::ParseOrphan(k);
        auto rec = DecodeOrphan(v);
        if (ino && rec.ok() && rec->dead) dead.push_back(*ino);
        return true;
      }));
  for (InodeId ino : dead) {
    bool done = false;
    while (!done) VOLUMED_RETURN_IF_ERROR(ReclaimStep(ino, &done));
  }
  return Status::Ok();
}

Status VolumeImpl::ReclaimAll() {
  bool finished = false;
  return ReclaimSteps(std::numeric_limits<size_t>::max(), &finished);
}

Status VolumeImpl::ReclaimSteps(size_t max_steps, bool* finished) {
  *finished = false;
  auto g = Enter();
  if (!g.ok) return Stale();
  size_t steps = 0;
  for (;;) {
    uint64_t seq;
    {
      std::lock_guard<std::mutex> l(orphans_mu_);
      seq = orphan_seq_;
    }
    std::vector<std::pair<InodeId, bool>> orphans;
    std::string prefix = keys::TagPrefix(keys::kOrphanTag);
    VOLUMED_RETURN_IF_ERROR(
        kv_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view v) {
          auto ino = keys::ParseOrphan(k);
          auto rec = DecodeOrphan(v);
          if (ino && rec.ok()) orphans.emplace_back(*ino, rec->dead);
          return true;
        }));
    if (orphans.empty()) {
      // Orphans announced after the scan began may not have been seen: stay pending.
      std::lock_guard<std::mutex> l(orphans_mu_);
      if (orphan_seq_ == seq) orphans_pending_ = false;
      *finished = true;
      return Status::Ok();
    }
    for (const auto& [ino, dead] : orphans) {
      bool done = false;
      while (!done) {
        {
          // Close() should not wait for a long reclaim: it resumes at the next open.
          std::lock_guard<std::mutex> l(orphans_mu_);
          if (stopping_) return Status::Ok();
        }
        if (steps == max_steps) return Status::Ok();
        ++steps;
        // A live file's tail is reclaimed under its lock, so it cannot grow meanwhile.
        InodeLocks::Guard guard;
        if (!dead) guard = locks_.Exclusive(ino);
        VOLUMED_RETURN_IF_ERROR(ReclaimStep(ino, &done));
      }
    }
  }
}

Result<size_t> VolumeImpl::PendingOrphans() {
  auto g = Enter();
  if (!g.ok) return Stale();
  size_t n = 0;
  std::string prefix = keys::TagPrefix(keys::kOrphanTag);
  VOLUMED_RETURN_IF_ERROR(
      kv_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view, std::string_view) {
        ++n;
        return true;
      }));
  return n;
}

void VolumeImpl::ReclaimInBackground() {
  bool finished = false;
  Status s = ReclaimSteps(kReclaimStepsPerRun, &finished);
  if (!s.ok()) {
    LOG_WARN("volume {}: reclaim failed, retrying in {} s: {}", id_, kReclaimRetry.count(),
             s.ToString());
    reclaimer_->Request(kReclaimRetry);
  } else if (!finished) {
    // The rest in another run, queued behind the other volumes' reclaim.
    reclaimer_->Request();
  }
}

Result<Attributes> VolumeImpl::GetAttr(InodeRef ref) {
  auto g = Enter();
  if (!g.ok) return Stale();
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  return ToAttributes(ref.ino, r);
}

Result<FsStat> VolumeImpl::StatFs() {
  auto g = Enter();
  if (!g.ok) return Stale();
  CountersRecord c = queue_->counters();
  Quota q = queue_->quota();
  FsStat st;
  st.used_bytes = c.used_bytes;
  st.used_files = c.used_files;
  uint64_t capacity = uint64_t{1} << 50;
  uint64_t disk_free = capacity;
  if (options_.capacity != nullptr) {
    if (Result<StoreSpace> space = options_.capacity->Capacity(); space.ok()) {
      capacity = space->total_bytes;
      disk_free = space->avail_bytes;
    }
  }
  if (q.max_bytes != 0) {
    st.total_bytes = q.max_bytes;
    const uint64_t left = q.max_bytes > c.used_bytes ? q.max_bytes - c.used_bytes : 0;
    st.free_bytes = std::min(left, disk_free);
  } else {
    st.total_bytes = capacity;
    st.free_bytes = disk_free;
  }
  st.avail_bytes = st.free_bytes;
  st.total_files = q.max_files != 0 ? q.max_files : (uint64_t{1} << 32);
  st.free_files = st.total_files > c.used_files ? st.total_files - c.used_files : 0;
  st.avail_files = st.free_files;
  return st;
}

Status VolumeImpl::Commit(InodeRef ref, Attributes* after) {
  auto g = Enter();
  if (!g.ok) return Stale();
  VOLUMED_ASSIGN_OR_RETURN(InodeRecord r, inodes_.GetRef(ref));
  if (inodes_.DeferredBytes(ref.ino)) {
    auto guard = locks_.Exclusive(ref.ino);
    VOLUMED_RETURN_IF_ERROR(WriteDeferred(ref.ino));
  }
  durability_.NeedEverything();
  if (after) *after = ToAttributes(ref.ino, r);
  return Status::Ok();
}

void VolumeImpl::WhenDurable(std::function<void(Status)> done) {
  durability_.WhenDurable(std::move(done));
}

}  // namespace volumed::storage
