// Clock: the only reader of the system clock.
//
// Everything that compares times (expiry, leases, backoff, rate limits) takes a Clock&, so tests
// drive time with testing::FakeClock and never sleep to wait for an expiry. Times are wall-clock
// milliseconds since the Unix epoch, because they are persisted and compared across processes
// and machines.
//
// Thread safety: implementations are safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace wagate {

using Millis = std::chrono::milliseconds;
// A wall-clock instant, in milliseconds since the Unix epoch.
using Timestamp = std::chrono::time_point<std::chrono::system_clock, Millis>;

inline int64_t ToUnixMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromUnixMillis(int64_t ms) { return Timestamp(Millis(ms)); }

// RFC 3339 UTC with milliseconds, e.g. "2026-11-28T12:00:00.000Z".
std::string FormatRfc3339(Timestamp t);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // Monotonic time for measuring durations (latency); never persisted.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  std::chrono::steady_clock::time_point Steady() const override;
  // A process-wide instance.
  static const SystemClock& Instance();
};

}  // namespace wagate
