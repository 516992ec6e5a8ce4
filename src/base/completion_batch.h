// CompletionBatch: gathers the follow-up work of many completions made in a row on one
// thread, so that what they share is done once, after the last of them. A store's sync
// thread answers every waiter of one group commit in a row; each answer queues a reply on
// its connection, and the connection's send — deferred here — then carries all of that
// connection's replies in one sendmsg instead of one each (rpc/connection_output.h).
//
// While a batch is open on a thread, Defer(work) keeps `work` until the batch closes; with
// none open, Defer runs it at once. A batch opened inside another one adds nothing: the
// outermost one runs everything, in the order it was deferred, when it is destroyed (work
// deferred while it runs joins the same run).
//
// Thread-safety: a batch belongs to the thread that opened it; Defer may be called from
// any thread and concerns only that thread's batch.
#pragma once

#include <functional>
#include <vector>

namespace volumed {

class CompletionBatch {
 public:
  CompletionBatch();
  // Runs the deferred work (outermost batch only).
  ~CompletionBatch();
  CompletionBatch(const CompletionBatch&) = delete;
  CompletionBatch& operator=(const CompletionBatch&) = delete;

  // Runs `work` when the batch open on this thread closes, or at once when none is open.
  static void Defer(std::function<void()> work);

 private:
  CompletionBatch* const outer_;  // the batch this one is nested in, or null
  std::vector<std::function<void()>> deferred_;
};

}  // namespace volumed
