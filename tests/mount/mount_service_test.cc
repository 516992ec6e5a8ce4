// MOUNT v3 procedures through the procedure table, over FakeCatalog.
#include "mount/mount_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "../nfs3/fake_catalog.h"
#include "mount3_prot.h"
#include "nfs3/file_handle.h"

namespace volumed::mount {
namespace {

class MountServiceTest : public ::testing::Test {
 protected:
  MountServiceTest() : service_(catalog_) {
    auto& sin = reinterpret_cast<sockaddr_in&>(ctx_.peer);
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    ctx_.cred.flavor = AUTH_SYS;
    ctx_.cred.uid = 0;
  }

  const rpc::Procedure& Proc(uint32_t number) {
    for (const rpc::Procedure& p : MountProcedures()) {
      if (p.number == number) return p;
    }
    ADD_FAILURE() << "no procedure " << number;
    return MountProcedures()[0];
  }

  mountstat3 Mnt(const char* path, nfs3::FileHandle* fh = nullptr) {
    mnt3_dirpath arg = const_cast<char*>(path);
    mountres3 res{};
    EXPECT_EQ(Proc(MOUNTPROC3_MNT).handler(&service_, ctx_, &arg, &res), rpc::Outcome::kReply);
    mountstat3 st = res.fhs_status;
    if (st == MNT3_OK) {
      const mnt3_mountres_ok& ok = res.mountres3_u.mountinfo;
      EXPECT_EQ(ok.auth_flavors.auth_flavors_len, 1u);
      EXPECT_EQ(ok.auth_flavors.auth_flavors_val[0], AUTH_SYS);
      auto decoded =
          nfs3::DecodeFileHandle({reinterpret_cast<const uint8_t*>(ok.fhandle.mnt3_fhandle_val),
                                  ok.fhandle.mnt3_fhandle_len});
      EXPECT_TRUE(decoded.ok());
      if (fh != nullptr && decoded.ok()) *fh = *decoded;
    }
    xdr_free(reinterpret_cast<xdrproc_t>(xdr_mountres3), reinterpret_cast<char*>(&res));
    return st;
  }

  testing::FakeCatalog catalog_;
  MountService service_;
  rpc::CallContext ctx_;
};

TEST_F(MountServiceTest, MntAnswersRootHandle) {
  nfs3::FileHandle fh;
  ASSERT_EQ(Mnt("/vol", &fh), MNT3_OK);
  EXPECT_EQ(fh.volume_id, catalog_.info.id);
  EXPECT_EQ(fh.volume_epoch, catalog_.info.epoch);
  EXPECT_EQ(fh.inode, catalog_.volume->Root());
  EXPECT_EQ(Mnt("/vol/"), MNT3_OK);
}

TEST_F(MountServiceTest, MntErrors) {
  EXPECT_EQ(Mnt("/nope"), MNT3ERR_NOENT);
  EXPECT_EQ(Mnt("vol"), MNT3ERR_NOENT);
  EXPECT_EQ(Mnt("/"), MNT3ERR_NOENT);
  EXPECT_EQ(Mnt("/vol/missing"), MNT3ERR_NOENT);
  catalog_.info.policy.allowed_cidrs = {"192.168.0.0/16"};
  EXPECT_EQ(Mnt("/vol"), MNT3ERR_ACCES);
}

TEST_F(MountServiceTest, MntOfSubdirectory) {
  storage::Credentials root;
  root.uid = 0;
  storage::Wcc wcc;
  auto dir = catalog_.volume->Mkdir(root, catalog_.volume->Root(), "sub", {}, &wcc);
  ASSERT_TRUE(dir.ok());
  nfs3::FileHandle fh;
  ASSERT_EQ(Mnt("/vol/sub", &fh), MNT3_OK);
  EXPECT_EQ(fh.inode, dir->ref);
  auto file =
      catalog_.volume->Create(root, dir->ref, "f", storage::CreateMode::kGuarded, {}, 0, &wcc);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Mnt("/vol/sub/f"), MNT3ERR_NOTDIR);
}

TEST_F(MountServiceTest, DumpUmntUmntall) {
  ASSERT_EQ(Mnt("/vol"), MNT3_OK);
  ASSERT_EQ(Mnt("/vol"), MNT3_OK);  // a set: mounted once
  ASSERT_EQ(service_.Mounts().size(), 1u);

  mnt3_mountlist list = nullptr;
  Proc(MOUNTPROC3_DUMP).handler(&service_, ctx_, nullptr, &list);
  ASSERT_NE(list, nullptr);
  EXPECT_STREQ(list->ml_hostname, "127.0.0.1");
  EXPECT_STREQ(list->ml_directory, "/vol");
  EXPECT_EQ(list->ml_next, nullptr);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_mnt3_mountlist), reinterpret_cast<char*>(&list));

  mnt3_dirpath path = const_cast<char*>("/vol");
  Proc(MOUNTPROC3_UMNT).handler(&service_, ctx_, &path, nullptr);
  EXPECT_TRUE(service_.Mounts().empty());
  ASSERT_EQ(Mnt("/vol"), MNT3_OK);
  Proc(MOUNTPROC3_UMNTALL).handler(&service_, ctx_, nullptr, nullptr);
  EXPECT_TRUE(service_.Mounts().empty());
}

TEST_F(MountServiceTest, ExportListsVolumesWithClients) {
  catalog_.info.policy.allowed_cidrs = {"10.0.0.0/8", "127.0.0.1"};
  mnt3_exports list = nullptr;
  Proc(MOUNTPROC3_EXPORT).handler(&service_, ctx_, nullptr, &list);
  ASSERT_NE(list, nullptr);
  EXPECT_STREQ(list->ex_dir, "/vol");
  ASSERT_NE(list->ex_groups, nullptr);
  EXPECT_STREQ(list->ex_groups->gr_name, "10.0.0.0/8");
  ASSERT_NE(list->ex_groups->gr_next, nullptr);
  EXPECT_STREQ(list->ex_groups->gr_next->gr_name, "127.0.0.1");
  EXPECT_EQ(list->ex_next, nullptr);
  xdr_free(reinterpret_cast<xdrproc_t>(xdr_mnt3_exports), reinterpret_cast<char*>(&list));
}

TEST_F(MountServiceTest, VersionOneMntAnswersFixedHandle) {
  const rpc::Procedure* mnt = nullptr;
  for (const rpc::Procedure& p : MountProceduresV1()) {
    if (p.number == MOUNTPROC1_MNT) mnt = &p;
  }
  ASSERT_NE(mnt, nullptr);
  mnt3_dirpath arg = const_cast<char*>("/vol");
  mnt1_fhstatus res{};
  mnt->handler(&service_, ctx_, &arg, &res);
  ASSERT_EQ(res.fhs_status, 0u);
  auto fh = nfs3::DecodeFileHandle(
      {reinterpret_cast<const uint8_t*>(res.mnt1_fhstatus_u.fhs_fhandle), MNT1_FHSIZE});
  ASSERT_TRUE(fh.ok());
  EXPECT_EQ(fh->inode, catalog_.volume->Root());
  arg = const_cast<char*>("/none");
  mnt1_fhstatus missing{};
  mnt->handler(&service_, ctx_, &arg, &missing);
  EXPECT_EQ(missing.fhs_status, 2u);  // ENOENT
  EXPECT_EQ(service_.ProgramV1().vers, 1u);
}

}  // namespace
}  // namespace volumed::mount
