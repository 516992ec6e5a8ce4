#include "storage/gateway_registry.h"

#include <leveldb/env.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <map>

#include "base/clock.h"
#include "base/logging.h"
#include "storage/coding.h"
#include "storage/key_codec.h"
#include "storage/kv.h"

namespace volumed::storage {

GatewayRegistry::GatewayRegistry(CatalogTable* table, StoreEnv* store, leveldb::Env* env,
                                 std::string data_dir)
    : table_(table),
      store_(store),
      env_(env),
      data_dir_(std::move(data_dir)),
      self_(store->gateway_id()) {}

std::string GatewayMembershipDir(const std::string& data_dir, std::string_view id) {
  if (id.empty()) return data_dir + "/nsm";
  return data_dir + "/gateway/" + std::string(id) + "/nsm";
}

std::string GatewayRegistry::MembershipDir(std::string_view id) const {
  return GatewayMembershipDir(data_dir_, id);
}

Result<bool> GatewayRegistry::Live(std::string_view id) {
  if (id == self_) return store_->HoldsLease(MembershipDir(id));
  VOLUMED_ASSIGN_OR_RETURN(std::string holder, store_->LeaseHolder(MembershipDir(id)));
  return !holder.empty();
}

Result<std::vector<std::pair<std::string, GatewayRecord>>> GatewayRegistry::Records() {
  std::vector<std::pair<std::string, GatewayRecord>> out;
  Status decode;
  const std::string prefix = keys::TagPrefix(keys::kCatalogGatewayTag);
  const size_t tag = prefix.size();
  VOLUMED_RETURN_IF_ERROR(
      table_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view v) {
        auto record = DecodeGateway(v);
        if (!record.ok()) {
          decode = record.status();
          return false;
        }
        out.emplace_back(std::string(k.substr(tag)), std::move(*record));
        return true;
      }));
  VOLUMED_RETURN_IF_ERROR(decode);
  return out;
}

Result<std::vector<std::pair<uint64_t, std::string>>> GatewayRegistry::Owners() {
  std::vector<std::pair<uint64_t, std::string>> out;
  const std::string prefix = keys::TagPrefix(keys::kCatalogOwnerTag);
  Status decode;
  VOLUMED_RETURN_IF_ERROR(
      table_->Scan(prefix, keys::PrefixEnd(prefix), [&](std::string_view k, std::string_view v) {
        auto id = keys::ParseCatalogOwner(k);
        if (!id) {
          decode = Corruption("bad owner key");
          return false;
        }
        out.emplace_back(*id, std::string(v));
        return true;
      }));
  VOLUMED_RETURN_IF_ERROR(decode);
  return out;
}

Result<std::vector<GatewayInfo>> GatewayRegistry::List() {
  VOLUMED_ASSIGN_OR_RETURN(auto records, Records());
  VOLUMED_ASSIGN_OR_RETURN(auto owners, Owners());
  std::map<std::string, uint32_t> load;
  for (const auto& [id, owner] : owners) ++load[owner];
  std::vector<GatewayInfo> out;
  for (auto& [id, record] : records) {
    GatewayInfo g;
    g.id = id;
    g.address = record.address;
    g.held = record.held;
    g.seen_ns = record.seen_ns;
    g.self = id == self_;
    VOLUMED_ASSIGN_OR_RETURN(g.live, Live(id));
    g.volumes = load[id];
    out.push_back(std::move(g));
  }
  return out;  // sorted by id: the table is ordered
}

Result<std::string> GatewayRegistry::PlaceNew() {
  VOLUMED_ASSIGN_OR_RETURN(auto gateways, List());
  const GatewayInfo* best = nullptr;
  for (const auto& g : gateways) {
    if (g.live && (best == nullptr || g.volumes < best->volumes)) best = &g;
  }
  return best != nullptr ? best->id : self_;
}

Result<std::string> GatewayRegistry::OwnerOf(uint64_t id) {
  VOLUMED_ASSIGN_OR_RETURN(auto owner, table_->Get(keys::CatalogOwner(id)));
  return owner ? *owner : std::string();
}

Result<std::string> GatewayRegistry::AddressOf(std::string_view id) {
  VOLUMED_ASSIGN_OR_RETURN(auto value, table_->Get(keys::CatalogGateway(id)));
  if (!value) return std::string();
  VOLUMED_ASSIGN_OR_RETURN(GatewayRecord record, DecodeGateway(*value));
  return record.address;
}

Status GatewayRegistry::Publish(const std::string& address, const std::vector<std::string>& held) {
  if (address.size() > kMaxGatewayAddressBytes || held.size() > kMaxGatewayHeld) {
    return InvalidArgument("gateway address too long or too many addresses");
  }
  VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
  GatewayRecord record{address, held, WallNowNs()};
  leveldb::WriteBatch batch;
  batch.Put(keys::CatalogGateway(self_), Encode(record));
  return table_->Write(&batch);
}

// Taking the dead gateway's membership lease fences it (blocklists the client that held
// it, when it did not let go) and fails while its lease lives.
Status GatewayRegistry::Fence(std::string_view dead) {
  const std::string dir = MembershipDir(dead);
  VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->CreateDir(dir)));
  leveldb::FileLock* lock = nullptr;
  VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->LockFile(dir + "/LOCK", &lock)));
  return FromLevelDb(env_->UnlockFile(lock));
}

Result<std::optional<GatewayAdoption>> GatewayRegistry::Adopt(std::string_view dead) {
  if (dead == self_) return InvalidArgument("a gateway cannot adopt itself");
  VOLUMED_ASSIGN_OR_RETURN(auto hold, table_->Exclusive());
  VOLUMED_ASSIGN_OR_RETURN(bool live, Live(dead));
  if (live) return std::optional<GatewayAdoption>();
  VOLUMED_ASSIGN_OR_RETURN(auto value, table_->Get(keys::CatalogGateway(dead)));
  if (!value) return std::optional<GatewayAdoption>();
  VOLUMED_ASSIGN_OR_RETURN(GatewayRecord dead_record, DecodeGateway(*value));
  VOLUMED_ASSIGN_OR_RETURN(auto owners, Owners());
  GatewayAdoption a;
  a.gateway = std::string(dead);
  a.address = dead_record.address;
  a.addresses = dead_record.held;
  a.membership_dir = MembershipDir(dead);
  for (const auto& [id, owner] : owners) {
    if (owner == dead) a.volumes.push_back(id);
  }
  if (a.volumes.empty() && a.addresses.empty()) return std::optional<GatewayAdoption>();
  VOLUMED_RETURN_IF_ERROR(Fence(dead));
  std::string addresses;
  for (const auto& address : a.addresses) addresses += (addresses.empty() ? "" : ", ") + address;
  LOG_WARN(
      "gateway {}: adopting {} volume(s) and the address(es) [{}] of gateway {}, whose lease "
      "lapsed",
      self_, a.volumes.size(), addresses, a.gateway);
  VOLUMED_ASSIGN_OR_RETURN(auto mine_value, table_->Get(keys::CatalogGateway(self_)));
  GatewayRecord mine;
  if (mine_value) {
    VOLUMED_ASSIGN_OR_RETURN(mine, DecodeGateway(*mine_value));
  }
  for (const auto& address : a.addresses) {
    if (std::find(mine.held.begin(), mine.held.end(), address) == mine.held.end() &&
        mine.held.size() < kMaxGatewayHeld) {
      mine.held.push_back(address);
    }
  }
  mine.seen_ns = WallNowNs();
  dead_record.held.clear();
  leveldb::WriteBatch batch;
  for (uint64_t id : a.volumes) batch.Put(keys::CatalogOwner(id), self_);
  batch.Put(keys::CatalogGateway(self_), Encode(mine));
  batch.Put(keys::CatalogGateway(dead), Encode(dead_record));
  VOLUMED_RETURN_IF_ERROR(table_->Write(&batch));
  return std::optional<GatewayAdoption>(std::move(a));
}

}  // namespace volumed::storage
