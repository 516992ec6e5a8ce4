#include "rpc/program.h"

#include "base/socket_address.h"

namespace volumed::rpc {

uint16_t CallContext::peer_port() const { return PortOf(peer); }

}  // namespace volumed::rpc
