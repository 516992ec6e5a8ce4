// ConcurrentWorkload: the crash matrix's many-in-flight mode. `clients` NFS connections
// (one PipelinedSession each), `depth` threads per connection, each making one call at a
// time, so clients × depth calls are in flight at once — at the SIGKILL too. The calls are
// the single-client workload's kinds (GUARDED creates, UNSTABLE and FILE_SYNC writes,
// COMMITs, truncating SETATTRs, renames also onto existing files, removes — more of them
// here), most creates and renames in one hot directory, plus observers: calls that look at
// another call's in-flight change (LOOKUP or READDIR of its name, GETATTR of a truncated
// file's size, READ of a FILE_SYNC write's range). When an observer's reply shows that
// change while it is still unacknowledged, the change is marked revealed and must survive
// the crash (model.h, DESIGN.md §5).
//
// Honest concurrency: an operation claims every path it changes until its reply is
// processed, so operations in flight together never touch the same file or name; the fate
// of each one at the kill is then independent of the others' (model.h). An observation
// counts as a reveal only for a change that was in flight for the observation's whole
// life, so what it saw can only be that change's doing.
//
// Thread-safety: RunUntilNoReply starts and joins its own threads; the model and the
// claims are guarded by one mutex, never held across a call.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "model.h"
#include "nfs_ops.h"
#include "workload.h"

namespace volumed::crashmatrix {

struct ConcurrencyStats {
  uint64_t observations = 0;          // observer calls answered
  uint64_t reveals = 0;               // ... that showed an unacknowledged change
  uint64_t cross_client_reveals = 0;  // ... made by another connection
  uint64_t unanswered = 0;            // calls without a reply at the kill, over all rounds
  uint64_t unanswered_changes = 0;    // ... of them changes (not observations)
  uint64_t max_unanswered = 0;        // most calls without a reply at one kill
  uint64_t revealed_at_kill = 0;      // changes in flight at a kill that a reply had revealed
};

class ConcurrentWorkload {
 public:
  // `clients[i]` is connection i's NfsOps (thread-safe transport); `depth` threads use
  // each. `hot_dir` (a key of `dirs`) receives most creates and renames.
  ConcurrentWorkload(std::vector<NfsOps*> clients, int depth, std::mt19937_64* rng, World* world,
                     std::map<std::string, Fh>* handles, const std::map<std::string, Fh>* dirs,
                     std::string hot_dir, uint64_t* name_counter, Verifier verifier);

  // Runs until every thread's call got no reply (or one got an unexpected answer: its
  // Status, after the others stopped). Then `world` holds what was acknowledged, with
  // writes in flight as maybe-writes (a revealed FILE_SYNC write as a stable one), and
  // `pending` the namespace changes and truncates in flight; `inflight` describes every
  // call in flight, then every change in flight that a reply had revealed.
  Status RunUntilNoReply(std::vector<PendingChange>* pending, std::vector<std::string>* inflight,
                         WorkloadStats* stats, ConcurrencyStats* concurrency);

 private:
  enum class Kind { kCreate, kWrite, kCommit, kTruncate, kRename, kRemove };
  // A change in flight: what it claims and what it does if it takes effect.
  struct Op {
    Kind kind = Kind::kCreate;
    int client = 0;
    std::string what;
    std::string path;  // the file (create, write, commit, truncate, remove) or rename source
    std::string to;    // rename target
    bool to_existed = false;
    Fh moved;  // rename: the source's handle
    WriteRange range;
    std::string data;
    bool sync = false;
    std::string pre_content;  // write: what READ showed in `range` before it
    uint64_t truncate_size = 0;
    uint64_t pre_size = 0;  // truncate: the live size before it
    std::map<std::string, std::optional<FileModel>> after;
    std::string revealed_by;
  };
  // An observer's look at one change (a READDIR judges every change in its directory).
  struct Probe {
    enum class Kind { kLookup, kReaddir, kGetattr, kRead } kind = Kind::kLookup;
    std::string dir, name;          // LOOKUP, READDIR (dir only)
    std::string path;               // GETATTR, READ
    Fh fh;                          // GETATTR, READ
    WriteRange range;               // READ
    std::vector<uint64_t> watched;  // ids of the changes in flight when it was issued
  };
  struct Reply {  // what a probe's call returned
    std::optional<Fh> found;
    std::vector<std::string> names;
    uint64_t size = 0;
    std::string data;
    bool gone = false;  // GETATTR, READ: STALE (the file was removed after the change)
  };
  struct Outcome {  // a change's call: its input handle and what its reply said
    Fh fh;          // the file written, committed or truncated
    Fh created;
    WriteAck ack;  // WRITE; COMMIT's verifier
  };

  // One thread of connection `client`: plan a call under mu_, make it, record its reply.
  void Slot(int client);
  // Under mu_: the next change (claimed, in ops_) or a look at one in flight.
  uint64_t PlanChange(int client);
  std::optional<Probe> PlanProbe(int client);
  Status Execute(NfsOps& ops, const Op& op, Outcome* out);
  Status Observe(NfsOps& ops, const Probe& probe, Reply* reply);
  // Under mu_: the change's reply came; apply it to the model and release its claims.
  Status Acknowledge(uint64_t id, const Outcome& out);
  // Under mu_: marks every watched change still in flight that the reply shows as revealed.
  void Judge(int client, const Probe& probe, const Reply& reply);
  static bool Shows(const Op& op, const Probe& probe, const Reply& reply);
  static std::string Describe(const Probe& probe);
  std::string RandomDir();
  std::optional<std::string> RandomFreeFile();
  std::string NewName(bool hot);

  const std::vector<NfsOps*> clients_;
  const int depth_;
  const std::map<std::string, Fh>* dirs_;
  const std::string hot_dir_;
  const Verifier verifier_;

  std::mutex mu_;
  std::mt19937_64* rng_;                     // guarded by mu_
  World* world_;                             // guarded by mu_
  std::map<std::string, Fh>* handles_;       // guarded by mu_
  uint64_t* name_counter_;                   // guarded by mu_
  std::map<uint64_t, Op> ops_;               // guarded by mu_: changes in flight, by id
  std::set<std::string> claimed_;            // guarded by mu_: paths they change
  uint64_t next_id_ = 0;                     // guarded by mu_
  bool stop_ = false;                        // guarded by mu_: a call got no reply
  Status failure_;                           // guarded by mu_: the first unexpected answer
  std::vector<std::string> unanswered_;      // guarded by mu_
  uint64_t unanswered_changes_ = 0;          // guarded by mu_
  WorkloadStats* stats_ = nullptr;           // guarded by mu_
  ConcurrencyStats* concurrency_ = nullptr;  // guarded by mu_
};

}  // namespace volumed::crashmatrix
