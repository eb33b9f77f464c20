#include "wagate/loadtest/histogram.h"

#include <gtest/gtest.h>

namespace wagate::loadtest {
namespace {

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(0.5), 50u);
  EXPECT_EQ(h.Percentile(0.99), 99u);
  EXPECT_EQ(h.Percentile(1.0), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogramTest, LargeValuesWithinOnePercentAndNeverUnderstated) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);  // 1 µs .. 100 ms
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = q * 100000 * 1000;
    const auto got = static_cast<double>(h.Percentile(q));
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact * 1.016) << q;
  }
  EXPECT_EQ(h.Percentile(1.0), 100000u * 1000);
  EXPECT_EQ(h.max(), 100000u * 1000);
}

TEST(LatencyHistogramTest, HugeValuesDoNotOverflow) {
  LatencyHistogram h;
  h.Record(~uint64_t{0});
  h.Record(uint64_t{1} << 63);
  EXPECT_EQ(h.Percentile(1.0), ~uint64_t{0});
  EXPECT_GE(h.Percentile(0.5), uint64_t{1} << 63);
}

TEST(LatencyHistogramTest, MergeAddsSamples) {
  LatencyHistogram a, b;
  for (int i = 0; i < 10; ++i) a.Record(10);
  for (int i = 0; i < 10; ++i) b.Record(1000000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 20u);
  EXPECT_EQ(a.Percentile(0.5), 10u);
  EXPECT_EQ(a.max(), 1000000u);
  EXPECT_GE(a.Percentile(0.95), 1000000u);
}

}  // namespace
}  // namespace wagate::loadtest
