// The crash model's checker must catch what it claims to: a lost durable byte, a wrong
// size, a half-applied write, a resurrected file, a half-applied rename, a change a reply
// revealed that the crash took back — and accept every legal outcome.
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

World OneFile(const std::string& path, const std::string& content) {
  World w;
  w.files[path].StableWrite(0, content);
  return w;
}

TEST(CrashModel, EachPendingChangeMayOrMayNotHaveHappened) {
  const World acked = OneFile("d0/a", "1");
  World created = acked;
  created.files["d0/b"] = FileModel{};
  const std::vector<PendingChange> pending = {DiffWorlds("CREATE d0/b", acked, created),
                                              {"CREATE d1/c", {{"d1/c", FileModel{}}}, ""}};
  std::vector<bool> applied;
  EXPECT_TRUE(CheckWorldWithPending(acked, pending, {{"d0/a", "1"}}, &applied).empty());
  EXPECT_EQ(applied, (std::vector<bool>{false, false}));
  EXPECT_TRUE(
      CheckWorldWithPending(acked, pending, {{"d0/a", "1"}, {"d1/c", ""}}, &applied).empty());
  EXPECT_EQ(applied, (std::vector<bool>{false, true}));
  EXPECT_TRUE(
      CheckWorldWithPending(acked, pending, {{"d0/a", "1"}, {"d0/b", ""}, {"d1/c", ""}}, &applied)
          .empty());
  EXPECT_EQ(applied, (std::vector<bool>{true, true}));
  // Pending changes never excuse a lost acknowledged file or an unknown one.
  EXPECT_FALSE(CheckWorldWithPending(acked, pending, {{"d1/c", ""}}).empty());
  EXPECT_FALSE(CheckWorldWithPending(acked, pending, {{"d0/a", "1"}, {"d2/x", ""}}).empty());
}

TEST(CrashModel, APendingRenameIsWhollyAppliedOrNot) {
  const World acked = OneFile("d0/a", "xyz");
  World renamed;
  renamed.files["d2/z"] = acked.files.at("d0/a");
  const std::vector<PendingChange> pending = {DiffWorlds("RENAME d0/a -> d2/z", acked, renamed)};
  EXPECT_TRUE(CheckWorldWithPending(acked, pending, {{"d0/a", "xyz"}}).empty());
  EXPECT_TRUE(CheckWorldWithPending(acked, pending, {{"d2/z", "xyz"}}).empty());
  EXPECT_FALSE(CheckWorldWithPending(acked, pending, {}).empty());  // gone from both
  EXPECT_FALSE(CheckWorldWithPending(acked, pending, {{"d0/a", "xyz"}, {"d2/z", "xyz"}}).empty());
  EXPECT_FALSE(CheckWorldWithPending(acked, pending, {{"d2/z", "xy"}}).empty());
}

// A rename onto a file with the same contents changes nothing a read sees at the
// destination, but it puts another file (another handle) there: the change must still
// own that path, so that an applied rename is not taken for a handle that changed.
TEST(CrashModel, ARenameOntoAnEqualFileStillOwnsItsDestination) {
  World acked = OneFile("d0/a", "");
  acked.files["d1/b"] = acked.files.at("d0/a");
  World renamed;
  renamed.files["d1/b"] = acked.files.at("d0/a");
  EXPECT_EQ(DiffWorlds("RENAME d0/a -> d1/b", acked, renamed).after.count("d1/b"), 0u);
  const PendingChange rename = DiffWorlds("RENAME d0/a -> d1/b", acked, renamed, {"d1/b"});
  ASSERT_EQ(rename.after.count("d1/b"), 1u);
  std::vector<bool> applied;
  EXPECT_TRUE(CheckWorldWithPending(acked, {rename}, {{"d1/b", ""}}, &applied).empty());
  EXPECT_EQ(applied, std::vector<bool>{true});
  EXPECT_TRUE(
      CheckWorldWithPending(acked, {rename}, {{"d0/a", ""}, {"d1/b", ""}}, &applied).empty());
  EXPECT_EQ(applied, std::vector<bool>{false});
}

TEST(CrashModel, ARevealedCreateThatIsLostIsCaught) {
  World acked;
  PendingChange create{"CREATE d0/b", {{"d0/b", FileModel{}}}, ""};
  EXPECT_TRUE(CheckWorldWithPending(acked, {create}, {}).empty());
  create.revealed_by = "LOOKUP d0/b from connection 2";
  const auto problems = CheckWorldWithPending(acked, {create}, {});
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems.front().find("revealed by LOOKUP d0/b"), std::string::npos);
  std::vector<bool> applied;
  EXPECT_TRUE(CheckWorldWithPending(acked, {create}, {{"d0/b", ""}}, &applied).empty());
  EXPECT_EQ(applied, std::vector<bool>{true});
}

TEST(CrashModel, ARevealedRemoveRenameOrTruncateMustHold) {
  const World acked = OneFile("d0/a", "abcdef");
  PendingChange remove{"REMOVE d0/a", {{"d0/a", std::nullopt}}, "READDIR d0 from connection 1"};
  EXPECT_FALSE(CheckWorldWithPending(acked, {remove}, {{"d0/a", "abcdef"}}).empty());
  EXPECT_TRUE(CheckWorldWithPending(acked, {remove}, {}).empty());

  World renamed;
  renamed.files["d1/r"] = acked.files.at("d0/a");
  PendingChange rename = DiffWorlds("RENAME d0/a -> d1/r", acked, renamed);
  rename.revealed_by = "LOOKUP d1/r from connection 3";
  EXPECT_FALSE(CheckWorldWithPending(acked, {rename}, {{"d0/a", "abcdef"}}).empty());
  EXPECT_TRUE(CheckWorldWithPending(acked, {rename}, {{"d1/r", "abcdef"}}).empty());

  World truncated = acked;
  truncated.files["d0/a"].Truncate(2);
  PendingChange truncate = DiffWorlds("SETATTR d0/a size=2", acked, truncated);
  EXPECT_TRUE(CheckWorldWithPending(acked, {truncate}, {{"d0/a", "abcdef"}}).empty());
  truncate.revealed_by = "GETATTR d0/a from connection 0";
  EXPECT_FALSE(CheckWorldWithPending(acked, {truncate}, {{"d0/a", "abcdef"}}).empty());
  EXPECT_TRUE(CheckWorldWithPending(acked, {truncate}, {{"d0/a", "ab"}}).empty());
}

TEST(CrashModel, PendingChangesMustNotShareAPath) {
  World acked;
  const std::vector<PendingChange> pending = {{"CREATE d0/b", {{"d0/b", FileModel{}}}, ""},
                                              {"REMOVE d0/b", {{"d0/b", std::nullopt}}, ""}};
  EXPECT_FALSE(CheckWorldWithPending(acked, pending, {}).empty());
}

TEST(CrashModel, LiveContentOverlaysUncommittedWritesInOrder) {
  FileModel m;
  m.StableWrite(0, "aaaa");
  m.UnstableWrite(2, "bbbb");
  m.UnstableWrite(4, "c");
  EXPECT_EQ(m.LiveContent(), "aabbcb");
  EXPECT_EQ(m.LiveSize(), 6u);
}

}  // namespace
}  // namespace volumed::crashmatrix
