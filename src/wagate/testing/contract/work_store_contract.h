// The work store contract suite: claims, leases, fencing, completion with replies, release and
// kill (SPEC §2 invariants 3, 6, 7, 9). It runs on the same backends as the admit suite:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, WorkStoreContractTest, ::testing::Values(MakeSqliteTestBackend));
//
// Thread safety: test code.
#pragma once

#include <gtest/gtest.h>

#include "wagate/testing/contract/admit_contract.h"

namespace wagate::testing {

class WorkStoreContractTest : public ::testing::TestWithParam<AdmitBackendFactory> {
 protected:
  std::unique_ptr<AdmitBackend> MakeBackend(Millis dedup_ttl = Millis(3'600'000)) {
    return GetParam()(AdmitBackendOptions{&clock_, dedup_ttl});
  }
  FakeClock clock_;
};

}  // namespace wagate::testing
