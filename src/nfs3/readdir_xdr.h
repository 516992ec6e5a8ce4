// XDR routines for READDIR3res and READDIRPLUS3res that walk the entry lists in a loop.
// rpcgen's own routines recurse once per entry (xdr_pointer → xdr_entry3 → …), which
// for a 1 MiB reply of short names means tens of thousands of stack frames on a worker
// thread. These produce the identical wire encoding; they also free (XDR_FREE) in a
// loop, and when decoding (tests) stop after kMaxDecodedEntries entries.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>

#include "nfs3_prot.h"

namespace volumed::nfs3 {

inline constexpr size_t kMaxDecodedEntries = 1 << 20;

bool_t XdrReaddirRes(XDR* xdrs, READDIR3res* res);
bool_t XdrReaddirplusRes(XDR* xdrs, READDIRPLUS3res* res);

}  // namespace volumed::nfs3
