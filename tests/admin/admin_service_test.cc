// The admin program's procedures over a fake catalog, each driven through XDR as the
// engine drives it: success and failure of every procedure, with the message a user sees.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "admin/admin_program.h"
#include "admin/admin_service.h"
#include "admin_prot.h"
#include "fake_catalog.h"
#include "rpc/procedure_table.h"
#include "wire_harness.h"

namespace volumed::admin {
namespace {

using testing::CallThroughWire;
using testing::FakeCatalog;
using testing::LocalRoot;

constexpr int64_t kSecond = 1'000'000'000;

using rpc::XdrProc;

class AdminServiceTest : public ::testing::Test {
 protected:
  AdminServiceTest() { Rebuild({}, {}); }

  void Rebuild(AdminAccess access, AdminHooks hooks) {
    service_ = std::make_unique<AdminService>(&catalog_, AdminAuthorizer(std::move(access)),
                                              std::move(hooks), [this] { return now_.load(); });
    program_ = AdminProgramVersion(service_.get());
  }

  adm_create_args CreateArgs(const char* name) {
    adm_create_args a{};
    a.name = const_cast<char*>(name);
    a.kind = ADM_KIND_PERSISTED;
    a.policy.squash = ADM_SQUASH_ROOT;
    a.policy.anon_uid = 65534;
    a.policy.anon_gid = 65534;
    return a;
  }

  // Runs CREATE; returns the status and, on failure, the message.
  std::pair<adm_status, std::string> Create(adm_create_args args,
                                            const rpc::CallContext& ctx = LocalRoot()) {
    adm_info_res res{};
    CallThroughWire(program_, ADMPROC_CREATE, ctx, &args, &res);
    std::pair<adm_status, std::string> out{res.status, ""};
    if (res.status != ADM_OK) out.second = res.adm_info_res_u.failure.message;
    xdr_free(XdrProc(xdr_adm_info_res), &res);
    return out;
  }

  adm_info_res Info(const char* name) {
    adm_name_args a{};
    a.name = const_cast<char*>(name);
    adm_info_res res{};
    CallThroughWire(program_, ADMPROC_INFO, LocalRoot(), &a, &res);
    return res;
  }

  std::atomic<int64_t> now_{1000 * kSecond};
  FakeCatalog catalog_{[this] { return now_.load(); }};
  std::unique_ptr<AdminService> service_;
  rpc::ProgramVersion program_{};
};

TEST_F(AdminServiceTest, ProgramIsOnTcpOnlyWithEveryProcedure) {
  EXPECT_EQ(program_.prog, 0x20766f6cu);
  EXPECT_EQ(program_.vers, 1u);
  EXPECT_TRUE(program_.tcp);
  EXPECT_FALSE(program_.udp);
  EXPECT_EQ(program_.procedures.size(), 17u);  // NULL .. MOVE
}

TEST_F(AdminServiceTest, CreatePersistedThenInfoShowsPolicyAndQuota) {
  adm_create_args a = CreateArgs("data");
  char cidr[] = "10.0.0.0/8";
  char* cidrs[] = {cidr};
  a.policy.allowed.allowed_len = 1;
  a.policy.allowed.allowed_val = cidrs;
  a.policy.read_only = TRUE;
  a.policy.squash = ADM_SQUASH_ALL;
  a.policy.anon_uid = 1000;
  a.quota.max_bytes = 1 << 20;
  a.quota.max_files = 10;
  ASSERT_EQ(Create(a).first, ADM_OK);

  adm_info_res res = Info("data");
  ASSERT_EQ(res.status, ADM_OK);
  const adm_volume& v = res.adm_info_res_u.info.volume;
  EXPECT_STREQ(v.name, "data");
  EXPECT_EQ(v.kind, ADM_KIND_PERSISTED);
  EXPECT_EQ(v.lease_expiry_ns, 0);
  EXPECT_EQ(v.created_ns, 1000 * kSecond);
  ASSERT_EQ(v.policy.allowed.allowed_len, 1u);
  EXPECT_STREQ(v.policy.allowed.allowed_val[0], "10.0.0.0/8");
  EXPECT_TRUE(v.policy.read_only);
  EXPECT_EQ(v.policy.squash, ADM_SQUASH_ALL);
  EXPECT_EQ(v.policy.anon_uid, 1000u);
  EXPECT_EQ(v.quota.max_bytes, 1u << 20);
  EXPECT_EQ(v.quota.max_files, 10u);
  // The fake keeps no contents and no hooks are wired: the reply says "unknown".
  EXPECT_FALSE(res.adm_info_res_u.info.usage_known);
  EXPECT_FALSE(res.adm_info_res_u.info.mounts_known);
  EXPECT_FALSE(res.adm_info_res_u.info.locks_known);
  xdr_free(XdrProc(xdr_adm_info_res), &res);
}

TEST_F(AdminServiceTest, CreateFailuresSayWhatIsWrong) {
  ASSERT_EQ(Create(CreateArgs("dup")).first, ADM_OK);
  auto dup = Create(CreateArgs("dup"));
  EXPECT_EQ(dup.first, ADM_ERR_EXIST);
  EXPECT_EQ(dup.second, "a volume named 'dup' already exists");

  for (const char* bad : {"", "a/b", ".hidden", "-x", "sp ace"}) {
    auto r = Create(CreateArgs(bad));
    EXPECT_EQ(r.first, ADM_ERR_INVAL) << bad;
    EXPECT_NE(r.second.find("is not a valid volume name"), std::string::npos) << r.second;
  }
  // (65 characters do not even encode: ADM_NAME_MAX bounds the wire; see VolumeName.Rule.)

  adm_create_args a = CreateArgs("cidr");
  char cidr[] = "10.0.0.0/33";
  char* cidrs[] = {cidr};
  a.policy.allowed.allowed_len = 1;
  a.policy.allowed.allowed_val = cidrs;
  auto r = Create(a);
  EXPECT_EQ(r.first, ADM_ERR_INVAL);
  EXPECT_NE(r.second.find("'10.0.0.0/33' is not a CIDR"), std::string::npos) << r.second;

  adm_create_args ttl = CreateArgs("ttl");
  ttl.ttl_ms = 5000;
  r = Create(ttl);
  EXPECT_EQ(r.first, ADM_ERR_INVAL);
  EXPECT_EQ(r.second, "a TTL applies only to ephemeral volumes");

  adm_create_args squash = CreateArgs("squash");
  squash.policy.squash = static_cast<adm_squash>(7);
  EXPECT_EQ(Create(squash).first, ADM_ERR_INVAL);

  adm_create_args too_long = CreateArgs("long");
  too_long.kind = ADM_KIND_EPHEMERAL;
  too_long.ttl_ms = uint64_t{400} * 24 * 3600 * 1000;
  EXPECT_EQ(Create(too_long).first, ADM_ERR_INVAL);
}

TEST_F(AdminServiceTest, EphemeralGetsDefaultOrGivenLease) {
  adm_create_args a = CreateArgs("eph");
  a.kind = ADM_KIND_EPHEMERAL;
  ASSERT_EQ(Create(a).first, ADM_OK);
  adm_info_res res = Info("eph");
  ASSERT_EQ(res.status, ADM_OK);
  EXPECT_EQ(res.adm_info_res_u.info.volume.kind, ADM_KIND_EPHEMERAL);
  EXPECT_EQ(res.adm_info_res_u.info.volume.lease_expiry_ns, now_ + 60 * kSecond);
  xdr_free(XdrProc(xdr_adm_info_res), &res);

  a = CreateArgs("eph2");
  a.kind = ADM_KIND_EPHEMERAL;
  a.ttl_ms = 2500;
  ASSERT_EQ(Create(a).first, ADM_OK);
  res = Info("eph2");
  EXPECT_EQ(res.adm_info_res_u.info.volume.lease_expiry_ns, now_ + int64_t{2500} * 1'000'000);
  xdr_free(XdrProc(xdr_adm_info_res), &res);
}

TEST_F(AdminServiceTest, ListIsSortedByName) {
  for (const char* n : {"zeta", "alpha", "mid"}) ASSERT_EQ(Create(CreateArgs(n)).first, ADM_OK);
  adm_list_args a{};
  adm_list_res res{};
  CallThroughWire(program_, ADMPROC_LIST, LocalRoot(), &a, &res);
  ASSERT_EQ(res.status, ADM_OK);
  ASSERT_EQ(res.adm_list_res_u.list.volumes.volumes_len, 3u);
  EXPECT_STREQ(res.adm_list_res_u.list.volumes.volumes_val[0].name, "alpha");
  EXPECT_STREQ(res.adm_list_res_u.list.volumes.volumes_val[1].name, "mid");
  EXPECT_STREQ(res.adm_list_res_u.list.volumes.volumes_val[2].name, "zeta");
  xdr_free(XdrProc(xdr_adm_list_res), &res);
}

TEST_F(AdminServiceTest, InfoOfUnknownVolume) {
  adm_info_res res = Info("nope");
  EXPECT_EQ(res.status, ADM_ERR_NOENT);
  EXPECT_STREQ(res.adm_info_res_u.failure.message, "no volume named 'nope'");
  xdr_free(XdrProc(xdr_adm_info_res), &res);
}

TEST_F(AdminServiceTest, DeleteRemovesAndTellsTheOtherServices) {
  uint64_t deleted_id = 0;
  std::string deleted_name;
  AdminHooks hooks;
  hooks.volume_deleted = [&](uint64_t id, std::string_view name) {
    deleted_id = id;
    deleted_name = name;
  };
  Rebuild({}, hooks);
  ASSERT_EQ(Create(CreateArgs("gone")).first, ADM_OK);
  const uint64_t id = catalog_.Describe("gone")->id;

  adm_name_args a{};
  a.name = const_cast<char*>("gone");
  adm_status_res res{};
  CallThroughWire(program_, ADMPROC_DELETE, LocalRoot(), &a, &res);
  EXPECT_EQ(res.status, ADM_OK);
  EXPECT_EQ(deleted_id, id);
  EXPECT_EQ(deleted_name, "gone");
  EXPECT_FALSE(catalog_.Describe("gone").ok());

  CallThroughWire(program_, ADMPROC_DELETE, LocalRoot(), &a, &res);
  EXPECT_EQ(res.status, ADM_ERR_NOENT);
  EXPECT_STREQ(res.adm_status_res_u.failure.message, "no volume named 'gone'");
  xdr_free(XdrProc(xdr_adm_status_res), &res);
}

TEST_F(AdminServiceTest, RenewExtendsEphemeralAndRefusesPersisted) {
  adm_create_args c = CreateArgs("eph");
  c.kind = ADM_KIND_EPHEMERAL;
  c.ttl_ms = 1000;
  ASSERT_EQ(Create(c).first, ADM_OK);
  ASSERT_EQ(Create(CreateArgs("keep")).first, ADM_OK);

  now_ += 500'000'000;
  adm_renew_args a{};
  a.name = const_cast<char*>("eph");
  a.ttl_ms = 30'000;
  adm_renew_res res{};
  CallThroughWire(program_, ADMPROC_RENEW, LocalRoot(), &a, &res);
  ASSERT_EQ(res.status, ADM_OK);
  EXPECT_EQ(res.adm_renew_res_u.lease_expiry_ns, now_ + 30 * kSecond);

  a.name = const_cast<char*>("keep");
  CallThroughWire(program_, ADMPROC_RENEW, LocalRoot(), &a, &res);
  EXPECT_EQ(res.status, ADM_ERR_INVAL);
  EXPECT_STREQ(res.adm_renew_res_u.failure.message,
               "volume 'keep' is persisted: only ephemeral volumes have a lease");
  xdr_free(XdrProc(xdr_adm_renew_res), &res);

  a.name = const_cast<char*>("missing");
  CallThroughWire(program_, ADMPROC_RENEW, LocalRoot(), &a, &res);
  EXPECT_EQ(res.status, ADM_ERR_NOENT);
  xdr_free(XdrProc(xdr_adm_renew_res), &res);
}

TEST_F(AdminServiceTest, PolicyChangesOnlyWhatIsSet) {
  adm_create_args c = CreateArgs("vol");
  c.quota.max_files = 7;
  ASSERT_EQ(Create(c).first, ADM_OK);

  adm_policy_args a{};
  a.name = const_cast<char*>("vol");
  char cidr1[] = "127.0.0.1/32";
  char cidr2[] = "fd00::/8";
  char* cidrs[] = {cidr1, cidr2};
  a.set_allowed = TRUE;
  a.allowed.allowed_len = 2;
  a.allowed.allowed_val = cidrs;
  a.set_read_only = TRUE;
  a.read_only = TRUE;
  a.set_max_bytes = TRUE;
  a.max_bytes = 4096;
  adm_info_res res{};
  CallThroughWire(program_, ADMPROC_POLICY, LocalRoot(), &a, &res);
  ASSERT_EQ(res.status, ADM_OK);
  const adm_volume& v = res.adm_info_res_u.info.volume;
  ASSERT_EQ(v.policy.allowed.allowed_len, 2u);
  EXPECT_STREQ(v.policy.allowed.allowed_val[1], "fd00::/8");
  EXPECT_TRUE(v.policy.read_only);
  EXPECT_EQ(v.policy.squash, ADM_SQUASH_ROOT);  // unchanged
  EXPECT_EQ(v.quota.max_bytes, 4096u);
  EXPECT_EQ(v.quota.max_files, 7u);  // unchanged
  xdr_free(XdrProc(xdr_adm_info_res), &res);

  char bad[] = "not-an-address";
  char* bads[] = {bad};
  a.allowed.allowed_len = 1;
  a.allowed.allowed_val = bads;
  CallThroughWire(program_, ADMPROC_POLICY, LocalRoot(), &a, &res);
  EXPECT_EQ(res.status, ADM_ERR_INVAL);
  EXPECT_NE(std::string(res.adm_info_res_u.failure.message).find("is not a CIDR"),
            std::string::npos);
  xdr_free(XdrProc(xdr_adm_info_res), &res);
  EXPECT_EQ(catalog_.Describe("vol")->policy.allowed_cidrs.size(), 2u);  // untouched
}

TEST_F(AdminServiceTest, FsckAndLocksWithoutTheirServicesSaySo) {
  ASSERT_EQ(Create(CreateArgs("vol")).first, ADM_OK);
  adm_fsck_args f{};
  f.name = const_cast<char*>("vol");
  adm_fsck_res fr{};
  CallThroughWire(program_, ADMPROC_FSCK, LocalRoot(), &f, &fr);
  EXPECT_EQ(fr.status, ADM_ERR_NOTSUPP);
  EXPECT_STREQ(fr.adm_fsck_res_u.failure.message, "this server offers no online fsck");
  xdr_free(XdrProc(xdr_adm_fsck_res), &fr);

  adm_name_args l{};
  l.name = const_cast<char*>("vol");
  adm_locks_res lr{};
  CallThroughWire(program_, ADMPROC_LOCKS, LocalRoot(), &l, &lr);
  EXPECT_EQ(lr.status, ADM_ERR_NOTSUPP);
  xdr_free(XdrProc(xdr_adm_locks_res), &lr);
}

TEST_F(AdminServiceTest, HooksFeedInfoLocksFsckAndBreak) {
  AdminHooks hooks;
  hooks.mounts_of = [](std::string_view) { return std::vector<std::string>{"10.0.0.5"}; };
  hooks.list_locks = [](uint64_t, size_t max) -> Result<LockListing> {
    LockListing l;
    l.total = 2;
    if (max > 0) l.locks.push_back({"hostA", 42, 7, 0, 100, true});
    return l;
  };
  std::string broken_holder;
  hooks.break_locks = [&](uint64_t, std::string_view holder) -> Result<uint32_t> {
    broken_holder = holder;
    return 2u;
  };
  hooks.fsck = [](std::string_view, bool repair) -> Result<FsckReport> {
    FsckReport r;
    r.inodes_checked = 5;
    r.problems_found = 1;
    r.problems_repaired = repair ? 1 : 0;
    r.findings.push_back("inode 9: orphan");
    return r;
  };
  Rebuild({}, hooks);
  ASSERT_EQ(Create(CreateArgs("vol")).first, ADM_OK);

  adm_info_res info = Info("vol");
  ASSERT_EQ(info.status, ADM_OK);
  ASSERT_TRUE(info.adm_info_res_u.info.mounts_known);
  ASSERT_EQ(info.adm_info_res_u.info.mounts.mounts_len, 1u);
  EXPECT_STREQ(info.adm_info_res_u.info.mounts.mounts_val[0], "10.0.0.5");
  EXPECT_TRUE(info.adm_info_res_u.info.locks_known);
  EXPECT_EQ(info.adm_info_res_u.info.lock_count, 2u);
  xdr_free(XdrProc(xdr_adm_info_res), &info);

  adm_name_args l{};
  l.name = const_cast<char*>("vol");
  adm_locks_res lr{};
  CallThroughWire(program_, ADMPROC_LOCKS, LocalRoot(), &l, &lr);
  ASSERT_EQ(lr.status, ADM_OK);
  EXPECT_EQ(lr.adm_locks_res_u.report.total, 2u);
  ASSERT_EQ(lr.adm_locks_res_u.report.locks.locks_len, 1u);
  EXPECT_STREQ(lr.adm_locks_res_u.report.locks.locks_val[0].holder, "hostA");
  EXPECT_TRUE(lr.adm_locks_res_u.report.locks.locks_val[0].exclusive);
  xdr_free(XdrProc(xdr_adm_locks_res), &lr);

  adm_break_args b{};
  b.name = const_cast<char*>("vol");
  b.host = const_cast<char*>("hostA");
  adm_break_res br{};
  CallThroughWire(program_, ADMPROC_BREAK_LOCKS, LocalRoot(), &b, &br);
  ASSERT_EQ(br.status, ADM_OK);
  EXPECT_EQ(br.adm_break_res_u.broken, 2u);
  EXPECT_EQ(broken_holder, "hostA");

  adm_fsck_args f{};
  f.name = const_cast<char*>("vol");
  f.repair = TRUE;
  adm_fsck_res fr{};
  CallThroughWire(program_, ADMPROC_FSCK, LocalRoot(), &f, &fr);
  ASSERT_EQ(fr.status, ADM_OK);
  EXPECT_EQ(fr.adm_fsck_res_u.report.problems_repaired, 1u);
  ASSERT_EQ(fr.adm_fsck_res_u.report.findings.findings_len, 1u);
  EXPECT_STREQ(fr.adm_fsck_res_u.report.findings.findings_val[0], "inode 9: orphan");
  xdr_free(XdrProc(xdr_adm_fsck_res), &fr);
}

TEST_F(AdminServiceTest, NonRootOnTheSocketIsRefused) {
  rpc::CallContext ctx = LocalRoot();
  ctx.local_peer_uid = 1000;
  auto r = Create(CreateArgs("x"), ctx);
  EXPECT_EQ(r.first, ADM_ERR_PERM);
  EXPECT_NE(r.second.find("the admin socket is for root only (caller uid 1000)"), std::string::npos)
      << r.second;
  EXPECT_FALSE(catalog_.Describe("x").ok());

  AdminAccess access;
  access.local_uids = {1000};
  Rebuild(access, {});
  EXPECT_EQ(Create(CreateArgs("x"), ctx).first, ADM_OK);
}

TEST_F(AdminServiceTest, TcpNeedsTheSharedSecret) {
  rpc::CallContext tcp;
  tcp.transport = rpc::Transport::kTcp;
  auto r = Create(CreateArgs("x"), tcp);
  EXPECT_EQ(r.first, ADM_ERR_PERM);
  EXPECT_EQ(r.second, "permission denied: remote administration is not enabled on this server");

  AdminAccess access;
  access.tcp_secret = "s3cret";
  Rebuild(access, {});
  adm_create_args a = CreateArgs("x");
  char wrong[] = "s3creT";
  a.secret.adm_secret_len = 6;
  a.secret.adm_secret_val = wrong;
  r = Create(a, tcp);
  EXPECT_EQ(r.first, ADM_ERR_PERM);
  EXPECT_NE(r.second.find("wrong or missing admin secret"), std::string::npos);
  a.secret.adm_secret_len = 5;  // a prefix is not the secret
  EXPECT_EQ(Create(a, tcp).first, ADM_ERR_PERM);
  char right[] = "s3cret";
  a.secret.adm_secret_len = 6;
  a.secret.adm_secret_val = right;
  EXPECT_EQ(Create(a, tcp).first, ADM_OK);
}

// ---- gateways (README "Scaling out") ----

class AdminGatewaysTest : public AdminServiceTest {
 protected:
  // Two gateways share the store; this server is gw1. Volume "mine" is gw1's, "theirs" gw2's.
  void ShareTheStore() {
    storage::GatewayInfo gw1{.id = "gw1",
                             .address = "10.77.0.11/24",
                             .held = {"10.77.0.11/24"},
                             .live = true,
                             .self = true,
                             .volumes = 0,
                             .seen_ns = 990 * kSecond};
    storage::GatewayInfo gw2{.id = "gw2",
                             .address = "10.77.0.12/24",
                             .held = {"10.77.0.12/24", "10.77.0.13/24"},
                             .live = true,
                             .self = false,
                             .volumes = 0,
                             .seen_ns = 995 * kSecond};
    storage::GatewayInfo gw3;
    gw3.id = "gw3";
    gw3.address = "10.77.0.13/24";
    catalog_.SetGateways({gw1, gw2, gw3});
    ASSERT_EQ(Create(CreateArgs("mine")).first, ADM_OK);
    ASSERT_EQ(Create(CreateArgs("theirs")).first, ADM_OK);
    catalog_.SetOwner("theirs", "gw2");
  }

  adm_gateways_res Gateways() {
    adm_list_args a{};
    adm_gateways_res res{};
    CallThroughWire(program_, ADMPROC_GATEWAYS, LocalRoot(), &a, &res);
    return res;
  }

  adm_info_res Move(const char* name, const char* gateway, bool force = false) {
    adm_move_args a{};
    a.name = const_cast<char*>(name);
    a.gateway = const_cast<char*>(gateway);
    a.force = force ? TRUE : FALSE;
    adm_info_res res{};
    CallThroughWire(program_, ADMPROC_MOVE, LocalRoot(), &a, &res);
    return res;
  }

  adm_status_res Delete(const char* name) {
    adm_name_args a{};
    a.name = const_cast<char*>(name);
    adm_status_res res{};
    CallThroughWire(program_, ADMPROC_DELETE, LocalRoot(), &a, &res);
    return res;
  }
};

TEST_F(AdminGatewaysTest, AloneOnTheStoreThereAreNoGatewaysAndEveryVolumeIsHere) {
  adm_gateways_res g = Gateways();
  ASSERT_EQ(g.status, ADM_OK);
  EXPECT_EQ(g.adm_gateways_res_u.gateways.gateways_len, 0u);
  xdr_free(XdrProc(xdr_adm_gateways_res), &g);

  ASSERT_EQ(Create(CreateArgs("solo")).first, ADM_OK);
  adm_info_res info = Info("solo");
  ASSERT_EQ(info.status, ADM_OK);
  EXPECT_STREQ(info.adm_info_res_u.info.placement.owner, "");
  EXPECT_STREQ(info.adm_info_res_u.info.placement.address, "");
  EXPECT_TRUE(info.adm_info_res_u.info.placement.here);
  xdr_free(XdrProc(xdr_adm_info_res), &info);

  adm_info_res moved = Move("solo", "gw2");
  EXPECT_EQ(moved.status, ADM_ERR_NOTSUPP);
  EXPECT_NE(std::string(moved.adm_info_res_u.failure.message).find("alone on its store"),
            std::string::npos)
      << moved.adm_info_res_u.failure.message;
  xdr_free(XdrProc(xdr_adm_info_res), &moved);
}

TEST_F(AdminGatewaysTest, GatewaysListsEachWithItsAddressesLivenessAndLoad) {
  ShareTheStore();
  adm_gateways_res res = Gateways();
  ASSERT_EQ(res.status, ADM_OK);
  const auto& list = res.adm_gateways_res_u.gateways;
  ASSERT_EQ(list.gateways_len, 3u);
  const adm_gateway& gw1 = list.gateways_val[0];
  EXPECT_STREQ(gw1.id, "gw1");
  EXPECT_STREQ(gw1.address, "10.77.0.11/24");
  EXPECT_TRUE(gw1.live);
  EXPECT_TRUE(gw1.self);
  EXPECT_EQ(gw1.volumes, 1u);
  EXPECT_EQ(gw1.seen_ns, 990 * kSecond);
  const adm_gateway& gw2 = list.gateways_val[1];
  EXPECT_STREQ(gw2.id, "gw2");
  EXPECT_FALSE(gw2.self);
  ASSERT_EQ(gw2.held.held_len, 2u);
  EXPECT_STREQ(gw2.held.held_val[1], "10.77.0.13/24");
  EXPECT_EQ(gw2.volumes, 1u);
  EXPECT_FALSE(list.gateways_val[2].live);
  EXPECT_EQ(list.gateways_val[2].volumes, 0u);
  xdr_free(XdrProc(xdr_adm_gateways_res), &res);
}

TEST_F(AdminGatewaysTest, ListAndInfoNameTheOwnerAndTheAddressToMount) {
  AdminHooks hooks;
  hooks.mounts_of = [](std::string_view) { return std::vector<std::string>{"10.0.0.5"}; };
  hooks.list_locks = [](uint64_t, size_t) -> Result<LockListing> { return LockListing{}; };
  Rebuild({}, std::move(hooks));
  ShareTheStore();

  adm_list_args a{};
  adm_list_res list{};
  CallThroughWire(program_, ADMPROC_LIST, LocalRoot(), &a, &list);
  ASSERT_EQ(list.status, ADM_OK);
  const adm_volume_list& l = list.adm_list_res_u.list;
  ASSERT_EQ(l.volumes.volumes_len, 2u);
  ASSERT_EQ(l.placements.placements_len, 2u);
  EXPECT_STREQ(l.volumes.volumes_val[0].name, "mine");
  EXPECT_STREQ(l.placements.placements_val[0].owner, "gw1");
  EXPECT_STREQ(l.placements.placements_val[0].address, "10.77.0.11");
  EXPECT_TRUE(l.placements.placements_val[0].here);
  EXPECT_STREQ(l.volumes.volumes_val[1].name, "theirs");
  EXPECT_STREQ(l.placements.placements_val[1].owner, "gw2");
  EXPECT_STREQ(l.placements.placements_val[1].address, "10.77.0.12");
  EXPECT_FALSE(l.placements.placements_val[1].here);
  xdr_free(XdrProc(xdr_adm_list_res), &list);

  // Every gateway answers INFO from the shared catalog; what only the owner knows (use,
  // mounts, locks) is reported unknown, and the volume is not taken for damaged.
  adm_info_res theirs = Info("theirs");
  ASSERT_EQ(theirs.status, ADM_OK);
  const adm_info& t = theirs.adm_info_res_u.info;
  EXPECT_STREQ(t.placement.owner, "gw2");
  EXPECT_STREQ(t.placement.address, "10.77.0.12");
  EXPECT_FALSE(t.placement.here);
  EXPECT_FALSE(t.usage_known);
  EXPECT_FALSE(t.mounts_known);
  EXPECT_FALSE(t.locks_known);
  EXPECT_STREQ(t.damage, "");
  xdr_free(XdrProc(xdr_adm_info_res), &theirs);

  adm_info_res mine = Info("mine");
  ASSERT_EQ(mine.status, ADM_OK);
  EXPECT_STREQ(mine.adm_info_res_u.info.placement.owner, "gw1");
  EXPECT_TRUE(mine.adm_info_res_u.info.placement.here);
  EXPECT_TRUE(mine.adm_info_res_u.info.mounts_known);
  EXPECT_TRUE(mine.adm_info_res_u.info.locks_known);
  xdr_free(XdrProc(xdr_adm_info_res), &mine);
}

TEST_F(AdminGatewaysTest, CallsOnAnotherGatewaysVolumeAnswerElsewhereNamingIt) {
  ShareTheStore();
  const char* kWords = "volume 'theirs' is served by gateway 'gw2' at 10.77.0.12: ask that gateway";
  adm_status_res del = Delete("theirs");
  EXPECT_EQ(del.status, ADM_ERR_ELSEWHERE);
  EXPECT_STREQ(del.adm_status_res_u.failure.message, kWords);
  xdr_free(XdrProc(xdr_adm_status_res), &del);
  EXPECT_TRUE(catalog_.Describe("theirs").ok());

  adm_policy_args p{};
  p.name = const_cast<char*>("theirs");
  p.set_read_only = TRUE;
  p.read_only = TRUE;
  adm_info_res policy{};
  CallThroughWire(program_, ADMPROC_POLICY, LocalRoot(), &p, &policy);
  EXPECT_EQ(policy.status, ADM_ERR_ELSEWHERE);
  EXPECT_STREQ(policy.adm_info_res_u.failure.message, kWords);
  xdr_free(XdrProc(xdr_adm_info_res), &policy);

  adm_info_res moved = Move("theirs", "gw1");
  EXPECT_EQ(moved.status, ADM_ERR_ELSEWHERE);
  EXPECT_STREQ(moved.adm_info_res_u.failure.message, kWords);
  xdr_free(XdrProc(xdr_adm_info_res), &moved);

  // The lock table and fsck of this server are not those of a volume it does not serve.
  AdminHooks hooks;
  hooks.list_locks = [](uint64_t, size_t) -> Result<LockListing> { return LockListing{}; };
  Rebuild({}, std::move(hooks));
  adm_name_args l{};
  l.name = const_cast<char*>("theirs");
  adm_locks_res locks{};
  CallThroughWire(program_, ADMPROC_LOCKS, LocalRoot(), &l, &locks);
  EXPECT_EQ(locks.status, ADM_ERR_ELSEWHERE);
  EXPECT_STREQ(locks.adm_locks_res_u.failure.message, kWords);
  xdr_free(XdrProc(xdr_adm_locks_res), &locks);
  adm_fsck_args f{};
  f.name = const_cast<char*>("theirs");
  adm_fsck_res fsck{};
  CallThroughWire(program_, ADMPROC_FSCK, LocalRoot(), &f, &fsck);
  EXPECT_EQ(fsck.status, ADM_ERR_ELSEWHERE);
  xdr_free(XdrProc(xdr_adm_fsck_res), &fsck);

  adm_status_res own = Delete("mine");
  EXPECT_EQ(own.status, ADM_OK);
  xdr_free(XdrProc(xdr_adm_status_res), &own);
}

TEST_F(AdminGatewaysTest, MoveHandsTheVolumeOverToALiveGateway) {
  ShareTheStore();
  adm_info_res moved = Move("mine", "gw2");
  ASSERT_EQ(moved.status, ADM_OK) << moved.adm_info_res_u.failure.message;
  EXPECT_STREQ(moved.adm_info_res_u.info.volume.name, "mine");
  EXPECT_STREQ(moved.adm_info_res_u.info.placement.owner, "gw2");
  EXPECT_STREQ(moved.adm_info_res_u.info.placement.address, "10.77.0.12");
  EXPECT_FALSE(moved.adm_info_res_u.info.placement.here);
  xdr_free(XdrProc(xdr_adm_info_res), &moved);
  EXPECT_EQ(catalog_.Describe("mine")->owner, "gw2");

  ASSERT_EQ(Create(CreateArgs("stay")).first, ADM_OK);
  adm_info_res same = Move("stay", "gw1");  // already there: nothing to do
  EXPECT_EQ(same.status, ADM_OK);
  EXPECT_STREQ(same.adm_info_res_u.info.placement.owner, "gw1");
  xdr_free(XdrProc(xdr_adm_info_res), &same);

  adm_info_res unknown = Move("stay", "gw9");
  EXPECT_EQ(unknown.status, ADM_ERR_INVAL);
  EXPECT_STREQ(unknown.adm_info_res_u.failure.message,
               "no gateway named 'gw9' (`volumectl gateways` lists them)");
  xdr_free(XdrProc(xdr_adm_info_res), &unknown);

  adm_info_res dead = Move("stay", "gw3");
  EXPECT_EQ(dead.status, ADM_ERR_BUSY);
  EXPECT_NE(std::string(dead.adm_info_res_u.failure.message).find("'gw3' is not live"),
            std::string::npos)
      << dead.adm_info_res_u.failure.message;
  xdr_free(XdrProc(xdr_adm_info_res), &dead);
  EXPECT_EQ(catalog_.Describe("stay")->owner, "gw1");

  adm_info_res missing = Move("nope", "gw2");
  EXPECT_EQ(missing.status, ADM_ERR_NOENT);
  EXPECT_STREQ(missing.adm_info_res_u.failure.message, "no volume named 'nope'");
  xdr_free(XdrProc(xdr_adm_info_res), &missing);
}

TEST_F(AdminGatewaysTest, MoveIsRefusedWhileLocksAreHeldUnlessForced) {
  AdminHooks hooks;
  uint64_t locks_held = 3;
  hooks.list_locks = [&](uint64_t, size_t max) -> Result<LockListing> {
    LockListing l;
    l.total = locks_held;
    for (size_t i = 0; i < std::min<uint64_t>(max, locks_held); ++i) {
      l.locks.push_back({"host" + std::to_string(i), 1, 7, 0, 0, true});
    }
    return l;
  };
  Rebuild({}, hooks);
  ShareTheStore();

  adm_info_res refused = Move("mine", "gw2");
  EXPECT_EQ(refused.status, ADM_ERR_BUSY);
  EXPECT_STREQ(refused.adm_info_res_u.failure.message,
               "volume 'mine' has 3 NLM lock(s) held (by host0, host1, host2): locks do not "
               "move with a volume and their holders would lose them unnoticed; release them "
               "(or `volumectl locks break`) first, or move with --force");
  xdr_free(XdrProc(xdr_adm_info_res), &refused);
  EXPECT_EQ(catalog_.Describe("mine")->owner, "gw1");

  adm_info_res forced = Move("mine", "gw2", /*force=*/true);
  ASSERT_EQ(forced.status, ADM_OK) << forced.adm_info_res_u.failure.message;
  EXPECT_STREQ(forced.adm_info_res_u.info.placement.owner, "gw2");
  xdr_free(XdrProc(xdr_adm_info_res), &forced);
  EXPECT_EQ(catalog_.Describe("mine")->owner, "gw2");

  locks_held = 0;  // none held: no --force needed
  ASSERT_EQ(Create(CreateArgs("free")).first, ADM_OK);
  adm_info_res unlocked = Move("free", "gw2");
  EXPECT_EQ(unlocked.status, ADM_OK) << unlocked.adm_info_res_u.failure.message;
  xdr_free(XdrProc(xdr_adm_info_res), &unlocked);
}

}  // namespace
}  // namespace volumed::admin
