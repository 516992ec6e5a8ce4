// address_tool add|remove|announce INTERFACE IPV4/PREFIX — InterfaceAddresses from the
// command line, so the gateway test network (gateways.py, GatewayNet.move_address) can
// move a service address between machines the way the failover coordinator does inside
// volumed. Exit 0 on success, 1 with the error on stderr, 2 for bad arguments.
#include <cstdio>
#include <string>

#include "gateway/interface_addresses.h"
#include "gateway/service_address.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s add|remove|announce INTERFACE IPV4/PREFIX\n", argv[0]);
    return 2;
  }
  const std::string verb = argv[1];
  auto address = volumed::gateway::ServiceAddress::Parse(argv[3]);
  if (!address.ok() || (verb != "add" && verb != "remove" && verb != "announce")) {
    std::fprintf(stderr, "address_tool: %s\n",
                 address.ok() ? ("unknown verb '" + verb + "'").c_str()
                              : address.status().message().c_str());
    return 2;
  }
  auto addresses = volumed::gateway::InterfaceAddresses::Open({.interface = argv[2]});
  if (!addresses.ok()) {
    std::fprintf(stderr, "address_tool: %s\n", addresses.status().ToString().c_str());
    return 1;
  }
  const volumed::Status s = verb == "add"      ? (*addresses)->Add(*address)
                            : verb == "remove" ? (*addresses)->Remove(*address)
                                               : (*addresses)->Announce(*address);
  if (!s.ok()) {
    std::fprintf(stderr, "address_tool: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
