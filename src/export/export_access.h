// Export policy evaluation: decides, for one call, whether the caller's address may use a
// volume, whether it may change it, and as whom it acts (squashing applied). MOUNT uses
// it at MNT; NFS applies it on every request, so a handle obtained elsewhere does not
// open a volume the caller may not see (DESIGN.md §9).
//
// Rules:
//  - `allowed_cidrs` empty → every address may; else the peer must match one pattern.
//    Patterns that do not parse match nothing (never everything). The patterns come
//    parsed (`clients`, ParseCidrs(policy.allowed_cidrs), as storage::ServedVolume
//    keeps them), so no request parses them again.
//  - AF_UNIX peers (local admin tooling) are treated as allowed, and so are other gateways
//    of a shared store when `gateways` is given: they forward calls of clients they
//    checked against the policy themselves (export/gateway_peers.h).
//  - As knfsd's nfsd_setuser (fs/nfsd/auth.c): Squash::kAll maps every caller to
//    anon_uid/anon_gid with no supplementary groups; Squash::kRoot maps uid 0 to
//    anon_uid and, independently, gid 0 (primary or supplementary) to anon_gid, keeping
//    the other ids; Squash::kNone keeps the AUTH_SYS identity. AUTH_NONE callers are
//    always the anonymous ids.
//
// Thread-safety: pure functions (GatewayPeers is thread-safe).
#pragma once

#include <sys/socket.h>

#include <span>

#include "base/cidr.h"
#include "base/result.h"
#include "export/gateway_peers.h"
#include "rpc/program.h"
#include "storage/catalog.h"
#include "storage/types.h"

namespace volumed::exports {

struct ExportAccess {
  bool read_only = false;
  storage::Credentials cred;
};

bool PeerAllowed(const storage::ExportPolicy& policy, std::span<const Cidr> clients,
                 const sockaddr_storage& peer);

storage::Credentials SquashedCredentials(const storage::ExportPolicy& policy,
                                         const rpc::Credentials& caller);

// kAccessDenied when the peer's address is not allowed (nor, with `gateways`, another
// gateway's).
Result<ExportAccess> EvaluateExport(const storage::ExportPolicy& policy,
                                    std::span<const Cidr> clients, const sockaddr_storage& peer,
                                    const rpc::Credentials& caller,
                                    GatewayPeers* gateways = nullptr);

}  // namespace volumed::exports
