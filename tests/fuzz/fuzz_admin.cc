// libFuzzer target: the admin program (volumectl <-> volumed), argument decoding plus
// every handler, over the in-memory volume store of program_harness.h, wired as volumed
// wires it (MakeServerHooks: a LockManager, the MOUNT list, storage fsck). The program
// is root-only on the Unix socket and needs the shared secret over TCP, so inputs come
// from both: cred-selector bit 3 set is a Unix-socket caller whose SO_PEERCRED uid is
// the credential's (root, uid 1000 refused, uid 4242 allowed by --admin-allow-uid,
// 65534); bit 3 clear is a TCP caller whose args carry a secret (right or wrong).
//
// The fuzzer may create and delete volumes. After each input, volumes beyond
// kMaxVolumes are deleted and "fz" and "ro" re-created when gone, so memory stays
// bounded and there is always something to administer.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "admin/admin_program.h"
#include "admin/admin_service.h"
#include "admin/server_hooks.h"
#include "admin_prot.h"
#include "mount/mount_service.h"
#include "nlm/lock_manager.h"
#include "program_harness.h"

namespace {

using namespace volumed;

constexpr size_t kMaxVolumes = 8;
constexpr char kSecret[] = "fuzz-secret";

struct State {
  fuzz::MemStore store;
  nlm::LockManager locks;
  std::unique_ptr<mount::MountService> mount;
  std::unique_ptr<admin::AdminService> admin;
  rpc::ProgramVersion pv;
};

State* g = nullptr;

#define XDR_OF(f) reinterpret_cast<xdrproc_t>(f)

adm_secret Secret(char* s) { return {static_cast<u_int>(std::strlen(s)), s}; }

void WriteSeeds() {
  using fuzz::WriteSeed;
  char secret[] = "fuzz-secret", wrong[] = "guess", none[] = "";
  char fz[] = "fz", vol[] = "scratch-1", cidr[] = "10.0.0.0/8", host[] = "client-a";
  char gateway[] = "gw2";
  char* cidrs[] = {cidr};
  // cred-selector: 9 root on the Unix socket, 8 uid 1000 there (refused), 10 uid 4242
  // (allowed), 0 TCP.
  for (uint8_t cred : {uint8_t{9}, uint8_t{8}, uint8_t{10}, uint8_t{0}}) {
    const std::string c = std::to_string(cred);
    adm_create_args create{};
    create.secret = Secret(cred == 0 ? secret : none);
    create.name = vol;
    create.kind = ADM_KIND_EPHEMERAL;
    create.ttl_ms = 60000;
    create.policy.allowed = {1, cidrs};
    create.policy.squash = ADM_SQUASH_ROOT;
    create.quota.max_bytes = 1 << 20;
    WriteSeed(g->pv, ADMPROC_CREATE, cred, "create_" + c, XDR_OF(xdr_adm_create_args), &create);
    adm_list_args list{Secret(cred == 0 ? secret : none)};
    WriteSeed(g->pv, ADMPROC_LIST, cred, "list_" + c, XDR_OF(xdr_adm_list_args), &list);
    WriteSeed(g->pv, ADMPROC_GATEWAYS, cred, "gateways_" + c, XDR_OF(xdr_adm_list_args), &list);
    adm_move_args move{Secret(cred == 0 ? secret : none), fz, gateway, FALSE};
    WriteSeed(g->pv, ADMPROC_MOVE, cred, "move_" + c, XDR_OF(xdr_adm_move_args), &move);
    adm_name_args info{Secret(cred == 0 ? secret : none), fz};
    WriteSeed(g->pv, ADMPROC_INFO, cred, "info_" + c, XDR_OF(xdr_adm_name_args), &info);
    WriteSeed(g->pv, ADMPROC_LOCKS, cred, "locks_" + c, XDR_OF(xdr_adm_name_args), &info);
    adm_renew_args renew{Secret(cred == 0 ? secret : none), vol, 1000};
    WriteSeed(g->pv, ADMPROC_RENEW, cred, "renew_" + c, XDR_OF(xdr_adm_renew_args), &renew);
    adm_policy_args policy{};
    policy.secret = Secret(cred == 0 ? secret : none);
    policy.name = vol;
    policy.set_allowed = 1;
    policy.allowed = {1, cidrs};
    policy.set_read_only = 1;
    policy.read_only = 1;
    policy.set_max_files = 1;
    policy.max_files = 100;
    WriteSeed(g->pv, ADMPROC_POLICY, cred, "policy_" + c, XDR_OF(xdr_adm_policy_args), &policy);
    adm_fsck_args fsck{Secret(cred == 0 ? secret : none), fz, 0};
    WriteSeed(g->pv, ADMPROC_FSCK, cred, "fsck_" + c, XDR_OF(xdr_adm_fsck_args), &fsck);
    adm_break_args brk{Secret(cred == 0 ? secret : none), fz, host};
    WriteSeed(g->pv, ADMPROC_BREAK_LOCKS, cred, "break_" + c, XDR_OF(xdr_adm_break_args), &brk);
    adm_name_args del{Secret(cred == 0 ? secret : none), vol};
    WriteSeed(g->pv, ADMPROC_DELETE, cred, "delete_" + c, XDR_OF(xdr_adm_name_args), &del);
  }
  // Regressions (UBSan, found by this target): kinds and squash modes outside their
  // enums were read through the enum types.
  adm_create_args bad_kind{};
  bad_kind.name = vol;
  fuzz::SetRawEnum(&bad_kind.kind, 62468);
  WriteSeed(g->pv, ADMPROC_CREATE, 9, "create_bad_kind", XDR_OF(xdr_adm_create_args), &bad_kind);
  adm_create_args bad_squash{};
  bad_squash.name = vol;
  bad_squash.kind = ADM_KIND_PERSISTED;
  fuzz::SetRawEnum(&bad_squash.policy.squash, -1);
  WriteSeed(g->pv, ADMPROC_CREATE, 9, "create_bad_squash", XDR_OF(xdr_adm_create_args),
            &bad_squash);
  adm_policy_args bad_policy{};
  bad_policy.name = fz;
  bad_policy.set_squash = 1;
  fuzz::SetRawEnum(&bad_policy.squash, 60000);
  WriteSeed(g->pv, ADMPROC_POLICY, 9, "policy_bad_squash", XDR_OF(xdr_adm_policy_args),
            &bad_policy);
  // Deleting a base volume makes BoundVolumes open a fresh store (once a use-after-free
  // in this target: the old catalog outlived its Env).
  adm_name_args del_fz{Secret(none), fz};
  WriteSeed(g->pv, ADMPROC_DELETE, 9, "delete_fz", XDR_OF(xdr_adm_name_args), &del_fz);
  adm_list_args list_wrong{Secret(wrong)};
  WriteSeed(g->pv, ADMPROC_LIST, 1, "list_tcp_wrong_secret", XDR_OF(xdr_adm_list_args),
            &list_wrong);
  WriteSeed(g->pv, ADMPROC_NULL, 3, "null", XDR_OF(xdr_void), nullptr);
}

// Keeps the catalog small and its two base volumes present (see the header comment).
void BoundVolumes() {
  bool have_fz = false, have_ro = false;
  auto volumes = g->store.catalog
                     ? g->store.catalog->List()
                     : Result<std::vector<storage::VolumeInfo>>(std::vector<storage::VolumeInfo>{});
  if (!volumes.ok()) return;
  size_t count = volumes->size();
  for (const storage::VolumeInfo& v : *volumes) {
    have_fz |= v.name == "fz";
    have_ro |= v.name == "ro";
    if (count > kMaxVolumes && v.name != "fz" && v.name != "ro" &&
        g->store.catalog->Delete(v.name).ok()) {
      g->admin->NotifyDeleted(v.id, v.name);
      --count;
    }
  }
  if (!have_fz || !have_ro) {
    // Simplest way back to the two base volumes: drop the rest and open a fresh store.
    g->admin.reset();
    g->mount.reset();
    g->store.catalog.reset();  // before the Env it lives in
    g->store.env.reset();
    g->store = fuzz::OpenMemStore();
    g->mount = std::make_unique<mount::MountService>(*g->store.catalog);
    admin::AdminAccess access;
    access.local_uids = {4242};
    access.tcp_secret = kSecret;
    g->admin = std::make_unique<admin::AdminService>(
        g->store.catalog.get(), admin::AdminAuthorizer(access),
        admin::MakeServerHooks(g->store.catalog.get(), &g->locks, g->mount.get()),
        [] { return int64_t{1'700'000'000} * 1'000'000'000; });
    g->pv = admin::AdminProgramVersion(g->admin.get());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  g = new State();
  BoundVolumes();  // opens the store and the service
  // Deleted at exit: "Teardown" in program_harness.h.
  std::atexit([] { delete g; });
  WriteSeeds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  volumed::fuzz::RunProgramInput(std::span<const volumed::rpc::ProgramVersion>(&g->pv, 1), data,
                                 size, {.unix_socket = true});
  BoundVolumes();
  return 0;
}
