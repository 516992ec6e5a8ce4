#include "rpc/null_program.h"

#include <span>

namespace volumed::rpc {

namespace {
Outcome AnswerNull(void*, const CallContext&, void*, void*) { return Outcome::kReply; }
}  // namespace

xdrproc_t XdrVoid() { return reinterpret_cast<xdrproc_t>(reinterpret_cast<void (*)()>(xdr_void)); }

const Procedure& NullProcedure() {
  static const Procedure kNull{0, "NULL", XdrVoid(), 0, XdrVoid(), 0, &AnswerNull, true};
  return kNull;
}

ProgramVersion NullOnlyProgram(uint32_t prog, uint32_t vers, const char* name, bool tcp, bool udp) {
  ProgramVersion pv;
  pv.prog = prog;
  pv.vers = vers;
  pv.name = name;
  pv.procedures = std::span<const Procedure>(&NullProcedure(), 1);
  pv.state = nullptr;
  pv.tcp = tcp;
  pv.udp = udp;
  return pv;
}

}  // namespace volumed::rpc
