#include "storage/rados/rados_store.h"

#include <unistd.h>

#include <chrono>

#include "storage/kv.h"
#include "storage/rados/rados_capacity.h"
#include "storage/rados/rados_catalog_table.h"
#include "storage/rados/rados_env.h"
#include "storage/rados/rados_errors.h"

namespace volumed::storage::rados {
namespace {

class RadosStore final : public StoreEnv {
 public:
  explicit RadosStore(std::unique_ptr<RadosEnv> env)
      : env_(std::move(env)), capacity_(env_->cluster(), env_->options().pool) {}
  StoreKind kind() const override { return StoreKind::kRados; }
  leveldb::Env* env() override { return env_.get(); }
  std::string Describe(const std::string& dir) const override { return env_->Describe(dir); }
  Result<StoreSpace> Capacity() override { return capacity_.Capacity(); }
  Result<std::unique_ptr<CatalogTable>> OpenCatalogTable() override {
    RadosCatalogTableOptions o;
    o.namespace_prefix = env_->options().namespace_prefix;
    o.gateway = env_->options().gateway_id;
    o.lease = env_->options().lease;
    return OpenRadosCatalogTable(env_->pool(), o);
  }
  std::string gateway_id() const override { return env_->options().gateway_id; }
  Result<std::string> LeaseHolder(const std::string& dir) override {
    std::string gateway;
    VOLUMED_RETURN_IF_ERROR(FromLevelDb(env_->LeaseHolder(dir, &gateway)));
    return gateway;
  }
  bool HoldsLease(const std::string& dir) override { return env_->HoldsLease(dir); }

 private:
  std::unique_ptr<RadosEnv> env_;
  RadosPoolCapacity capacity_;  // uses env_'s cluster connection
};

}  // namespace

Result<std::unique_ptr<StoreEnv>> ConnectRadosStore(const RadosStoreOptions& options) {
  RadosEnvOptions o;
  o.conf_path = options.conf_path;
  o.user = options.user;
  o.pool = options.pool;
  o.namespace_prefix = options.namespace_prefix;
  o.root = options.root;
  o.gateway_id = options.gateway_id;
  if (o.gateway_id.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    o.gateway_id = std::string(host) + ":" + options.root;
  }
  o.lease = std::chrono::seconds(options.lease_seconds);
  SetOwnershipLostHandler(options.ownership_lost);
  VOLUMED_ASSIGN_OR_RETURN(std::unique_ptr<RadosEnv> env, RadosEnv::Connect(o));
  return std::unique_ptr<StoreEnv>(std::make_unique<RadosStore>(std::move(env)));
}

}  // namespace volumed::storage::rados
