#include "admin/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace volumed::admin {

Status ValidateCidr(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("'" + std::string(text) + "' is not a CIDR (" + std::string(why) +
                           "); expected e.g. 10.0.0.0/8, 127.0.0.1 or fd00::/8");
  };
  if (text.empty()) return bad("empty");
  if (text.size() > 64) return bad("too long");
  const size_t slash = text.find('/');
  const std::string addr(text.substr(0, slash));
  unsigned char buf[16];
  int max_prefix = 0;
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
    max_prefix = 128;
  } else {
    return bad("bad address");
  }
  if (slash == std::string_view::npos) return Status::Ok();
  const std::string_view len = text.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  if (len.empty() || ec != std::errc() || ptr != len.data() + len.size() || prefix < 0 ||
      prefix > max_prefix) {
    return bad("prefix length must be 0-" + std::to_string(max_prefix));
  }
  return Status::Ok();
}

}  // namespace volumed::admin
