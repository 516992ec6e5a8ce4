// A ProgramVersion that serves only the NULL procedure (procedure_table.h's NullProc) — a
// placeholder until a program's full table is registered, and a handy target for tests
// and benchmarks.
//
// Thread-safety: immutable data and a stateless handler.
#pragma once

#include <cstdint>

#include "rpc/procedure_table.h"
#include "rpc/program.h"

namespace volumed::rpc {

// {0, "NULL", void, void, answers success, idempotent}, as one object with a stable address.
const Procedure& NullProcedure();

// A version of `prog` that offers only NULL on the given transports.
ProgramVersion NullOnlyProgram(uint32_t prog, uint32_t vers, const char* name, bool tcp, bool udp);

}  // namespace volumed::rpc
