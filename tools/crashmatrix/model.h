// The crash model: what the server acknowledged, and so what must survive a SIGKILL.
//
// Per file: `durable` holds the bytes known to be stable (FILE_SYNC/DATA_SYNC writes,
// COMMITted UNSTABLE writes, truncates — every SETATTR is durable before its reply);
// `maybe` holds acknowledged-but-uncommitted UNSTABLE writes, and the write in flight at
// the kill, each of which may or may not have survived. After a crash, a file passes when
//  - its size is the durable size or the end of one surviving maybe-write beyond it;
//  - every byte is its durable value (zero past the durable size) or the value of one
//    maybe-write covering it;
//  - no maybe-write is half there: among its bytes that no other write could explain,
//    either all or none hold its data (a WRITE is one storage batch).
// Namespace changes (create, remove, rename, truncate) are durable before their reply: the
// set of names must equal the model, except for the paths of operations in flight at the
// kill (PendingChange): each of those is judged on its own paths, which must match whole
// either the model (it did not happen) or its `after` (it did). Pending operations touch
// disjoint paths (the workloads never run two operations on one path at once), so their
// fates are independent.
// Ordering (DESIGN.md §5: a reply never reveals a change that is not durable): when a
// reply to another call showed a pending operation's effect before the kill (`revealed_by`
// — a LOOKUP or READDIR seeing its name, a GETATTR its size), only "it happened" passes.
//
// Thread-safety: plain values; not synchronised.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace volumed::crashmatrix {

struct Extent {
  uint64_t offset = 0;
  std::string data;
  uint64_t end() const { return offset + data.size(); }
  bool operator==(const Extent&) const = default;
};

struct FileModel {
  std::string durable;
  std::vector<Extent> maybe;

  void StableWrite(uint64_t offset, const std::string& data);
  void UnstableWrite(uint64_t offset, const std::string& data);
  void Commit();
  void Truncate(uint64_t size);
  // The size the file has if every maybe-write survived (what READ/GETATTR show now).
  uint64_t LiveSize() const;
  // Its bytes if every maybe-write survived, applied in order (what READ shows now).
  std::string LiveContent() const;
  bool operator==(const FileModel&) const = default;
};

// Paths are "dir/name" under the test's root directory.
struct World {
  std::map<std::string, FileModel> files;
};

// A namespace operation or truncate whose reply never came. `after` holds every path it
// changes: the file there if it took effect, nullopt if the name is then gone.
struct PendingChange {
  std::string what;  // e.g. "RENAME d0/f3 -> d2/f9"
  std::map<std::string, std::optional<FileModel>> after;
  std::string revealed_by;  // the reply that showed its effect; empty when none did
};

// The pending change that turns `before` into `after` (the paths where they differ), plus
// `replaced`: paths where the change puts another file even if its model is the same (a
// rename onto a file with equal contents: its handle there still changes).
PendingChange DiffWorlds(const std::string& what, const World& before, const World& after,
                         const std::vector<std::string>& replaced = {});

// Problems found comparing a file's content after the crash with its model; empty = ok.
std::vector<std::string> CheckFile(const std::string& path, const FileModel& model,
                                   const std::string& actual);
// The whole namespace and every file's content; empty = ok.
std::vector<std::string> CheckWorld(const World& world,
                                    const std::map<std::string, std::string>& actual);
// `acked` with every change in `pending` either applied or not (see above); `applied`
// (optional) receives each pending change's fate as judged. Empty = ok.
std::vector<std::string> CheckWorldWithPending(const World& acked,
                                               const std::vector<PendingChange>& pending,
                                               const std::map<std::string, std::string>& actual,
                                               std::vector<bool>* applied = nullptr);

}  // namespace volumed::crashmatrix
