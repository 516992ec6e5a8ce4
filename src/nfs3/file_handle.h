// FileHandle: the NFSv3 file handle of volumed (DESIGN.md §4) and its codec.
//
// Wire grammar (32 bytes, fixed width, all integers big-endian):
//   handle     = version:u8(=1) reserved:u8[3](=0) volume_id:u64 volume_epoch:u64
//                inode:u64 generation:u32
// The handle survives restarts: every field is persisted by the catalog or the volume.
// A handle of another length, another version or non-zero reserved bytes is not ours
// (NFS3ERR_BADHANDLE). Whether a well-formed handle is STALE is decided by the resolver
// (nfs3/resolver.h), never by the codec. 32 bytes also fits MOUNT v1's fixed fhandle.
//
// Thread-safety: plain value and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "storage/types.h"

namespace volumed::nfs3 {

inline constexpr uint8_t kFileHandleVersion = 1;
inline constexpr size_t kFileHandleSize = 32;

struct FileHandle {
  uint64_t volume_id = 0;
  uint64_t volume_epoch = 0;
  storage::InodeRef inode;
  friend bool operator==(const FileHandle&, const FileHandle&) = default;
};

using EncodedHandle = std::array<uint8_t, kFileHandleSize>;

EncodedHandle EncodeFileHandle(const FileHandle& fh);

// kBadHandle for a wrong length, version or reserved bytes.
Result<FileHandle> DecodeFileHandle(std::span<const uint8_t> bytes);

}  // namespace volumed::nfs3
