// Retry delays: exponential backoff with full jitter, capped (SPEC §3).
//
// The delay before attempt n + 1 after n failed attempts is uniform in
// [0, min(cap, base × 2^(n − 1))]. Full jitter spreads retries of items that failed together.
//
// Thread safety: pure functions over an injected Random.
#pragma once

#include "wagate/base/clock.h"
#include "wagate/base/random.h"

namespace wagate::domain {

struct BackoffPolicy {
  Millis base{1'000};
  Millis cap{900'000};  // RETRY_MAX_DELAY_SECONDS
};

// `failed_attempts` counts from 1 (the first failure).
Millis FullJitterDelay(const BackoffPolicy& policy, int64_t failed_attempts, Random& random);

}  // namespace wagate::domain
