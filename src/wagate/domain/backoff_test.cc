#include "wagate/domain/backoff.h"

#include <gtest/gtest.h>

namespace wagate::domain {
namespace {

// Returns the largest value allowed, so the test sees the ceiling of each attempt.
class MaxRandom final : public Random {
 public:
  uint64_t UpTo(uint64_t n) override { return n; }
};

class ZeroRandom final : public Random {
 public:
  uint64_t UpTo(uint64_t) override { return 0; }
};

TEST(BackoffTest, CeilingDoublesPerFailureUpToTheCap) {
  MaxRandom max;
  BackoffPolicy p{Millis(1'000), Millis(10'000)};
  EXPECT_EQ(FullJitterDelay(p, 1, max), Millis(1'000));
  EXPECT_EQ(FullJitterDelay(p, 2, max), Millis(2'000));
  EXPECT_EQ(FullJitterDelay(p, 3, max), Millis(4'000));
  EXPECT_EQ(FullJitterDelay(p, 4, max), Millis(8'000));
  EXPECT_EQ(FullJitterDelay(p, 5, max), Millis(10'000));
  EXPECT_EQ(FullJitterDelay(p, 500, max), Millis(10'000)) << "no overflow on huge attempt counts";
}

TEST(BackoffTest, FullJitterCanBeZero) {
  ZeroRandom zero;
  EXPECT_EQ(FullJitterDelay(BackoffPolicy{}, 7, zero), Millis(0));
}

TEST(BackoffTest, SystemRandomStaysWithinTheCeiling) {
  SystemRandom random;
  BackoffPolicy p{Millis(100), Millis(900)};
  for (int i = 0; i < 1000; ++i) {
    Millis d = FullJitterDelay(p, 3, random);
    ASSERT_GE(d, Millis(0));
    ASSERT_LE(d, Millis(400));
  }
}

}  // namespace
}  // namespace wagate::domain
