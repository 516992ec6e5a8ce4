// ProgramHarness: runs one libFuzzer input through an RPC program's procedure tables
// exactly as the engine's dispatcher does (src/rpc/dispatcher.cc): decode the arguments
// with the procedure's XDR routine into a zeroed buffer, call the handler, encode the
// result, xdr_free both. A result that fails to encode aborts (the engine would answer
// SYSTEM_ERR, but it is a bug in the handler all the same). A program with several
// versions (NLM 1, 3, 4) is fuzzed as one table: its versions' procedures in order.
//
// Input grammar (all of it free for the fuzzer to mutate):
//   input   = proc-selector:1 cred-selector:1 xdr-args:*
//   proc-selector  index into the versions' procedures, in order, modulo their number
//   cred-selector  low 2 bits: 0 AUTH_SYS uid/gid 1000, 1 AUTH_SYS root, 2 AUTH_SYS
//                  uid 4242 gid 4242 with 16 groups, 3 AUTH_NONE; bit 2: peer 127.0.0.2
//                  instead of 127.0.0.1 (export policies can tell them apart); bit 4:
//                  peer 192.0.2.1, a remote host (services that serve only this host's
//                  own processes must refuse it; bit 4 wins over bit 2); bit 3,
//                  for programs served on the Unix socket (HarnessOptions): the call
//                  comes over the Unix socket from a process of that uid (AUTH_NONE:
//                  65534), as SO_PEERCRED reports it, instead of over TCP
//   xdr-args       the procedure's arguments, XDR encoded
//
// Seeds: a target encodes real calls with WriteSeed; when FUZZ_SEED_DIR is set in the
// environment they are written there as files (the runner does this before fuzzing), so
// no binary corpus is kept in the repository.
//
// MemStore is the volume store every program target runs on: a VolumeCatalog over
// LevelDB's in-memory Env with two volumes, "fz" (read-write for everyone, root squash,
// a 64 MiB / 10,000-file quota that bounds what the fuzzer can store) and "ro"
// (read-only, only 127.0.0.2, all squash), so export policy checks run on every request.
//
// Teardown: a target's state (the store and its services) is deleted at exit (std::atexit
// in LLVMFuzzerInitialize; libFuzzer ends with exit(0)), so every thread the store runs is
// joined before LeakSanitizer's exit-time check, and what is still allocated then is a
// real leak. Left running, a thread starting as that check stopped the world was
// reported as leaking its condition variable (CI, PeriodicThread::Loop).
//
// Thread-safety: single-threaded, as libFuzzer runs a target.
#pragma once

#include <leveldb/env.h>
#include <rpc/rpc.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "nfs3/file_handle.h"
#include "rpc/program.h"
#include "storage/catalog.h"

namespace volumed::fuzz {

struct HarnessOptions {
  bool unix_socket = false;  // cred-selector bit 3 means a Unix-socket caller
};

// Runs one input against `versions`; returns 0 (libFuzzer's convention).
int RunProgramInput(std::span<const rpc::ProgramVersion> versions, const uint8_t* data, size_t size,
                    HarnessOptions options = {});
int RunProgramInput(const rpc::ProgramVersion& pv, const uint8_t* data, size_t size);

// Writes one seed "<dir>/<name>" for procedure `proc_number` of version `vers` of
// `versions` with `args` encoded by `encode`, when FUZZ_SEED_DIR is set; otherwise does
// nothing.
void WriteSeed(std::span<const rpc::ProgramVersion> versions, uint32_t vers, uint32_t proc_number,
               uint8_t cred, const std::string& name, xdrproc_t encode, const void* args);
void WriteSeed(const rpc::ProgramVersion& pv, uint32_t proc_number, uint8_t cred,
               const std::string& name, xdrproc_t encode, const void* args);

// Stores any 32-bit value in an rpcgen enum field, as a hostile client's XDR can: seeds
// for values outside the enum (each once found by a fuzzer, see README) are kept so.
template <typename E>
void SetRawEnum(E* field, int32_t value) {
  static_assert(sizeof(E) == sizeof(value));
  std::memcpy(field, &value, sizeof(value));
}

struct MemStore {
  std::unique_ptr<leveldb::Env> env;
  std::unique_ptr<storage::VolumeCatalog> catalog;
};
// Opens the store described above (aborts when it cannot: the target is useless then).
MemStore OpenMemStore();

// The file handle of the root of the export `path` ("/fz"), as MOUNT hands it out to
// 127.0.0.2 (aborts when it cannot).
nfs3::EncodedHandle MountRoot(storage::VolumeCatalog& catalog, const char* path);

// An AUTH_SYS caller of `uid` over TCP from `ipv4`, for the targets' set-up calls.
rpc::CallContext TcpCaller(uint32_t ipv4, uint32_t uid);

}  // namespace volumed::fuzz
