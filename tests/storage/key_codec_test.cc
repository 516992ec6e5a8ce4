// Pins the byte layout of every key: persisted encodings never change once written.
#include "storage/key_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace volumed::storage::keys {
namespace {

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

TEST(KeyCodec, ByteLayoutIsPinned) {
  EXPECT_EQ(Hex(Super(kSuperFormat)), "0001");
  EXPECT_EQ(Hex(Super(kSuperCounters)), "0002");
  EXPECT_EQ(Hex(Inode(0x0102030405060708)), "010102030405060708");
  EXPECT_EQ(Hex(Entry(1, "ab")), "0200000000000000016162");
  EXPECT_EQ(Hex(Cookie(2, 0x10)), "0300000000000000020000000000000010");
  EXPECT_EQ(Hex(Orphan(3)), "040000000000000003");
  EXPECT_EQ(Hex(Block(4, 5)), "8000000000000000040000000000000005");
  EXPECT_EQ(Hex(Marker()), "05");
  EXPECT_EQ(Hex(CatalogName("v")), "1076");
  EXPECT_EQ(Hex(CatalogVolume(7)), "110000000000000007");
  EXPECT_EQ(Hex(CatalogNextId()), "12");
  EXPECT_EQ(Hex(CatalogDoomed(9)), "130000000000000009");
}

TEST(KeyCodec, ByteOrderIsTupleOrder) {
  EXPECT_LT(Inode(255), Inode(256));
  EXPECT_LT(Inode(1), Inode(uint64_t{1} << 56));
  EXPECT_LT(Block(1, 0xffffffff), Block(2, 0));
  EXPECT_LT(Block(7, 255), Block(7, 256));
  EXPECT_LT(Cookie(3, 1000), Cookie(4, 16));
  EXPECT_LT(Entry(5, "zzz"), Entry(6, ""));
  // Every block key sorts after every metadata key.
  EXPECT_LT(Orphan(UINT64_MAX), Block(0, 0));
}

TEST(KeyCodec, PrefixEndBoundsThePrefix) {
  std::string p = EntryPrefix(5);
  std::string end = PrefixEnd(p);
  EXPECT_LT(Entry(5, std::string(255, '\xff')), end);
  EXPECT_GE(Entry(6, ""), end);
  EXPECT_EQ(PrefixEnd(std::string("\x01\xff", 2)), std::string("\x02"));
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), "");
}

TEST(KeyCodec, ParsersRoundTripAndRejectOtherKinds) {
  EXPECT_EQ(ParseInode(Inode(42)), 42u);
  EXPECT_FALSE(ParseInode(Orphan(42)));
  EXPECT_FALSE(ParseInode(Inode(42) + "x"));
  auto e = ParseEntry(Entry(9, "name"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->dir, 9u);
  EXPECT_EQ(e->name, "name");
  auto c = ParseCookie(Cookie(9, 77));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, 9u);
  EXPECT_EQ(c->second, 77u);
  auto b = ParseBlock(Block(11, 12));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->first, 11u);
  EXPECT_EQ(b->second, 12u);
  EXPECT_FALSE(ParseBlock(Cookie(11, 12)));
  EXPECT_EQ(ParseOrphan(Orphan(13)), 13u);
  EXPECT_EQ(ParseCatalogVolume(CatalogVolume(14)), 14u);
  EXPECT_EQ(ParseCatalogDoomed(CatalogDoomed(15)), 15u);
}

}  // namespace
}  // namespace volumed::storage::keys
