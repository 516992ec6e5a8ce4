// ProgramHarness: runs one libFuzzer input through an RPC program's procedure table
// exactly as the engine's dispatcher does (src/rpc/dispatcher.cc): decode the arguments
// with the procedure's XDR routine into a zeroed buffer, call the handler, encode the
// result, xdr_free both. A result that fails to encode aborts (the engine would answer
// SYSTEM_ERR, but it is a bug in the handler all the same).
//
// Input grammar (all of it free for the fuzzer to mutate):
//   input   = proc-selector:1 cred-selector:1 xdr-args:*
//   proc-selector  index into the table, modulo its length
//   cred-selector  low 2 bits: 0 AUTH_SYS uid/gid 1000, 1 AUTH_SYS root, 2 AUTH_SYS
//                  uid 4242 gid 4242 with 16 groups, 3 AUTH_NONE; bit 2: peer 127.0.0.2
//                  instead of 127.0.0.1 (export policies can tell them apart)
//   xdr-args       the procedure's arguments, XDR encoded
//
// Seeds: a target encodes real calls with SeedWriter; when FUZZ_SEED_DIR is set in the
// environment they are written there as files (the runner does this before fuzzing), so
// no binary corpus is kept in the repository.
//
// Thread-safety: single-threaded, as libFuzzer runs a target.
#pragma once

#include <rpc/rpc.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "rpc/program.h"

namespace volumed::fuzz {

// Runs one input against `pv`; returns 0 (libFuzzer's convention).
int RunProgramInput(const rpc::ProgramVersion& pv, const uint8_t* data, size_t size);

// Writes one seed "<dir>/<name>" for procedure `proc_number` of `pv` with `args` encoded by
// `encode`, when FUZZ_SEED_DIR is set; otherwise does nothing.
void WriteSeed(const rpc::ProgramVersion& pv, uint32_t proc_number, uint8_t cred,
               const std::string& name, xdrproc_t encode, const void* args);

}  // namespace volumed::fuzz
