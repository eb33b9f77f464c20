#include "wagate/domain/paced_batches.h"

#include <algorithm>
#include <cmath>

namespace wagate::domain {

StatusOr<int64_t> RunPacedBatches(const PacedBatchesOptions& options, const Clock& clock,
                                  const std::function<void(Millis)>& sleep_for,
                                  const std::function<StatusOr<int64_t>(int64_t want)>& batch) {
  if (options.max_items < 1) return InvalidArgumentError("redrive: max_messages must be at least 1");
  const double rate = options.items_per_second;
  if (!(rate >= 0) || std::isinf(rate)) {
    return InvalidArgumentError("redrive: messages_per_second must be a finite number >= 0");
  }
  const bool paced = rate > 0;
  const int64_t batch_size =
      paced ? std::clamp<int64_t>(static_cast<int64_t>(std::floor(rate)), 1, options.max_batch)
            : options.max_batch;
  int64_t moved = 0;
  const auto started = clock.Steady();
  while (moved < options.max_items) {
    const int64_t want = std::min(batch_size, options.max_items - moved);
    StatusOr<int64_t> done = batch(want);
    if (!done.ok()) return done.status();
    moved += *done;
    if (*done < want || moved >= options.max_items) break;  // nothing left to move, or done
    if (paced) {
      // The next batch may start once the items moved so far fit the rate.
      const auto due = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(moved) / rate));
      const auto now = clock.Steady();
      if (due > now) sleep_for(std::chrono::ceil<Millis>(due - now));
    }
  }
  return moved;
}

}  // namespace wagate::domain
