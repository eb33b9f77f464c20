// FakeMetrics: a ports::Metrics that counts what it is told, for tests of the modules that
// report metrics (claims, lease expiries, uncertain sends, resends, pauses).
//
// Thread safety: safe from any thread.
#pragma once

#include <array>
#include <atomic>

#include "wagate/ports/metrics.h"

namespace wagate::testing {

class FakeMetrics final : public ports::Metrics {
 public:
  void RequestAnswered(std::string_view, unsigned, std::chrono::nanoseconds) override {
    ++requests;
  }
  void SignatureFailed() override { ++signature_failures; }
  void RateLimited(std::string_view) override { ++rate_limited; }
  void Claimed(ports::ClaimMetric outcome) override { ++claims[static_cast<size_t>(outcome)]; }
  void LeaseExpired() override { ++lease_expiries; }
  void SendUncertain() override { ++uncertain_sends; }
  void Resent() override { ++resends; }
  void SenderPaused() override { ++pauses; }

  int Claims(ports::ClaimMetric outcome) const {
    return claims[static_cast<size_t>(outcome)].load();
  }

  std::atomic<int> requests{0};
  std::atomic<int> signature_failures{0};
  std::atomic<int> rate_limited{0};
  std::array<std::atomic<int>, 6> claims{};
  std::atomic<int> lease_expiries{0};
  std::atomic<int> uncertain_sends{0};
  std::atomic<int> resends{0};
  std::atomic<int> pauses{0};
};

}  // namespace wagate::testing
