// Value types of the lock manager: which file, whose lock, which byte range. Plain data,
// no XDR: the NLM program converts its wire types to these and back.
//
// Ranges are inclusive [first, last]; a lock "to end of file" (NLM length 0) has
// last = kToEof, and so covers every byte that the file may ever have.
//
// Thread-safety: plain values; not synchronised.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace volumed::nlm {

inline constexpr uint64_t kToEof = std::numeric_limits<uint64_t>::max();

// A lockable object: an inode of a volume. Volume ids are never reused, so the key stays
// unambiguous after a volume is deleted and another created.
struct FileKey {
  uint64_t volume_id = 0;
  uint64_t inode = 0;
  friend auto operator<=>(const FileKey&, const FileKey&) = default;
};

// Who holds a byte-range lock: the client host's NLM caller_name, the process id the
// client reports (svid) and its opaque owner handle (oh). Two requests are from the same
// POSIX lock owner exactly when all three are equal.
struct LockOwner {
  std::string host;
  int32_t svid = 0;
  std::string handle;
  friend bool operator==(const LockOwner&, const LockOwner&) = default;
};

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = kToEof;  // inclusive

  // NLM's (offset, length): length 0, or a length reaching past 2^64, means to EOF.
  static ByteRange FromOffsetLength(uint64_t offset, uint64_t length) {
    if (length == 0 || length - 1 > kToEof - offset) return {offset, kToEof};
    return {offset, offset + length - 1};
  }
  // Back to NLM's (offset, length): length 0 for a range to EOF.
  uint64_t length() const { return last == kToEof ? 0 : last - first + 1; }
  bool Overlaps(const ByteRange& o) const { return first <= o.last && o.first <= last; }
  // True when the two ranges overlap or touch, so that equal locks may merge.
  bool Touches(const ByteRange& o) const {
    return Overlaps(o) || (last != kToEof && last + 1 == o.first) ||
           (o.last != kToEof && o.last + 1 == first);
  }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

enum class LockMode : unsigned char { kShared, kExclusive };

// A held lock (or, in a report, a waiting request).
struct LockRecord {
  LockOwner owner;
  ByteRange range;
  LockMode mode = LockMode::kShared;
  int64_t since_ns = 0;  // monotonic time it was granted (or queued)
};

// DOS share reservations (NLM SHARE/UNSHARE): access wanted and access denied to others,
// as bit sets of kRead | kWrite.
inline constexpr uint32_t kShareRead = 1;
inline constexpr uint32_t kShareWrite = 2;

struct ShareOwner {
  std::string host;
  std::string handle;
  friend bool operator==(const ShareOwner&, const ShareOwner&) = default;
};

struct ShareRecord {
  ShareOwner owner;
  uint32_t access = 0;  // kShareRead | kShareWrite
  uint32_t deny = 0;    // kShareRead | kShareWrite
};

}  // namespace volumed::nlm
