// libFuzzer target: NFSv3 argument decoding plus every handler, on a real VolumeCatalog
// over LevelDB's in-memory Env with the volumes "fz" and "ro" (fuzz::MemStore). Inputs
// follow program_harness.h; seeds are real calls against the root directory and a file.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "nfs3/file_handle.h"
#include "nfs3/nfs_service.h"
#include "nfs3_prot.h"
#include "program_harness.h"
#include "storage/catalog.h"

namespace {

using namespace volumed;

struct State {
  fuzz::MemStore store;
  std::unique_ptr<nfs3::NfsService> nfs;
  rpc::ProgramVersion pv;
  nfs3::EncodedHandle root{}, ro_root{}, file{};
};

State* g = nullptr;

nfs_fh3 Wire(nfs3::EncodedHandle& h) {
  nfs_fh3 w{};
  w.data.data_len = static_cast<u_int>(h.size());
  w.data.data_val = reinterpret_cast<char*>(h.data());
  return w;
}

filename3 Name(char* s) {
  filename3 n{};
  n.filename3_len = static_cast<u_int>(std::strlen(s));
  n.filename3_val = s;
  return n;
}

#define XDR_OF(f) reinterpret_cast<xdrproc_t>(f)

void WriteSeeds() {
  using fuzz::WriteSeed;
  char name[] = "seedfile";
  char dirname[] = "seeddir";
  char other[] = "renamed";
  GETATTR3args ga{Wire(g->root)};
  WriteSeed(g->pv, NFSPROC3_GETATTR, 0, "getattr", XDR_OF(xdr_GETATTR3args), &ga);
  GETATTR3args ga_ro{Wire(g->ro_root)};
  WriteSeed(g->pv, NFSPROC3_GETATTR, 4, "getattr_ro", XDR_OF(xdr_GETATTR3args), &ga_ro);
  SETATTR3args sa{};
  sa.object = Wire(g->file);
  sa.new_attributes.size.set_it = 1;
  sa.new_attributes.size.set_size3_u.size = 100;
  sa.new_attributes.mode.set_it = 1;
  sa.new_attributes.mode.set_mode3_u.mode = 0600;
  WriteSeed(g->pv, NFSPROC3_SETATTR, 0, "setattr", XDR_OF(xdr_SETATTR3args), &sa);
  // Regressions (UBSan, found by this target in a long run): time_how, stable_how and
  // ftype3 values outside their enums were read through the enum types.
  SETATTR3args sa_bad{};
  sa_bad.object = Wire(g->root);
  fuzz::SetRawEnum(&sa_bad.new_attributes.atime.set_it, -1);
  fuzz::SetRawEnum(&sa_bad.new_attributes.mtime.set_it, 6585296);
  WriteSeed(g->pv, NFSPROC3_SETATTR, 0, "setattr_bad_time_how", XDR_OF(xdr_SETATTR3args), &sa_bad);
  LOOKUP3args lk{{Wire(g->root), Name(name)}};
  WriteSeed(g->pv, NFSPROC3_LOOKUP, 0, "lookup", XDR_OF(xdr_LOOKUP3args), &lk);
  ACCESS3args ac{Wire(g->file), 0x3f};
  WriteSeed(g->pv, NFSPROC3_ACCESS, 2, "access", XDR_OF(xdr_ACCESS3args), &ac);
  READLINK3args rl{Wire(g->file)};
  WriteSeed(g->pv, NFSPROC3_READLINK, 0, "readlink", XDR_OF(xdr_READLINK3args), &rl);
  READ3args rd{Wire(g->file), 0, 4096};
  WriteSeed(g->pv, NFSPROC3_READ, 0, "read", XDR_OF(xdr_READ3args), &rd);
  char payload[300];
  std::memset(payload, 'x', sizeof(payload));
  WRITE3args wr{};
  wr.file = Wire(g->file);
  wr.offset = 65530;
  wr.count = sizeof(payload);
  wr.stable = UNSTABLE;
  wr.data.data_len = sizeof(payload);
  wr.data.data_val = payload;
  WriteSeed(g->pv, NFSPROC3_WRITE, 0, "write", XDR_OF(xdr_WRITE3args), &wr);
  WRITE3args wr_bad = wr;
  fuzz::SetRawEnum(&wr_bad.stable, 7);
  WriteSeed(g->pv, NFSPROC3_WRITE, 0, "write_bad_stable", XDR_OF(xdr_WRITE3args), &wr_bad);
  CREATE3args cr{};
  cr.where = {Wire(g->root), Name(other)};
  cr.how.mode = EXCLUSIVE;
  std::memcpy(cr.how.createhow3_u.verf, "verifier", 8);
  WriteSeed(g->pv, NFSPROC3_CREATE, 0, "create_excl", XDR_OF(xdr_CREATE3args), &cr);
  MKDIR3args mk{};
  mk.where = {Wire(g->root), Name(dirname)};
  mk.attributes.mode.set_it = 1;
  mk.attributes.mode.set_mode3_u.mode = 0755;
  WriteSeed(g->pv, NFSPROC3_MKDIR, 0, "mkdir", XDR_OF(xdr_MKDIR3args), &mk);
  char target[] = "../../etc/passwd";
  SYMLINK3args sl{};
  sl.where = {Wire(g->root), Name(other)};
  sl.symlink.symlink_data = target;
  WriteSeed(g->pv, NFSPROC3_SYMLINK, 0, "symlink", XDR_OF(xdr_SYMLINK3args), &sl);
  MKNOD3args mn{};
  mn.where = {Wire(g->root), Name(other)};
  mn.what.type = NF3FIFO;
  WriteSeed(g->pv, NFSPROC3_MKNOD, 0, "mknod", XDR_OF(xdr_MKNOD3args), &mn);
  MKNOD3args mn_bad = mn;
  fuzz::SetRawEnum(&mn_bad.what.type, 99);
  WriteSeed(g->pv, NFSPROC3_MKNOD, 0, "mknod_bad_type", XDR_OF(xdr_MKNOD3args), &mn_bad);
  REMOVE3args rm{{Wire(g->root), Name(name)}};
  WriteSeed(g->pv, NFSPROC3_REMOVE, 0, "remove", XDR_OF(xdr_REMOVE3args), &rm);
  RMDIR3args rmd{{Wire(g->root), Name(dirname)}};
  WriteSeed(g->pv, NFSPROC3_RMDIR, 0, "rmdir", XDR_OF(xdr_RMDIR3args), &rmd);
  RENAME3args rn{{Wire(g->root), Name(name)}, {Wire(g->root), Name(other)}};
  WriteSeed(g->pv, NFSPROC3_RENAME, 0, "rename", XDR_OF(xdr_RENAME3args), &rn);
  LINK3args ln{Wire(g->file), {Wire(g->root), Name(other)}};
  WriteSeed(g->pv, NFSPROC3_LINK, 0, "link", XDR_OF(xdr_LINK3args), &ln);
  READDIR3args rdd{};
  rdd.dir = Wire(g->root);
  rdd.count = 1024;
  WriteSeed(g->pv, NFSPROC3_READDIR, 0, "readdir", XDR_OF(xdr_READDIR3args), &rdd);
  READDIRPLUS3args rdp{};
  rdp.dir = Wire(g->root);
  rdp.dircount = 512;
  rdp.maxcount = 4096;
  WriteSeed(g->pv, NFSPROC3_READDIRPLUS, 0, "readdirplus", XDR_OF(xdr_READDIRPLUS3args), &rdp);
  FSSTAT3args fs{Wire(g->root)};
  WriteSeed(g->pv, NFSPROC3_FSSTAT, 0, "fsstat", XDR_OF(xdr_FSSTAT3args), &fs);
  FSINFO3args fi{Wire(g->root)};
  WriteSeed(g->pv, NFSPROC3_FSINFO, 3, "fsinfo", XDR_OF(xdr_FSINFO3args), &fi);
  PATHCONF3args pc{Wire(g->root)};
  WriteSeed(g->pv, NFSPROC3_PATHCONF, 0, "pathconf", XDR_OF(xdr_PATHCONF3args), &pc);
  COMMIT3args cm{Wire(g->file), 0, 0};
  WriteSeed(g->pv, NFSPROC3_COMMIT, 0, "commit", XDR_OF(xdr_COMMIT3args), &cm);
}

// Creates "seedfile" in the root through the CREATE handler and keeps its handle.
void CreateSeedFile() {
  const rpc::CallContext ctx = fuzz::TcpCaller(0x7f000001, 1000);
  char name[] = "seedfile";
  CREATE3args a{};
  a.where = {Wire(g->root), Name(name)};
  a.how.mode = UNCHECKED;
  CREATE3res r{};
  for (const auto& p : g->pv.procedures) {
    if (p.number != NFSPROC3_CREATE) continue;
    p.handler(g->pv.state, ctx, &a, &r);
    if (r.status == NFS3_OK && r.CREATE3res_u.resok.obj.handle_follows) {
      const nfs_fh3& fh = r.CREATE3res_u.resok.obj.post_op_fh3_u.handle;
      if (fh.data.data_len == g->file.size())
        std::memcpy(g->file.data(), fh.data.data_val, g->file.size());
    }
    xdr_free(p.encode_result, reinterpret_cast<char*>(&r));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  g = new State();
  // Deleted at exit: "Teardown" in program_harness.h.
  std::atexit([] { delete g; });
  g->store = fuzz::OpenMemStore();
  g->nfs = std::make_unique<nfs3::NfsService>(*g->store.catalog);
  g->pv = g->nfs->Program();
  g->root = fuzz::MountRoot(*g->store.catalog, "/fz");
  g->ro_root = fuzz::MountRoot(*g->store.catalog, "/ro");
  CreateSeedFile();
  WriteSeeds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return volumed::fuzz::RunProgramInput(g->pv, data, size);
}
