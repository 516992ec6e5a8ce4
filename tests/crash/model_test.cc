// The crash model's checker must catch what it claims to: a lost durable byte, a wrong
// size, a half-applied write, a resurrected file — and accept every legal outcome.
#include "model.h"

#include <gtest/gtest.h>

namespace volumed::crashmatrix {
namespace {

TEST(CrashModel, AcceptsEitherFateOfAnUncommittedWrite) {
  FileModel m;
  m.StableWrite(0, "aaaa");
  m.UnstableWrite(2, "bbbbbb");
  EXPECT_TRUE(CheckFile("f", m, "aaaa").empty());
  EXPECT_TRUE(CheckFile("f", m, "aabbbbbb").empty());
}

TEST(CrashModel, CatchesALostDurableByteAndAWrongSize) {
  FileModel m;
  m.StableWrite(0, "abcd");
  EXPECT_FALSE(CheckFile("f", m, "abXd").empty());
  EXPECT_FALSE(CheckFile("f", m, "abc").empty());
  EXPECT_FALSE(CheckFile("f", m, std::string("abcd\0", 5)).empty());
}

TEST(CrashModel, CatchesAHalfAppliedWrite) {
  FileModel m;
  m.StableWrite(0, "0000000000");
  m.UnstableWrite(2, "123456");
  EXPECT_FALSE(CheckFile("f", m, std::string("0012300000")).empty());
  EXPECT_TRUE(CheckFile("f", m, std::string("0012345600")).empty());
}

TEST(CrashModel, DurableWriteOverridesAnOlderUncommittedOne) {
  FileModel m;
  m.UnstableWrite(0, "xxxx");
  m.StableWrite(0, "yyyy");
  EXPECT_TRUE(CheckFile("f", m, "yyyy").empty());
  EXPECT_FALSE(CheckFile("f", m, "xxxx").empty());
}

TEST(CrashModel, CommitMakesWritesDurableAndTruncateClipsThem) {
  FileModel m;
  m.UnstableWrite(0, "abcdef");
  m.Commit();
  EXPECT_FALSE(CheckFile("f", m, "").empty());
  m.UnstableWrite(6, "ghij");
  m.Truncate(3);
  EXPECT_TRUE(CheckFile("f", m, "abc").empty());
  EXPECT_FALSE(CheckFile("f", m, "abcdef").empty());
}

TEST(CrashModel, NamespaceMustMatch) {
  World w;
  w.files["d0/a"].StableWrite(0, "1");
  EXPECT_TRUE(CheckWorld(w, {{"d0/a", "1"}}).empty());
  EXPECT_FALSE(CheckWorld(w, {}).empty());
  EXPECT_FALSE(CheckWorld(w, {{"d0/a", "1"}, {"d1/b", ""}}).empty());
}

}  // namespace
}  // namespace volumed::crashmatrix
