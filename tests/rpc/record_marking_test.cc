#include "rpc/record_marking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <vector>

namespace volumed::rpc {
namespace {

std::vector<uint8_t> Mark(uint32_t len, bool last) {
  const uint32_t m = (last ? 0x80000000u : 0) | len;
  return {static_cast<uint8_t>(m >> 24), static_cast<uint8_t>(m >> 16),
          static_cast<uint8_t>(m >> 8), static_cast<uint8_t>(m)};
}

std::vector<uint8_t> Bytes(size_t n, uint8_t start) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(start + i);
  return v;
}

void Append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) {
  out.insert(out.end(), more.begin(), more.end());
}

TEST(RecordMarking, SingleFragment) {
  RecordReassembler r(1024);
  std::vector<uint8_t> stream = Mark(5, true);
  Append(stream, Bytes(5, 1));
  std::vector<std::vector<uint8_t>> out;
  ASSERT_TRUE(r.Feed(stream, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], Bytes(5, 1));
  EXPECT_FALSE(r.HasPartialRecord());
}

TEST(RecordMarking, FragmentsAreReassembledAcrossArbitrarySplits) {
  std::vector<uint8_t> stream = Mark(3, false);
  Append(stream, Bytes(3, 10));
  Append(stream, Mark(0, false));  // empty middle fragment
  Append(stream, Mark(4, true));
  Append(stream, Bytes(4, 13));
  Append(stream, Mark(2, true));  // a second record
  Append(stream, Bytes(2, 50));
  std::vector<uint8_t> want = Bytes(7, 10);
  // Feed the stream in every chunk size from 1 byte to all at once.
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    RecordReassembler r(1024);
    std::vector<std::vector<uint8_t>> out;
    for (size_t pos = 0; pos < stream.size(); pos += chunk) {
      const size_t n = std::min(chunk, stream.size() - pos);
      ASSERT_TRUE(r.Feed(std::span(stream).subspan(pos, n), &out).ok());
    }
    ASSERT_EQ(out.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(out[0], want);
    EXPECT_EQ(out[1], Bytes(2, 50));
    EXPECT_FALSE(r.HasPartialRecord());
  }
}

TEST(RecordMarking, ZeroLengthRecord) {
  RecordReassembler r(1024);
  std::vector<std::vector<uint8_t>> out;
  ASSERT_TRUE(r.Feed(Mark(0, true), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].empty());
  EXPECT_FALSE(r.HasPartialRecord());
}

TEST(RecordMarking, OversizedSingleFragmentFailsBeforeAllocating) {
  RecordReassembler r(1024);
  std::vector<std::vector<uint8_t>> out;
  Status s = r.Feed(Mark(0x7fffffff, true), &out);  // 2 GiB announced
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(r.buffered_bytes(), 0u);
  // The stream stays failed.
  EXPECT_FALSE(r.Feed(Bytes(4, 0), &out).ok());
}

TEST(RecordMarking, OversizedAcrossFragmentsFails) {
  RecordReassembler r(10);
  std::vector<uint8_t> stream = Mark(6, false);
  Append(stream, Bytes(6, 0));
  Append(stream, Mark(5, true));  // 11 > 10
  std::vector<std::vector<uint8_t>> out;
  EXPECT_FALSE(r.Feed(stream, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RecordMarking, ExactlyTheCapIsAccepted) {
  RecordReassembler r(10);
  std::vector<uint8_t> stream = Mark(4, false);
  Append(stream, Bytes(4, 0));
  Append(stream, Mark(6, true));
  Append(stream, Bytes(6, 4));
  std::vector<std::vector<uint8_t>> out;
  ASSERT_TRUE(r.Feed(stream, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], Bytes(10, 0));
}

TEST(RecordMarking, TruncatedRecordStaysPartial) {
  RecordReassembler r(1024);
  std::vector<uint8_t> stream = Mark(8, true);
  Append(stream, Bytes(3, 0));
  std::vector<std::vector<uint8_t>> out;
  ASSERT_TRUE(r.Feed(stream, &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(r.HasPartialRecord());
  EXPECT_EQ(r.buffered_bytes(), 3u);

  RecordReassembler header_only(1024);
  const std::vector<uint8_t> mark = Mark(8, true);
  ASSERT_TRUE(header_only.Feed(std::span(mark).first(2), &out).ok());
  EXPECT_TRUE(header_only.HasPartialRecord());
}

TEST(RecordMarking, DefaultCapFitsAOneMebibyteWrite) {
  EXPECT_GE(kDefaultMaxRecordSize, (1u << 20) + 1024);
  RecordReassembler r;
  std::vector<uint8_t> stream = Mark((1u << 20) + 200, true);
  stream.resize(stream.size() + (1u << 20) + 200, 7);
  std::vector<std::vector<uint8_t>> out;
  ASSERT_TRUE(r.Feed(stream, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), (1u << 20) + 200);
}

TEST(RecordMarking, EncodeLastFragmentHeader) {
  uint8_t h[4];
  EncodeLastFragmentHeader(0x01020304, h);
  EXPECT_EQ(std::vector<uint8_t>(h, h + 4), (std::vector<uint8_t>{0x81, 0x02, 0x03, 0x04}));
}

TEST(RecordBufferPool, KeepsOnlyLargeBuffersUpToItsBound) {
  RecordBufferPool pool(1);
  EXPECT_EQ(pool.Take().capacity(), 0u);  // nothing given yet: never allocates
  std::vector<uint8_t> small(100, 1);
  pool.Give(std::move(small));
  EXPECT_EQ(pool.Take().capacity(), 0u);
  std::vector<uint8_t> large(RecordBufferPool::kMinPooledCapacity, 1);
  std::vector<uint8_t> second(RecordBufferPool::kMinPooledCapacity, 2);
  pool.Give(std::move(large));
  pool.Give(std::move(second));  // over the bound of one: dropped
  std::vector<uint8_t> taken = pool.Take();
  EXPECT_TRUE(taken.empty());
  EXPECT_GE(taken.capacity(), RecordBufferPool::kMinPooledCapacity);
  EXPECT_EQ(pool.Take().capacity(), 0u);
}

// A large record starts in a buffer given back to the pool (its memory reused, its old
// contents gone); a small one does not take it.
TEST(RecordMarking, LargeRecordsReuseAPooledBuffer) {
  RecordBufferPool pool(2);
  RecordReassembler r(1 << 20, &pool);
  const size_t large = RecordBufferPool::kMinPooledCapacity;
  std::vector<uint8_t> given(large + 4096, 0xee);
  const uint8_t* memory = given.data();
  pool.Give(std::move(given));

  std::vector<uint8_t> small = Mark(8, true);
  Append(small, Bytes(8, 3));
  std::vector<std::vector<uint8_t>> out;
  ASSERT_TRUE(r.Feed(small, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], Bytes(8, 3));
  EXPECT_NE(out[0].data(), memory);

  std::vector<uint8_t> stream = Mark(static_cast<uint32_t>(large), true);
  Append(stream, Bytes(large, 5));
  out.clear();
  for (size_t pos = 0; pos < stream.size(); pos += 1000) {
    const size_t n = std::min<size_t>(1000, stream.size() - pos);
    ASSERT_TRUE(r.Feed(std::span(stream).subspan(pos, n), &out).ok());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], Bytes(large, 5));
  EXPECT_EQ(out[0].data(), memory);
}

}  // namespace
}  // namespace volumed::rpc
