// Resolver: turns the file handle of an NFS request into the volume and inode it names,
// after applying the volume's export policy to the caller (DESIGN.md §4, §9).
//
// Decisions, in order:
//  - handle of wrong length/version            → kBadHandle (NFS3ERR_BADHANDLE)
//  - volume id unknown (deleted volume)         → kStale
//  - volume epoch differs (re-created volume)   → kStale
//  - caller's address not allowed by the policy → kAccessDenied (NFS3ERR_ACCES). We answer
//    ACCES rather than STALE: the handle is valid, the caller is not, and a client that
//    gets STALE throws away cached data it may legitimately hold for another mount.
//  - transient faults of the catalog (kIoError, kBusy) pass through unchanged, so they
//    become NFS3ERR_IO / NFS3ERR_JUKEBOX and never STALE.
//  - a volume another gateway owns (kElsewhere, JUKEBOX) also redirects the call to it
//    (RedirectIfElsewhere): the engine forwards it there when it can.
// A removed inode or a generation mismatch is reported as kStale by the Volume itself.
// The volume, its record and its parsed policy come from one VolumeCatalog::Serve lookup
// in memory: nothing is read from disk or parsed per request.
//
// Every resolved volume also gates the call's reply (rpc/reply_gate.h) on that volume's
// durability (DESIGN.md §5): the reply goes out only once every change the volume has
// applied that must survive a crash is durable — the caller's own change, and any change
// of another call that this reply might reveal (a LOOKUP seeing a name whose CREATE is
// still waiting for its sync). Nothing pending: the reply goes at once. A failed sync
// changes the write verifier, and the call is answered SYSTEM_ERR.
//
// Thread-safety: thread-safe (the catalog is).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"
#include "export/gateway_peers.h"
#include "nfs3/file_handle.h"
#include "nfs3/write_verifier.h"
#include "rpc/program.h"
#include "storage/catalog.h"
#include "storage/volume.h"

namespace volumed::nfs3 {

// What a request operates on once its handle and the export policy were accepted.
struct Resolved {
  std::shared_ptr<storage::Volume> volume;
  storage::InodeRef ref;
  uint64_t volume_id = 0;  // also the fsid of every fattr3
  uint64_t epoch = 0;
  bool read_only = false;
  storage::Credentials cred;  // squashed

  // The handle of another inode of the same volume.
  FileHandle HandleOf(storage::InodeRef other) const { return {volume_id, epoch, other}; }
};

// Redirects the call (CallContext::redirect, rpc/call_forwarder.h) to the owner of volume
// `volume_id` when `s` says another gateway owns it; the NFS and MOUNT programs' one
// signal that a call belongs elsewhere.
void RedirectIfElsewhere(const rpc::CallContext& ctx, const Status& s, uint64_t volume_id);

class Resolver {
 public:
  // `verifier` (may be null: no WRITE replies) changes when a gated reply's sync fails.
  // `gateways` (null unless the store is shared): calls other gateways forward pass the
  // address check (export/gateway_peers.h).
  Resolver(storage::VolumeCatalog& catalog, WriteVerifier* verifier,
           exports::GatewayPeers* gateways = nullptr)
      : catalog_(catalog), verifier_(verifier), gateways_(gateways) {}

  Result<Resolved> Resolve(const rpc::CallContext& ctx, std::span<const uint8_t> handle) const;
  Result<Resolved> Resolve(const rpc::CallContext& ctx, const FileHandle& handle) const;

  storage::VolumeCatalog& catalog() const { return catalog_; }

 private:
  // Makes the call's reply wait for `volume`'s pending durable changes.
  void GateReply(const rpc::CallContext& ctx, const std::shared_ptr<storage::Volume>& volume) const;

  storage::VolumeCatalog& catalog_;
  WriteVerifier* const verifier_;
  exports::GatewayPeers* const gateways_;
};

}  // namespace volumed::nfs3
