#include "export/export_access.h"

namespace volumed::exports {

bool PeerAllowed(const storage::ExportPolicy& policy, std::span<const Cidr> clients,
                 const sockaddr_storage& peer) {
  if (policy.allowed_cidrs.empty()) return true;
  if (peer.ss_family == AF_UNIX) return true;
  return AnyContains(clients, peer);
}

storage::Credentials SquashedCredentials(const storage::ExportPolicy& policy,
                                         const rpc::Credentials& caller) {
  storage::Credentials anon;
  anon.uid = policy.anon_uid;
  anon.gid = policy.anon_gid;
  if (caller.flavor != AUTH_SYS) return anon;
  storage::Credentials cred;
  cred.uid = caller.uid;
  cred.gid = caller.gid;
  cred.groups = caller.gids;
  switch (policy.squash) {
    case storage::Squash::kAll:
      return anon;
    case storage::Squash::kRoot:
      if (cred.uid == 0) cred.uid = policy.anon_uid;
      if (cred.gid == 0) cred.gid = policy.anon_gid;
      for (uint32_t& g : cred.groups) {
        if (g == 0) g = policy.anon_gid;
      }
      break;
    case storage::Squash::kNone:
      break;
  }
  return cred;
}

Result<ExportAccess> EvaluateExport(const storage::ExportPolicy& policy,
                                    std::span<const Cidr> clients, const sockaddr_storage& peer,
                                    const rpc::Credentials& caller, GatewayPeers* gateways) {
  if (!PeerAllowed(policy, clients, peer) &&
      (gateways == nullptr || gateways->GatewayAt(peer).empty())) {
    return Status(Status::Code::kAccessDenied, "client address not allowed by export policy");
  }
  ExportAccess access;
  access.read_only = policy.read_only;
  access.cred = SquashedCredentials(policy, caller);
  return access;
}

}  // namespace volumed::exports
