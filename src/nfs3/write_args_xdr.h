// XdrWriteArgs: the XDR routine for WRITE3args that decodes the written data in place — a
// view into the call record the engine decodes from, not a malloc'ed copy (rpcgen's
// xdr_bytes would copy up to 1 MiB per WRITE before the store copies it into its batch).
// The same wire form as xdr_WRITE3args; encoding is rpcgen's.
//
// Contract: the engine decodes arguments from a memory stream over the call record, which
// outlives the handler's call (rpc/program.h); the data is valid only during it, and
// XDR_FREE leaves it alone (frees the file handle only). A stream that cannot lend its
// bytes (XDR_INLINE answers null: not memory, or not 4-byte aligned) fails the decode.
//
// Thread-safety: a pure function.
#pragma once

#include "nfs3_prot.h"

namespace volumed::nfs3 {

bool_t XdrWriteArgs(XDR* xdrs, WRITE3args* args);

}  // namespace volumed::nfs3
