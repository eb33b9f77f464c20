// Metrics: the counts of SPEC §8 that no analytics event carries, reported by the modules that
// see them. Outcomes that are events (admitted, processed, sent…) are counted from the events
// (event_sink.h); this interface covers the rest: HTTP requests, signature failures, rate-limit
// refusals, claims, lease expiries and the sender's uncertain sends, resends and pauses.
//
// Callers hold a nullable `Metrics*` (null: nothing is counted) and call it on hot paths (HTTP
// I/O threads, workers), so implementations never block on storage or the network, and keep
// label sets bounded: `endpoint` is a route path or "other", `limit` names a rate limit. No
// argument ever carries a secret, a phone number or message text.
//
// Thread safety: implementations are safe from any thread.
#pragma once

#include <chrono>
#include <string_view>

namespace wagate::ports {

// What a claim came to (work_store.h ClaimOutcome, plus a fenced write later in the attempt).
enum class ClaimMetric {
  kWon,
  kBusy,
  kDuplicateEntry,
  kAlreadyDone,
  kUncertain,  // an outgoing item whose send outcome is unknown: waiting for a status
  kFenced,     // a later fenced write found the claim taken over by another worker
};

class Metrics {
 public:
  virtual ~Metrics() = default;

  // One HTTP answer: `endpoint` is the route path ("/webhook") or "other" for unknown paths;
  // `latency` is from the request's arrival to its answer.
  virtual void RequestAnswered(std::string_view endpoint, unsigned code,
                               std::chrono::nanoseconds latency) = 0;
  // A webhook POST whose X-Hub-Signature-256 was missing or wrong.
  virtual void SignatureFailed() = 0;
  // A request refused with 429 by the rate limit named `limit` ("webhook", "health").
  virtual void RateLimited(std::string_view limit) = 0;
  virtual void Claimed(ClaimMetric outcome) = 0;
  // A heartbeat found the claim it kept alive lost: its lease had lapsed and another worker
  // took the item over (or the record went away).
  virtual void LeaseExpired() = 0;
  // A Graph API call whose outcome is unknown; the item is SENT_UNCERTAIN.
  virtual void SendUncertain() = 0;
  // A send of an item whose earlier send had an unknown outcome and no status in time.
  virtual void Resent() = 0;
  // A business number paused after an account-level Graph API error.
  virtual void SenderPaused() = 0;
};

}  // namespace wagate::ports
