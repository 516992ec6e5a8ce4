// WorkerPool: the RPC engine's workers — a base Executor (base/executor.h) whose
// Shutdown answers every call already queued. The reactor hands each decoded record to
// it; the worker decodes, executes and replies (one thread hop per request).
//
// Thread-safety: Submit may be called from any thread; Shutdown from one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "base/executor.h"

namespace volumed::rpc {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads) : executor_(threads, Executor::OnShutdown::kRunQueued) {}

  void Submit(std::function<void()> task) { executor_.Post(std::move(task)); }
  // Runs the tasks already queued, then joins every thread. Idempotent.
  void Shutdown() { executor_.Shutdown(); }

 private:
  Executor executor_;
};

}  // namespace volumed::rpc
