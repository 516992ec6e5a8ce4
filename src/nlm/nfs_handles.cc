#include "nlm/nfs_handles.h"

#include "nfs3/file_handle.h"
#include "nfs3/resolver.h"

namespace volumed::nlm {
namespace {

Result<FileKey> Decode(std::span<const uint8_t> fh) {
  VOLUMED_ASSIGN_OR_RETURN(nfs3::FileHandle h, nfs3::DecodeFileHandle(fh));
  return FileKey{h.volume_id, h.inode.ino};
}

}  // namespace

NlmHooks NfsHandleHooks(storage::VolumeCatalog* catalog) {
  NlmHooks hooks;
  hooks.decode_handle = Decode;
  if (catalog == nullptr) {
    hooks.resolve_handle = [](const rpc::CallContext&, std::span<const uint8_t> fh) {
      return Decode(fh);
    };
    return hooks;
  }
  auto resolver = std::make_shared<nfs3::Resolver>(*catalog, nullptr);
  hooks.resolve_handle = [resolver](const rpc::CallContext& ctx,
                                    std::span<const uint8_t> fh) -> Result<FileKey> {
    VOLUMED_ASSIGN_OR_RETURN(nfs3::Resolved r, resolver->Resolve(ctx, fh));
    VOLUMED_ASSIGN_OR_RETURN(storage::Attributes attrs, r.volume->GetAttr(r.ref));
    (void)attrs;
    return FileKey{r.volume_id, r.ref.ino};
  };
  return hooks;
}

}  // namespace volumed::nlm
