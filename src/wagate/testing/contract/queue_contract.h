// The queue contract suite: SQS semantics every Queue backend guarantees (SPEC §3).
//
// A backend instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, QueueContractTest, ::testing::Values(MakeSqliteQueueBackend));
// The factory builds fresh, empty queues driven by the given FakeClock; a paced redrive waits
// through QueueBackendOptions::sleep_for, which the suite makes advance that clock.
//
// Thread safety: test code.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "wagate/ports/queue.h"
#include "wagate/ports/queue_admin.h"
#include "wagate/ports/queue_stats.h"
#include "wagate/testing/fake_clock.h"

namespace wagate::testing {

class QueueBackend {
 public:
  virtual ~QueueBackend() = default;
  virtual ports::Queue& queue() = 0;
  virtual ports::QueueStatsSource& stats() = 0;
  virtual ports::QueueAdmin& admin() = 0;
  // Another handle on the same queues, as a second process or machine would have.
  virtual std::unique_ptr<ports::Queue> OpenAnother() = 0;
  // Whether Delete() with a receipt that is no longer current answers NotFound. SQS answers OK
  // and leaves the message alone, so on aws the suite checks only that nothing was deleted.
  virtual bool stale_receipts_fail_deletes() const { return true; }
  // Whether Stats() tells the age of the oldest dead letter. SQS does not (it is a CloudWatch
  // metric), so on aws the suite checks that the age is reported as unknown.
  virtual bool reports_dead_letter_age() const { return true; }
};

struct QueueBackendOptions {
  FakeClock* clock = nullptr;
  int max_receive_count = 3;
  // The backend's way to wait while pacing a redrive.
  std::function<void(Millis)> sleep_for;
};

using QueueBackendFactory =
    std::function<std::unique_ptr<QueueBackend>(const QueueBackendOptions&)>;

class QueueContractTest : public ::testing::TestWithParam<QueueBackendFactory> {
 protected:
  std::unique_ptr<QueueBackend> MakeBackend(int max_receive_count = 3) {
    return GetParam()(QueueBackendOptions{&clock_, max_receive_count, [this](Millis d) {
                                            slept_.push_back(d);
                                            clock_.Advance(d);
                                          }});
  }
  FakeClock clock_;
  std::vector<Millis> slept_;  // every pacing wait, in order (one redrive at a time)
};

}  // namespace wagate::testing
