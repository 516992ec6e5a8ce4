#include "nfs3/handler_util.h"

#include "storage/types.h"

namespace volumed::nfs3 {

bool IsDotOrDotDot(std::string_view name) { return name == "." || name == ".."; }

Status CheckName(std::string_view name) {
  if (name.empty()) return InvalidArgument("empty name");
  if (name.size() > storage::kMaxNameLength) {
    return Status(Status::Code::kNameTooLong, "name longer than 255 bytes");
  }
  if (name.find('/') != std::string_view::npos) return InvalidArgument("name contains '/'");
  if (name.find('\0') != std::string_view::npos) return InvalidArgument("name contains NUL");
  return Status::Ok();
}

Status CheckNewName(std::string_view name) {
  VOLUMED_RETURN_IF_ERROR(CheckName(name));
  if (IsDotOrDotDot(name)) return Exists("'.' and '..' always exist");
  return Status::Ok();
}

Status CheckWritable(const Resolved& r) {
  if (r.read_only) return Status(Status::Code::kReadOnly, "export is read-only");
  return Status::Ok();
}

Result<ResolvedWithAttrs> ResolveWithAttrs(const Resolver& resolver, const rpc::CallContext& ctx,
                                           const nfs_fh3& handle) {
  VOLUMED_ASSIGN_OR_RETURN(Resolved target, resolver.Resolve(ctx, HandleBytes(handle)));
  VOLUMED_ASSIGN_OR_RETURN(storage::Attributes attrs, target.volume->GetAttr(target.ref));
  return ResolvedWithAttrs{std::move(target), std::move(attrs)};
}

void FillPostOp(const Resolved& r, storage::InodeRef ref, post_op_attr* out) {
  auto attrs = r.volume->GetAttr(ref);
  if (attrs.ok()) {
    SetPostOp(*attrs, r.volume_id, out);
  } else {
    out->attributes_follow = FALSE;
  }
}

void FillWccAfter(const Resolved& r, storage::InodeRef ref, wcc_data* out) {
  out->before.attributes_follow = FALSE;
  FillPostOp(r, ref, &out->after);
}

}  // namespace volumed::nfs3
