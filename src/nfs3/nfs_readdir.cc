// NFSv3 directory listing: READDIR and READDIRPLUS.
//
// Cookies: "." and ".." are synthesised here (the store does not keep them). Wire cookie
// 0 starts the listing, 1 resumes after ".", 2 after ".."; a stored entry with store
// cookie c has wire cookie c + 2. Store cookies are never reused and survive restarts
// and changes to other entries, so every cookie we ever handed out stays valid, and
// entries added or removed during a listing are seen at most once.
//
// Cookie verifier (RFC 1813 §3.3.16/§3.3.17: the verifier sent with a cookie must be the
// one returned with it; a server may answer NFS3ERR_BAD_COOKIE otherwise). Since no
// cookie of ours ever expires, the verifier we return is always zero. A request with a
// non-zero cookie and a non-zero verifier therefore carries a verifier we never issued:
// it answers NFS3ERR_BAD_COOKIE (Linux then drops its cached listing and reads the
// directory again from cookie 0). With cookie 0 there is nothing to verify: the RFC asks
// clients to send a zero verifier there, and one that does not is not failed for it.
//
// A cookie past the end of the directory (its last entries were removed since the
// client read it) answers an empty list with eof, not BAD_COOKIE: the cookie is one we
// issued and it is still a valid position, and clients (Linux, at least) treat eof as
// the end of a listing while BAD_COOKIE makes them start over.
//
// Budgets: readdir_budget.h; an entry is included only if it fits entirely. A reply
// that cannot hold even one entry when more remain is NFS3ERR_TOOSMALL.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <optional>

#include "nfs3/handler_util.h"
#include "nfs3/handlers.h"
#include "nfs3/listing_cache.h"
#include "nfs3/readdir_budget.h"
#include "nfs3/readdir_xdr.h"

namespace volumed::nfs3 {
namespace {

constexpr uint64_t kAfterDot = 1;
constexpr uint64_t kAfterDotDot = 2;
constexpr uint64_t kStoreCookieOffset = 2;

struct WalkEntry {
  std::string_view name;
  storage::InodeRef ref;
  uint64_t cookie = 0;                         // wire cookie
  const storage::Attributes* attrs = nullptr;  // "." and "..", and READDIRPLUS's entries
};
using Emit = std::function<bool(const WalkEntry&)>;

// Visits ".", ".." and the stored entries after wire cookie `cookie` until `emit`
// declines one; `plus`: stored entries come with their attributes (one volume call reads
// both). Returns true at the end of the directory.
Result<bool> WalkDirectory(const Resolved& dir, const storage::Attributes& dir_attrs,
                           uint64_t cookie, bool plus, const Emit& emit,
                           storage::Attributes* dir_after) {
  if (cookie == 0) {
    if (!emit({".", dir.ref, kAfterDot, &dir_attrs})) return false;
    cookie = kAfterDot;
  }
  if (cookie == kAfterDot) {
    VOLUMED_ASSIGN_OR_RETURN(storage::LookupResult parent, dir.volume->Parent(dir.ref));
    if (!emit({"..", parent.ref, kAfterDotDot, &parent.attrs})) return false;
    cookie = kAfterDotDot;
  }
  const uint64_t store_cookie = cookie - kStoreCookieOffset;
  auto visit = [&](const storage::DirEntry& e) {
    return emit({e.name,
                 {e.ino, e.generation},
                 e.cookie + kStoreCookieOffset,
                 e.attrs ? &*e.attrs : nullptr});
  };
  if (plus) return dir.volume->ReadDirPlus(dir.cred, dir.ref, store_cookie, visit, dir_after);
  return dir.volume->ReadDir(dir.cred, dir.ref, store_cookie, visit, dir_after);
}

template <typename Entry>
Entry* NewEntry(std::string_view name, uint64_t fileid, uint64_t cookie) {
  auto* e = static_cast<Entry*>(std::calloc(1, sizeof(Entry)));
  if (e == nullptr) throw std::bad_alloc();
  e->fileid = fileid;
  e->cookie = cookie;
  try {
    e->name = DupName(name);
  } catch (...) {
    std::free(e);
    throw;
  }
  return e;
}

// Checks the handle names a directory; fills its attributes.
Status DirectoryAttrs(const Resolved& dir, storage::Attributes* out) {
  VOLUMED_ASSIGN_OR_RETURN(*out, dir.volume->GetAttr(dir.ref));
  if (out->type != storage::FileType::kDirectory) {
    return Status(Status::Code::kNotDir, "READDIR of a non-directory");
  }
  return Status::Ok();
}

bool IsZero(const cookieverf3 verf) {
  return std::all_of(verf, verf + NFS3_COOKIEVERFSIZE, [](char c) { return c == 0; });
}

// The shared prelude of READDIR and READDIRPLUS: resolves the directory, reads its
// attributes and checks the cookie verifier (see the top of this file). On failure fills
// the status of `r` and, once the handle resolved, `fail_attrs` (the reply's
// resfail.dir_attributes), and returns nullopt. `stamp`, when given, receives the
// volume's change stamp read before anything of the directory is (nfs3/listing_cache.h).
template <typename Res>
std::optional<ResolvedWithAttrs> OpenListing(NfsService& s, const CallContext& ctx,
                                             const nfs_fh3& handle, uint64_t cookie,
                                             const cookieverf3 verf, Res& r,
                                             post_op_attr* fail_attrs, uint64_t* stamp = nullptr) {
  auto dir = s.resolver().Resolve(ctx, HandleBytes(handle));
  if (!dir.ok()) {
    r.status = ToNfsStat(dir.status());
    return std::nullopt;
  }
  if (stamp != nullptr) *stamp = dir->volume->ChangeStamp();
  storage::Attributes dir_attrs;
  if (Status st = DirectoryAttrs(*dir, &dir_attrs); !st.ok()) {
    r.status = ToNfsStat(st);
    FillPostOp(*dir, dir->ref, fail_attrs);
    return std::nullopt;
  }
  if (cookie != 0 && !IsZero(verf)) {
    r.status = NFS3ERR_BAD_COOKIE;
    SetPostOp(dir_attrs, dir->volume_id, fail_attrs);
    return std::nullopt;
  }
  return ResolvedWithAttrs{std::move(dir).value(), dir_attrs};
}

// Walks the directory through `emit` and completes the READDIR or READDIRPLUS reply `r`
// whose list `emit` builds: NFS3ERR_TOOSMALL when not one entry fit and more remain, the
// store's error (the partial list freed), or else eof, the cookie verifier and the
// directory's post-op attributes. `fail_attrs` is the reply's resfail.dir_attributes.
template <typename Res, typename ResOk>
void ListInto(const Resolved& dir, const storage::Attributes& dir_attrs, uint64_t cookie, bool plus,
              const Emit& emit, xdrproc_t free_reply, Res& r, ResOk& ok, post_op_attr* fail_attrs) {
  size_t emitted = 0;
  auto counting = [&](const WalkEntry& e) {
    if (!emit(e)) return false;
    ++emitted;
    return true;
  };
  storage::Attributes dir_after = dir_attrs;
  auto eof = WalkDirectory(dir, dir_attrs, cookie, plus, counting, &dir_after);
  Status st = eof.ok() ? Status::Ok() : eof.status();
  if (st.ok() && emitted == 0 && !*eof) {
    st = Status(Status::Code::kInvalidArgument, "count too small for one entry");
  }
  if (!st.ok()) {
    bool too_small = eof.ok();
    xdr_free(free_reply, reinterpret_cast<char*>(&r));
    std::memset(&r, 0, sizeof(r));
    r.status = too_small ? NFS3ERR_TOOSMALL : ToNfsStat(st);
    FillPostOp(dir, dir.ref, fail_attrs);
    return;
  }
  ok.reply.eof = *eof ? TRUE : FALSE;
  std::memset(ok.cookieverf, 0, sizeof(ok.cookieverf));
  SetPostOp(dir_after, dir.volume_id, &ok.dir_attributes);
}

}  // namespace

void Readdir(NfsService& s, const CallContext& ctx, const READDIR3args& a, READDIR3res& r) {
  auto listing = OpenListing(s, ctx, a.dir, a.cookie, a.cookieverf, r,
                             &r.READDIR3res_u.resfail.dir_attributes);
  if (!listing) return;
  const Resolved& dir = listing->target;
  // The list hangs off the reply as it grows, so XDR_FREE reclaims it on every path.
  r.status = NFS3_OK;
  READDIR3resok& ok = r.READDIR3res_u.resok;
  entry3** tail = &ok.reply.entries;
  ByteBudget budget(std::min<size_t>(a.count, kMaxReaddirReply), kReaddirReplyOverhead);
  auto emit = [&](const WalkEntry& e) {
    size_t size = ReaddirEntrySize(e.name.size());
    if (!budget.Fits(size)) return false;
    budget.Take(size);
    *tail = NewEntry<entry3>(e.name, e.ref.ino, e.cookie);
    tail = &(*tail)->nextentry;
    return true;
  };
  ListInto(dir, listing->attrs, a.cookie, false, emit, reinterpret_cast<xdrproc_t>(XdrReaddirRes),
           r, ok, &r.READDIR3res_u.resfail.dir_attributes);
}

// READDIRPLUS answers from ListingCache when the volume did not change since the same
// reply was encoded (the caller's read permission checked anew); otherwise it walks the
// directory, encodes the reply once — the bytes the reply then references — and keeps
// them when no change happened during the walk.
void Readdirplus(NfsService& s, const CallContext& ctx, const READDIRPLUS3args& a,
                 ReaddirplusReply& reply) {
  READDIRPLUS3res& r = reply.res;
  uint64_t stamp = 0;
  auto listing = OpenListing(s, ctx, a.dir, a.cookie, a.cookieverf, r,
                             &r.READDIRPLUS3res_u.resfail.dir_attributes, &stamp);
  if (!listing) return;
  const Resolved& dir = listing->target;
  const ListingKey key{dir.volume_id, dir.epoch,  dir.ref.ino, dir.ref.generation,
                       a.cookie,      a.dircount, a.maxcount};
  if (ListingCache::Bytes hit = s.listings().Find(key, stamp)) {
    auto granted = dir.volume->Access(dir.cred, dir.ref, storage::kAccessRead, nullptr);
    if (granted.ok() && (*granted & storage::kAccessRead) != 0) {
      r.status = NFS3_OK;
      reply.encoded = new ListingCache::Bytes(std::move(hit));
      return;
    }
    // Not allowed (or the check failed): the walk below answers as it would have.
  }
  r.status = NFS3_OK;
  READDIRPLUS3resok& ok = r.READDIRPLUS3res_u.resok;
  entryplus3** tail = &ok.reply.entries;
  ByteBudget reply_budget(std::min<size_t>(a.maxcount, kMaxReaddirReply), kReaddirReplyOverhead);
  ByteBudget dir_budget(a.dircount);
  auto emit = [&](const WalkEntry& e) {
    size_t dir_size = ReaddirEntrySize(e.name.size());
    if (!dir_budget.Fits(dir_size)) return false;
    // An entry whose inode was removed or replaced meanwhile is listed without attributes
    // and handle (the client then LOOKUPs it, and gets NOENT).
    const storage::Attributes* attrs = e.attrs;
    size_t size = ReaddirplusEntrySize(e.name.size(), attrs != nullptr, attrs != nullptr);
    if (!reply_budget.Fits(size)) return false;
    dir_budget.Take(dir_size);
    reply_budget.Take(size);
    entryplus3* entry = NewEntry<entryplus3>(e.name, e.ref.ino, e.cookie);
    *tail = entry;
    tail = &entry->nextentry;
    if (attrs) {
      SetPostOp(*attrs, dir.volume_id, &entry->name_attributes);
      SetPostOpHandle(dir.HandleOf(e.ref), &entry->name_handle);
    }
    return true;
  };
  const auto free_res = reinterpret_cast<xdrproc_t>(XdrReaddirplusRes);
  ListInto(dir, listing->attrs, a.cookie, true, emit, free_res, r, ok,
           &r.READDIRPLUS3res_u.resfail.dir_attributes);
  if (r.status != NFS3_OK) return;
  auto bytes = std::make_shared<std::string>(xdr_sizeof(free_res, &r), '\0');
  XDR x;
  xdrmem_create(&x, bytes->data(), static_cast<u_int>(bytes->size()), XDR_ENCODE);
  const bool encoded = XdrReaddirplusRes(&x, &r) && xdr_getpos(&x) == bytes->size();
  xdr_destroy(&x);
  if (!encoded) return;  // the reply encodes `r` itself (and fails there the same way)
  xdr_free(free_res, reinterpret_cast<char*>(&r));
  r.status = NFS3_OK;
  ListingCache::Bytes shared = std::move(bytes);
  if (dir.volume->ChangeStamp() == stamp) s.listings().Insert(key, stamp, shared);
  reply.encoded = new ListingCache::Bytes(std::move(shared));
}

}  // namespace volumed::nfs3
