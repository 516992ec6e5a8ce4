#include "gateway/interface_addresses.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/logging.h"
#include "gateway/tool_runner.h"

namespace volumed::gateway {

Result<std::unique_ptr<InterfaceAddresses>> InterfaceAddresses::Open(
    InterfaceAddressesOptions options) {
  VOLUMED_RETURN_IF_ERROR(CheckServiceInterface(options.interface));
  if (options.arp_count == 0) return InvalidArgument("arp_count must be at least 1");
  std::unique_ptr<InterfaceAddresses> addresses(new InterfaceAddresses(std::move(options)));
  const InterfaceAddressesOptions& o = addresses->options_;
  VOLUMED_ASSIGN_OR_RETURN(
      ToolOutput link,
      RunTool({o.ip_tool, "-o", "link", "show", "dev", o.interface}, o.tool_timeout));
  if (link.exit_code != 0) {
    return NotFound("service interface " + o.interface + " does not exist: " + link.output);
  }
  // Without promotion, deleting the first address of a subnet deletes every other
  // address in it: dropping our own address would drop the ones taken over too.
  const std::string promote = "/proc/sys/net/ipv4/conf/" + o.interface + "/promote_secondaries";
  std::string value;
  std::ifstream(promote) >> value;
  if (value != "1") {
    std::ofstream knob(promote);
    if (!(knob << "1\n") || !knob.flush()) {
      return IoError("cannot enable " + promote + " (" + std::strerror(errno) +
                     "); set sysctl net.ipv4.conf." + o.interface + ".promote_secondaries=1");
    }
  }
  return addresses;
}

Status InterfaceAddresses::Ip(const std::vector<std::string>& args, const std::string& what) const {
  std::vector<std::string> argv{options_.ip_tool};
  argv.insert(argv.end(), args.begin(), args.end());
  VOLUMED_ASSIGN_OR_RETURN(ToolOutput run, RunTool(argv, options_.tool_timeout));
  if (run.exit_code != 0) {
    return IoError("cannot " + what + " (" + CommandLine(argv) + " exited " +
                   std::to_string(run.exit_code) + "): " + run.output);
  }
  return Status::Ok();
}

Result<bool> InterfaceAddresses::OnInterface(const ServiceAddress& address, bool ours) const {
  std::vector<std::string> argv{
      options_.ip_tool,      "-o", "-4", "addr", "show", "dev", options_.interface, "to",
      address.host() + "/32"};
  if (ours) {
    argv.push_back("label");
    argv.push_back(ServiceLabel(options_.interface));
  }
  VOLUMED_ASSIGN_OR_RETURN(ToolOutput run, RunTool(argv, options_.tool_timeout));
  if (run.exit_code != 0) {
    return IoError("cannot list the addresses of " + options_.interface + " (" + CommandLine(argv) +
                   " exited " + std::to_string(run.exit_code) + "): " + run.output);
  }
  return run.output.find(" inet ") != std::string::npos;
}

Status InterfaceAddresses::Add(const ServiceAddress& address) {
  std::lock_guard lock(mu_);
  VOLUMED_ASSIGN_OR_RETURN(const bool present, OnInterface(address, /*ours=*/false));
  bool ours = true;
  if (!present) {
    VOLUMED_RETURN_IF_ERROR(Ip({"-4", "addr", "add", address.ToString(), "dev", options_.interface,
                                "label", ServiceLabel(options_.interface)},
                               "add service address " + address.ToString()));
    LOG_INFO("service address {} added to {}", address.ToString(), options_.interface);
  } else {
    VOLUMED_ASSIGN_OR_RETURN(ours, OnInterface(address, /*ours=*/true));
    if (!ours) {
      LOG_WARN(
          "service address {} is configured on {} outside volumed; announcing it, but "
          "volumed will not remove it",
          address.ToString(), options_.interface);
    }
  }
  if (ours && std::find(held_.begin(), held_.end(), address) == held_.end()) {
    held_.push_back(address);
  }
  Status announced = AnnounceLocked(address);
  // An address we just added but could not announce comes off again: Add does all or
  // nothing, so a failed start leaves no address behind.
  if (!announced.ok() && !present) (void)RemoveLocked(address);
  return announced;
}

Status InterfaceAddresses::Announce(const ServiceAddress& address) {
  std::lock_guard lock(mu_);
  return AnnounceLocked(address);
}

Status InterfaceAddresses::AnnounceLocked(const ServiceAddress& address) {
  const std::vector<std::string> argv{
      options_.arping_tool, "-q",          "-U", "-c", std::to_string(options_.arp_count), "-I",
      options_.interface,   address.host()};
  const auto timeout = options_.tool_timeout + std::chrono::seconds(options_.arp_count);
  VOLUMED_ASSIGN_OR_RETURN(ToolOutput run, RunTool(argv, timeout));
  if (run.exit_code != 0) {
    return IoError("cannot announce " + address.host() + " on " + options_.interface + " (" +
                   CommandLine(argv) + " exited " + std::to_string(run.exit_code) +
                   "): " + run.output);
  }
  return Status::Ok();
}

Status InterfaceAddresses::Remove(const ServiceAddress& address) {
  std::lock_guard lock(mu_);
  return RemoveLocked(address);
}

Status InterfaceAddresses::RemoveLocked(const ServiceAddress& address) {
  VOLUMED_ASSIGN_OR_RETURN(const bool ours, OnInterface(address, /*ours=*/true));
  if (ours) {
    VOLUMED_RETURN_IF_ERROR(Ip({"-4", "addr", "del", address.ToString(), "dev", options_.interface},
                               "remove service address " + address.ToString()));
    LOG_INFO("service address {} removed from {}", address.ToString(), options_.interface);
  }
  std::erase(held_, address);
  return Status::Ok();
}

Status InterfaceAddresses::RemoveAll() {
  std::lock_guard lock(mu_);
  Status first;
  for (const ServiceAddress& address : std::vector<ServiceAddress>(held_)) {
    if (Status s = RemoveLocked(address); !s.ok() && first.ok()) first = s;
  }
  return first;
}

std::vector<ServiceAddress> InterfaceAddresses::Held() const {
  std::lock_guard lock(mu_);
  return held_;
}

Result<bool> InterfaceAddresses::Present(const ServiceAddress& address) const {
  std::lock_guard lock(mu_);
  return OnInterface(address, /*ours=*/false);
}

}  // namespace volumed::gateway
