// NfsHandleHooks: how NLM turns the `fh` of a lock request into a FileKey — it is our
// NFS file handle (nfs3/file_handle.h), so the NFS engineer's codec and resolver decide.
//   decode_handle:  the codec alone (wrong length/version → kBadHandle → NLM4_STALE_FH).
//   resolve_handle: the codec, then nfs3::Resolver (volume alive, epoch, export policy
//                   for the caller's address), then the inode's attributes (removed inode
//                   or other generation → kStale). Without a catalog, the codec alone.
//
// Thread-safety: the hooks are thread-safe when the catalog is.
#pragma once

#include "nlm/nlm_service.h"
#include "storage/catalog.h"

namespace volumed::nlm {

// `catalog` may be null (then handles are only decoded); it must outlive the hooks.
NlmHooks NfsHandleHooks(storage::VolumeCatalog* catalog);

}  // namespace volumed::nlm
