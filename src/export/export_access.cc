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
  switch (policy.squash) {
    case storage::Squash::kAll:
      return anon;
    case storage::Squash::kRoot:
      if (caller.uid == 0) return anon;
      break;
    case storage::Squash::kNone:
      break;
  }
  storage::Credentials cred;
  cred.uid = caller.uid;
  cred.gid = caller.gid;
  cred.groups = caller.gids;
  return cred;
}

Result<ExportAccess> EvaluateExport(const storage::ExportPolicy& policy,
                                    std::span<const Cidr> clients, const sockaddr_storage& peer,
                                    const rpc::Credentials& caller) {
  if (!PeerAllowed(policy, clients, peer)) {
    return Status(Status::Code::kAccessDenied, "client address not allowed by export policy");
  }
  ExportAccess access;
  access.read_only = policy.read_only;
  access.cred = SquashedCredentials(policy, caller);
  return access;
}

}  // namespace volumed::exports
