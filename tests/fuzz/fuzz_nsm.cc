// libFuzzer target: NSM v1 (volumed's own status monitor), argument decoding plus every
// handler, over an NsmStore on LevelDB's in-memory Env. The store starts with hosts that
// held locks before (a remote one, this host, an IPv6 one) so that SM_SIMU_CRASH sends
// SM_NOTIFY, and SM_MON registrations are called back when SM_NOTIFY names their host.
// Those calls go to a RecordingCaller: nothing leaves the process. Peers 127.0.0.x are
// local lock managers; cred-selector bit 4 makes the caller the remote 192.0.2.1, which
// may only notify and ask the state (program_harness.h).
#include <leveldb/helpers/memenv.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "nsm/nsm_program.h"
#include "nsm/nsm_service.h"
#include "nsm/nsm_store.h"
#include "nsm_prot.h"
#include "program_harness.h"
#include "recording_caller.h"
#include "storage/kv.h"

namespace {

using namespace volumed;

struct State {
  std::unique_ptr<leveldb::Env> env;
  std::unique_ptr<storage::KvFactory> kv;
  std::unique_ptr<nsm::NsmStore> store;
  nsm::RecordingCaller caller{0};  // counts calls, keeps none
  std::unique_ptr<nsm::NsmService> nsm;
  rpc::ProgramVersion pv;
};

State* g = nullptr;

#define XDR_OF(f) reinterpret_cast<xdrproc_t>(f)

void WriteSeeds() {
  using fuzz::WriteSeed;
  char client[] = "client-a", numeric[] = "192.0.2.10", me[] = "localhost";
  sm_name name{client};
  WriteSeed(g->pv, SM_STAT, 16, "stat_remote", XDR_OF(xdr_sm_name), &name);
  sm_mon mon{};
  mon.mon_id = {client, {me, 100021, 4, 16}};
  std::memcpy(mon.priv, "0123456789abcdef", SM_PRIV_SIZE);
  WriteSeed(g->pv, SM_MON, 0, "mon", XDR_OF(xdr_sm_mon), &mon);
  WriteSeed(g->pv, SM_MON, 16, "mon_remote", XDR_OF(xdr_sm_mon), &mon);
  sm_mon mon_numeric = mon;
  mon_numeric.mon_id.mon_name = numeric;
  WriteSeed(g->pv, SM_MON, 4, "mon_numeric", XDR_OF(xdr_sm_mon), &mon_numeric);
  WriteSeed(g->pv, SM_UNMON, 0, "unmon", XDR_OF(xdr_sm_mon_id), &mon.mon_id);
  WriteSeed(g->pv, SM_UNMON_ALL, 0, "unmon_all", XDR_OF(xdr_sm_my_id), &mon.mon_id.my_id);
  WriteSeed(g->pv, SM_SIMU_CRASH, 0, "simu_crash", XDR_OF(xdr_void), nullptr);
  WriteSeed(g->pv, SM_SIMU_CRASH, 16, "simu_crash_remote", XDR_OF(xdr_void), nullptr);
  sm_stat_chge notify{client, 5};
  WriteSeed(g->pv, SM_NOTIFY, 16, "notify", XDR_OF(xdr_sm_stat_chge), &notify);
  sm_stat_chge notify_numeric{numeric, 7};
  WriteSeed(g->pv, SM_NOTIFY, 16, "notify_numeric", XDR_OF(xdr_sm_stat_chge), &notify_numeric);
  WriteSeed(g->pv, SM_NULL, 3, "null", XDR_OF(xdr_void), nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  g = new State();
  // Deleted at exit: "Teardown" in program_harness.h.
  std::atexit([] { delete g; });
  g->env.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
  storage::KvTuning tuning;
  tuning.write_buffer_size = 1 << 20;
  g->kv = std::make_unique<storage::KvFactory>(g->env.get(), tuning, 1 << 20);
  auto store = nsm::NsmStore::Open(*g->kv, "/nsm");
  if (!store.ok()) std::abort();
  g->store = std::move(store).value();
  // 192.0.2.0/24 (TEST-NET-1) and 2001:db8::/32 are never this host's addresses.
  for (const nsm::MonitoredHost& h :
       {nsm::MonitoredHost{"client-a", "192.0.2.10", 1}, nsm::MonitoredHost{"self", "127.0.0.1", 1},
        nsm::MonitoredHost{"client-v6", "2001:db8::7", 1}}) {
    if (!g->store->PutHost(h).ok()) std::abort();
  }
  nsm::NsmHooks hooks;
  hooks.host_rebooted = [](const std::string& host) { return host.size() % 3; };
  hooks.host_active = [](const std::string&) { return false; };
  nsm::NsmOptions options;
  options.notify_attempts = 2;
  options.first_retry_delay = std::chrono::milliseconds(1);
  g->nsm = std::make_unique<nsm::NsmService>(*g->store, g->caller, std::move(hooks), options);
  if (!g->nsm->Start().ok()) std::abort();
  g->pv = nsm::NsmProgramVersion(g->nsm.get());
  WriteSeeds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return volumed::fuzz::RunProgramInput(g->pv, data, size);
}
