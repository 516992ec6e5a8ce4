// AdminAuthorizer: decides whether a call may administer the server. On the Unix
// socket the credential is the peer's uid (SO_PEERCRED): root, plus any uid the operator
// allowed. Over TCP the call must carry the operator's shared secret, compared in
// constant time; with no secret configured, TCP administration is refused.
//
// Thread-safety: immutable after construction; Authorize may be called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rpc/program.h"

namespace volumed::admin {

struct AdminAccess {
  std::vector<uint32_t> local_uids;  // allowed on the Unix socket besides root
  std::string tcp_secret;            // empty = TCP administration refused
};

class AdminAuthorizer {
 public:
  explicit AdminAuthorizer(AdminAccess access);

  // kNotPermitted with a message for the user when the caller may not administer.
  Status Authorize(const rpc::CallContext& ctx, std::string_view secret) const;

 private:
  AdminAccess access_;
};

}  // namespace volumed::admin
