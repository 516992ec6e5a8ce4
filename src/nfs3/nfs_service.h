// NfsService: the NFS version 3 program (100003/3) over the volume catalog. It owns the
// state every handler shares — the resolver (handle → volume, export policy), the
// write verifier and the READDIRPLUS listing cache — and exposes the program's one procedure table
// (nfs_program.cc).
//
// Thread-safety: thread-safe; handlers run concurrently on worker threads.
#pragma once

#include <span>

#include "nfs3/listing_cache.h"
#include "nfs3/resolver.h"
#include "nfs3/write_verifier.h"
#include "rpc/program.h"
#include "storage/catalog.h"

namespace volumed::nfs3 {

inline constexpr uint32_t kNfsProgram = 100003;
inline constexpr uint32_t kNfsVersion = 3;

class NfsService {
 public:
  // `gateways`: see Resolver.
  explicit NfsService(storage::VolumeCatalog& catalog, exports::GatewayPeers* gateways = nullptr)
      : resolver_(catalog, &verifier_, gateways) {}
  NfsService(storage::VolumeCatalog& catalog, uint64_t verifier)
      : resolver_(catalog, &verifier_), verifier_(verifier) {}

  const Resolver& resolver() const { return resolver_; }
  WriteVerifier& verifier() { return verifier_; }
  ListingCache& listings() { return listings_; }

  // The program descriptor to register with the engine (TCP and UDP).
  rpc::ProgramVersion Program();

 private:
  Resolver resolver_;
  WriteVerifier verifier_;
  ListingCache listings_;
};

// The whole NFSv3 procedure table, indexed by procedure number (0..21).
std::span<const rpc::Procedure> NfsProcedures();

}  // namespace volumed::nfs3
