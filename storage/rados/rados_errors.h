// RadosErrors: the one mapping from librados return codes (negative errno) to
// leveldb::Status, at the Env boundary; Kv maps leveldb::Status on to volumed::Status.
// Nothing asserts on an unexpected errno: whatever RADOS answers becomes an IO error that
// names the operation, the object and the errno's text.
//
// Thread-safety: stateless free functions.
#pragma once

#include <leveldb/status.h>

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
leveldb::Status RadosError(int r, std::string_view op, std::string_view object);

}  // namespace volumed::storage::rados
