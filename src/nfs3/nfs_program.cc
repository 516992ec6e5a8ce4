// The NFS version 3 procedure table: every procedure of RFC 1813 in one place, as data.
// Non-idempotent procedures (their retransmission must not be executed twice) are
// answered from the engine's duplicate-request cache: CREATE, MKDIR, SYMLINK, MKNOD,
// REMOVE, RMDIR, RENAME, LINK — and SETATTR, because with a guard a re-executed
// SETATTR fails NOT_SYNC and without one it may undo a later change.
// The calls that only read metadata (GETATTR, LOOKUP, ACCESS, READLINK, FSSTAT, FSINFO,
// PATHCONF) may run on the reactor when the server is idle (rpc/program.h, Runs), and so
// may a READ of at most 16 KiB (at most four blocks of the default size, next to each
// other in one table block: about as cheap as a GETATTR's); a larger READ stays on the
// workers — a client queueing 1 MiB READs would otherwise hold the reactor for each of
// them (hostile_test's client that never reads) — and so do READDIR and READDIRPLUS,
// which may walk a large directory.
#include "base/big_endian.h"
#include "nfs3/handlers.h"
#include "nfs3/nfs_service.h"
#include "nfs3/readdir_xdr.h"
#include "nfs3/write_args_xdr.h"
#include "rpc/procedure_table.h"

namespace volumed::nfs3 {
namespace {

using rpc::kIdempotent;
using rpc::kNotIdempotent;
using rpc::Proc;
constexpr rpc::Runs kOnReactor = rpc::Runs::kReactorWhenIdle;

// READ3args and WRITE3args both start nfs_fh3 (opaque<NFS3_FHSIZE>) offset:u64 count:u32,
// RFC 1813 §3.3.6 and §3.3.7: a transfer of a few blocks, not of a megabyte, is light.
constexpr uint32_t kLightTransferBytes = 16 << 10;
// Where the count is, or 0 when `args` cannot hold it.
size_t CountAt(std::span<const uint8_t> args) {
  if (args.size() < 4) return 0;
  const uint32_t fh_len = LoadBigEndian<uint32_t>(args.data());
  if (fh_len > NFS3_FHSIZE) return 0;
  const size_t count_at = 4 + ((size_t{fh_len} + 3) & ~size_t{3}) + 8;
  return args.size() < count_at + 4 ? 0 : count_at;
}
bool LightRead(std::span<const uint8_t> args) {
  const size_t at = CountAt(args);
  return at != 0 && LoadBigEndian<uint32_t>(args.data() + at) <= kLightTransferBytes;
}
// A small synced WRITE (a small file's data, then its reply waits for the log's sync) is
// light; UNSTABLE writes come in streams, where workers beside the reactor run more.
bool LightWrite(std::span<const uint8_t> args) {
  const size_t at = CountAt(args);
  if (at == 0 || args.size() < at + 8) return false;
  return LoadBigEndian<uint32_t>(args.data() + at) <= kLightTransferBytes &&
         LoadBigEndian<uint32_t>(args.data() + at + 4) != UNSTABLE;
}

// nfsstat3, RFC 1813 §2.6.
constexpr rpc::NamedStatus kNfsStatuses[] = {
    {0, "NFS3_OK"},
    {1, "NFS3ERR_PERM"},
    {2, "NFS3ERR_NOENT"},
    {5, "NFS3ERR_IO"},
    {6, "NFS3ERR_NXIO"},
    {13, "NFS3ERR_ACCES"},
    {17, "NFS3ERR_EXIST"},
    {18, "NFS3ERR_XDEV"},
    {19, "NFS3ERR_NODEV"},
    {20, "NFS3ERR_NOTDIR"},
    {21, "NFS3ERR_ISDIR"},
    {22, "NFS3ERR_INVAL"},
    {27, "NFS3ERR_FBIG"},
    {28, "NFS3ERR_NOSPC"},
    {30, "NFS3ERR_ROFS"},
    {31, "NFS3ERR_MLINK"},
    {63, "NFS3ERR_NAMETOOLONG"},
    {66, "NFS3ERR_NOTEMPTY"},
    {69, "NFS3ERR_DQUOT"},
    {70, "NFS3ERR_STALE"},
    {71, "NFS3ERR_REMOTE"},
    {10001, "NFS3ERR_BADHANDLE"},
    {10002, "NFS3ERR_NOT_SYNC"},
    {10003, "NFS3ERR_BAD_COOKIE"},
    {10004, "NFS3ERR_NOTSUPP"},
    {10005, "NFS3ERR_TOOSMALL"},
    {10006, "NFS3ERR_SERVERFAULT"},
    {10007, "NFS3ERR_BADTYPE"},
    {10008, "NFS3ERR_JUKEBOX"},
};

const rpc::Procedure kProcedures[] = {
    rpc::NullProc(NFSPROC3_NULL),
    Proc<&Getattr>(NFSPROC3_GETATTR, "GETATTR", xdr_GETATTR3args, xdr_GETATTR3res, kIdempotent,
                   kOnReactor),
    Proc<&Setattr>(NFSPROC3_SETATTR, "SETATTR", xdr_SETATTR3args, xdr_SETATTR3res, kNotIdempotent),
    Proc<&Lookup>(NFSPROC3_LOOKUP, "LOOKUP", xdr_LOOKUP3args, xdr_LOOKUP3res, kIdempotent,
                  kOnReactor),
    Proc<&Access>(NFSPROC3_ACCESS, "ACCESS", xdr_ACCESS3args, xdr_ACCESS3res, kIdempotent,
                  kOnReactor),
    Proc<&Readlink>(NFSPROC3_READLINK, "READLINK", xdr_READLINK3args, xdr_READLINK3res, kIdempotent,
                    kOnReactor),
    Proc<&Read>(NFSPROC3_READ, "READ", xdr_READ3args, xdr_READ3res, kIdempotent, kOnReactor,
                &LightRead),
    Proc<&Write>(NFSPROC3_WRITE, "WRITE", XdrWriteArgs, xdr_WRITE3res, kIdempotent, kOnReactor,
                 &LightWrite),
    Proc<&Create>(NFSPROC3_CREATE, "CREATE", xdr_CREATE3args, xdr_CREATE3res, kNotIdempotent,
                  kOnReactor),
    Proc<&Mkdir>(NFSPROC3_MKDIR, "MKDIR", xdr_MKDIR3args, xdr_MKDIR3res, kNotIdempotent,
                 kOnReactor),
    Proc<&Symlink>(NFSPROC3_SYMLINK, "SYMLINK", xdr_SYMLINK3args, xdr_SYMLINK3res, kNotIdempotent),
    Proc<&Mknod>(NFSPROC3_MKNOD, "MKNOD", xdr_MKNOD3args, xdr_MKNOD3res, kNotIdempotent),
    Proc<&Remove>(NFSPROC3_REMOVE, "REMOVE", xdr_REMOVE3args, xdr_REMOVE3res, kNotIdempotent,
                  kOnReactor),
    Proc<&Rmdir>(NFSPROC3_RMDIR, "RMDIR", xdr_RMDIR3args, xdr_RMDIR3res, kNotIdempotent,
                 kOnReactor),
    Proc<&Rename>(NFSPROC3_RENAME, "RENAME", xdr_RENAME3args, xdr_RENAME3res, kNotIdempotent),
    Proc<&Link>(NFSPROC3_LINK, "LINK", xdr_LINK3args, xdr_LINK3res, kNotIdempotent),
    // Results encoded by readdir_xdr.cc: entries straight from the handler's arena.
    Proc<&Readdir>(NFSPROC3_READDIR, "READDIR", xdr_READDIR3args, XdrReaddirRes, kIdempotent),
    Proc<&Readdirplus>(NFSPROC3_READDIRPLUS, "READDIRPLUS", xdr_READDIRPLUS3args,
                       XdrReaddirplusReply, kIdempotent),
    Proc<&Fsstat>(NFSPROC3_FSSTAT, "FSSTAT", xdr_FSSTAT3args, xdr_FSSTAT3res, kIdempotent,
                  kOnReactor),
    Proc<&Fsinfo>(NFSPROC3_FSINFO, "FSINFO", xdr_FSINFO3args, xdr_FSINFO3res, kIdempotent,
                  kOnReactor),
    Proc<&Pathconf>(NFSPROC3_PATHCONF, "PATHCONF", xdr_PATHCONF3args, xdr_PATHCONF3res, kIdempotent,
                    kOnReactor),
    Proc<&Commit>(NFSPROC3_COMMIT, "COMMIT", xdr_COMMIT3args, xdr_COMMIT3res, kIdempotent),
};

}  // namespace

std::span<const rpc::Procedure> NfsProcedures() { return kProcedures; }

rpc::ProgramVersion NfsService::Program() {
  return rpc::ProgramVersion{
      .prog = kNfsProgram,
      .vers = kNfsVersion,
      .name = "nfs",
      .procedures = NfsProcedures(),
      .state = this,
      .tcp = true,
      .udp = true,
      .result_status = {
          .at = rpc::ResultStatus::At::kFirstWord, .names = kNfsStatuses, .procedures = {}}};
}

}  // namespace volumed::nfs3
