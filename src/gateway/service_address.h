// ServiceAddress: the IPv4 address (with its prefix length) that clients of one gateway
// mount from, e.g. 10.77.0.11/24 (`--service-address`, README "Scaling out"). It is a
// value: the host address plus the prefix the interface gets when the address is added,
// so the address joins the interface's subnet and neighbours answer ARP for it.
//
// IPv4 only: the address is announced with gratuitous ARP (interface_addresses.h), which
// IPv6 replaces with unsolicited neighbour advertisements we do not send.
//
// Thread-safety: an immutable value; the functions are pure.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace volumed::gateway {

class ServiceAddress {
 public:
  // "A.B.C.D/PREFIX" with a prefix of 1-32 (the prefix is required: it decides the
  // subnet the address serves). InvalidArgument naming the text otherwise.
  static Result<ServiceAddress> Parse(std::string_view text);

  const std::string& host() const { return host_; }  // "10.77.0.11"
  unsigned prefix() const { return prefix_; }        // 24
  std::string ToString() const;                      // "10.77.0.11/24"

  friend bool operator==(const ServiceAddress&, const ServiceAddress&) = default;

 private:
  ServiceAddress(std::string host, unsigned prefix) : host_(std::move(host)), prefix_(prefix) {}
  std::string host_;
  unsigned prefix_ = 0;
};

// The longest interface name `--service-interface` accepts: the addresses we add carry
// the label NAME + kServiceLabelSuffix, and a label is at most 15 characters (IFNAMSIZ).
inline constexpr std::string_view kServiceLabelSuffix = ":vd";
inline constexpr size_t kMaxServiceInterfaceName = 15 - kServiceLabelSuffix.size();

// OK for a Linux interface name that fits kMaxServiceInterfaceName: letters, digits and
// "-_.", not "." or "..". InvalidArgument naming it otherwise.
Status CheckServiceInterface(std::string_view name);

// The label of the addresses we add on `interface` ("eth0:vd"): how the machine's
// keepalived-like wrapper (tests/gateway/keepalive.sh, README) finds every address a
// gateway added, even after a kill -9.
std::string ServiceLabel(std::string_view interface);

}  // namespace volumed::gateway
