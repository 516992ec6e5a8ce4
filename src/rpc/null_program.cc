#include "rpc/null_program.h"

#include <span>

namespace volumed::rpc {

const Procedure& NullProcedure() {
  static const Procedure kNull = NullProc();
  return kNull;
}

ProgramVersion NullOnlyProgram(uint32_t prog, uint32_t vers, const char* name, bool tcp, bool udp) {
  return ProgramVersion{.prog = prog,
                        .vers = vers,
                        .name = name,
                        .procedures = std::span<const Procedure>(&NullProcedure(), 1),
                        .state = nullptr,
                        .tcp = tcp,
                        .udp = udp};
}

}  // namespace volumed::rpc
