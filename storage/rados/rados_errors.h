// RadosErrors: the one mapping from librados return codes (negative errno) to
// leveldb::Status, at the Env boundary; Kv maps leveldb::Status on to volumed::Status.
// Nothing asserts on an unexpected errno: whatever RADOS answers becomes an IO error that
// names the operation, the object and the errno's text.
//
// It is also where this process learns that it lost a directory it owned: RADOS answered
// EBLOCKLISTED (a survivor fenced it and took its volumes over), or the Env found its lease
// on the directory lapsed before writing and a renewal then failed too (it was paused or
// cut off for a lease's length, so a survivor may have). From then on, whatever it
// answered a client would be wrong: an error for a call the new owner serves, or data the
// new owner may have changed. So the process's ownership-lost handler runs first, in the
// thread that found it, before any caller sees the error; volumed's stops the server
// there (src/main.cc), and its clients resend their calls to the new owner, as after a
// crash.
//
// Thread-safety: free functions; SetOwnershipLostHandler before the first RADOS call.
#pragma once

#include <leveldb/status.h>

#include <functional>
#include <string>
#include <string_view>

namespace volumed::storage::rados {

// What a librados return code means to the Env.
enum class RadosOutcome {
  kOk,
  kNotFound,    // ENOENT: no such object (or omap key)
  kExists,      // EEXIST
  kBusy,        // EBUSY: a lock held by someone else
  kCanceled,    // ECANCELED: a compare (omap_cmp) in a compound op did not hold
  kFenced,      // ESHUTDOWN (EBLOCKLISTED): this client was blocklisted
  kNoSpace,     // ENOSPC, EDQUOT: pool or cluster full, or quota
  kTooLarge,    // EFBIG, E2BIG: over osd_max_object_size / osd_max_write_size
  kPermission,  // EPERM, EACCES: cephx caps do not allow it
  kOther,
};

RadosOutcome Classify(int r);

// `op` and `object` name what failed ("append", "f.1.2.000005.log/0"). r < 0.
// A kFenced code runs the ownership-lost handler first.
leveldb::Status RadosError(int r, std::string_view op, std::string_view object);

// The process's ownership-lost handler (see the top; none by default), told why. It may
// never return (volumed's exits); when it does, the error goes on to the caller.
void SetOwnershipLostHandler(std::function<void(const std::string& why)> handler);
// The error for a write refused because this process's lease on `what`'s directory
// lapsed and could not be renewed; runs the ownership-lost handler first.
leveldb::Status LeaseLapsed(std::string_view what);

}  // namespace volumed::storage::rados
