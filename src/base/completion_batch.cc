#include "base/completion_batch.h"

#include <utility>

namespace volumed {

namespace {
thread_local CompletionBatch* open_batch = nullptr;
}  // namespace

CompletionBatch::CompletionBatch() : outer_(open_batch) {
  if (outer_ == nullptr) open_batch = this;
}

CompletionBatch::~CompletionBatch() {
  if (outer_ != nullptr) return;
  // By index: work run here may defer more, which joins this run.
  for (size_t i = 0; i < deferred_.size(); ++i) {
    auto work = std::move(deferred_[i]);
    work();
  }
  open_batch = nullptr;
}

void CompletionBatch::Defer(std::function<void()> work) {
  if (open_batch == nullptr) {
    work();
    return;
  }
  open_batch->deferred_.push_back(std::move(work));
}

}  // namespace volumed
