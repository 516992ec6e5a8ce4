// The pure parts of the RADOS Env: path → namespace mapping, object naming, cookies and
// the errno mapping and its ownership-lost handler (no cluster needed).
#include "storage/rados/rados_names.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "storage/rados/rados_errors.h"

namespace volumed::storage::rados {
namespace {

TEST(RadosNames, DirectoriesMapToNamespacesRelativeToRoot) {
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed", "/var/lib/volumed"), "");
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed/", "/var/lib/volumed"), "");
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed", "/var/lib/volumed/catalog"), "catalog");
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed", "/var/lib/volumed/volumes/7/"), "volumes/7");
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed", "/var/lib/volumedx/catalog"), std::nullopt);
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed", "/tmp/x"), std::nullopt);
  EXPECT_EQ(DirectoryNamespace("/var/lib/volumed", "/var/lib"), std::nullopt);
}

TEST(RadosNames, APrefixPutsEveryNamespaceUnderIt) {
  EXPECT_EQ(PrefixedNamespace("", "volumes/7"), "volumes/7");
  EXPECT_EQ(PrefixedNamespace("", ""), "");
  EXPECT_EQ(PrefixedNamespace("site-a", "catalog"), "site-a/catalog");
  EXPECT_EQ(PrefixedNamespace("site-a", "volumes/7"), "site-a/volumes/7");
  EXPECT_EQ(PrefixedNamespace("site-a", ""), "site-a/");  // within namespace=site-a/* caps
}

TEST(RadosNames, FilesSplitIntoNamespaceAndName) {
  auto f = SplitFilePath("/d", "/d/volumes/7/000005.ldb");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->ns, "volumes/7");
  EXPECT_EQ(f->name, "000005.ldb");
  f = SplitFilePath("/d", "/d/CURRENT");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->ns, "");
  EXPECT_EQ(f->name, "CURRENT");
  EXPECT_FALSE(SplitFilePath("/d", "/d").has_value());
  EXPECT_FALSE(SplitFilePath("/d", "/e/CURRENT").has_value());
}

TEST(RadosNames, ChunksNameTheirFileAndNothingElseDoes) {
  const std::string id = MakeFileId(0x1a2b, 7, "000005.ldb");
  EXPECT_EQ(id, "f.1a2b.7.000005.ldb");
  EXPECT_EQ(ChunkObject(id, 0), "f.1a2b.7.000005.ldb/0");
  EXPECT_EQ(FileIdOfChunk(ChunkObject(id, 12)), id);
  EXPECT_EQ(FileIdOfChunk(kDirectoryObject), std::nullopt);
  EXPECT_EQ(FileIdOfChunk(kLockObject), std::nullopt);
  EXPECT_EQ(FileIdOfChunk("f.1.2.x/"), std::nullopt);
  EXPECT_EQ(FileIdOfChunk("f.1.2.x/1a"), std::nullopt);
  EXPECT_EQ(FileIdOfChunk("someone-elses-object/3"), std::nullopt);
}

TEST(RadosNames, CookiesCarryTheGateway) {
  const std::string c = MakeCookie("host-a:/var/lib/volumed", 0xabc);
  EXPECT_EQ(c, "host-a:/var/lib/volumed/0000000000000abc");
  EXPECT_EQ(GatewayOfCookie(c), "host-a:/var/lib/volumed");
  EXPECT_EQ(GatewayOfCookie("no-slash"), "");
}

TEST(RadosErrors, EveryErrnoBecomesAStatusThatNamesIt) {
  EXPECT_TRUE(RadosError(-ENOENT, "read", "o").IsNotFound());
  for (int e : {EIO, EBUSY, ECANCELED, ESHUTDOWN, ENOSPC, EDQUOT, EFBIG, EPERM, ETIMEDOUT, 9999}) {
    leveldb::Status s = RadosError(-e, "append", "f.1.2.x/0");
    EXPECT_TRUE(s.IsIOError()) << e;
    EXPECT_NE(s.ToString().find("append f.1.2.x/0"), std::string::npos) << s.ToString();
  }
  EXPECT_NE(RadosError(-ENOSPC, "append", "o").ToString().find("No space left"), std::string::npos);
  EXPECT_NE(RadosError(-ESHUTDOWN, "append", "o").ToString().find("fenced"), std::string::npos);
  EXPECT_EQ(Classify(0), RadosOutcome::kOk);
  EXPECT_EQ(Classify(-ECANCELED), RadosOutcome::kCanceled);
}

// Losing a directory (blocklisted, or a lapsed lease) runs the process's handler before the
// error is returned; no other error does.
TEST(RadosErrors, OwnershipLossRunsTheHandlerFirst) {
  std::vector<std::string> told;
  SetOwnershipLostHandler([&told](const std::string& why) { told.push_back(why); });
  for (int e : {EIO, EBUSY, ENOENT, ENOSPC, ETIMEDOUT}) (void)RadosError(-e, "append", "o");
  EXPECT_TRUE(told.empty());
  EXPECT_TRUE(RadosError(-ESHUTDOWN, "append", "f/0").IsIOError());
  ASSERT_EQ(told.size(), 1u);
  EXPECT_NE(told[0].find("append f/0"), std::string::npos) << told[0];
  EXPECT_NE(told[0].find("fenced"), std::string::npos) << told[0];
  leveldb::Status lapsed = LeaseLapsed("namespace 'v'");
  EXPECT_TRUE(lapsed.IsIOError());
  EXPECT_NE(lapsed.ToString().find("lease lapsed"), std::string::npos) << lapsed.ToString();
  ASSERT_EQ(told.size(), 2u);
  EXPECT_NE(told[1].find("namespace 'v'"), std::string::npos) << told[1];
  SetOwnershipLostHandler(nullptr);
  (void)RadosError(-ESHUTDOWN, "append", "o");
  EXPECT_EQ(told.size(), 2u);
}

}  // namespace
}  // namespace volumed::storage::rados
