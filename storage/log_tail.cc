#include "storage/log_tail.h"

#include <algorithm>
#include <array>
#include <string>

namespace volumed::storage {
namespace {

constexpr size_t kHeaderSize = 7;  // checksum:4 length:2 type:1
constexpr uint32_t kMaskDelta = 0xa282ead8u;
constexpr uint8_t kLastType = 4;  // FULL 1, FIRST 2, MIDDLE 3, LAST 4

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t Masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

uint32_t Fixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 | uint32_t{u[3]} << 24;
}

// The offset of the last byte of the file that is not zero; false in *any when all are.
bool LastNonZero(const LogReadAt& read, uint64_t size, uint64_t* at, bool* any) {
  std::string buf(kLogBlockSize, '\0');
  for (uint64_t stop = size; stop > 0;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), stop));
    const uint64_t off = stop - n;
    if (!read(off, n, buf.data())) return false;
    for (size_t i = n; i > 0; --i) {
      if (buf[i - 1] != 0) {
        *at = off + i - 1;
        *any = true;
        return true;
      }
    }
    stop = off;
  }
  *any = false;
  return true;
}

}  // namespace

uint32_t Crc32c(const char* data, size_t n) {
  uint32_t c = ~uint32_t{0};
  for (size_t i = 0; i < n; ++i) {
    c = kCrcTable[(c ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (c >> 8);
  }
  return ~c;
}

bool IntactLogLength(const LogReadAt& read, uint64_t size, uint64_t* length, uint64_t* cut) {
  if (cut != nullptr) *cut = 0;
  uint64_t last = 0;
  bool any = false;
  if (!LastNonZero(read, size, &last, &any)) return false;
  if (!any || last + 1 == size) {
    *length = any ? size : 0;  // all zeros, or none after the records (an appended log)
    return true;
  }
  // The records before the block holding the last byte that is not zero are LevelDB's
  // to check; from that block's start (a record always starts a block) to the zeros:
  std::string block(kLogBlockSize, '\0');
  const uint64_t first = last / kLogBlockSize * kLogBlockSize;
  uint64_t end = first;  // the end of the intact records read so far
  // Where the bytes a crash may have left at `end` end: a damaged record's extent, or a
  // header read as zeros (a write cut inside a header can leave its checksum alone).
  uint64_t garbage_end = first;
  for (uint64_t start = first; start < size; start += kLogBlockSize) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kLogBlockSize, size - start));
    if (!read(start, n, block.data())) return false;
    size_t pos = 0;
    bool stop = false;
    while (!stop && n - pos >= kHeaderSize) {
      const char* h = block.data() + pos;
      const size_t len = static_cast<unsigned char>(h[4]) | size_t{static_cast<unsigned char>(h[5])}
                                                                << 8;
      const uint8_t type = static_cast<uint8_t>(h[6]);
      if (type == 0 && len == 0) {  // the zeros written ahead
        garbage_end = start + pos + kHeaderSize;
        stop = true;
      } else if (len > n - pos - kHeaderSize || type > kLastType ||
                 Masked(Crc32c(h + 6, 1 + len)) != Fixed32(h)) {  // damaged
        garbage_end = start + pos + kHeaderSize + std::min(len, n - pos - kHeaderSize);
        stop = true;
      } else {
        pos += kHeaderSize + len;
        end = start + pos;
      }
    }
    if (stop || n < kLogBlockSize) break;
  }
  // Only a cut record's bytes may lie between the intact records and the zeros; anything
  // else is damage LevelDB reports as it finds it.
  const bool cut_record = last < std::max(garbage_end, end);
  *length = cut_record ? end : size;
  if (cut_record && cut != nullptr && last >= end) *cut = last + 1 - end;
  return true;
}

}  // namespace volumed::storage
