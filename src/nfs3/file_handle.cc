#include "nfs3/file_handle.h"

#include "base/big_endian.h"

namespace volumed::nfs3 {
namespace {

constexpr size_t kVolumeIdOffset = 4;
constexpr size_t kEpochOffset = 12;
constexpr size_t kInodeOffset = 20;
constexpr size_t kGenerationOffset = 28;

}  // namespace

EncodedHandle EncodeFileHandle(const FileHandle& fh) {
  EncodedHandle out{};
  out[0] = kFileHandleVersion;
  StoreBigEndian<uint64_t>(out.data() + kVolumeIdOffset, fh.volume_id);
  StoreBigEndian<uint64_t>(out.data() + kEpochOffset, fh.volume_epoch);
  StoreBigEndian<uint64_t>(out.data() + kInodeOffset, fh.inode.ino);
  StoreBigEndian<uint32_t>(out.data() + kGenerationOffset, fh.inode.generation);
  return out;
}

Result<FileHandle> DecodeFileHandle(std::span<const uint8_t> bytes) {
  if (bytes.size() != kFileHandleSize) {
    return Status(Status::Code::kBadHandle, "file handle of wrong length");
  }
  if (bytes[0] != kFileHandleVersion || bytes[1] != 0 || bytes[2] != 0 || bytes[3] != 0) {
    return Status(Status::Code::kBadHandle, "file handle of unknown version");
  }
  FileHandle fh;
  fh.volume_id = LoadBigEndian<uint64_t>(bytes.data() + kVolumeIdOffset);
  fh.volume_epoch = LoadBigEndian<uint64_t>(bytes.data() + kEpochOffset);
  fh.inode.ino = LoadBigEndian<uint64_t>(bytes.data() + kInodeOffset);
  fh.inode.generation = LoadBigEndian<uint32_t>(bytes.data() + kGenerationOffset);
  return fh;
}

}  // namespace volumed::nfs3
