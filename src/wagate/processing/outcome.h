// What became of one received queue message, and the counters a worker pool keeps of them.
//
// Thread safety: counters are atomics, safe from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace wagate::processing {

enum class ProcessOutcome {
  kCompleted,
  kStale,           // completed, replies dropped
  kRetried,
  kDeadLettered,
  kAlreadyDone,
  kDuplicateEntry,
  kBusy,
  kFenced,
  kStoreError,      // the store or queue failed; the message reappears after its visibility
  // Senders only.
  kSent,
  kUncertain,       // the Graph API call's outcome is unknown; a status webhook will settle it
  kThrottled,       // Meta or local pacing said later: re-enqueued as a delayed copy
  kPaused,          // the business number is paused: re-enqueued for after the pause
  kDeferred,        // an earlier reply of the same item is not sent yet: re-enqueued
};

struct ProcessorCounters {
  std::atomic<uint64_t> processed{0};  // completed (stale included) or sent
  std::atomic<uint64_t> errors{0};     // retried + dead-lettered + store errors
  std::atomic<uint64_t> stale{0};
  std::atomic<uint64_t> retried{0};
  std::atomic<uint64_t> dead_lettered{0};
  std::atomic<uint64_t> already_done{0};
  std::atomic<uint64_t> duplicate_entry{0};
  std::atomic<uint64_t> busy{0};
  std::atomic<uint64_t> fenced{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> uncertain{0};
  std::atomic<uint64_t> resends{0};    // sends of items whose earlier outcome was unknown
  std::atomic<uint64_t> throttled{0};
  std::atomic<uint64_t> paused{0};
  std::atomic<uint64_t> deferred{0};

  // Adds one outcome to the counters and returns it.
  ProcessOutcome Count(ProcessOutcome outcome) {
    switch (outcome) {
      case ProcessOutcome::kCompleted: ++processed; break;
      case ProcessOutcome::kStale: ++processed; ++stale; break;
      case ProcessOutcome::kRetried: ++retried; ++errors; break;
      case ProcessOutcome::kDeadLettered: ++dead_lettered; ++errors; break;
      case ProcessOutcome::kAlreadyDone: ++already_done; break;
      case ProcessOutcome::kDuplicateEntry: ++duplicate_entry; break;
      case ProcessOutcome::kBusy: ++busy; break;
      case ProcessOutcome::kFenced: ++fenced; break;
      case ProcessOutcome::kStoreError: ++errors; break;
      case ProcessOutcome::kSent: ++processed; ++sent; break;
      case ProcessOutcome::kUncertain: ++uncertain; break;
      case ProcessOutcome::kThrottled: ++throttled; break;
      case ProcessOutcome::kPaused: ++paused; break;
      case ProcessOutcome::kDeferred: ++deferred; break;
    }
    return outcome;
  }
};

}  // namespace wagate::processing
