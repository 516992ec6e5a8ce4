#include "nfs3/file_handle.h"

#include <gtest/gtest.h>

#include <vector>

namespace volumed::nfs3 {
namespace {

TEST(FileHandleTest, RoundTrips) {
  FileHandle fh{0x0102030405060708ULL, 0x1112131415161718ULL, {0x2122232425262728ULL, 0x31323334}};
  EncodedHandle bytes = EncodeFileHandle(fh);
  auto back = DecodeFileHandle(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, fh);
}

TEST(FileHandleTest, LayoutIsPinned) {
  FileHandle fh{1, 2, {3, 4}};
  EncodedHandle b = EncodeFileHandle(fh);
  ASSERT_EQ(b.size(), 32u);
  EXPECT_LT(b.size(), 64u);
  EXPECT_EQ(b[0], kFileHandleVersion);
  EXPECT_EQ(b[1] | b[2] | b[3], 0);
  EXPECT_EQ(b[11], 1);  // volume id, big-endian, bytes 4..11
  EXPECT_EQ(b[19], 2);  // epoch 12..19
  EXPECT_EQ(b[27], 3);  // inode 20..27
  EXPECT_EQ(b[31], 4);  // generation 28..31
}

TEST(FileHandleTest, WrongLengthIsBadHandle) {
  EncodedHandle b = EncodeFileHandle({1, 2, {3, 4}});
  std::vector<uint8_t> shorter(b.begin(), b.end() - 1);
  std::vector<uint8_t> longer(b.begin(), b.end());
  longer.push_back(0);
  EXPECT_EQ(DecodeFileHandle(shorter).status().code(), Status::Code::kBadHandle);
  EXPECT_EQ(DecodeFileHandle(longer).status().code(), Status::Code::kBadHandle);
  EXPECT_EQ(DecodeFileHandle({}).status().code(), Status::Code::kBadHandle);
}

TEST(FileHandleTest, WrongVersionOrReservedIsBadHandle) {
  EncodedHandle b = EncodeFileHandle({1, 2, {3, 4}});
  EncodedHandle v = b;
  v[0] = 2;
  EXPECT_EQ(DecodeFileHandle(v).status().code(), Status::Code::kBadHandle);
  EncodedHandle r = b;
  r[2] = 1;
  EXPECT_EQ(DecodeFileHandle(r).status().code(), Status::Code::kBadHandle);
}

}  // namespace
}  // namespace volumed::nfs3
