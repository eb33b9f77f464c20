#include "wagate/base/clock.h"

#include <gtest/gtest.h>

#include <chrono>

namespace wagate {
namespace {

TEST(FormatRfc3339Test, KnownInstants) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1795867200000)), "2026-11-28T12:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1795867200007)), "2026-11-28T12:00:00.007Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(951782400999)), "2000-02-29T00:00:00.999Z");  // leap day
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(253402300799999)), "9999-12-31T23:59:59.999Z");
}

TEST(FormatRfc3339Test, BeforeTheEpochBorrowsASecond) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(-1)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(-999)), "1969-12-31T23:59:59.001Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(-1000)), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(-1001)), "1969-12-31T23:59:58.999Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(-310397970000 + 250)), "1960-03-01T10:20:30.250Z");
}

TEST(UnixMillisTest, RoundTrips) {
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(1795867200123)), 1795867200123);
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(-5)), -5);
}

TEST(SystemClockTest, NowIsTheSystemTime) {
  const SystemClock& clock = SystemClock::Instance();
  EXPECT_EQ(&clock, &SystemClock::Instance());
  auto before = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  Timestamp now = clock.Now();
  auto after = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

TEST(SystemClockTest, SteadyNeverGoesBack) {
  const SystemClock& clock = SystemClock::Instance();
  auto first = clock.Steady();
  EXPECT_LE(first, clock.Steady());
}

}  // namespace
}  // namespace wagate
