// AUTH_SYS parsing; the grammar is in auth_sys.h.
#include "rpc/auth_sys.h"

#include <string>
#include <string_view>
#include <vector>

#include "rpc/wire.h"

namespace volumed::rpc {

Status ParseAuthSys(std::span<const uint8_t> body, Credentials* out) {
  WireReader in(body);
  uint32_t stamp = 0, name_len = 0, uid = 0, gid = 0, ngids = 0;
  if (!in.U32(&stamp) || !in.U32(&name_len)) return InvalidArgument("AUTH_SYS: truncated");
  if (name_len > kMaxMachineNameLength) return InvalidArgument("AUTH_SYS: machine name too long");
  std::span<const uint8_t> name;
  if (!in.Opaque(name_len, &name)) return InvalidArgument("AUTH_SYS: truncated machine name");
  if (!in.U32(&uid) || !in.U32(&gid) || !in.U32(&ngids)) {
    return InvalidArgument("AUTH_SYS: truncated ids");
  }
  if (ngids > kMaxAuthSysGids) return InvalidArgument("AUTH_SYS: more than 16 gids");
  std::vector<uint32_t> gids(ngids);
  for (auto& g : gids) {
    if (!in.U32(&g)) return InvalidArgument("AUTH_SYS: truncated gids");
  }
  if (!in.AtEnd()) return InvalidArgument("AUTH_SYS: trailing bytes");
  out->flavor = AUTH_SYS;
  out->machine_name.assign(reinterpret_cast<const char*>(name.data()), name.size());
  out->uid = uid;
  out->gid = gid;
  out->gids = std::move(gids);
  return Status::Ok();
}

std::vector<uint8_t> EncodeAuthSys(uint32_t stamp, std::string_view machine, uint32_t uid,
                                   uint32_t gid, std::span<const uint32_t> gids) {
  WireWriter w;
  w.U32(stamp);
  w.Opaque(std::span(reinterpret_cast<const uint8_t*>(machine.data()), machine.size()));
  w.U32(uid);
  w.U32(gid);
  w.U32(static_cast<uint32_t>(gids.size()));
  for (uint32_t g : gids) w.U32(g);
  return std::move(w).Take();
}

}  // namespace volumed::rpc
