#include "base/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace volumed {
namespace {

bool PrefixMatches(const uint8_t* a, const uint8_t* b, unsigned prefix) {
  unsigned full = prefix / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

Result<Cidr> Cidr::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("'" + std::string(text.substr(0, kMaxTextLength)) + "' is not a CIDR (" +
                           std::string(why) + "); expected e.g. 10.0.0.0/8, 127.0.0.1 or fd00::/8");
  };
  if (text.empty()) return bad("empty");
  if (text.size() > kMaxTextLength) return bad("too long");
  const size_t slash = text.find('/');
  const std::string addr(text.substr(0, slash));
  Cidr c;
  if (inet_pton(AF_INET, addr.c_str(), c.bytes_.data()) == 1) {
    c.ipv4_ = true;
    c.prefix_ = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), c.bytes_.data()) == 1) {
    c.prefix_ = 128;
  } else {
    return bad("bad address");
  }
  if (slash == std::string_view::npos) return c;
  const std::string_view len = text.substr(slash + 1);
  const unsigned max_prefix = c.prefix_;
  unsigned value = 0;
  bool digits = !len.empty() && len.size() <= 3;
  for (char ch : len) {
    digits = digits && ch >= '0' && ch <= '9';
    if (digits) value = value * 10 + static_cast<unsigned>(ch - '0');
  }
  if (!digits || value > max_prefix) {
    return bad("prefix length must be 0-" + std::to_string(max_prefix));
  }
  c.prefix_ = value;
  return c;
}

std::string Cidr::AddressText() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv4_ ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text);
  return text;
}

bool Cidr::Contains(const sockaddr_storage& peer) const {
  if (peer.ss_family == AF_INET) {
    if (!ipv4_) return false;
    const auto& sin = reinterpret_cast<const sockaddr_in&>(peer);
    return PrefixMatches(reinterpret_cast<const uint8_t*>(&sin.sin_addr), bytes_.data(), prefix_);
  }
  if (peer.ss_family == AF_INET6) {
    const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(peer);
    const auto* a = reinterpret_cast<const uint8_t*>(&sin6.sin6_addr);
    if (ipv4_) {
      if (!IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) return false;
      return PrefixMatches(a + 12, bytes_.data(), prefix_);
    }
    return PrefixMatches(a, bytes_.data(), prefix_);
  }
  return false;
}

std::vector<Cidr> ParseCidrs(std::span<const std::string> texts) {
  std::vector<Cidr> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    if (auto cidr = Cidr::Parse(text); cidr.ok()) out.push_back(*cidr);
  }
  return out;
}

bool AnyContains(std::span<const Cidr> patterns, const sockaddr_storage& peer) {
  for (const Cidr& c : patterns) {
    if (c.Contains(peer)) return true;
  }
  return false;
}

}  // namespace volumed
