// WRITE3args with its data decoded in place; the contract is in write_args_xdr.h.
#include "nfs3/write_args_xdr.h"

namespace volumed::nfs3 {

bool_t XdrWriteArgs(XDR* xdrs, WRITE3args* args) {
  switch (xdrs->x_op) {
    case XDR_ENCODE:
      return xdr_WRITE3args(xdrs, args);
    case XDR_FREE:
      // The data lies in the call record: not ours to free.
      args->data.data_val = nullptr;
      args->data.data_len = 0;
      return xdr_WRITE3args(xdrs, args);
    case XDR_DECODE:
      break;
  }
  u_int len = 0;
  if (!xdr_nfs_fh3(xdrs, &args->file) || !xdr_offset3(xdrs, &args->offset) ||
      !xdr_count3(xdrs, &args->count) || !xdr_stable_how(xdrs, &args->stable) ||
      !xdr_u_int(xdrs, &len) || len > NFS3_MAXDATA) {
    return FALSE;
  }
  args->data.data_val = nullptr;
  args->data.data_len = 0;
  if (len == 0) return TRUE;
  // The bytes and their padding, lent by the stream (bounds-checked by it).
  int32_t* at = XDR_INLINE(xdrs, RNDUP(len));
  if (at == nullptr) return FALSE;
  args->data.data_val = reinterpret_cast<char*>(at);
  args->data.data_len = len;
  return TRUE;
}

}  // namespace volumed::nfs3
