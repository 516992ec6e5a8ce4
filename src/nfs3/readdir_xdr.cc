#include "nfs3/readdir_xdr.h"

#include <cstdlib>

namespace volumed::nfs3 {
namespace {

bool_t Entry3Fields(XDR* x, entry3* e) {
  return xdr_fileid3(x, &e->fileid) && xdr_filename3(x, &e->name) && xdr_cookie3(x, &e->cookie);
}

bool_t EntryPlus3Fields(XDR* x, entryplus3* e) {
  return xdr_fileid3(x, &e->fileid) && xdr_filename3(x, &e->name) && xdr_cookie3(x, &e->cookie) &&
         xdr_post_op_attr(x, &e->name_attributes) && xdr_post_op_fh3(x, &e->name_handle);
}

// The optional-data list `{ TRUE entry }* FALSE` of RFC 4506 §4.19, iteratively.
template <typename Entry, bool_t (*Fields)(XDR*, Entry*)>
bool_t XdrEntryList(XDR* x, Entry** head) {
  if (x->x_op == XDR_FREE) {
    Entry* e = *head;
    while (e != nullptr) {
      Entry* next = e->nextentry;
      Fields(x, e);
      std::free(e);
      e = next;
    }
    *head = nullptr;
    return TRUE;
  }
  Entry** link = head;
  for (size_t n = 0;; ++n) {
    bool_t more = *link != nullptr ? TRUE : FALSE;
    if (!xdr_bool(x, &more)) return FALSE;
    if (!more) {
      if (x->x_op == XDR_DECODE) *link = nullptr;
      return TRUE;
    }
    if (x->x_op == XDR_DECODE) {
      if (n >= kMaxDecodedEntries) return FALSE;
      *link = static_cast<Entry*>(std::calloc(1, sizeof(Entry)));
      if (*link == nullptr) return FALSE;
    }
    if (!Fields(x, *link)) return FALSE;
    link = &(*link)->nextentry;
  }
}

}  // namespace

bool_t XdrReaddirRes(XDR* x, READDIR3res* r) {
  if (!xdr_nfsstat3(x, &r->status)) return FALSE;
  if (r->status != NFS3_OK) return xdr_READDIR3resfail(x, &r->READDIR3res_u.resfail);
  READDIR3resok& ok = r->READDIR3res_u.resok;
  return xdr_post_op_attr(x, &ok.dir_attributes) && xdr_cookieverf3(x, ok.cookieverf) &&
         XdrEntryList<entry3, Entry3Fields>(x, &ok.reply.entries) && xdr_bool(x, &ok.reply.eof);
}

bool_t XdrReaddirplusRes(XDR* x, READDIRPLUS3res* r) {
  if (!xdr_nfsstat3(x, &r->status)) return FALSE;
  if (r->status != NFS3_OK) return xdr_READDIRPLUS3resfail(x, &r->READDIRPLUS3res_u.resfail);
  READDIRPLUS3resok& ok = r->READDIRPLUS3res_u.resok;
  return xdr_post_op_attr(x, &ok.dir_attributes) && xdr_cookieverf3(x, ok.cookieverf) &&
         XdrEntryList<entryplus3, EntryPlus3Fields>(x, &ok.reply.entries) &&
         xdr_bool(x, &ok.reply.eof);
}

bool_t XdrReaddirplusReply(XDR* x, ReaddirplusReply* reply) {
  if (x->x_op == XDR_FREE) {
    delete reply->encoded;
    reply->encoded = nullptr;
    return XdrReaddirplusRes(x, &reply->res);
  }
  if (x->x_op == XDR_DECODE || reply->encoded == nullptr) return XdrReaddirplusRes(x, &reply->res);
  const std::string& bytes = **reply->encoded;
  constexpr size_t kStatusSize = 4;
  if (bytes.size() < kStatusSize || !xdr_nfsstat3(x, &reply->res.status)) return FALSE;
  return XDR_PUTBYTES(x, bytes.data() + kStatusSize,
                      static_cast<u_int>(bytes.size() - kStatusSize));
}

}  // namespace volumed::nfs3
