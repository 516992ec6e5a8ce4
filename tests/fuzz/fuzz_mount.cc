// libFuzzer target: MOUNT v3 argument decoding plus its handlers (MNT with paths into
// and out of volumes, UMNT, UMNTALL, DUMP, EXPORT) over a real VolumeCatalog on LevelDB's
// in-memory Env, with a read-write volume "fz" and a volume "ro" exported only to
// 127.0.0.2. Inputs follow program_harness.h.
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

#include "mount/mount_service.h"
#include "mount3_prot.h"
#include "program_harness.h"
#include "storage/catalog.h"

namespace {

using namespace volumed;

struct State {
  fuzz::MemStore store;
  std::unique_ptr<mount::MountService> mount;
  rpc::ProgramVersion pv;
};

State* g = nullptr;

void WriteSeeds() {
  const char* paths[] = {"/fz", "/ro", "/fz/sub", "/fz/sub/f", "/fz/../ro", "/nope", "fz", "/"};
  int i = 0;
  for (const char* p : paths) {
    char* path = const_cast<char*>(p);
    const std::string n = std::to_string(i++);
    fuzz::WriteSeed(g->pv, MOUNTPROC3_MNT, 0, "mnt" + n,
                    reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), &path);
    fuzz::WriteSeed(g->pv, MOUNTPROC3_MNT, 4, "mnt_peer2_" + n,
                    reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), &path);
    fuzz::WriteSeed(g->pv, MOUNTPROC3_UMNT, 0, "umnt" + n,
                    reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), &path);
  }
  fuzz::WriteSeed(g->pv, MOUNTPROC3_DUMP, 0, "dump", reinterpret_cast<xdrproc_t>(xdr_void),
                  nullptr);
  fuzz::WriteSeed(g->pv, MOUNTPROC3_UMNTALL, 1, "umntall", reinterpret_cast<xdrproc_t>(xdr_void),
                  nullptr);
  fuzz::WriteSeed(g->pv, MOUNTPROC3_EXPORT, 3, "export", reinterpret_cast<xdrproc_t>(xdr_void),
                  nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  g = new State();
  // Deleted at exit: "Teardown" in program_harness.h.
  std::atexit([] { delete g; });
  g->store = fuzz::OpenMemStore();
  g->mount = std::make_unique<mount::MountService>(*g->store.catalog);
  g->pv = g->mount->Program();
  WriteSeeds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return volumed::fuzz::RunProgramInput(g->pv, data, size);
}
