// Shared fixture of the NFSv3 protocol tests: one live volumed per test suite (started
// with volumes "default" and "other"), a MOUNT client, an NFS client acting as uid/gid
// 1000, the root handle of /default, and one fresh directory per test.
//
// Thread-safety: one test thread.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "raw_client.h"
#include "support/server_process.h"

namespace volumed::testing {

class Nfs3Fixture : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    ServerProcessOptions options;
    options.extra_args = {"--volume", "default", "--volume", "other"};
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

 protected:
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    Connect();
    dir_ = MkdirOk(root_, ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  void Connect(uint32_t uid = 1000, uint32_t gid = 1000) {
    mnt_ = RawClient::Connect(server_->mount_port(), MOUNT_PROGRAM, MOUNT_V3, uid, gid);
    ASSERT_NE(mnt_, nullptr);
    nfs_ = RawClient::Connect(server_->nfs_port(), NFS_PROGRAM, NFS_V3, uid, gid);
    ASSERT_NE(nfs_, nullptr);
    ASSERT_EQ(Mount("/default", &root_), MNT3_OK);
  }

  mountstat3 Mount(const char* path, Fh* out) {
    mountstat3 st = static_cast<mountstat3>(-1);
    bool ok = mnt_->Call<mountres3>(
        [&](rpc_context* rpc, rpc_cb cb, void* p) {
          return rpc_mount3_mnt_async(rpc, cb, const_cast<char*>(path), p);
        },
        [&](mountres3* r) {
          st = r->fhs_status;
          if (st == MNT3_OK && out != nullptr) {
            const auto& fh = r->mountres3_u.mountinfo.fhandle;
            out->bytes.assign(fh.fhandle3_val, fh.fhandle3_val + fh.fhandle3_len);
          }
        });
    EXPECT_TRUE(ok) << mnt_->last_error;
    return st;
  }

  // One NFS call: returns the reply's status and lets `on` read the reply.
  template <typename Res, typename Args>
  nfsstat3 Call(int (*fn)(rpc_context*, rpc_cb, Args*, void*), Args args,
                const std::function<void(Res&)>& on = nullptr) {
    nfsstat3 st = static_cast<nfsstat3>(-1);
    bool ok =
        nfs_->Call<Res>([&](rpc_context* rpc, rpc_cb cb, void* p) { return fn(rpc, cb, &args, p); },
                        [&](Res* r) {
                          st = r->status;
                          if (on) on(*r);
                        });
    EXPECT_TRUE(ok) << nfs_->last_error;
    return st;
  }

  diropargs3 Where(Fh& dir, const std::string& name) {
    names_.push_back(name);
    diropargs3 d{};
    d.dir = dir.wire();
    d.name = names_.back().data();
    return d;
  }

  Fh MkdirOk(Fh& dir, const std::string& name, uint32_t mode = 0755) {
    MKDIR3args a{};
    a.where = Where(dir, name);
    a.attributes.mode.set_it = 1;
    a.attributes.mode.set_mode3_u.mode = mode;
    Fh out;
    EXPECT_EQ(Call<MKDIR3res>(rpc_nfs3_mkdir_async, a,
                              [&](MKDIR3res& r) {
                                out = Fh::From(r.MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
                              }),
              NFS3_OK)
        << name;
    return out;
  }

  Fh CreateOk(Fh& dir, const std::string& name, uint32_t mode = 0644) {
    CREATE3args a{};
    a.where = Where(dir, name);
    a.how.mode = GUARDED;
    a.how.createhow3_u.obj_attributes.mode.set_it = 1;
    a.how.createhow3_u.obj_attributes.mode.set_mode3_u.mode = mode;
    Fh out;
    EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, a,
                               [&](CREATE3res& r) {
                                 out = Fh::From(r.CREATE3res_u.resok.obj.post_op_fh3_u.handle);
                               }),
              NFS3_OK)
        << name;
    return out;
  }

  static inline ServerProcess* server_ = nullptr;
  std::unique_ptr<RawClient> mnt_;
  std::unique_ptr<RawClient> nfs_;
  Fh root_;
  Fh dir_;
  std::deque<std::string> names_;
};

}  // namespace volumed::testing
