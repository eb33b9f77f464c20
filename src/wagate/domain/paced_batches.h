// Paced batches: moves up to a limit of items in batches, at most a given number per second
// (the rate-limited redrive of SPEC §3, shared by every queue backend).
//
// RunPacedBatches() calls `batch(want)` until it has moved `max_items`, or a batch moves fewer
// than it was asked for (nothing left). A paced batch holds at most one second's worth of items,
// and the next batch starts only once the items moved so far fit the rate, so the rate holds over
// every second, not only on average. It waits through `sleep_for`.
//
// Thread safety: a pure function of its arguments; `batch` and `sleep_for` run on the caller's
// thread.
#pragma once

#include <cstdint>
#include <functional>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"

namespace wagate::domain {

struct PacedBatchesOptions {
  int64_t max_items = 1;             // >= 1
  double items_per_second = 0;       // 0: unpaced
  int64_t max_batch = 100;           // the largest batch the backend handles at once
};

// InvalidArgument for a limit below 1 or a rate that is negative or not finite. Otherwise the
// number of items moved, or the first failing batch's status.
StatusOr<int64_t> RunPacedBatches(const PacedBatchesOptions& options, const Clock& clock,
                                  const std::function<void(Millis)>& sleep_for,
                                  const std::function<StatusOr<int64_t>(int64_t want)>& batch);

}  // namespace wagate::domain
