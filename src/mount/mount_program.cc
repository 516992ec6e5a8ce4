// The MOUNT version 3 procedure table (NULL, MNT, DUMP, UMNT, UMNTALL, EXPORT) and the
// one mapping Status → mountstat3; and version 1's table, which differs only in MNT's
// reply (a fixed 32-byte handle and an errno status, derived from mountstat3). MNT, UMNT and
// UMNTALL are idempotent in effect (the mount list is a set), so none needs the duplicate-request
// cache.
#include <cstdlib>
#include <cstring>
#include <new>

#include "mount/mount_service.h"
#include "mount3_prot.h"

namespace volumed::mount {
namespace {

mountstat3 ToMountStat(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk:
      return MNT3_OK;
    case C::kNotFound:
    case C::kStale:  // the volume went away between lookup and open
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

char* DupString(std::string_view s) {
  auto* buf = static_cast<char*>(std::malloc(s.size() + 1));
  if (buf == nullptr) throw std::bad_alloc();
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return buf;
}

template <typename T>
T* NewNode() {
  auto* node = static_cast<T*>(std::calloc(1, sizeof(T)));
  if (node == nullptr) throw std::bad_alloc();
  return node;
}

MountService& Service(void* state) { return *static_cast<MountService*>(state); }

rpc::Outcome Null(void*, const rpc::CallContext&, void*, void*) { return rpc::Outcome::kReply; }

rpc::Outcome Mnt(void* state, const rpc::CallContext& ctx, void* args, void* result) {
  const char* path = *static_cast<mnt3_dirpath*>(args);
  auto& res = *static_cast<mountres3*>(result);
  auto fh = Service(state).Mount(ctx, path == nullptr ? "" : path);
  res.fhs_status = ToMountStat(fh.ok() ? Status::Code::kOk : fh.status().code());
  if (!fh.ok()) return rpc::Outcome::kReply;
  nfs3::EncodedHandle bytes = nfs3::EncodeFileHandle(*fh);
  mnt3_mountres_ok& ok = res.mountres3_u.mountinfo;
  ok.fhandle.mnt3_fhandle_val = static_cast<char*>(std::malloc(bytes.size()));
  if (ok.fhandle.mnt3_fhandle_val == nullptr) throw std::bad_alloc();
  std::memcpy(ok.fhandle.mnt3_fhandle_val, bytes.data(), bytes.size());
  ok.fhandle.mnt3_fhandle_len = static_cast<u_int>(bytes.size());
  ok.auth_flavors.auth_flavors_val = NewNode<int>();
  ok.auth_flavors.auth_flavors_val[0] = AUTH_SYS;
  ok.auth_flavors.auth_flavors_len = 1;
  return rpc::Outcome::kReply;
}

rpc::Outcome Dump(void* state, const rpc::CallContext&, void*, void* result) {
  auto& head = *static_cast<mnt3_mountlist*>(result);
  mnt3_mountlist* tail = &head;
  for (const MountEntry& e : Service(state).Mounts()) {
    auto* node = NewNode<mnt3_mountbody>();
    *tail = node;
    tail = &node->ml_next;
    node->ml_hostname = DupString(e.host.substr(0, MNTNAMLEN));
    node->ml_directory = DupString(e.path.substr(0, MNTPATHLEN));
  }
  return rpc::Outcome::kReply;
}

rpc::Outcome Umnt(void* state, const rpc::CallContext& ctx, void* args, void*) {
  const char* path = *static_cast<mnt3_dirpath*>(args);
  Service(state).Unmount(ctx, path == nullptr ? "" : path);
  return rpc::Outcome::kReply;
}

rpc::Outcome UmntAll(void* state, const rpc::CallContext& ctx, void*, void*) {
  Service(state).UnmountAll(ctx);
  return rpc::Outcome::kReply;
}

// MOUNT v1: mountstat3's values below 100 are the errno values v1 uses; the NFSv3-only
// ones (NOTSUPP, SERVERFAULT) become EIO.
rpc::Outcome MntV1(void* state, const rpc::CallContext& ctx, void* args, void* result) {
  static_assert(nfs3::kFileHandleSize == MNT1_FHSIZE, "v1 handles are exactly 32 bytes");
  const char* path = *static_cast<mnt3_dirpath*>(args);
  auto& res = *static_cast<mnt1_fhstatus*>(result);
  auto fh = Service(state).Mount(ctx, path == nullptr ? "" : path);
  mountstat3 st = ToMountStat(fh.ok() ? Status::Code::kOk : fh.status().code());
  res.fhs_status = st < 100 ? static_cast<u_int>(st) : static_cast<u_int>(MNT3ERR_IO);
  if (fh.ok()) {
    nfs3::EncodedHandle bytes = nfs3::EncodeFileHandle(*fh);
    std::memcpy(res.mnt1_fhstatus_u.fhs_fhandle, bytes.data(), bytes.size());
  }
  return rpc::Outcome::kReply;
}

// Every volume, with its allowed client patterns (an empty group list: everyone).
rpc::Outcome Export(void* state, const rpc::CallContext&, void*, void* result) {
  auto& head = *static_cast<mnt3_exports*>(result);
  auto volumes = Service(state).Exports();
  if (!volumes.ok()) return rpc::Outcome::kSystemError;
  mnt3_exports* tail = &head;
  for (const storage::VolumeInfo& v : *volumes) {
    auto* node = NewNode<mnt3_exportnode>();
    *tail = node;
    tail = &node->ex_next;
    node->ex_dir = DupString("/" + v.name);
    mnt3_groups* gtail = &node->ex_groups;
    for (const std::string& cidr : v.policy.allowed_cidrs) {
      auto* g = NewNode<mnt3_groupnode>();
      *gtail = g;
      gtail = &g->gr_next;
      g->gr_name = DupString(std::string_view(cidr).substr(0, MNTNAMLEN));
    }
  }
  return rpc::Outcome::kReply;
}

xdrproc_t XdrVoid() { return reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(xdr_void)); }

const rpc::Procedure kProcedures[] = {
    {MOUNTPROC3_NULL, "NULL", XdrVoid(), 0, XdrVoid(), 0, &Null, true},
    {MOUNTPROC3_MNT, "MNT", reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), sizeof(mnt3_dirpath),
     reinterpret_cast<xdrproc_t>(xdr_mountres3), sizeof(mountres3), &Mnt, true},
    {MOUNTPROC3_DUMP, "DUMP", XdrVoid(), 0, reinterpret_cast<xdrproc_t>(xdr_mnt3_mountlist),
     sizeof(mnt3_mountlist), &Dump, true},
    {MOUNTPROC3_UMNT, "UMNT", reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), sizeof(mnt3_dirpath),
     XdrVoid(), 0, &Umnt, true},
    {MOUNTPROC3_UMNTALL, "UMNTALL", XdrVoid(), 0, XdrVoid(), 0, &UmntAll, true},
    {MOUNTPROC3_EXPORT, "EXPORT", XdrVoid(), 0, reinterpret_cast<xdrproc_t>(xdr_mnt3_exports),
     sizeof(mnt3_exports), &Export, true},
};

const rpc::Procedure kProceduresV1[] = {
    {MOUNTPROC1_NULL, "NULL", XdrVoid(), 0, XdrVoid(), 0, &Null, true},
    {MOUNTPROC1_MNT, "MNT", reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), sizeof(mnt3_dirpath),
     reinterpret_cast<xdrproc_t>(xdr_mnt1_fhstatus), sizeof(mnt1_fhstatus), &MntV1, true},
    {MOUNTPROC1_DUMP, "DUMP", XdrVoid(), 0, reinterpret_cast<xdrproc_t>(xdr_mnt3_mountlist),
     sizeof(mnt3_mountlist), &Dump, true},
    {MOUNTPROC1_UMNT, "UMNT", reinterpret_cast<xdrproc_t>(xdr_mnt3_dirpath), sizeof(mnt3_dirpath),
     XdrVoid(), 0, &Umnt, true},
    {MOUNTPROC1_UMNTALL, "UMNTALL", XdrVoid(), 0, XdrVoid(), 0, &UmntAll, true},
    {MOUNTPROC1_EXPORT, "EXPORT", XdrVoid(), 0, reinterpret_cast<xdrproc_t>(xdr_mnt3_exports),
     sizeof(mnt3_exports), &Export, true},
};

}  // namespace

std::span<const rpc::Procedure> MountProcedures() { return kProcedures; }
std::span<const rpc::Procedure> MountProceduresV1() { return kProceduresV1; }

rpc::ProgramVersion MountService::ProgramV1() {
  rpc::ProgramVersion v = Program();
  v.vers = 1;
  v.procedures = MountProceduresV1();
  return v;
}

rpc::ProgramVersion MountService::Program() {
  rpc::ProgramVersion v;
  v.prog = kMountProgram;
  v.vers = kMountVersion;
  v.name = "mount";
  v.procedures = MountProcedures();
  v.state = this;
  v.tcp = true;
  v.udp = true;
  return v;
}

}  // namespace volumed::mount
