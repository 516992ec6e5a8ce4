// NFSv3 create family: CREATE (UNCHECKED, GUARDED, EXCLUSIVE), MKDIR, SYMLINK, MKNOD.
// All four replies share one shape (post_op_fh3, post_op_attr, wcc_data), filled by
// FillCreated / FillCreateFailure.
#include <optional>

#include "base/big_endian.h"
#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"
#include "rpc/xdr_enum.h"

namespace volumed::nfs3 {
namespace {

// resok of CREATE/MKDIR/SYMLINK/MKNOD have these three members in common.
template <typename ResOk>
void FillCreated(const Resolved& dir, const storage::CreateResult& created,
                 const storage::Wcc& dir_wcc, ResOk& ok) {
  SetPostOpHandle(dir.HandleOf(created.ref), &ok.obj);
  SetPostOp(created.attrs, dir.volume_id, &ok.obj_attributes);
  ToWcc(dir_wcc, dir.volume_id, &ok.dir_wcc);
}

// Resolves the parent and checks the new name and writability; on failure fills the
// status (and dir wcc where possible) and returns nullopt.
template <typename Res>
std::optional<Resolved> Prepare(NfsService& s, const CallContext& ctx, const diropargs3& where,
                                Res& r, wcc_data& fail_wcc) {
  auto dir = s.resolver().Resolve(ctx, HandleBytes(where.dir));
  if (!dir.ok()) {
    r.status = ToNfsStat(dir.status());
    return std::nullopt;
  }
  Status st = CheckWritable(*dir);
  if (st.ok()) st = CheckNewName(NameOf(where.name));
  if (!st.ok()) {
    r.status = ToNfsStat(st);
    FillWccAfter(*dir, dir->ref, &fail_wcc);
    return std::nullopt;
  }
  return std::move(dir).value();
}

template <typename Res, typename ResOk>
void Finish(const Resolved& dir, const Result<storage::CreateResult>& created,
            const storage::Wcc& wcc, Res& r, ResOk& ok, wcc_data& fail_wcc) {
  r.status = ToNfsStat(created.ok() ? Status::Ok() : created.status());
  if (created.ok()) {
    FillCreated(dir, *created, wcc, ok);
  } else {
    ToWcc(wcc, dir.volume_id, &fail_wcc);
  }
}

uint64_t VerifierValue(const createverf3 verf) {
  static_assert(NFS3_CREATEVERFSIZE == sizeof(uint64_t));
  return LoadBigEndian<uint64_t>(verf);
}

// A refusal before anything was attempted: the status, and the directory's attributes.
template <typename Res>
void Refuse(const Resolved& dir, const Status& st, Res& r, wcc_data& fail_wcc) {
  r.status = ToNfsStat(st);
  FillWccAfter(dir, dir.ref, &fail_wcc);
}

// CREATE's createhow3 as the store takes it.
struct CreateHow {
  storage::CreateMode mode = storage::CreateMode::kUnchecked;
  storage::SetAttrRequest initial;
  uint64_t verifier = 0;  // EXCLUSIVE only
};

CreateHow FromCreateHow(const createhow3& how) {
  switch (how.mode) {
    case UNCHECKED:
      return {storage::CreateMode::kUnchecked, FromSattr(how.createhow3_u.obj_attributes), 0};
    case GUARDED:
      return {storage::CreateMode::kGuarded, FromSattr(how.createhow3_u.obj_attributes), 0};
    case EXCLUSIVE:
      return {storage::CreateMode::kExclusive, {}, VerifierValue(how.createhow3_u.verf)};
  }
  return {};  // not reached: the XDR decoder accepts only the three arms
}

// MKNOD's mknoddata3 as the store takes it.
struct NodeSpec {
  storage::FileType type = storage::FileType::kFifo;
  storage::SetAttrRequest initial;
  uint32_t major = 0;
  uint32_t minor = 0;
};

// nullopt for a regular file, directory or link (and any value outside ftype3): BADTYPE.
std::optional<NodeSpec> FromMknodData(const mknoddata3& what) {
  const int32_t type = rpc::RawEnum(what.type);  // XDR accepts any value here
  switch (type) {
    case NF3CHR:
    case NF3BLK:
      return NodeSpec{
          type == NF3CHR ? storage::FileType::kCharDevice : storage::FileType::kBlockDevice,
          FromSattr(what.mknoddata3_u.device.dev_attributes),
          what.mknoddata3_u.device.spec.specdata1, what.mknoddata3_u.device.spec.specdata2};
    case NF3SOCK:
    case NF3FIFO:
      return NodeSpec{type == NF3SOCK ? storage::FileType::kSocket : storage::FileType::kFifo,
                      FromSattr(what.mknoddata3_u.pipe_attributes), 0, 0};
    case NF3REG:
    case NF3DIR:
    case NF3LNK:
      break;
  }
  return std::nullopt;
}

}  // namespace

void Create(NfsService& s, const CallContext& ctx, const CREATE3args& a, CREATE3res& r) {
  wcc_data& fail_wcc = r.CREATE3res_u.resfail.dir_wcc;
  auto dir = Prepare(s, ctx, a.where, r, fail_wcc);
  if (!dir) return;
  const CreateHow how = FromCreateHow(a.how);
  storage::Wcc wcc;
  auto created = dir->volume->Create(dir->cred, dir->ref, NameOf(a.where.name), how.mode,
                                     how.initial, how.verifier, &wcc);
  Finish(*dir, created, wcc, r, r.CREATE3res_u.resok, fail_wcc);
}

void Mkdir(NfsService& s, const CallContext& ctx, const MKDIR3args& a, MKDIR3res& r) {
  wcc_data& fail_wcc = r.MKDIR3res_u.resfail.dir_wcc;
  auto dir = Prepare(s, ctx, a.where, r, fail_wcc);
  if (!dir) return;
  storage::Wcc wcc;
  auto created =
      dir->volume->Mkdir(dir->cred, dir->ref, NameOf(a.where.name), FromSattr(a.attributes), &wcc);
  Finish(*dir, created, wcc, r, r.MKDIR3res_u.resok, fail_wcc);
}

void Symlink(NfsService& s, const CallContext& ctx, const SYMLINK3args& a, SYMLINK3res& r) {
  wcc_data& fail_wcc = r.SYMLINK3res_u.resfail.dir_wcc;
  auto dir = Prepare(s, ctx, a.where, r, fail_wcc);
  if (!dir) return;
  std::string_view target = NameOf(a.symlink.symlink_data);
  if (target.empty()) return Refuse(*dir, InvalidArgument("empty symlink target"), r, fail_wcc);
  if (target.size() > storage::kMaxPathLength) {
    return Refuse(*dir, Status(Status::Code::kNameTooLong, "symlink target longer than 4096 bytes"),
                  r, fail_wcc);
  }
  storage::Wcc wcc;
  auto created = dir->volume->Symlink(dir->cred, dir->ref, NameOf(a.where.name), target,
                                      FromSattr(a.symlink.symlink_attributes), &wcc);
  Finish(*dir, created, wcc, r, r.SYMLINK3res_u.resok, fail_wcc);
}

void Mknod(NfsService& s, const CallContext& ctx, const MKNOD3args& a, MKNOD3res& r) {
  wcc_data& fail_wcc = r.MKNOD3res_u.resfail.dir_wcc;
  auto dir = Prepare(s, ctx, a.where, r, fail_wcc);
  if (!dir) return;
  const std::optional<NodeSpec> node = FromMknodData(a.what);
  if (!node) {
    return Refuse(*dir, Status(Status::Code::kBadType, "MKNOD of a regular file, dir or link"), r,
                  fail_wcc);
  }
  storage::Wcc wcc;
  auto created = dir->volume->Mknod(dir->cred, dir->ref, NameOf(a.where.name), node->type,
                                    node->initial, node->major, node->minor, &wcc);
  Finish(*dir, created, wcc, r, r.MKNOD3res_u.resok, fail_wcc);
}

}  // namespace volumed::nfs3
