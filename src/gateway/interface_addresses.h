// InterfaceAddresses: puts service addresses on one network interface of this machine
// and takes them off again — a gateway's own --service-address at start, and at runtime
// the address of a dead gateway whose volumes this one took over (the failover
// coordinator calls Add/Remove). Adding announces the address with gratuitous ARP, so
// clients and routers on the link send its traffic here at once instead of to the old
// owner's MAC address, which their ARP caches still hold.
//
// How: iproute2's `ip` and iputils' `arping`, run as processes (tool_runner.h) rather
// than hand-written rtnetlink and packet-socket code: both are well-kept Debian tools for
// exactly this (pacemaker's IPaddr2 agent moves addresses with the same two), their
// errors are readable, and the address changes take a few ms. The announce takes about
// one second per ARP sent (arping's interval is whole seconds), hence
// InterfaceAddressesOptions::arp_count. Needs CAP_NET_ADMIN (volumed runs as root) and, for the
// announce, CAP_NET_RAW; tools/install-deps.sh installs iproute2 and iputils-arping.
//
// Every address added here carries the label INTERFACE:vd (service_address.h,
// ServiceLabel). The label is the machine's record of what the gateways added: the
// keepalived-like wrapper that supervises volumed removes every such address once volumed
// has exited, even after a kill -9 (tests/gateway/keepalive.sh; README "Scaling out"). An
// address already on the interface without that label (configured by the administrator)
// is left alone: Add announces it but does not take it over, Remove does not delete it.
//
// Open turns on the interface's promote_secondaries when it is off (the kernel's default,
// and a fresh network namespace's; several distributions turn it on in sysctl.d):
// otherwise the kernel deletes every address of a subnet together with the first one,
// and dropping one service address would drop the others.
//
// Add and Remove are idempotent: adding an address that is already there, or removing
// one that is not, succeeds.
//
// Thread-safety: thread-safe; calls are serialised (each runs one or two short tools,
// Add with an announce about `arp_count` seconds), so call it from a thread that may wait.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "gateway/service_address.h"

namespace volumed::gateway {

struct InterfaceAddressesOptions {
  std::string interface;               // e.g. "eth0" (CheckServiceInterface)
  std::string ip_tool = "ip";          // iproute2
  std::string arping_tool = "arping";  // iputils-arping
  unsigned arp_count = 1;              // gratuitous ARPs per announce, one second apart
  std::chrono::milliseconds tool_timeout{5000};
};

class InterfaceAddresses {
 public:
  // InvalidArgument for a bad interface name; NotFound when the interface does not exist.
  static Result<std::unique_ptr<InterfaceAddresses>> Open(InterfaceAddressesOptions options);

  InterfaceAddresses(const InterfaceAddresses&) = delete;
  InterfaceAddresses& operator=(const InterfaceAddresses&) = delete;
  // Leaves the addresses in place: a clean stop calls RemoveAll, a crash leaves the
  // cleanup to the machine's wrapper.
  ~InterfaceAddresses() = default;

  // Adds `address` to the interface (labelled) unless it is there, then announces it.
  // When the announce fails, an address this call added is removed again.
  Status Add(const ServiceAddress& address);
  // Deletes `address` from the interface if we (any volumed on this machine) added it.
  Status Remove(const ServiceAddress& address);
  // Sends `arp_count` gratuitous ARPs (unsolicited requests, arping -U) for `address`.
  Status Announce(const ServiceAddress& address);
  // Removes every address in Held(); the first error is returned after trying them all.
  Status RemoveAll();

  // The labelled addresses Add put on or found (left by an earlier volumed) and Remove
  // has not taken off, in the order added.
  std::vector<ServiceAddress> Held() const;
  // Whether `address`'s host address is on the interface (labelled or not).
  Result<bool> Present(const ServiceAddress& address) const;
  const std::string& interface() const { return options_.interface; }

 private:
  explicit InterfaceAddresses(InterfaceAddressesOptions options) : options_(std::move(options)) {}
  // Helpers called with mu_ held.
  // Whether the host address is on the interface; with `ours`, only with our label.
  Result<bool> OnInterface(const ServiceAddress& address, bool ours) const;
  Status Ip(const std::vector<std::string>& args, const std::string& what) const;
  Status AnnounceLocked(const ServiceAddress& address);
  Status RemoveLocked(const ServiceAddress& address);

  const InterfaceAddressesOptions options_;
  mutable std::mutex mu_;
  std::vector<ServiceAddress> held_;  // guarded by mu_
};

}  // namespace volumed::gateway
