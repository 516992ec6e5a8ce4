#include "admin/authorizer.h"

#include <algorithm>
#include <utility>

namespace volumed::admin {
namespace {

// Constant time in the secret's content (the length of the expected secret leaks
// nothing an attacker can use: it is fixed by the operator).
bool SecretsEqual(std::string_view expected, std::string_view given) {
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(static_cast<unsigned char>(expected[i]) ^ g);
  }
  return diff == 0;
}

}  // namespace

AdminAuthorizer::AdminAuthorizer(AdminAccess access) : access_(std::move(access)) {}

Status AdminAuthorizer::Authorize(const rpc::CallContext& ctx, std::string_view secret) const {
  switch (ctx.transport) {
    case rpc::Transport::kLocal: {
      const int64_t uid = ctx.local_peer_uid;
      if (uid == 0) return Status::Ok();
      if (uid > 0 && std::find(access_.local_uids.begin(), access_.local_uids.end(),
                               static_cast<uint32_t>(uid)) != access_.local_uids.end()) {
        return Status::Ok();
      }
      return {Status::Code::kNotPermitted,
              "permission denied: the admin socket is for root only (caller uid " +
                  std::to_string(uid) + "); run as root or start volumed with --admin-allow-uid"};
    }
    case rpc::Transport::kTcp:
    case rpc::Transport::kUdp:
      if (access_.tcp_secret.empty()) {
        return {Status::Code::kNotPermitted,
                "permission denied: remote administration is not enabled on this server"};
      }
      if (!SecretsEqual(access_.tcp_secret, secret)) {
        return {Status::Code::kNotPermitted,
                "permission denied: wrong or missing admin secret (see VOLUMED_ADMIN_SECRET)"};
      }
      return Status::Ok();
  }
  return Internal("unknown transport");
}

}  // namespace volumed::admin
