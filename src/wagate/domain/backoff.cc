#include "wagate/domain/backoff.h"

#include <algorithm>

namespace wagate::domain {

Millis FullJitterDelay(const BackoffPolicy& policy, int64_t failed_attempts, Random& random) {
  const int64_t cap = std::max<int64_t>(0, policy.cap.count());
  int64_t ceiling = std::max<int64_t>(0, policy.base.count());
  // Double until the cap; stops early so the shift can never overflow.
  for (int64_t i = 1; i < failed_attempts && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  return Millis(static_cast<int64_t>(random.UpTo(static_cast<uint64_t>(ceiling))));
}

}  // namespace wagate::domain
