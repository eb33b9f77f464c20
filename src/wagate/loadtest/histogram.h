// LatencyHistogram: fixed-size log-linear histogram of durations in nanoseconds.
//
// Each power of two is split into 64 equal sub-buckets, so a recorded value is known to within
// 1/64 (1.6 %) of itself; values below 128 ns are exact. Memory is constant (about 30 KiB)
// whatever the number of samples, and Record() is a few instructions with no allocation, which
// keeps it cheap enough for the load generator's hot path.
//
// Thread safety: none; give each thread its own histogram and Merge() them at the end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wagate::loadtest {

class LatencyHistogram {
 public:
  void Record(uint64_t nanos);
  // Adds every sample of `other` to this histogram.
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0 : static_cast<double>(sum_) / count_; }

  // The smallest bucket bound that at least `quantile` (0..1) of the samples do not exceed,
  // capped at the exact maximum; never understates a percentile. 0 when empty.
  uint64_t Percentile(double quantile) const;

 private:
  static constexpr int kSubBits = 7;  // 128 exact values, then 64 sub-buckets per power of two
  static constexpr size_t kBuckets =
      (size_t{1} << kSubBits) + (64 - kSubBits) * (size_t{1} << (kSubBits - 1));

  static size_t IndexOf(uint64_t v);
  static uint64_t UpperBound(size_t index);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
};

}  // namespace wagate::loadtest
