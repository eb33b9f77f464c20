#include "wagate/http/rate_limiter.h"

#include <algorithm>
#include <random>
#include <set>
#include <unordered_map>

#include "wagate/http/client_ip.h"
#include "wagate/http/status_http.h"

namespace wagate::http {

namespace {

constexpr int64_t kMinuteNs = 60'000'000'000;
// Enough shards that I/O threads rarely wait on each other; few enough that a small capacity
// still gives every shard room.
constexpr size_t kMaxShards = 16;

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t RandomSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

// One shard of the table: the buckets of the addresses that hash to it.
struct RateLimiter::Shard {
  Mutex mu;
  size_t capacity = 0;
  // address → the steady instant (ns after origin_) at which its bucket is full again.
  std::unordered_map<Key, int64_t, KeyHash> full_at WAGATE_GUARDED_BY(mu);
  // The same buckets ordered by that instant, so the one full soonest is found at once.
  std::set<std::pair<int64_t, Key>> by_full_at WAGATE_GUARDED_BY(mu);

  explicit Shard(KeyHash hash) : full_at(16, hash) {}
};

size_t RateLimiter::KeyHash::operator()(const Key& key) const {
  // Seeded per process, so that a client cannot pick addresses that collide in the table.
  uint64_t hi = 0, lo = 0;
  for (size_t i = 0; i < 8; ++i) hi = (hi << 8) | key[i];
  for (size_t i = 8; i < 16; ++i) lo = (lo << 8) | key[i];
  return static_cast<size_t>(Mix(Mix(hi ^ seed) ^ lo));
}

RateLimiter::RateLimiter(int per_minute, const Clock& clock, size_t capacity)
    : clock_(clock),
      origin_(clock.Steady()),
      interval_ns_(per_minute > 0 ? std::max<int64_t>(1, kMinuteNs / per_minute) : 0),
      tolerance_ns_(kMinuteNs),
      hash_{RandomSeed()} {
  capacity = std::max<size_t>(1, capacity);
  const size_t count = std::min(kMaxShards, capacity);
  for (size_t i = 0; i < count; ++i) {
    shards_.push_back(std::make_unique<Shard>(hash_));
    shards_.back()->capacity = capacity / count;  // the total never exceeds `capacity`
  }
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Verdict RateLimiter::Take(const boost::asio::ip::address& client) {
  Verdict verdict = TakeToken(client);
  if (!verdict.allowed && metrics_ != nullptr) metrics_->RateLimited(name_);
  return verdict;
}

RateLimiter::Verdict RateLimiter::TakeToken(const boost::asio::ip::address& client) {
  if (!enabled()) return {};
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.Steady() - origin_).count();
  const Key key = AddressKey(client);
  const size_t h = hash_(key);
  Shard& shard = *shards_[((h >> 32) ^ h) % shards_.size()];

  MutexLock lock(shard.mu);
  auto it = shard.full_at.find(key);
  // GCRA: taking a token moves the full instant one interval later; the bucket is empty when
  // that would put it more than a minute ahead.
  const int64_t previous = it == shard.full_at.end() ? now : std::max(it->second, now);
  const int64_t next = previous + interval_ns_;
  if (next - now > tolerance_ns_) {
    const int64_t wait_ns = next - tolerance_ns_ - now;
    const int64_t seconds = std::max<int64_t>(1, (wait_ns + 999'999'999) / 1'000'000'000);
    return {false, std::chrono::seconds(seconds)};
  }
  if (it != shard.full_at.end()) {
    shard.by_full_at.erase({it->second, key});
    it->second = next;
  } else {
    if (shard.full_at.size() >= shard.capacity) {
      // Drop the bucket that will be full soonest: a full one if any, which loses nothing.
      auto victim = shard.by_full_at.begin();
      shard.full_at.erase(victim->second);
      shard.by_full_at.erase(victim);
    }
    shard.full_at.emplace(key, next);
  }
  shard.by_full_at.emplace(next, key);
  return {};
}

size_t RateLimiter::tracked() const {
  size_t total = 0;
  for (const std::unique_ptr<Shard>& shard : shards_) {
    MutexLock lock(shard->mu);
    total += shard->full_at.size();
  }
  return total;
}

Response TooManyRequests(std::chrono::seconds retry_after) {
  Response res =
      ErrorResponse(ResourceExhaustedError("too many requests from this address"), "rate_limited");
  res.set(boost::beast::http::field::retry_after, std::to_string(retry_after.count()));
  return res;
}

Handler RateLimited(RateLimiter& limiter, Handler handler) {
  if (!limiter.enabled()) return handler;
  return [&limiter, handler = std::move(handler)](const Request& request,
                                                  const RequestContext& context, Respond respond) {
    RateLimiter::Verdict verdict = limiter.Take(context.client);
    if (!verdict.allowed) {
      respond(TooManyRequests(verdict.retry_after));
      return;
    }
    handler(request, context, std::move(respond));
  };
}

}  // namespace wagate::http
