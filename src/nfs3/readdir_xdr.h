// XDR routines for READDIR3res and READDIRPLUS3res that walk the entry lists in a loop.
// rpcgen's own routines recurse once per entry (xdr_pointer → xdr_entry3 → …), which
// for a 1 MiB reply of short names means tens of thousands of stack frames on a worker
// thread. These produce the identical wire encoding; they also free (XDR_FREE) in a
// loop, and when decoding (tests) stop after kMaxDecodedEntries entries.
//
// ReaddirplusReply is READDIRPLUS's result as its handler fills it: either `res` with its
// entry list, or a reply encoded once and shared (nfs3/listing_cache.h): `encoded`, the
// XDR encoding of a whole READDIRPLUS3res, written as it is after its status word — the
// reply then references those bytes instead of copying them (rpc/reply.h).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "nfs3_prot.h"

namespace volumed::nfs3 {

inline constexpr size_t kMaxDecodedEntries = 1 << 20;

bool_t XdrReaddirRes(XDR* xdrs, READDIR3res* res);
bool_t XdrReaddirplusRes(XDR* xdrs, READDIRPLUS3res* res);

struct ReaddirplusReply {
  READDIRPLUS3res res;  // its status is always set; the rest unless `encoded`
  std::shared_ptr<const std::string>* encoded;  // null, or owned here (XDR_FREE deletes)
};
// Encodes `encoded` when set (its status word must be NFS3_OK, as res.status), else
// `res`; decodes into `res`; frees both.
bool_t XdrReaddirplusReply(XDR* xdrs, ReaddirplusReply* reply);

}  // namespace volumed::nfs3
