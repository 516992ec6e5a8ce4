// Volume: one named volume's file system — the POSIX-like operation set NFSv3 needs,
// over the volume's own LevelDB. Each mutating operation is one atomic WriteBatch that
// changes the inode(s), directory entries and blocks together, and fills wcc data taken
// atomically with the change. Permission checks (mode bits against Credentials, sticky
// directories, owner-only operations; the rules, as Linux's, are in permissions.h) happen
// here, because only here are the attributes read atomically with the change. Callers
// apply export policy (read-only, squash) first.
//
// Durability (DESIGN.md §5): an operation returns once its change is applied (visible to
// every later operation), not once it is durable. Namespace operations, SETATTR and
// DATA/FILE_SYNC writes must become durable; an UNSTABLE Write only with a later Commit.
// Whoever promises durability, or shows a caller state that depends on such a change,
// waits for WhenDurable first.
//
// Errors use Status codes: kNotFound, kExists, kNotDir, kIsDir, kNotEmpty, kNameTooLong,
// kInvalidArgument, kAccessDenied, kNotPermitted, kStale (ref's inode is gone or its
// generation differs), kQuotaExceeded, kNoSpace, kTooLarge, kNotSync, kTooManyLinks,
// kBadType, kNotSupported, kIoError.
//
// Thread-safety: thread-safe. Operations on different inodes run in parallel; operations
// touching several inodes lock them in inode order.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"
#include "storage/types.h"

namespace volumed::storage {

struct LookupResult {
  InodeRef ref;
  Attributes attrs;
};

struct ReadResult {
  std::string data;
  bool eof = false;
  Attributes attrs;  // post-op attributes
};

// What ReadInto read: `count` bytes into the caller's buffer.
struct ReadExtent {
  uint32_t count = 0;
  bool eof = false;
  Attributes attrs;  // post-op attributes
};

// Where ReadInto puts the bytes: asked at most once, with the exact number of bytes it
// will read (> 0), for memory of that size that stays valid until ReadInto returns. The
// caller owns it (an RPC reply's own buffer: the bytes go there straight from the store).
using ReadBuffer = std::function<char*(size_t len)>;

struct WriteResult {
  uint32_t count = 0;
  Stability committed = Stability::kUnstable;
};

struct CreateResult {
  InodeRef ref;
  Attributes attrs;
};

// Called once per directory entry in cookie order; return false to stop (the entry was
// not consumed and will be returned again from the previous cookie).
using DirVisitor = std::function<bool(const DirEntry&)>;

class Volume {
 public:
  virtual ~Volume() = default;

  virtual uint64_t id() const = 0;
  virtual uint64_t epoch() const = 0;
  virtual InodeRef Root() const = 0;

  virtual Result<Attributes> GetAttr(InodeRef ref) = 0;
  virtual Status SetAttr(const Credentials& cred, InodeRef ref, const SetAttrRequest& req,
                         Wcc* wcc) = 0;
  // Also resolves "." and "..". `dir_after` receives the directory's post-op attributes
  // when not null (also on failure, when the directory exists).
  virtual Result<LookupResult> Lookup(const Credentials& cred, InodeRef dir, std::string_view name,
                                      Attributes* dir_after) = 0;
  // The parent of directory `dir` (the root's is itself), as READDIR lists "..": with no
  // permission check, since listing needs only read permission (Linux's dir_emit_dots).
  virtual Result<LookupResult> Parent(InodeRef dir) = 0;
  // Returns the subset of `requested` AccessBits the caller is allowed.
  virtual Result<uint32_t> Access(const Credentials& cred, InodeRef ref, uint32_t requested,
                                  Attributes* after) = 0;
  virtual Result<std::string> ReadLink(const Credentials& cred, InodeRef ref,
                                       Attributes* after) = 0;
  // Holes read as zeros; `count` is capped at kMaxIoSize. `buffer` is not asked for
  // when nothing is read (at or past the end of file, or an error).
  virtual Result<ReadExtent> ReadInto(const Credentials& cred, InodeRef ref, uint64_t offset,
                                      uint32_t count, const ReadBuffer& buffer) = 0;
  // ReadInto a string of its own.
  Result<ReadResult> Read(const Credentials& cred, InodeRef ref, uint64_t offset, uint32_t count) {
    ReadResult out;
    auto extent = ReadInto(cred, ref, offset, count, [&out](size_t len) {
      out.data.resize(len);
      return out.data.data();
    });
    if (!extent.ok()) return extent.status();
    out.eof = extent->eof;
    out.attrs = extent->attrs;
    return out;
  }
  virtual Result<WriteResult> Write(const Credentials& cred, InodeRef ref, uint64_t offset,
                                    std::string_view data, Stability stability, Wcc* wcc) = 0;
  // EXCLUSIVE: `verifier` is stored; a retry with the same verifier returns the same
  // file, another verifier fails with kExists. `initial` is ignored for EXCLUSIVE.
  virtual Result<CreateResult> Create(const Credentials& cred, InodeRef dir, std::string_view name,
                                      CreateMode mode, const SetAttrRequest& initial,
                                      uint64_t verifier, Wcc* dir_wcc) = 0;
  virtual Result<CreateResult> Mkdir(const Credentials& cred, InodeRef dir, std::string_view name,
                                     const SetAttrRequest& initial, Wcc* dir_wcc) = 0;
  virtual Result<CreateResult> Symlink(const Credentials& cred, InodeRef dir, std::string_view name,
                                       std::string_view target, const SetAttrRequest& initial,
                                       Wcc* dir_wcc) = 0;
  // `type` is one of kCharDevice, kBlockDevice, kSocket, kFifo (else kBadType).
  virtual Result<CreateResult> Mknod(const Credentials& cred, InodeRef dir, std::string_view name,
                                     FileType type, const SetAttrRequest& initial,
                                     uint32_t rdev_major, uint32_t rdev_minor, Wcc* dir_wcc) = 0;
  virtual Status Remove(const Credentials& cred, InodeRef dir, std::string_view name,
                        Wcc* dir_wcc) = 0;
  virtual Status Rmdir(const Credentials& cred, InodeRef dir, std::string_view name,
                       Wcc* dir_wcc) = 0;
  virtual Status Rename(const Credentials& cred, InodeRef from_dir, std::string_view from_name,
                        InodeRef to_dir, std::string_view to_name, Wcc* from_wcc, Wcc* to_wcc) = 0;
  virtual Status Link(const Credentials& cred, InodeRef file, InodeRef dir, std::string_view name,
                      Attributes* file_after, Wcc* dir_wcc) = 0;
  // Visits entries after `cookie` (0 = from the start; "." and ".." are not stored and
  // not visited — the protocol layer synthesises them). Returns true at end of directory.
  // Cookies are never reused and stay valid across restarts and other entries' changes.
  virtual Result<bool> ReadDir(const Credentials& cred, InodeRef dir, uint64_t cookie,
                               const DirVisitor& visit, Attributes* dir_after) = 0;
  // ReadDir whose entries also carry their attributes (DirEntry::attrs), read in the same
  // pass over the store (READDIRPLUS).
  virtual Result<bool> ReadDirPlus(const Credentials& cred, InodeRef dir, uint64_t cookie,
                                   const DirVisitor& visit, Attributes* dir_after) = 0;
  virtual Result<FsStat> StatFs() = 0;
  // Its store's figures for monitoring (no I/O; never opens anything).
  virtual StoreStats Stats() = 0;
  // Changes whenever anything in the volume changes, and never takes a value it had
  // before (Kv::ChangeStamp): a reader that got the same stamp before and after reading
  // saw no change made meanwhile, so what it derived may be reused while the stamp stays
  // (the NFS layer's listing cache). No I/O.
  virtual uint64_t ChangeStamp() const = 0;
  // A barrier: every earlier write to this volume must become durable (see WhenDurable).
  virtual Status Commit(InodeRef ref, Attributes* after) = 0;

  // Calls `done` once every change applied so far that must become durable is durable: at
  // once on this thread when none is pending, else from a sync thread, after the one log
  // sync that all operations waiting at that moment share. `done` gets the sync's error
  // if it failed (and every later call gets it too).
  virtual void WhenDurable(std::function<void(Status)> done) = 0;

  // WhenDurable for callers that may block (tools, tests).
  Status WaitDurable() {
    std::promise<Status> p;
    auto f = p.get_future();
    WhenDurable([&p](Status s) { p.set_value(std::move(s)); });
    return f.get();
  }
};

}  // namespace volumed::storage
