// VolumeImpl: Volume (storage/volume.h) over one LevelDB through InodeStore, DirStore,
// BlockStore, InodeLocks and a WriteQueue; plus background reclaim that frees the
// blocks of removed and truncated large files from the orphan list, resuming after a
// restart (or a close and reopen) from the orphan records; and read-ahead of files read
// sequentially (storage/read_ahead.h). Both run on an Executor shared by every volume of
// the catalog (no thread per volume): a volume announces its orphans to it, and Close
// stops its reclaim after at most one bounded step and its read-ahead at the next block.
// Opened by VolumeCatalog; tests may open one directly on a Kv.
//
// Durability (DESIGN.md §5): every operation's batch is applied unsynced under its inode
// locks; namespace operations, SETATTR and DATA/FILE_SYNC writes are marked as needing
// durability, and WhenDurable answers once they are synced (storage/durability.h);
// UNSTABLE writes are not, until Commit, which needs everything applied before it. An
// UNSTABLE write adds its blocks alone: the file's record is deferred (InodeStore) until
// the file's next written record — COMMIT, any other change of it, a snapshot, Close —
// and a marker written with the first such batch lets Open repair what a crash left
// (storage/TUNING.md, "Deferred records").
// Reclaim writes are never needed: after a crash the orphan record is still there and
// reclaim resumes from it.
//
// atime changes only through SETATTR (reads do not write).
//
// Thread-safety: thread-safe. Close() waits for running operations; afterwards every
// operation fails with kStale.
#pragma once

#include <leveldb/write_batch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/coalescing_task.h"
#include "base/executor.h"
#include "storage/block_store.h"
#include "storage/database_cloner.h"
#include "storage/dir_store.h"
#include "storage/durability.h"
#include "storage/inode_locks.h"
#include "storage/inode_store.h"
#include "storage/kv.h"
#include "storage/read_ahead.h"
#include "storage/store_capacity.h"
#include "storage/volume.h"
#include "storage/write_queue.h"

namespace volumed::storage {

inline constexpr InodeId kRootIno = 1;

class VolumeImpl final : public Volume {
 public:
  struct Options {
    uint64_t id = 0;
    uint64_t epoch = 0;
    uint32_t block_size = kDefaultBlockSize;  // used only when formatting a new volume
    Quota quota;
    // Blocks a remove or truncate frees inline (512 KiB at 4 KiB blocks); more go to the
    // orphan list.
    size_t inline_reclaim_blocks = 128;
    // Files whose records may be deferred at once (≈200 bytes each in memory): beyond it an
    // UNSTABLE write to a further file writes its record, so memory stays bounded however
    // many files are written without a COMMIT.
    size_t max_deferred_records = 4096;
    bool background_reclaim = true;
    // The store's size for FSSTAT when there is no byte quota; null or unknown = a
    // nominal 1 PiB. Outlives the volume.
    CapacitySource* capacity = nullptr;
    // Runs this volume's log syncs; null = a scheduler of the volume's own (tests).
    SyncScheduler* sync_scheduler = nullptr;
    // False for ephemeral volumes: nothing is ever synced (DESIGN.md §5).
    bool syncs = true;
    // Runs background reclaim and read-ahead; null = an executor of the volume's own
    // (tests). Must outlive Close().
    Executor* background_executor = nullptr;
    ReadAheadLimits read_ahead;
    // Read-ahead in flight across the volumes sharing it; null = a budget of the volume's
    // own, of read_ahead.max_in_flight.
    std::shared_ptr<ReadAheadBudget> read_ahead_budget;
    // Read-ahead figures summed over the volumes sharing it; null = none but this
    // volume's own (read_ahead_stats()).
    std::shared_ptr<ReadAheadTotals> read_ahead_totals;
  };

  // Formats the DB when it is empty (superblock, root directory); checks the id/epoch of
  // an existing one.
  static Result<std::shared_ptr<VolumeImpl>> Open(std::unique_ptr<Kv> kv, const Options& options);
  ~VolumeImpl() override;

  // Stops background reclaim (a running step finishes) and read-ahead (a running walk
  // ends at its next block), and closes the DB. Idempotent.
  void Close();
  void SetQuota(const Quota& quota);
  // Reclaims every orphan now (tests, tools). Background reclaim also does this.
  Status ReclaimAll();
  // Number of orphan records outstanding.
  Result<size_t> PendingOrphans();
  // Copies this volume's database into the new directory `to` at one instant (snapshots
  // and forks): every write applied before the call is in the copy, none applied after it
  // returns; meanwhile writes wait in the WriteQueue (for *pause_ns, when not null).
  Status CloneTo(DatabaseCloner* cloner, const std::string& to, int64_t* pause_ns);
  // Makes a closed copy of a volume's database (in `kv`) belong to volume `id` / `epoch`,
  // as Open checks, and raises its inode counter to at least `min_next_ino` (a restore:
  // numbers the volume handed out since are never handed out again), in one synced write.
  static Status Reidentify(Kv* kv, uint64_t id, uint64_t epoch, uint64_t min_next_ino);
  Kv* kv() { return kv_.get(); }
  uint32_t block_size() const { return blocks_.block_size(); }
  InodeLocks& locks_for_test() { return locks_; }
  ReadAheadStats read_ahead_stats() const { return read_ahead_->stats(); }

  uint64_t id() const override { return id_; }
  uint64_t epoch() const override { return epoch_; }
  InodeRef Root() const override { return root_; }

  Result<Attributes> GetAttr(InodeRef ref) override;
  Status SetAttr(const Credentials& cred, InodeRef ref, const SetAttrRequest& req,
                 Wcc* wcc) override;
  Result<LookupResult> Lookup(const Credentials& cred, InodeRef dir, std::string_view name,
                              Attributes* dir_after) override;
  Result<LookupResult> Parent(InodeRef dir) override;
  Result<uint32_t> Access(const Credentials& cred, InodeRef ref, uint32_t requested,
                          Attributes* after) override;
  Result<std::string> ReadLink(const Credentials& cred, InodeRef ref, Attributes* after) override;
  Result<ReadExtent> ReadInto(const Credentials& cred, InodeRef ref, uint64_t offset,
                              uint32_t count, const ReadBuffer& buffer) override;
  Result<WriteResult> Write(const Credentials& cred, InodeRef ref, uint64_t offset,
                            std::string_view data, Stability stability, Wcc* wcc) override;
  Result<CreateResult> Create(const Credentials& cred, InodeRef dir, std::string_view name,
                              CreateMode mode, const SetAttrRequest& initial, uint64_t verifier,
                              Wcc* dir_wcc) override;
  Result<CreateResult> Mkdir(const Credentials& cred, InodeRef dir, std::string_view name,
                             const SetAttrRequest& initial, Wcc* dir_wcc) override;
  Result<CreateResult> Symlink(const Credentials& cred, InodeRef dir, std::string_view name,
                               std::string_view target, const SetAttrRequest& initial,
                               Wcc* dir_wcc) override;
  Result<CreateResult> Mknod(const Credentials& cred, InodeRef dir, std::string_view name,
                             FileType type, const SetAttrRequest& initial, uint32_t rdev_major,
                             uint32_t rdev_minor, Wcc* dir_wcc) override;
  Status Remove(const Credentials& cred, InodeRef dir, std::string_view name,
                Wcc* dir_wcc) override;
  Status Rmdir(const Credentials& cred, InodeRef dir, std::string_view name, Wcc* dir_wcc) override;
  Status Rename(const Credentials& cred, InodeRef from_dir, std::string_view from_name,
                InodeRef to_dir, std::string_view to_name, Wcc* from_wcc, Wcc* to_wcc) override;
  Status Link(const Credentials& cred, InodeRef file, InodeRef dir, std::string_view name,
              Attributes* file_after, Wcc* dir_wcc) override;
  Result<bool> ReadDir(const Credentials& cred, InodeRef dir, uint64_t cookie,
                       const DirVisitor& visit, Attributes* dir_after) override;
  Result<bool> ReadDirPlus(const Credentials& cred, InodeRef dir, uint64_t cookie,
                           const DirVisitor& visit, Attributes* dir_after) override;
  Result<FsStat> StatFs() override;
  StoreStats Stats() override { return kv_->Stats(); }
  uint64_t ChangeStamp() const override { return kv_->ChangeStamp(); }
  Status Commit(InodeRef ref, Attributes* after) override;
  void WhenDurable(std::function<void(Status)> done) override;

 private:
  // One operation's changes: its batch, the counter delta, and the orphans it adds, which
  // are announced to the reclaimer only once the batch is written (before that the
  // reclaimer would not find their records).
  struct Mutation {
    leveldb::WriteBatch batch;
    WriteQueue::Delta delta;
    std::vector<std::pair<InodeId, bool>> orphans;  // inode, dead
    // Deferred records this mutation writes or deletes: no longer deferred once written.
    std::vector<InodeId> undeferred;
    // An UNSTABLE write's record, deferred once the mutation is written (with the bytes
    // in delta.deferred).
    std::optional<std::pair<InodeId, InodeRecord>> deferred;
  };

  VolumeImpl(std::unique_ptr<Kv> kv, const Options& options, const FormatRecord& format,
             const CountersRecord& counters);

  // `child`'s reference and attributes, for an entry that names it.
  Result<LookupResult> Named(InodeId child);
  // Held shared by every operation; Close() takes it exclusively.
  struct OpGuard {
    std::shared_lock<std::shared_mutex> lock;
    bool ok;
  };
  OpGuard Enter();

  // A new object's record: owner, group (setgid directories pass theirs on), mode, times.
  InodeRecord NewInode(const Credentials& cred, const InodeRecord& dir, FileType type,
                       uint32_t default_mode, const SetAttrRequest& initial, InodeId ino);
  // The shared part of Create/Mkdir/Symlink/Mknod: checks, then adds `child` (whose
  // generation and times NewInode set) under `name`. An existing name fails with kExists
  // unless `mode` says otherwise; *existed tells the caller which happened.
  Result<CreateResult> MakeNode(const Credentials& cred, InodeRef dir, std::string_view name,
                                FileType type, uint32_t default_mode, const SetAttrRequest& initial,
                                const std::function<void(InodeRecord*)>& fill, CreateMode mode,
                                uint64_t verifier, Wcc* dir_wcc, bool* existed);
  // The shared prelude of Remove and Rmdir: locks `dir` and the child `name` names
  // (re-reading until the entry did not change while the locks were taken), fills
  // dir_wcc's pre-op side, and checks that the child may be removed: `dir` is a directory
  // the caller may write and search, the entry exists, the child is of the kind `what`
  // names (else kIsDir / kNotDir), and the sticky bit allows it. The result holds the locks.
  enum class Removing { kNonDirectory, kDirectory };
  struct LockedEntry {
    InodeLocks::Guard guard;
    InodeRecord dir;    // `dir` as read under the lock
    EntryRecord entry;  // `name` in it
    InodeRecord child;  // what the entry names
  };
  Result<LockedEntry> LockEntryToRemove(const Credentials& cred, InodeRef dir,
                                        std::string_view name, Removing what, Wcc* dir_wcc);
  // Remove and Rmdir after their name checks: removes `name` from `dir` (a directory
  // only when empty) in one synced batch.
  Status RemoveEntry(const Credentials& cred, InodeRef dir, std::string_view name, Removing what,
                     Wcc* dir_wcc);
  // ReadDir and ReadDirPlus: entries in chunks under the directory's shared lock (with
  // their attributes when `with_attrs`), visited without it.
  Result<bool> ListDirectory(const Credentials& cred, InodeRef dir, uint64_t cookie,
                             const DirVisitor& visit, Attributes* dir_after, bool with_attrs);
  // Fills each entry's attributes (those whose inode still has the entry's generation).
  Status AttachAttributes(std::vector<DirEntry>* entries);
  // Drops one link of `child`; when it was the last, deletes the inode and frees or
  // orphans its blocks.
  Status Unlink(Mutation* m, InodeId child, InodeRecord* rec, const Timespec& now);
  Status FreeInode(Mutation* m, InodeId ino, const InodeRecord& rec);
  // Every change of an inode record goes into a mutation through these: a record that was
  // deferred is written (its deferred marker deleted, its bytes counted again) with it.
  void PutInode(Mutation* m, InodeId ino, const InodeRecord& r);
  void DeleteInode(Mutation* m, InodeId ino);
  void Undefer(Mutation* m, InodeId ino);
  // Writes `ino`'s deferred record, if it has one (unsynced). Caller holds its lock.
  Status WriteDeferred(InodeId ino);
  // WriteDeferred for every deferred record, each under its inode's lock.
  Status WriteAllDeferred();
  // Open: repairs each inode whose deferred marker a crash left (its record lags its
  // blocks): `used` recounted from its blocks (the counters by as much), its size raised
  // to the end of its last block, the marker deleted.
  Status RepairDeferred();
  // Applies `m` (unsynced; `needed`: it must become durable, see WhenDurable); on
  // kQuotaExceeded with orphans pending reclaims dead ones and retries. Announces the
  // mutation's orphans once it is written.
  Status CommitOp(Mutation* m, bool needed);
  Status CommitOnce(Mutation* m, bool needed);
  Status Truncate(Mutation* m, InodeId ino, InodeRecord* rec, uint64_t new_size);
  // Before a file grows: reclaims its truncated tail still in the orphan list. Caller
  // holds the inode's lock.
  Status ReclaimOwnTail(InodeId ino);
  // Whether blocks of live `ino` past its end still wait for reclaim (and count in its
  // `used`).
  bool TailPending(InodeId ino);
  // What BlockStore needs to know of a file's blocks: its size, and whether it is dense —
  // `used` equals the size (every block below it stored whole) and no truncated tail waits
  // for reclaim (so none lies past it). Caller holds the inode's lock.
  BlockStore::FileBefore Shape(InodeId ino, const InodeRecord& rec);
  // One bounded step of reclaiming `ino`; *done when its orphan record is gone.
  Status ReclaimStep(InodeId ino, bool* done);
  Status ReclaimDead();
  // ReclaimAll, stopping after `max_steps` steps (*finished: no orphan is left) or when
  // Close begins.
  Status ReclaimSteps(size_t max_steps, bool* finished);
  // One background reclaim run: a bounded ReclaimSteps, requeued while orphans remain
  // (behind other volumes' runs) and retried after a pause when it fails.
  void ReclaimInBackground();
  void NoteOrphan(InodeId ino, bool dead);

  std::unique_ptr<Kv> kv_;
  const uint64_t id_;
  const uint64_t epoch_;
  InodeRef root_;
  Options options_;
  InodeStore inodes_;
  DirStore dirs_;
  BlockStore blocks_;
  InodeLocks locks_;
  std::unique_ptr<SyncScheduler> own_scheduler_;  // when Options gave none
  Durability durability_;
  std::unique_ptr<WriteQueue> queue_;

  std::shared_mutex life_;
  bool closed_ = false;  // guarded by life_

  // Cross-directory directory renames are serialised so the "not into its own subtree"
  // walk up the parents sees a stable tree (Linux's s_vfs_rename_mutex).
  std::mutex rename_mu_;

  std::mutex reclaim_mu_;  // one reclaim step at a time; taken after any inode lock
  std::mutex orphans_mu_;
  std::set<InodeId> live_tails_;  // live inodes with a truncated tail pending; orphans_mu_
  bool orphans_pending_ = false;  // orphans_mu_
  uint64_t orphan_seq_ = 0;       // orphans_mu_: bumped by every NoteOrphan
  bool stopping_ = false;         // orphans_mu_
  std::unique_ptr<Executor> own_background_executor_;  // when Options gave none
  // Background reclaim; null without Options::background_reclaim. Set in Open before the
  // volume is handed out, stopped by Close.
  std::unique_ptr<CoalescingTask> reclaimer_;
  // Set in Open before the volume is handed out, stopped by Close.
  std::unique_ptr<ReadAhead> read_ahead_;
};

}  // namespace volumed::storage
