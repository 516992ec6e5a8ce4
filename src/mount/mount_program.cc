// The MOUNT version 3 procedure table (NULL, MNT, DUMP, UMNT, UMNTALL, EXPORT) and the
// one mapping Status → mountstat3; and version 1's table, which differs only in MNT's
// reply (a fixed 32-byte handle and an errno status, derived from mountstat3). MNT, UMNT and
// UMNTALL are idempotent in effect (the mount list is a set), so none needs the duplicate-request
// cache.
#include <cstring>
#include <string_view>

#include "mount/mount_service.h"
#include "mount3_prot.h"
#include "rpc/procedure_table.h"
#include "rpc/xdr_alloc.h"

namespace volumed::mount {
namespace {

mountstat3 ToMountStat(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk:
      return MNT3_OK;
    case C::kNotFound:
    case C::kStale:  // the volume went away between lookup and open
    // Another gateway serves it: MNT is forwarded there (services/gateway_forwarder.h);
    // when it cannot be, not exported here (NFSv3 has no referral; the server's log and
    // `volumectl info` name the gateway and the address to mount).
    case C::kElsewhere:
      return MNT3ERR_NOENT;
    case C::kAccessDenied:
      return MNT3ERR_ACCES;
    case C::kNotPermitted:
      return MNT3ERR_PERM;
    case C::kNotDir:
      return MNT3ERR_NOTDIR;
    case C::kInvalidArgument:
      return MNT3ERR_INVAL;
    case C::kNameTooLong:
      return MNT3ERR_NAMETOOLONG;
    case C::kNotSupported:
      return MNT3ERR_NOTSUPP;
    case C::kIoError:
    case C::kCorruption:
      return MNT3ERR_IO;
    case C::kExists:
    case C::kIsDir:
    case C::kNotEmpty:
    case C::kBadHandle:
    case C::kNoSpace:
    case C::kQuotaExceeded:
    case C::kReadOnly:
    case C::kTooLarge:
    case C::kNotSync:
    case C::kCrossDevice:
    case C::kTooManyLinks:
    case C::kBadType:
    case C::kBusy:
    case C::kInternal:
      return MNT3ERR_SERVERFAULT;
  }
  return MNT3ERR_SERVERFAULT;  // unreachable
}

using rpc::CallContext;
using rpc::kIdempotent;
using rpc::Proc;

// Answers for MNT in both versions: the handle, or the status that refuses it.
Result<nfs3::FileHandle> MountPath(MountService& s, const CallContext& ctx,
                                   const mnt3_dirpath& path) {
  return s.Mount(ctx, path == nullptr ? "" : path);
}

void Mnt(MountService& s, const CallContext& ctx, const mnt3_dirpath& path, mountres3& res) {
  auto fh = MountPath(s, ctx, path);
  res.fhs_status = ToMountStat(fh.ok() ? Status::Code::kOk : fh.status().code());
  if (!fh.ok()) return;
  nfs3::EncodedHandle bytes = nfs3::EncodeFileHandle(*fh);
  mnt3_mountres_ok& ok = res.mountres3_u.mountinfo;
  ok.fhandle.mnt3_fhandle_val = rpc::XdrDupBytes(bytes.data(), bytes.size());
  ok.fhandle.mnt3_fhandle_len = static_cast<u_int>(bytes.size());
  ok.auth_flavors.auth_flavors_val = rpc::XdrCalloc<int>();
  ok.auth_flavors.auth_flavors_val[0] = AUTH_SYS;
  ok.auth_flavors.auth_flavors_len = 1;
}

void Dump(MountService& s, const CallContext&, const rpc::Void&, mnt3_mountlist& head) {
  mnt3_mountlist* tail = &head;
  for (const MountEntry& e : s.Mounts()) {
    auto* node = rpc::XdrCalloc<mnt3_mountbody>();
    *tail = node;
    tail = &node->ml_next;
    node->ml_hostname = rpc::XdrDupString(e.host, MNTNAMLEN);
    node->ml_directory = rpc::XdrDupString(e.path, MNTPATHLEN);
  }
}

void Umnt(MountService& s, const CallContext& ctx, const mnt3_dirpath& path, rpc::Void&) {
  s.Unmount(ctx, path == nullptr ? "" : path);
}

void UmntAll(MountService& s, const CallContext& ctx, const rpc::Void&, rpc::Void&) {
  s.UnmountAll(ctx);
}

// MOUNT v1: mountstat3's values below 100 are the errno values v1 uses; the NFSv3-only
// ones (NOTSUPP, SERVERFAULT) become EIO.
void MntV1(MountService& s, const CallContext& ctx, const mnt3_dirpath& path, mnt1_fhstatus& res) {
  static_assert(nfs3::kFileHandleSize == MNT1_FHSIZE, "v1 handles are exactly 32 bytes");
  auto fh = MountPath(s, ctx, path);
  mountstat3 st = ToMountStat(fh.ok() ? Status::Code::kOk : fh.status().code());
  res.fhs_status = st < 100 ? static_cast<u_int>(st) : static_cast<u_int>(MNT3ERR_IO);
  if (fh.ok()) {
    nfs3::EncodedHandle bytes = nfs3::EncodeFileHandle(*fh);
    std::memcpy(res.mnt1_fhstatus_u.fhs_fhandle, bytes.data(), bytes.size());
  }
}

// Every volume, with its allowed client patterns (an empty group list: everyone).
rpc::Outcome Export(MountService& s, const CallContext&, const rpc::Void&, mnt3_exports& head) {
  auto volumes = s.Exports();
  if (!volumes.ok()) return rpc::Outcome::kSystemError;
  mnt3_exports* tail = &head;
  for (const storage::VolumeInfo& v : *volumes) {
    auto* node = rpc::XdrCalloc<mnt3_exportnode>();
    *tail = node;
    tail = &node->ex_next;
    node->ex_dir = rpc::XdrDupString("/" + v.name);
    mnt3_groups* gtail = &node->ex_groups;
    for (const std::string& cidr : v.policy.allowed_cidrs) {
      auto* g = rpc::XdrCalloc<mnt3_groupnode>();
      *gtail = g;
      gtail = &g->gr_next;
      g->gr_name = rpc::XdrDupString(cidr, MNTNAMLEN);
    }
  }
  return rpc::Outcome::kReply;
}

using rpc::kXdrVoid;

const rpc::Procedure kProcedures[] = {
    rpc::NullProc(MOUNTPROC3_NULL),
    Proc<&Mnt>(MOUNTPROC3_MNT, "MNT", xdr_mnt3_dirpath, xdr_mountres3, kIdempotent),
    Proc<&Dump>(MOUNTPROC3_DUMP, "DUMP", kXdrVoid, xdr_mnt3_mountlist, kIdempotent),
    Proc<&Umnt>(MOUNTPROC3_UMNT, "UMNT", xdr_mnt3_dirpath, kXdrVoid, kIdempotent),
    Proc<&UmntAll>(MOUNTPROC3_UMNTALL, "UMNTALL", kXdrVoid, kXdrVoid, kIdempotent),
    Proc<&Export>(MOUNTPROC3_EXPORT, "EXPORT", kXdrVoid, xdr_mnt3_exports, kIdempotent),
};

const rpc::Procedure kProceduresV1[] = {
    rpc::NullProc(MOUNTPROC1_NULL),
    Proc<&MntV1>(MOUNTPROC1_MNT, "MNT", xdr_mnt3_dirpath, xdr_mnt1_fhstatus, kIdempotent),
    Proc<&Dump>(MOUNTPROC1_DUMP, "DUMP", kXdrVoid, xdr_mnt3_mountlist, kIdempotent),
    Proc<&Umnt>(MOUNTPROC1_UMNT, "UMNT", xdr_mnt3_dirpath, kXdrVoid, kIdempotent),
    Proc<&UmntAll>(MOUNTPROC1_UMNTALL, "UMNTALL", kXdrVoid, kXdrVoid, kIdempotent),
    Proc<&Export>(MOUNTPROC1_EXPORT, "EXPORT", kXdrVoid, xdr_mnt3_exports, kIdempotent),
};

}  // namespace

std::span<const rpc::Procedure> MountProcedures() { return kProcedures; }
std::span<const rpc::Procedure> MountProceduresV1() { return kProceduresV1; }

namespace {

// mountstat3, RFC 1813 appendix I (MOUNT v1's fhstatus uses the same numbers).
constexpr rpc::NamedStatus kMountStatuses[] = {
    {0, "MNT3_OK"},
    {1, "MNT3ERR_PERM"},
    {2, "MNT3ERR_NOENT"},
    {5, "MNT3ERR_IO"},
    {13, "MNT3ERR_ACCES"},
    {20, "MNT3ERR_NOTDIR"},
    {22, "MNT3ERR_INVAL"},
    {63, "MNT3ERR_NAMETOOLONG"},
    {10004, "MNT3ERR_NOTSUPP"},
    {10006, "MNT3ERR_SERVERFAULT"},
};
constexpr uint32_t kMntProcedures[] = {MOUNTPROC3_MNT};  // MOUNTPROC_MNT of v1 too

}  // namespace

rpc::ProgramVersion MountService::ProgramV1() {
  rpc::ProgramVersion v = Program();
  v.vers = 1;
  v.procedures = MountProceduresV1();
  return v;
}

rpc::ProgramVersion MountService::Program() {
  return rpc::ProgramVersion{.prog = kMountProgram,
                             .vers = kMountVersion,
                             .name = "mount",
                             .procedures = MountProcedures(),
                             .state = this,
                             .tcp = true,
                             .udp = true,
                             .result_status = {.at = rpc::ResultStatus::At::kFirstWord,
                                               .names = kMountStatuses,
                                               .procedures = kMntProcedures}};
}

}  // namespace volumed::mount
