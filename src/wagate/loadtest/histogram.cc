#include "wagate/loadtest/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace wagate::loadtest {
namespace {
constexpr uint64_t kHalf = uint64_t{1} << 6;  // sub-buckets per power of two above the exact range
}  // namespace

// Values below 2^7 map to themselves. Above, a value with bit width w is shifted right by
// s = w - 7, leaving a 7-bit mantissa m in [64, 128); its bucket is 128 + (s - 1) * 64 + (m - 64).
size_t LatencyHistogram::IndexOf(uint64_t v) {
  const int width = std::bit_width(v);
  if (width <= kSubBits) return static_cast<size_t>(v);
  const int shift = width - kSubBits;
  const uint64_t mantissa = v >> shift;
  return (size_t{1} << kSubBits) + static_cast<size_t>(shift - 1) * kHalf +
         static_cast<size_t>(mantissa - kHalf);
}

uint64_t LatencyHistogram::UpperBound(size_t index) {
  if (index < (size_t{1} << kSubBits)) return index;
  const size_t rest = index - (size_t{1} << kSubBits);
  const int shift = static_cast<int>(rest / kHalf) + 1;
  const uint64_t mantissa = kHalf + rest % kHalf;
  return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::Record(uint64_t nanos) {
  ++buckets_[IndexOf(nanos)];
  ++count_;
  sum_ += nanos;
  max_ = std::max(max_, nanos);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Percentile(double quantile) const {
  if (count_ == 0) return 0;
  const double q = std::clamp(quantile, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(UpperBound(i), max_);
  }
  return max_;
}

}  // namespace wagate::loadtest
