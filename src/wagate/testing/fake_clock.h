// FakeClock: a Clock that tests move by hand, so expiry and lease logic is tested without sleeping.
//
// Steady() advances together with Now().
//
// Thread safety: safe from any thread.
#pragma once

#include <atomic>

#include "wagate/base/clock.h"

namespace wagate::testing {

class FakeClock final : public Clock {
 public:
  // Starts at 2026-11-28T12:00:00Z unless told otherwise.
  explicit FakeClock(Timestamp start = FromUnixMillis(1795867200000)) : now_ms_(ToUnixMillis(start)) {}

  Timestamp Now() const override { return FromUnixMillis(now_ms_.load()); }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(Millis(now_ms_.load()));
  }
  void Advance(Millis d) { now_ms_ += d.count(); }
  void Set(Timestamp t) { now_ms_ = ToUnixMillis(t); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace wagate::testing
