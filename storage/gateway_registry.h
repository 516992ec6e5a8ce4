// GatewayRegistry: the gateways of a store several volumed servers share (README "Scaling
// out"), as the shared catalog table records them (storage/catalog_table.h), and which
// gateway owns each volume.
//
// Membership: a gateway is live while it holds the lease of its membership directory
// DATA/gateway/<id>/nsm (its status monitor's database, which it keeps open while it
// runs; the store renews the lease). Each gateway's record (its service address, the
// addresses it answers on, when it last wrote it) and each volume's owner are catalog keys
// (storage/key_codec.h: gateway, owner). Load is the number of volumes a gateway owns;
// a new volume goes to the least-loaded live gateway.
//
// Adopting a dead gateway: under the table's hold, its lease is checked to have lapsed, it
// is fenced (its membership lease taken, which blocklists it when it did not let go, so a
// paused one can never write again), and its volumes and addresses become ours in one
// write. Two survivors adopting at once: the hold serialises them, the second finds nothing
// left to adopt.
//
// Thread-safety: thread-safe. The methods that change the table take its hold themselves,
// except the *Locked ones, whose caller holds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "storage/catalog.h"
#include "storage/catalog_table.h"
#include "storage/records.h"

namespace leveldb {
class Env;
class WriteBatch;
}  // namespace leveldb

namespace volumed::storage {

// Gateway `id`'s membership directory, where its status monitor's database lives (and
// whose lease is its membership): DATA/gateway/<id>/nsm; DATA/nsm when the store is not
// shared (`id` "").
std::string GatewayMembershipDir(const std::string& data_dir, std::string_view id);

class GatewayRegistry {
 public:
  // `table`, `store` and `env` (the store's Env) outlive this.
  GatewayRegistry(CatalogTable* table, StoreEnv* store, leveldb::Env* env, std::string data_dir);

  const std::string& self() const { return self_; }
  // Gateway `id`'s membership directory.
  std::string MembershipDir(std::string_view id) const;

  // Every recorded gateway (sorted by id) with liveness and the volumes it owns.
  Result<std::vector<GatewayInfo>> List();
  // The gateway a new volume goes to: the least-loaded live one (ties: the smaller id);
  // this gateway when no record names a live one yet.
  Result<std::string> PlaceNew();
  // Volume `id`'s owner ("" when none is recorded).
  Result<std::string> OwnerOf(uint64_t id);
  // Every volume id that has an owner (doomed ones too), with it, by id.
  Result<std::vector<std::pair<uint64_t, std::string>>> Owners();
  // The service address of gateway `id` ("" when unknown).
  Result<std::string> AddressOf(std::string_view id);

  // Writes this gateway's record: its own service address and those it answers on now.
  Status Publish(const std::string& address, const std::vector<std::string>& held);
  // Adopts gateway `dead` (see the top) when its lease has lapsed and it still owns
  // volumes or addresses; nullopt when it is live or has nothing left.
  Result<std::optional<GatewayAdoption>> Adopt(std::string_view dead);
  // Whether gateway `id` holds its membership lease now.
  Result<bool> Live(std::string_view id);

 private:
  Result<std::vector<std::pair<std::string, GatewayRecord>>> Records();
  Status Fence(std::string_view dead);

  CatalogTable* const table_;
  StoreEnv* const store_;
  leveldb::Env* const env_;
  const std::string data_dir_;
  const std::string self_;
};

}  // namespace volumed::storage
