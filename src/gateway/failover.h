// Failover: what keeps a gateway of a shared store (README "Scaling out") a member, and
// takes over the gateways that die. Every `period` (a third of the lease) it:
//   1. checks that this gateway still holds its membership lease; once lost (it was
//      paused or cut off past it, and a survivor has fenced it and taken its volumes and
//      addresses) it calls `fenced` — the server must stop serving, since what it served
//      is somebody else's now — and then drops every address it holds (if `fenced`
//      returns: the server ends its connections first, while their addresses are up);
//   2. writes this gateway's record (its service address and those it holds);
//   3. adopts each recorded gateway whose lease lapsed while it still owned volumes or
//      addresses (VolumeCatalog::AdoptGateway: fence, re-own, in one catalog write), then
//      brings up its addresses here (`add_address`) and takes over its locks
//      (`take_over_locks`: NLM grace for its volumes, SM_NOTIFY to its clients).
// At Start this gateway brings up its own service address — unless a live gateway holds it
// (it took it over while this one was down): then it serves without it and says so.
//
// Thread-safety: Start/Stop from one thread; the hooks run on the failover thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/periodic_thread.h"
#include "base/status.h"
#include "storage/catalog.h"

namespace volumed::gateway {

struct FailoverOptions {
  std::string address;  // this gateway's service address (no prefix); "" = none
  std::chrono::milliseconds period{10'000};
  // Brings service address `address` up on this machine / takes it down again.
  std::function<Status(const std::string& address)> add_address;
  std::function<void(const std::string& address)> remove_address;
  // After an adoption and its addresses are up: the dead gateway's locks.
  std::function<Status(const storage::GatewayAdoption&)> take_over_locks;
  // This gateway lost its membership (see the top); called once.
  std::function<void()> fenced;
};

class Failover {
 public:
  Failover(storage::VolumeCatalog* catalog, FailoverOptions options);
  ~Failover();

  // Brings up the own address (see the top), publishes the record and starts ticking.
  Status Start();
  // Stops ticking and takes down every address this gateway brought up.
  void Stop();
  // The service addresses this gateway answers on now.
  std::vector<std::string> Held();

 private:
  // One round, on the failover thread.
  void Tick();
  void Adopt(const storage::GatewayInfo& dead);
  // Takes down every address this gateway brought up.
  void DropAddresses();

  storage::VolumeCatalog* const catalog_;
  const FailoverOptions options_;
  std::mutex mu_;
  std::vector<std::string> held_;  // guarded by mu_
  bool was_member_ = false;        // failover thread only (and Start before it)
  bool fenced_ = false;            // failover thread only
  std::unique_ptr<PeriodicThread> thread_;
};

}  // namespace volumed::gateway
