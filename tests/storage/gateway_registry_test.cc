// Gateways sharing one RADOS store (storage/gateway_registry.h, README "Scaling out"),
// against a live cluster (tests/support/with_ceph.sh sets CEPH_CONF, CEPH_POOL and
// CEPH_USER): two catalogs under two gateway ids in one namespace prefix see one catalog;
// new volumes go to the least-loaded live gateway; only the owner opens a volume (the
// other answers kElsewhere naming it); a gateway whose membership lease is gone is
// adopted — its volumes become the survivor's, which then opens them — and a live one is
// not; a move hands a volume over.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "storage/catalog.h"
#include "storage/kv.h"
#include "storage/rados/rados_store.h"

namespace volumed::storage {
namespace {

const char* Env(const char* name) { return std::getenv(name); }

// One gateway: its store connection, its catalog and its membership (the database whose
// lease is the gateway's; the NSM store in the server).
struct Gateway {
  std::unique_ptr<StoreEnv> store;
  std::unique_ptr<VolumeCatalog> catalog;
  std::unique_ptr<KvFactory> factory;
  std::unique_ptr<Kv> membership;

  void Leave() {
    membership.reset();
    catalog.reset();
  }
};

class GatewayRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("CEPH_CONF") == nullptr || Env("CEPH_POOL") == nullptr) {
      GTEST_SKIP() << "no Ceph cluster: run through tests/support/with_ceph.sh";
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("gwtest-") + info->name() + "-" + std::to_string(getpid());
  }

  // Gateway `id` with data directory `dir` (different per gateway, as on two machines).
  Gateway Start(const std::string& id, const std::string& dir, bool member = true) {
    Gateway g;
    rados::RadosStoreOptions ro;
    ro.conf_path = Env("CEPH_CONF");
    ro.pool = Env("CEPH_POOL");
    if (Env("CEPH_USER") != nullptr) ro.user = Env("CEPH_USER");
    ro.namespace_prefix = prefix_;
    ro.root = dir;
    ro.gateway_id = id;
    ro.lease_seconds = 5;
    auto store = rados::ConnectRadosStore(ro);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return g;
    g.store = std::move(*store);
    StoreOptions so;
    so.data_dir = dir;
    so.store = g.store.get();
    so.block_size = 4096;
    so.block_cache_bytes = 1 << 20;
    auto catalog = VolumeCatalog::Open(so);
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    if (!catalog.ok()) return g;
    g.catalog = std::move(*catalog);
    if (member) {
      g.factory = std::make_unique<KvFactory>(g.store->env(), KvTuning{}, 1 << 20);
      const std::string membership = g.catalog->MembershipDir();
      EXPECT_TRUE(g.factory->CreateDir(dir + "/gateway").ok());
      EXPECT_TRUE(g.factory->CreateDir(dir + "/gateway/" + id).ok());
      auto kv = g.factory->Open(membership);
      EXPECT_TRUE(kv.ok()) << kv.status().ToString();
      if (kv.ok()) g.membership = std::move(*kv);
    }
    EXPECT_TRUE(g.catalog->PublishGateway("10.0.0." + id.substr(2), {}).ok());
    return g;
  }

  static VolumeInfo Create(VolumeCatalog* catalog, const std::string& name) {
    CreateVolumeRequest req;
    req.name = name;
    auto info = catalog->Create(req);
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? *info : VolumeInfo{};
  }

  std::string prefix_;
};

TEST_F(GatewayRegistryTest, TwoGatewaysShareOneCatalogAndSpreadVolumes) {
  Gateway a = Start("gw1", "/gw-a");
  Gateway b = Start("gw2", "/gw-b");
  ASSERT_NE(a.catalog, nullptr);
  ASSERT_NE(b.catalog, nullptr);
  auto gateways = a.catalog->Gateways();
  ASSERT_TRUE(gateways.ok()) << gateways.status().ToString();
  ASSERT_EQ(gateways->size(), 2u);
  EXPECT_EQ((*gateways)[0].id, "gw1");
  EXPECT_TRUE((*gateways)[0].self);
  EXPECT_TRUE((*gateways)[0].live);
  EXPECT_EQ((*gateways)[0].address, "10.0.0.1");
  EXPECT_EQ((*gateways)[1].id, "gw2");
  EXPECT_FALSE((*gateways)[1].self);
  EXPECT_TRUE((*gateways)[1].live);

  // Both at 0 volumes: the smaller id; then the other, which has fewer.
  const VolumeInfo v1 = Create(a.catalog.get(), "v1");
  EXPECT_EQ(v1.owner, "gw1");
  EXPECT_EQ(Create(a.catalog.get(), "v2").owner, "gw2");
  EXPECT_EQ(Create(b.catalog.get(), "v3").owner, "gw1");

  auto listed = b.catalog->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].owner, "gw1");
  EXPECT_EQ((*listed)[1].owner, "gw2");

  EXPECT_TRUE(a.catalog->OpenByName("v1").ok());
  auto refused = b.catalog->OpenByName("v1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kElsewhere);
  EXPECT_NE(refused.status().message().find("gw1 at 10.0.0.1"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(b.catalog->OpenByName("v2").ok());
  // What an NFS call asks (its calls are forwarded to the owner).
  EXPECT_TRUE(a.catalog->Serve(v1.id).ok());
  EXPECT_EQ(b.catalog->Serve(v1.id).status().code(), Status::Code::kElsewhere);
  // Changes go through the owner too.
  EXPECT_EQ(b.catalog->Delete("v1").code(), Status::Code::kElsewhere);
  gateways = b.catalog->Gateways();
  ASSERT_TRUE(gateways.ok());
  EXPECT_EQ((*gateways)[0].volumes, 2u);
  EXPECT_EQ((*gateways)[1].volumes, 1u);
}

TEST_F(GatewayRegistryTest, ADeadGatewaysVolumesAreAdoptedAndALiveOneIsNot) {
  Gateway a = Start("gw1", "/gw-a");
  Gateway b = Start("gw2", "/gw-b");
  ASSERT_NE(b.catalog, nullptr);
  Create(a.catalog.get(), "v1");
  const VolumeInfo v2 = Create(a.catalog.get(), "v2");
  ASSERT_EQ(v2.owner, "gw2");
  ASSERT_TRUE(b.catalog->PublishGateway("10.0.0.2", {"10.0.0.2"}).ok());
  {
    auto v = b.catalog->OpenByName("v2");
    ASSERT_TRUE(v.ok());
    const Credentials root{0, 0, {}};
    auto f = (*v)->Create(root, (*v)->Root(), "kept", CreateMode::kGuarded, {}, 0, nullptr);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*v)->Write(root, f->ref, 0, "data", Stability::kFileSync, nullptr).ok());
  }
  auto not_yet = a.catalog->AdoptGateway("gw2");
  ASSERT_TRUE(not_yet.ok()) << not_yet.status().ToString();
  EXPECT_FALSE(not_yet->has_value()) << "gw2 is live";

  b.Leave();  // its volumes close and its membership lease goes
  auto adopted = a.catalog->AdoptGateway("gw2");
  ASSERT_TRUE(adopted.ok()) << adopted.status().ToString();
  ASSERT_TRUE(adopted->has_value());
  EXPECT_EQ((*adopted)->gateway, "gw2");
  EXPECT_EQ((*adopted)->address, "10.0.0.2");
  EXPECT_EQ((*adopted)->addresses, std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ((*adopted)->volumes, std::vector<uint64_t>{v2.id});
  auto again = a.catalog->AdoptGateway("gw2");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value()) << "nothing left to adopt";

  auto v = a.catalog->OpenByName("v2");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const Credentials root{0, 0, {}};
  EXPECT_TRUE((*v)->Lookup(root, (*v)->Root(), "kept", nullptr).ok());
  auto gateways = a.catalog->Gateways();
  ASSERT_TRUE(gateways.ok());
  EXPECT_EQ((*gateways)[0].volumes, 2u);
  EXPECT_EQ((*gateways)[0].held, std::vector<std::string>{"10.0.0.2"});
  EXPECT_FALSE((*gateways)[1].live);
  EXPECT_TRUE((*gateways)[1].held.empty());
}

TEST_F(GatewayRegistryTest, MoveHandsAVolumeToAnotherLiveGateway) {
  Gateway a = Start("gw1", "/gw-a");
  Gateway b = Start("gw2", "/gw-b");
  ASSERT_NE(b.catalog, nullptr);
  const VolumeInfo v1 = Create(a.catalog.get(), "v1");
  EXPECT_TRUE(a.catalog->OpenByName("v1").ok());
  EXPECT_EQ(b.catalog->Serve(v1.id).status().code(), Status::Code::kElsewhere);
  EXPECT_EQ(a.catalog->Move("v1", "gw3").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(b.catalog->Move("v1", "gw2").code(), Status::Code::kElsewhere);
  ASSERT_TRUE(a.catalog->Move("v1", "gw2").ok());
  EXPECT_EQ(a.catalog->OpenByName("v1").status().code(), Status::Code::kElsewhere);
  {
    auto v = b.catalog->OpenByName("v1");
    EXPECT_TRUE(v.ok()) << v.status().ToString();
  }
  auto info = a.catalog->Describe("v1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->owner, "gw2");
  // NFS calls follow the owner at once, both ways: b, refused before, serves it now.
  EXPECT_EQ(a.catalog->Serve(v1.id).status().code(), Status::Code::kElsewhere);
  EXPECT_TRUE(b.catalog->Serve(v1.id).ok());
  ASSERT_TRUE(b.catalog->Move("v1", "gw1").ok());
  EXPECT_TRUE(a.catalog->Serve(v1.id).ok());
  EXPECT_EQ(b.catalog->Serve(v1.id).status().code(), Status::Code::kElsewhere);
}

}  // namespace
}  // namespace volumed::storage
