#include "gateway/service_address.h"

#include "base/cidr.h"

namespace volumed::gateway {

Result<ServiceAddress> ServiceAddress::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("service address '" + std::string(text.substr(0, Cidr::kMaxTextLength)) +
                           "' " + std::string(why) + "; expected IPV4/PREFIX, e.g. 10.77.0.11/24");
  };
  if (text.find('/') == std::string_view::npos) return bad("has no prefix length");
  auto cidr = Cidr::Parse(text);
  if (!cidr.ok()) return bad("is not an address with a prefix length");
  if (!cidr->is_ipv4()) return bad("is not IPv4");
  if (cidr->prefix() == 0) return bad("has prefix length 0");
  return ServiceAddress(cidr->AddressText(), cidr->prefix());
}

std::string ServiceAddress::ToString() const { return host_ + "/" + std::to_string(prefix_); }

Status CheckServiceInterface(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("service interface '" + std::string(name.substr(0, 64)) + "' " +
                           std::string(why));
  };
  if (name.empty()) return bad("is empty");
  if (name.size() > kMaxServiceInterfaceName) {
    return bad("is longer than " + std::to_string(kMaxServiceInterfaceName) +
               " characters (its address label adds '" + std::string(kServiceLabelSuffix) +
               "' within Linux's 15)");
  }
  if (name == "." || name == "..") return bad("is not an interface name");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return bad("has a character other than letters, digits and -_.");
  }
  return Status::Ok();
}

std::string ServiceLabel(std::string_view interface) {
  return std::string(interface) + std::string(kServiceLabelSuffix);
}

}  // namespace volumed::gateway
