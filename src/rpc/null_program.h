// The NULL procedure (number 0, void arguments and result) that every ONC RPC program
// has, and a ProgramVersion that serves only it — a placeholder until a program's full
// table is registered, and a handy target for tests and benchmarks.
//
// Thread-safety: immutable data and a stateless handler.
#pragma once

#include <cstdint>

#include "rpc/program.h"

namespace volumed::rpc {

// xdr_void as an xdrproc_t (its C declaration takes no arguments).
xdrproc_t XdrVoid();

// {0, "NULL", void, void, answers success, idempotent}.
const Procedure& NullProcedure();

// A version of `prog` that offers only NULL on the given transports.
ProgramVersion NullOnlyProgram(uint32_t prog, uint32_t vers, const char* name, bool tcp, bool udp);

}  // namespace volumed::rpc
