// The admit contract suite: what every Admitter backend guarantees (SPEC §2 invariants 1, 2, 4).
//
// A backend instantiates it with a factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AdmitContractTest, ::testing::Values(MakeSqliteBackend));
// The factory builds a fresh, empty backend driven by the given FakeClock and dedup TTL.
//
// Thread safety: test code.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "wagate/ports/admitter.h"
#include "wagate/ports/queue_stats.h"
#include "wagate/ports/work_store.h"
#include "wagate/testing/admit_and_wait.h"
#include "wagate/testing/fake_clock.h"

namespace wagate::testing {

// One backend under test.
class AdmitBackend {
 public:
  virtual ~AdmitBackend() = default;
  virtual ports::Admitter& admitter() = 0;
  virtual ports::WorkStore& store() = 0;
  virtual ports::QueueStatsSource& queues() = 0;
  // True when concurrent identical admits must produce exactly one queue entry (sqlite); false
  // where a duplicate entry is allowed and the claim filters it (aws, SPEC §2.2).
  virtual bool single_queue_entry() const = 0;
};

struct AdmitBackendOptions {
  FakeClock* clock = nullptr;
  Millis dedup_ttl{Millis(60'000)};
};

using AdmitBackendFactory =
    std::function<std::unique_ptr<AdmitBackend>(const AdmitBackendOptions&)>;

class AdmitContractTest : public ::testing::TestWithParam<AdmitBackendFactory> {
 protected:
  void SetUp() override;
  std::unique_ptr<AdmitBackend> MakeBackend(Millis dedup_ttl = Millis(60'000));

  FakeClock clock_;
};

}  // namespace wagate::testing
