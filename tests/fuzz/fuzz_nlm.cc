// libFuzzer target: NLM versions 1, 3 and 4 (as volumed serves them), argument decoding
// plus every handler, over the LockServices volumed runs (LockManager, NlmService, and
// the NSM monitor that records lock holders in its store) on the in-memory volume store
// of program_harness.h. Lock requests name real file handles (the roots of "fz" and "ro")
// so they reach the lock manager; blocked requests that get granted, and the _MSG forms,
// call back through a RecordingCaller: nothing leaves the process.
//
// State carries over between inputs, as on a server; every kResetEvery inputs the
// volumes' locks and shares are dropped so that memory stays bounded.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nlm/lock_services.h"
#include "nlm/nfs_handles.h"
#include "nlm/nlm_program.h"
#include "nlm4_prot.h"
#include "program_harness.h"
#include "recording_caller.h"
#include "storage/kv.h"

namespace {

using namespace volumed;

constexpr uint64_t kResetEvery = 4096;

struct State {
  fuzz::MemStore store;
  std::unique_ptr<storage::KvFactory> nsm_kv;
  nsm::RecordingCaller caller{0};  // counts calls, keeps none
  std::unique_ptr<nlm::LockServices> locks;
  std::vector<rpc::ProgramVersion> versions;
  std::vector<uint64_t> volume_ids;
  nfs3::EncodedHandle root{}, ro_root{};
  uint64_t runs = 0;
};

State* g = nullptr;

#define XDR_OF(f) reinterpret_cast<xdrproc_t>(f)

nlm_fh Fh(nfs3::EncodedHandle& h) {
  return {static_cast<u_int>(h.size()), reinterpret_cast<char*>(h.data())};
}
nlm_netobj Obj(char* s) { return {static_cast<u_int>(std::strlen(s)), s}; }

void WriteSeeds() {
  using fuzz::WriteSeed;
  const auto& v = g->versions;
  char host_a[] = "client-a", host_b[] = "client-b", empty[] = "";
  char oh_a[] = "owner-a", oh_b[] = "owner-b", cookie[] = "cookie01";
  nlm4_lock a{host_a, Fh(g->root), Obj(oh_a), 1, 0, 100};
  nlm4_lock b{host_b, Fh(g->root), Obj(oh_b), 2, 50, 0};

  nlm4_testargs test{Obj(cookie), 1, b};
  WriteSeed(v, NLM4_VERS, NLMPROC4_TEST, 0, "v4_test", XDR_OF(xdr_nlm4_testargs), &test);
  nlm4_lockargs lock_a{Obj(cookie), 0, 1, a, 0, 3};
  WriteSeed(v, NLM4_VERS, NLMPROC4_LOCK, 0, "v4_lock_a", XDR_OF(xdr_nlm4_lockargs), &lock_a);
  // Conflicts with a's lock and waits: a's UNLOCK then grants it with a GRANTED_MSG.
  nlm4_lockargs lock_b{Obj(cookie), 1, 1, b, 0, 5};
  WriteSeed(v, NLM4_VERS, NLMPROC4_LOCK, 4, "v4_lock_b_blocks", XDR_OF(xdr_nlm4_lockargs), &lock_b);
  nlm4_unlockargs unlock_a{Obj(cookie), a};
  WriteSeed(v, NLM4_VERS, NLMPROC4_UNLOCK, 0, "v4_unlock_a", XDR_OF(xdr_nlm4_unlockargs),
            &unlock_a);
  nlm4_cancargs cancel_b{Obj(cookie), 1, 1, b};
  WriteSeed(v, NLM4_VERS, NLMPROC4_CANCEL, 4, "v4_cancel_b", XDR_OF(xdr_nlm4_cancargs), &cancel_b);
  WriteSeed(v, NLM4_VERS, NLMPROC4_GRANTED, 0, "v4_granted", XDR_OF(xdr_nlm4_testargs), &test);
  WriteSeed(v, NLM4_VERS, NLMPROC4_TEST_MSG, 0, "v4_test_msg", XDR_OF(xdr_nlm4_testargs), &test);
  WriteSeed(v, NLM4_VERS, NLMPROC4_LOCK_MSG, 1, "v4_lock_msg", XDR_OF(xdr_nlm4_lockargs), &lock_b);
  WriteSeed(v, NLM4_VERS, NLMPROC4_CANCEL_MSG, 0, "v4_cancel_msg", XDR_OF(xdr_nlm4_cancargs),
            &cancel_b);
  WriteSeed(v, NLM4_VERS, NLMPROC4_UNLOCK_MSG, 0, "v4_unlock_msg", XDR_OF(xdr_nlm4_unlockargs),
            &unlock_a);
  WriteSeed(v, NLM4_VERS, NLMPROC4_GRANTED_MSG, 0, "v4_granted_msg", XDR_OF(xdr_nlm4_testargs),
            &test);
  nlm4_res granted_res{Obj(cookie), {NLM4_DENIED}};
  WriteSeed(v, NLM4_VERS, NLMPROC4_GRANTED_RES, 0, "v4_granted_res", XDR_OF(xdr_nlm4_res),
            &granted_res);
  // Regressions (UBSan, found by this target): answers and share modes outside their
  // enums were read through the enum types.
  nlm4_res granted_res_bad = granted_res;
  fuzz::SetRawEnum(&granted_res_bad.stat.stat, 8448);
  WriteSeed(v, NLM4_VERS, NLMPROC4_GRANTED_RES, 0, "v4_granted_res_bad_stat", XDR_OF(xdr_nlm4_res),
            &granted_res_bad);
  WriteSeed(v, NLM4_VERS, NLMPROC4_LOCK_RES, 0, "v4_lock_res", XDR_OF(xdr_nlm4_res), &granted_res);
  nlm4_shareargs share{Obj(cookie), {host_a, Fh(g->root), Obj(oh_a), fsm_DW, fsa_RW}, 0};
  WriteSeed(v, NLM4_VERS, NLMPROC4_SHARE, 0, "v4_share", XDR_OF(xdr_nlm4_shareargs), &share);
  WriteSeed(v, NLM4_VERS, NLMPROC4_UNSHARE, 0, "v4_unshare", XDR_OF(xdr_nlm4_shareargs), &share);
  nlm4_shareargs share_bad = share;
  fuzz::SetRawEnum(&share_bad.share.mode, 7);
  fuzz::SetRawEnum(&share_bad.share.access, 1870098021);
  WriteSeed(v, NLM4_VERS, NLMPROC4_SHARE, 0, "v4_share_bad_modes", XDR_OF(xdr_nlm4_shareargs),
            &share_bad);
  nlm4_lockargs nm{Obj(cookie), 0, 0, a, 0, 0};
  nm.alock.caller_name = empty;  // the caller's address names the host
  WriteSeed(v, NLM4_VERS, NLMPROC4_NM_LOCK, 3, "v4_nm_lock", XDR_OF(xdr_nlm4_lockargs), &nm);
  nlm4_notify free_all{host_a, 7};
  WriteSeed(v, NLM4_VERS, NLMPROC4_FREE_ALL, 0, "v4_free_all", XDR_OF(xdr_nlm4_notify), &free_all);
  // The read-only volume, exported only to 127.0.0.2 (cred-selector bit 2), and a reclaim
  // outside any grace period.
  nlm4_lockargs ro{Obj(cookie), 0, 0, a, 1, 9};
  ro.alock.fh = Fh(g->ro_root);
  WriteSeed(v, NLM4_VERS, NLMPROC4_LOCK, 4, "v4_lock_ro_reclaim", XDR_OF(xdr_nlm4_lockargs), &ro);
  WriteSeed(v, NLM4_VERS, NLMPROC4_LOCK, 16, "v4_lock_remote", XDR_OF(xdr_nlm4_lockargs), &lock_a);

  // Versions 1 and 3: 32-bit offsets; 3 adds SHARE, UNSHARE, NM_LOCK, FREE_ALL.
  nlm_lock a1{host_a, Fh(g->root), Obj(oh_a), 11, 0, 4096};
  nlm_lock b1{host_b, Fh(g->root), Obj(oh_b), 12, 4000, 0};
  for (uint32_t vers : {uint32_t{NLM_VERS}, uint32_t{NLM_VERSX}}) {
    const std::string p = "v" + std::to_string(vers) + "_";
    nlm_testargs t1{Obj(cookie), 1, b1};
    WriteSeed(v, vers, NLM_TEST, 0, p + "test", XDR_OF(xdr_nlm_testargs), &t1);
    nlm_lockargs l1{Obj(cookie), 0, 1, a1, 0, 3};
    WriteSeed(v, vers, NLM_LOCK, 0, p + "lock_a", XDR_OF(xdr_nlm_lockargs), &l1);
    nlm_lockargs lb1{Obj(cookie), 1, 0, b1, 0, 3};
    WriteSeed(v, vers, NLM_LOCK, 4, p + "lock_b_blocks", XDR_OF(xdr_nlm_lockargs), &lb1);
    nlm_unlockargs u1{Obj(cookie), a1};
    WriteSeed(v, vers, NLM_UNLOCK, 0, p + "unlock_a", XDR_OF(xdr_nlm_unlockargs), &u1);
    nlm_cancargs c1{Obj(cookie), 1, 0, b1};
    WriteSeed(v, vers, NLM_CANCEL, 4, p + "cancel_b", XDR_OF(xdr_nlm_cancargs), &c1);
    WriteSeed(v, vers, NLM_LOCK_MSG, 0, p + "lock_msg", XDR_OF(xdr_nlm_lockargs), &l1);
    WriteSeed(v, vers, NLM_TEST_MSG, 0, p + "test_msg", XDR_OF(xdr_nlm_testargs), &t1);
    nlm_res r1{Obj(cookie), {LCK_GRANTED}};
    WriteSeed(v, vers, NLM_GRANTED_RES, 0, p + "granted_res", XDR_OF(xdr_nlm_res), &r1);
    fuzz::SetRawEnum(&r1.stat.stat, 251658240);
    WriteSeed(v, vers, NLM_GRANTED_RES, 0, p + "granted_res_bad_stat", XDR_OF(xdr_nlm_res), &r1);
  }
  nlm_shareargs s3{Obj(cookie), {host_b, Fh(g->root), Obj(oh_b), fsm_DR, fsa_R}, 0};
  WriteSeed(v, NLM_VERSX, NLM_SHARE, 0, "v3_share", XDR_OF(xdr_nlm_shareargs), &s3);
  WriteSeed(v, NLM_VERSX, NLM_UNSHARE, 0, "v3_unshare", XDR_OF(xdr_nlm_shareargs), &s3);
  fuzz::SetRawEnum(&s3.share.mode, 7);
  fuzz::SetRawEnum(&s3.share.access, -1);
  WriteSeed(v, NLM_VERSX, NLM_SHARE, 0, "v3_share_bad_modes", XDR_OF(xdr_nlm_shareargs), &s3);
  nlm_lockargs nm3{Obj(cookie), 0, 1, a1, 0, 0};
  WriteSeed(v, NLM_VERSX, NLM_NM_LOCK, 0, "v3_nm_lock", XDR_OF(xdr_nlm_lockargs), &nm3);
  nlm_notify f3{host_b, 9};
  WriteSeed(v, NLM_VERSX, NLM_FREE_ALL, 0, "v3_free_all", XDR_OF(xdr_nlm_notify), &f3);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  g = new State();
  // Deleted at exit: "Teardown" in program_harness.h.
  std::atexit([] { delete g; });
  g->store = fuzz::OpenMemStore();
  storage::KvTuning tuning;
  tuning.write_buffer_size = 1 << 20;
  g->nsm_kv = std::make_unique<storage::KvFactory>(g->store.env.get(), tuning, 1 << 20);
  nlm::LockServicesOptions options;
  options.nsm_dir = "/fuzz/nsm";
  options.kv_factory = g->nsm_kv.get();
  options.check_other_monitor = false;
  options.caller = &g->caller;
  options.nlm.callback_threads = 1;
  auto locks = nlm::LockServices::Open(options, nlm::NfsHandleHooks(g->store.catalog.get()));
  if (!locks.ok()) std::abort();
  g->locks = std::move(locks).value();
  g->versions = nlm::NlmProgramVersions(&g->locks->nlm());
  for (const char* name : {"fz", "ro"}) {
    auto info = g->store.catalog->Describe(name);
    if (!info.ok()) std::abort();
    g->volume_ids.push_back(info->id);
  }
  g->root = fuzz::MountRoot(*g->store.catalog, "/fz");
  g->ro_root = fuzz::MountRoot(*g->store.catalog, "/ro");
  WriteSeeds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  volumed::fuzz::RunProgramInput(g->versions, data, size);
  if (++g->runs % kResetEvery == 0) {
    for (uint64_t id : g->volume_ids) g->locks->VolumeDeleted(id);
  }
  return 0;
}
