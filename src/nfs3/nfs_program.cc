// The NFS version 3 procedure table: every procedure of RFC 1813 in one place, as data.
// Non-idempotent procedures (their retransmission must not be executed twice) are
// answered from the engine's duplicate-request cache: CREATE, MKDIR, SYMLINK, MKNOD,
// REMOVE, RMDIR, RENAME, LINK — and SETATTR, because with a guard a re-executed
// SETATTR fails NOT_SYNC and without one it may undo a later change.
#include "nfs3/handlers.h"
#include "nfs3/nfs_service.h"
#include "nfs3/readdir_xdr.h"

namespace volumed::nfs3 {
namespace {

rpc::Outcome Null(void*, const rpc::CallContext&, void*, void*) { return rpc::Outcome::kReply; }

// xdr_void is declared without parameters; go through void(*)() as GCC asks.
const xdrproc_t kXdrVoid = reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(xdr_void));

template <typename Args, typename Res,
          void (*Fn)(NfsService&, const rpc::CallContext&, const Args&, Res&)>
rpc::Outcome Bind(void* state, const rpc::CallContext& ctx, void* args, void* res) {
  Fn(*static_cast<NfsService*>(state), ctx, *static_cast<const Args*>(args),
     *static_cast<Res*>(res));
  return rpc::Outcome::kReply;
}

#define NFS3_PROC(num, NAME, Fn, idempotent)                                         \
  rpc::Procedure {                                                                   \
    num, #NAME, reinterpret_cast<xdrproc_t>(xdr_##NAME##3args), sizeof(NAME##3args), \
        reinterpret_cast<xdrproc_t>(xdr_##NAME##3res), sizeof(NAME##3res),           \
        &Bind<NAME##3args, NAME##3res, Fn>, idempotent                               \
  }

constexpr bool kIdempotent = true;
constexpr bool kNotIdempotent = false;

const rpc::Procedure kProcedures[] = {
    {NFSPROC3_NULL, "NULL", kXdrVoid, 0, kXdrVoid, 0, &Null, kIdempotent},
    NFS3_PROC(NFSPROC3_GETATTR, GETATTR, Getattr, kIdempotent),
    NFS3_PROC(NFSPROC3_SETATTR, SETATTR, Setattr, kNotIdempotent),
    NFS3_PROC(NFSPROC3_LOOKUP, LOOKUP, Lookup, kIdempotent),
    NFS3_PROC(NFSPROC3_ACCESS, ACCESS, Access, kIdempotent),
    NFS3_PROC(NFSPROC3_READLINK, READLINK, Readlink, kIdempotent),
    NFS3_PROC(NFSPROC3_READ, READ, Read, kIdempotent),
    NFS3_PROC(NFSPROC3_WRITE, WRITE, Write, kIdempotent),
    NFS3_PROC(NFSPROC3_CREATE, CREATE, Create, kNotIdempotent),
    NFS3_PROC(NFSPROC3_MKDIR, MKDIR, Mkdir, kNotIdempotent),
    NFS3_PROC(NFSPROC3_SYMLINK, SYMLINK, Symlink, kNotIdempotent),
    NFS3_PROC(NFSPROC3_MKNOD, MKNOD, Mknod, kNotIdempotent),
    NFS3_PROC(NFSPROC3_REMOVE, REMOVE, Remove, kNotIdempotent),
    NFS3_PROC(NFSPROC3_RMDIR, RMDIR, Rmdir, kNotIdempotent),
    NFS3_PROC(NFSPROC3_RENAME, RENAME, Rename, kNotIdempotent),
    NFS3_PROC(NFSPROC3_LINK, LINK, Link, kNotIdempotent),
    {NFSPROC3_READDIR, "READDIR", reinterpret_cast<xdrproc_t>(xdr_READDIR3args),
     sizeof(READDIR3args), reinterpret_cast<xdrproc_t>(XdrReaddirRes), sizeof(READDIR3res),
     &Bind<READDIR3args, READDIR3res, Readdir>, kIdempotent},
    {NFSPROC3_READDIRPLUS, "READDIRPLUS", reinterpret_cast<xdrproc_t>(xdr_READDIRPLUS3args),
     sizeof(READDIRPLUS3args), reinterpret_cast<xdrproc_t>(XdrReaddirplusRes),
     sizeof(READDIRPLUS3res), &Bind<READDIRPLUS3args, READDIRPLUS3res, Readdirplus>, kIdempotent},
    NFS3_PROC(NFSPROC3_FSSTAT, FSSTAT, Fsstat, kIdempotent),
    NFS3_PROC(NFSPROC3_FSINFO, FSINFO, Fsinfo, kIdempotent),
    NFS3_PROC(NFSPROC3_PATHCONF, PATHCONF, Pathconf, kIdempotent),
    NFS3_PROC(NFSPROC3_COMMIT, COMMIT, Commit, kIdempotent),
};

#undef NFS3_PROC

}  // namespace

std::span<const rpc::Procedure> NfsProcedures() { return kProcedures; }

rpc::ProgramVersion NfsService::Program() {
  rpc::ProgramVersion v;
  v.prog = kNfsProgram;
  v.vers = kNfsVersion;
  v.name = "nfs";
  v.procedures = NfsProcedures();
  v.state = this;
  v.tcp = true;
  v.udp = true;
  return v;
}

}  // namespace volumed::nfs3
