#include "nfs3/file_handle.h"

namespace volumed::nfs3 {
namespace {

void PutBE(uint8_t* p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetBE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

constexpr size_t kVolumeIdOffset = 4;
constexpr size_t kEpochOffset = 12;
constexpr size_t kInodeOffset = 20;
constexpr size_t kGenerationOffset = 28;

}  // namespace

EncodedHandle EncodeFileHandle(const FileHandle& fh) {
  EncodedHandle out{};
  out[0] = kFileHandleVersion;
  PutBE(out.data() + kVolumeIdOffset, fh.volume_id, 8);
  PutBE(out.data() + kEpochOffset, fh.volume_epoch, 8);
  PutBE(out.data() + kInodeOffset, fh.inode.ino, 8);
  PutBE(out.data() + kGenerationOffset, fh.inode.generation, 4);
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
  fh.volume_id = GetBE(bytes.data() + kVolumeIdOffset, 8);
  fh.volume_epoch = GetBE(bytes.data() + kEpochOffset, 8);
  fh.inode.ino = GetBE(bytes.data() + kInodeOffset, 8);
  fh.inode.generation = static_cast<uint32_t>(GetBE(bytes.data() + kGenerationOffset, 4));
  return fh;
}

}  // namespace volumed::nfs3
