// Export policies and quotas enforced by a live volumed: the volumes are created with
// their policies in the data directory (through VolumeCatalog) before the server starts.
//   ro      read-only               → NFS3ERR_ROFS for mutations, reads work
//   denied  clients 10.0.0.0/8 only → MNT3ERR_ACCES, and NFS3ERR_ACCES for a handle
//                                      obtained elsewhere, on every request
//   quota   1 MiB, 3 files          → NFS3ERR_DQUOT
//   anon    all squash to 4242:4343 → files created belong to 4242
// With VOLUMED_TEST_STORE=rados the catalog is prepared in the server's RADOS namespaces.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "nfs3_fixture.h"
#include "storage/catalog.h"
#include "storage/rados/rados_store.h"
#include "support/temp_dir.h"

namespace volumed::testing {
namespace {

struct VolumeHandle {
  uint64_t id = 0;
  uint64_t epoch = 0;
  storage::InodeRef root;
  // nfs3/file_handle.h's layout, written out here (this binary speaks libnfs's types).
  Fh Encode() const {
    std::vector<char> b(32, 0);
    b[0] = 1;
    auto put = [&](size_t at, uint64_t v, int n) {
      for (int i = n - 1; i >= 0; --i, v >>= 8) b[at + i] = static_cast<char>(v & 0xff);
    };
    put(4, id, 8);
    put(12, epoch, 8);
    put(20, root.ino, 8);
    put(28, root.generation, 4);
    return {b};
  }
};

class Nfs3Policy : public Nfs3Fixture {
 public:
  static void SetUpTestSuite() {
    root_dir_ = std::make_unique<TempDir>("volumed-policy");
    std::unique_ptr<storage::StoreEnv> rados;  // outlives the catalog below
    {
      storage::StoreOptions store;
      store.data_dir = *root_dir_ / "data";
      std::filesystem::create_directories(store.data_dir);
      if (TestStoreIsRados()) {
        storage::rados::RadosStoreOptions r;
        r.conf_path = std::getenv("CEPH_CONF");
        r.pool = std::getenv("CEPH_POOL");
        r.user = TestStoreUser();
        r.root = store.data_dir;
        r.namespace_prefix = TestStoreNamespace(store.data_dir);
        auto env = storage::rados::ConnectRadosStore(r);
        ASSERT_TRUE(env.ok()) << env.status().ToString();
        rados = std::move(*env);
        store.store = rados.get();
      }
      auto catalog = storage::VolumeCatalog::Open(store);
      ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
      auto create = [&](const char* name, auto edit) {
        storage::CreateVolumeRequest req;
        req.name = name;
        edit(req);
        auto info = (*catalog)->Create(req);
        ASSERT_TRUE(info.ok()) << info.status().ToString();
      };
      create("default", [](storage::CreateVolumeRequest&) {});
      create("ro", [](storage::CreateVolumeRequest& r) { r.policy.read_only = true; });
      create("denied",
             [](storage::CreateVolumeRequest& r) { r.policy.allowed_cidrs = {"10.0.0.0/8"}; });
      create("quota", [](storage::CreateVolumeRequest& r) {
        r.quota.max_bytes = 1 << 20;
        r.quota.max_files = 3;
      });
      create("anon", [](storage::CreateVolumeRequest& r) {
        r.policy.squash = storage::Squash::kAll;
        r.policy.anon_uid = 4242;
        r.policy.anon_gid = 4343;
      });
      auto denied = (*catalog)->Describe("denied");
      ASSERT_TRUE(denied.ok());
      auto volume = (*catalog)->OpenByName("denied");
      ASSERT_TRUE(volume.ok());
      denied_ = {denied->id, denied->epoch, (*volume)->Root()};
    }
    ServerProcessOptions options;
    options.data_dir = *root_dir_ / "data";
    auto server = ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
  }
  static void TearDownTestSuite() {
    Nfs3Fixture::TearDownTestSuite();  // stops the server first
    root_dir_.reset();
  }

 protected:
  static inline std::unique_ptr<TempDir> root_dir_;
  static inline VolumeHandle denied_;
};

TEST_F(Nfs3Policy, ReadOnlyVolume) {
  Fh ro;
  ASSERT_EQ(Mount("/ro", &ro), MNT3_OK);
  CREATE3args c{};
  c.where = Where(ro, "x");
  c.how.mode = UNCHECKED;
  EXPECT_EQ(Call<CREATE3res>(rpc_nfs3_create_async, c,
                             [](CREATE3res& r) {
                               EXPECT_TRUE(r.CREATE3res_u.resfail.dir_wcc.after.attributes_follow);
                             }),
            NFS3ERR_ROFS);
  MKDIR3args m{};
  m.where = Where(ro, "d");
  EXPECT_EQ(Call<MKDIR3res>(rpc_nfs3_mkdir_async, m), NFS3ERR_ROFS);
  SETATTR3args s{};
  s.object = ro.wire();
  s.new_attributes.mode.set_it = 1;
  s.new_attributes.mode.set_mode3_u.mode = 0700;
  EXPECT_EQ(Call<SETATTR3res>(rpc_nfs3_setattr_async, s), NFS3ERR_ROFS);
  ACCESS3args a{};
  a.object = ro.wire();
  a.access = ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND;
  EXPECT_EQ(Call<ACCESS3res>(rpc_nfs3_access_async, a,
                             [](ACCESS3res& r) {
                               EXPECT_EQ(r.ACCESS3res_u.resok.access, uint32_t{ACCESS3_READ});
                             }),
            NFS3_OK);
}

TEST_F(Nfs3Policy, DeniedAddressAtMountAndOnEveryRequest) {
  Fh fh;
  EXPECT_EQ(Mount("/denied", &fh), MNT3ERR_ACCES);
  Fh forged = denied_.Encode();
  GETATTR3args g{};
  g.object = forged.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, g), NFS3ERR_ACCES);
  READDIR3args r{};
  r.dir = forged.wire();
  r.count = 4096;
  EXPECT_EQ(Call<READDIR3res>(rpc_nfs3_readdir_async, r), NFS3ERR_ACCES);
  // The same layout with a wrong epoch is STALE: the forged handle was well-formed.
  VolumeHandle old = denied_;
  old.epoch += 1;
  Fh stale = old.Encode();
  g.object = stale.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, g), NFS3ERR_STALE);
}

TEST_F(Nfs3Policy, QuotaIsDquot) {
  Fh q;
  ASSERT_EQ(Mount("/quota", &q), MNT3_OK);
  Connect(0, 0);  // root squashed to nobody; the root directory is 0777
  ASSERT_EQ(Mount("/quota", &q), MNT3_OK);
  Fh f = CreateOk(q, "big");
  std::string data(700 << 10, 'q');
  WRITE3args w{};
  w.file = f.wire();
  w.count = static_cast<count3>(data.size());
  w.stable = FILE_SYNC;
  w.data.data_len = w.count;
  w.data.data_val = data.data();
  EXPECT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w), NFS3_OK);
  w.offset = 2 << 20;
  EXPECT_EQ(Call<WRITE3res>(rpc_nfs3_write_async, w), NFS3ERR_DQUOT);
  FSSTAT3args s{};
  s.fsroot = q.wire();
  EXPECT_EQ(Call<FSSTAT3res>(rpc_nfs3_fsstat_async, s,
                             [](FSSTAT3res& r) {
                               EXPECT_EQ(r.FSSTAT3res_u.resok.tbytes, 1u << 20);
                               EXPECT_LT(r.FSSTAT3res_u.resok.abytes, 400u << 10);
                             }),
            NFS3_OK);
  CreateOk(q, "two");
  CREATE3args c{};
  c.where = Where(q, "three");
  c.how.mode = UNCHECKED;
  nfsstat3 third = Call<CREATE3res>(rpc_nfs3_create_async, c);
  c.where = Where(q, "four");
  nfsstat3 fourth = Call<CREATE3res>(rpc_nfs3_create_async, c);
  // The root directory may or may not count as one of the 3 files; one of these fails.
  EXPECT_TRUE(third == NFS3ERR_DQUOT || fourth == NFS3ERR_DQUOT) << third << " " << fourth;
}

TEST_F(Nfs3Policy, AllSquash) {
  Fh anon;
  ASSERT_EQ(Mount("/anon", &anon), MNT3_OK);
  Fh f = CreateOk(anon, "whose");
  GETATTR3args g{};
  g.object = f.wire();
  EXPECT_EQ(Call<GETATTR3res>(rpc_nfs3_getattr_async, g,
                              [](GETATTR3res& r) {
                                EXPECT_EQ(r.GETATTR3res_u.resok.obj_attributes.uid, 4242u);
                                EXPECT_EQ(r.GETATTR3res_u.resok.obj_attributes.gid, 4343u);
                              }),
            NFS3_OK);
}

}  // namespace
}  // namespace volumed::testing
