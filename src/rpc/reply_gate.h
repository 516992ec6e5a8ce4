// ReplyGate: what a call's reply must wait for before it is sent. DESIGN.md §5: a reply that
// promises durability, or reveals a change that is not durable yet, goes out only once the
// store's durable point has passed it. A handler adds conditions (the NFS program adds
// "this volume's pending changes are durable" for each volume a call touches); once the
// handler has returned and its reply is encoded, the dispatcher opens the gate: the
// conditions run one after another and the reply is sent by whichever thread met the
// last one — at once on the worker when nothing is pending, else on the store's sync
// thread. No worker ever waits.
//
// Thread-safety: a gate belongs to one call; the handler's thread adds, then Open hands
// it to whoever completes it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

namespace volumed::rpc {

class ReplyGate {
 public:
  // Told once whether the condition holds (false: it never will, e.g. the store failed
  // to sync; the call is then answered SYSTEM_ERR).
  using Done = std::function<void(bool ok)>;
  // Starts waiting for one condition; calls `done` exactly once, possibly at once.
  using Condition = std::function<void(Done done)>;

  void Add(Condition condition) { conditions_.push_back(std::move(condition)); }
  bool empty() const { return conditions_.empty(); }

  // Runs the conditions in order, then `done(ok)` with ok = every condition held (it
  // stops at the first that does not). Consumes the gate.
  void Open(Done done) &&;

 private:
  std::vector<Condition> conditions_;
};

}  // namespace volumed::rpc
