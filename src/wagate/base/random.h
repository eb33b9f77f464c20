// Random: the only source of randomness (jitter, ids), injected so that tests can script it.
//
// Thread safety: SystemRandom is safe from any thread.
#pragma once

#include <cstdint>
#include <random>

#include "wagate/base/mutex.h"

namespace wagate {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed value in [0, n]; 0 when n is 0.
  virtual uint64_t UpTo(uint64_t n) = 0;
};

class SystemRandom final : public Random {
 public:
  SystemRandom() : engine_(std::random_device{}()) {}
  uint64_t UpTo(uint64_t n) override {
    if (n == 0) return 0;
    MutexLock lock(mu_);
    return std::uniform_int_distribution<uint64_t>(0, n)(engine_);
  }

 private:
  Mutex mu_;
  std::mt19937_64 engine_ WAGATE_GUARDED_BY(mu_);
};

}  // namespace wagate
