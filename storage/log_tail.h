// LogTail: where the records of a LevelDB write-ahead log end, for the logs LogSyncEnv
// writes with zeros ahead of their records (storage/log_sync_env.h, "Pre-written logs").
//
// LevelDB's log format (doc/log_format.md in LevelDB's sources), as a grammar:
//   log      = block*                 ; kLogBlockSize bytes each, the last one may be short
//   block    = record* trailer?        ; trailer: under 7 bytes left in the block, zeros
//   record   = checksum:4 length:2 type:1 payload:length   ; integers little-endian
//   checksum = masked crc32c of type and payload: rotate right by 15, plus 0xa282ead8
//   type     = 1 FULL | 2 FIRST | 3 MIDDLE | 4 LAST        ; a logical record is FULL, or
//              FIRST MIDDLE* LAST across blocks
// A record never crosses a block boundary. LevelDB's reader skips a header of seven zero
// bytes (type 0, length 0) with the rest of its block, so the zeros ahead of the records
// read as nothing. Two things a crash leaves do not: a record cut short by a write that
// the kill interrupted (a write(2) of several pages can stop between two of them), whose
// missing bytes read as zeros rather than as the end of the file; and a logical record
// cut at a fragment boundary, its FIRST or MIDDLE fragments followed by zeros. LevelDB
// reports both as corruption, and volumed opens its databases with paranoid checks, so
// the log must end where its intact records end, as it would have without the zeros.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace volumed::storage {

inline constexpr uint64_t kLogBlockSize = 32768;

// Reads `n` bytes at `offset` into `out`; false on an error.
using LogReadAt = std::function<bool(uint64_t offset, size_t n, char* out)>;

// The length a reader should see of the log of `size` bytes that `read` reads. A log that
// ends in zeros ends, for the reader, where its intact records end when only zeros, or
// one record's bytes (the record a crash cut short) and then zeros, follow them; the
// records are checked from the block holding the last byte that is not zero. Any other
// log is read whole: one without zeros at its end (appended, never synced), or one with
// more than a cut record before its zeros — LevelDB then judges it as it stands, and
// damage earlier in a log is reported, not hidden. Reads at most one block of records
// and the zeros. `cut`, if given, is set to how many bytes of a record cut short lie
// between that length and the zeros (0: none), which the reader then does not see.
// Returns false when a read fails.
bool IntactLogLength(const LogReadAt& read, uint64_t size, uint64_t* length,
                     uint64_t* cut = nullptr);

// crc32c (Castagnoli) of `n` bytes, as LevelDB's crc32c::Value computes it. Ours because
// LevelDB keeps its own private (not in its installed headers, not exported) and Debian 12
// ships no C or C++ crc32c library (zlib's crc32 is another polynomial).
uint32_t Crc32c(const char* data, size_t n);

}  // namespace volumed::storage
