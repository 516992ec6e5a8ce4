#include "gateway/failover.h"

#include <algorithm>

#include "base/logging.h"

namespace volumed::gateway {

Failover::Failover(storage::VolumeCatalog* catalog, FailoverOptions options)
    : catalog_(catalog), options_(std::move(options)) {}

Failover::~Failover() { Stop(); }

std::vector<std::string> Failover::Held() {
  std::lock_guard<std::mutex> l(mu_);
  return held_;
}

Status Failover::Start() {
  auto gateways = catalog_->Gateways();
  if (!gateways.ok()) return gateways.status();
  bool taken = false;
  for (const auto& g : *gateways) {
    if (g.self || !g.live) continue;
    if (std::find(g.held.begin(), g.held.end(), options_.address) != g.held.end()) {
      LOG_WARN(
          "gateway: the service address {} is held by gateway {}, which took it over while "
          "this one was down; serving without it (the volumes stay with {})",
          options_.address, g.id, g.id);
      taken = true;
    }
  }
  // The record first, already claiming the address: once the address answers, clients
  // and volumectl find it placed, and a survivor that adopts this gateway — even one that
  // dies right after bringing it up — brings the address up too.
  const bool bring_up = !options_.address.empty() && !taken;
  if (bring_up) {
    std::lock_guard<std::mutex> l(mu_);
    held_.push_back(options_.address);
  }
  if (Status s = catalog_->PublishGateway(options_.address, Held()); !s.ok()) return s;
  if (bring_up) {
    if (Status s = options_.add_address(options_.address); !s.ok()) {
      {
        std::lock_guard<std::mutex> l(mu_);
        held_.clear();
      }
      if (Status undo = catalog_->PublishGateway(options_.address, Held()); !undo.ok()) {
        LOG_WARN("gateway: cannot publish this gateway's record: {}", undo.ToString());
      }
      return s;
    }
  }
  thread_ = std::make_unique<PeriodicThread>(options_.period, PeriodicThread::First::kAfterPeriod,
                                             [this] { Tick(); });
  return Status::Ok();
}

void Failover::Stop() {
  if (thread_ != nullptr) thread_->Stop();
  DropAddresses();
}

void Failover::DropAddresses() {
  std::vector<std::string> held;
  {
    std::lock_guard<std::mutex> l(mu_);
    held.swap(held_);
  }
  for (const auto& address : held) options_.remove_address(address);
}

void Failover::Tick() {
  if (fenced_) return;
  const bool member = catalog_->HoldsMembership();
  if (member) was_member_ = true;
  if (was_member_ && !member) {
    fenced_ = true;
    LOG_ERROR(
        "gateway: this gateway lost its membership lease (paused or cut off past it); "
        "another gateway takes over its volumes and addresses, so it stops serving");
    options_.fenced();
    DropAddresses();
    return;
  }
  if (!member) return;  // not yet: the status monitor opens its database at start
  if (Status s = catalog_->PublishGateway(options_.address, Held()); !s.ok()) {
    LOG_WARN("gateway: cannot publish this gateway's record: {}", s.ToString());
  }
  auto gateways = catalog_->Gateways();
  if (!gateways.ok()) {
    LOG_WARN("gateway: cannot list the gateways: {}", gateways.status().ToString());
    return;
  }
  for (const auto& g : *gateways) {
    if (!g.self && !g.live && (g.volumes > 0 || !g.held.empty())) Adopt(g);
  }
}

void Failover::Adopt(const storage::GatewayInfo& dead) {
  auto adopted = catalog_->AdoptGateway(dead.id);
  if (!adopted.ok()) {
    LOG_WARN("gateway: cannot adopt gateway {}: {}", dead.id, adopted.status().ToString());
    return;
  }
  if (!adopted->has_value()) return;  // live again, or another survivor adopted it
  const storage::GatewayAdoption& a = **adopted;
  for (const auto& address : a.addresses) {
    if (Status s = options_.add_address(address); !s.ok()) {
      LOG_ERROR("gateway: cannot bring up {} of gateway {}: {}", address, a.gateway, s.ToString());
      continue;
    }
    std::lock_guard<std::mutex> l(mu_);
    if (std::find(held_.begin(), held_.end(), address) == held_.end()) held_.push_back(address);
  }
  if (Status s = catalog_->PublishGateway(options_.address, Held()); !s.ok()) {
    LOG_WARN("gateway: cannot publish this gateway's record: {}", s.ToString());
  }
  if (a.address.empty()) {
    LOG_WARN(
        "gateway: gateway {} had no service address, so its clients cannot be told to "
        "reclaim their locks (their mounts name an address that did not move)",
        a.gateway);
  } else if (Status s = options_.take_over_locks(a); !s.ok()) {
    LOG_ERROR("gateway: taking over the locks of gateway {} failed: {}", a.gateway, s.ToString());
  }
  LOG_WARN("gateway: took over gateway {}: {} volume(s), address(es) {}", a.gateway,
           a.volumes.size(), a.addresses.size());
}

}  // namespace volumed::gateway
