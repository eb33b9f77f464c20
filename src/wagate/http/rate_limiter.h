// RateLimiter: a token bucket per client address, in bounded memory (SPEC §5).
//
// Each address may spend `per_minute` tokens at once and gets them back evenly over a minute.
// A bucket is kept as the instant at which it will be full again (the "theoretical arrival
// time" of GCRA), so one integer describes it, and a full bucket carries no information: it is
// the same as no bucket at all.
//
// Memory: at most `capacity` buckets are tracked, spread over shards that each hold their share.
// When a shard is full and a new address arrives, the bucket that will be full soonest is
// dropped. That is a full one when there is one, which changes nothing; otherwise it is the one
// that carries the least information, never an address that was just emptied by a flood.
//
// Time comes from the injected Clock's steady time; per_minute 0 disables the limit.
// With CountRefusals(), every refusal is counted in the metrics under the limit's name.
//
// Thread safety: Take() may be called from any number of I/O threads at once; each call holds
// only its shard's short lock and never blocks on anything else.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/http/types.h"
#include "wagate/ports/metrics.h"

namespace wagate::http {

class RateLimiter {
 public:
  static constexpr size_t kDefaultCapacity = 65536;

  struct Verdict {
    bool allowed = true;
    // When refused: whole seconds until a token is available, at least 1.
    std::chrono::seconds retry_after{0};
  };

  // `clock` is borrowed and must outlive the limiter.
  RateLimiter(int per_minute, const Clock& clock, size_t capacity = kDefaultCapacity);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  bool enabled() const { return interval_ns_ > 0; }

  // Counts each refusal as `metrics->RateLimited(name)`; `metrics` (null: none) is borrowed and
  // must outlive the limiter. Before the first Take().
  void CountRefusals(ports::Metrics* metrics, std::string name) {
    metrics_ = metrics;
    name_ = std::move(name);
  }

  // Takes a token from `client`'s bucket. Refused when the bucket is empty; a refused request
  // takes nothing.
  Verdict Take(const boost::asio::ip::address& client);

  // The number of buckets tracked now (never more than the capacity).
  size_t tracked() const;

 private:
  Verdict TakeToken(const boost::asio::ip::address& client);

  using Key = std::array<uint8_t, 16>;
  struct KeyHash {
    uint64_t seed;
    size_t operator()(const Key& key) const;
  };
  struct Shard;

  const Clock& clock_;
  const std::chrono::steady_clock::time_point origin_;
  const int64_t interval_ns_;   // time to earn one token; 0 when disabled
  const int64_t tolerance_ns_;  // time to fill an empty bucket (a minute)
  const KeyHash hash_;
  std::vector<std::unique_ptr<Shard>> shards_;  // fixed after construction
  ports::Metrics* metrics_ = nullptr;           // fixed before the first Take()
  std::string name_;
};

// The 429 answer: {"error":"rate_limited","detail":…} with Retry-After.
Response TooManyRequests(std::chrono::seconds retry_after);

// `handler` behind `limiter`: each request takes a token from its client's bucket, and is answered
// 429 instead when there is none. `limiter` is borrowed and must outlive the handler.
Handler RateLimited(RateLimiter& limiter, Handler handler);

}  // namespace wagate::http
