// The admin program's hooks into the real NLM LockManager: lock counts and listings per
// volume, breaking one holder's (or every) lock, and dropping a deleted volume's locks.
#include "admin/server_hooks.h"

#include <gtest/gtest.h>

namespace volumed::admin {
namespace {

nlm::LockRequest Req(const std::string& host, int32_t svid, uint64_t off, uint64_t len,
                     nlm::LockMode mode) {
  nlm::LockRequest r;
  r.owner.host = host;
  r.owner.svid = svid;
  r.owner.handle = host + std::to_string(svid);
  r.range = nlm::ByteRange::FromOffsetLength(off, len);
  r.mode = mode;
  return r;
}

class ServerHooksTest : public ::testing::Test {
 protected:
  void Lock(uint64_t volume, uint64_t inode, const nlm::LockRequest& r) {
    ASSERT_EQ(locks_.Lock({volume, inode}, r, false, nullptr).outcome, nlm::LockOutcome::kGranted);
  }
  nlm::LockManager locks_;
  AdminHooks hooks_ = MakeServerHooks(nullptr, &locks_, nullptr);
};

TEST_F(ServerHooksTest, ListsAndCountsOneVolumesLocks) {
  Lock(1, 10, Req("hostA", 7, 0, 100, nlm::LockMode::kExclusive));
  Lock(1, 11, Req("hostB", 8, 50, 0, nlm::LockMode::kShared));
  Lock(2, 10, Req("hostA", 7, 0, 1, nlm::LockMode::kShared));  // another volume

  auto all = hooks_.list_locks(1, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 2u);
  ASSERT_EQ(all->locks.size(), 2u);
  EXPECT_EQ(all->locks[0].holder, "hostA");
  EXPECT_EQ(all->locks[0].svid, 7u);
  EXPECT_EQ(all->locks[0].fileid, 10u);
  EXPECT_EQ(all->locks[0].offset, 0u);
  EXPECT_EQ(all->locks[0].length, 100u);
  EXPECT_TRUE(all->locks[0].exclusive);
  EXPECT_EQ(all->locks[1].length, 0u);  // to end of file
  EXPECT_FALSE(all->locks[1].exclusive);

  auto counted = hooks_.list_locks(1, 0);  // INFO asks for the count only
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->total, 2u);
  EXPECT_TRUE(counted->locks.empty());
}

TEST_F(ServerHooksTest, BreaksOneHolderOrEveryone) {
  Lock(1, 10, Req("hostA", 7, 0, 100, nlm::LockMode::kExclusive));
  Lock(1, 11, Req("hostB", 8, 0, 100, nlm::LockMode::kExclusive));
  Lock(2, 10, Req("hostA", 7, 0, 100, nlm::LockMode::kExclusive));
  auto n = hooks_.break_locks(1, "hostA");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(hooks_.list_locks(1, 10)->total, 1u);
  EXPECT_EQ(hooks_.list_locks(2, 10)->total, 1u);  // hostA keeps its lock elsewhere
  n = hooks_.break_locks(1, "");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(hooks_.list_locks(1, 10)->total, 0u);
}

TEST_F(ServerHooksTest, ADeletedVolumeLosesItsLocks) {
  Lock(3, 10, Req("hostA", 7, 0, 100, nlm::LockMode::kExclusive));
  Lock(4, 10, Req("hostA", 7, 0, 100, nlm::LockMode::kExclusive));
  hooks_.volume_deleted(3, "gone");
  EXPECT_EQ(hooks_.list_locks(3, 10)->total, 0u);
  EXPECT_EQ(hooks_.list_locks(4, 10)->total, 1u);
  // The lock is really gone: another holder gets the same range now.
  Lock(3, 10, Req("hostB", 9, 0, 100, nlm::LockMode::kExclusive));
}

TEST_F(ServerHooksTest, UnwiredServicesLeaveTheirHooksUnset) {
  const AdminHooks none = MakeServerHooks(nullptr, nullptr, nullptr);
  EXPECT_FALSE(none.list_locks);
  EXPECT_FALSE(none.break_locks);
  EXPECT_FALSE(none.volume_deleted);
  EXPECT_FALSE(none.mounts_of);
  EXPECT_FALSE(none.fsck);
}

}  // namespace
}  // namespace volumed::admin
