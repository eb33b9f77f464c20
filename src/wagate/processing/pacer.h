// Pacer: local pacing of Graph API sends, and the pause of business numbers that cannot send
// (SPEC §4 Sender: Pacing, Errors).
//
// Two limits apply to every send, both as token buckets (GCRA):
//   per business number  `rate_per_number` messages per second (SEND_RATE_PER_NUMBER divided by
//                        SENDER_INSTANCES), with bursts of up to one second's worth;
//   per recipient pair   Meta's pair limit: one message per 6 s to the same user, with bursts of
//                        up to 45, after which the equivalent time must pass. A send without a
//                        recipient (a read receipt) is paced per number only.
// Reserve() answers when a send may go. When that is within `max_wait` the slot is taken and the
// caller waits until then; otherwise nothing is taken and the caller re-enqueues the message as a
// delayed copy (throttling never uses up receives, invariant 6).
//
// Pause: an account-level error pauses a number until `until`. While paused nothing is sent for
// it; when the pause ends, one send may probe (TakeProbe) and the number stays paused for the
// probe interval until Resume() is called after a success.
//
// Memory: pair entries whose bucket is full again are dropped, so the maps hold only recently
// active numbers and recipients.
//
// Thread safety: safe from any thread; one mutex guards both buckets and the pauses.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"

namespace wagate::processing {

class Pacer {
 public:
  struct Options {
    double rate_per_number = 80;
    Millis pair_interval{6000};
    int pair_burst = 45;
    Millis probe_interval{60'000};
  };

  struct Slot {
    bool taken = false;  // the send may go at `at`; false: try again at `at`
    Timestamp at;
  };

  Pacer(const Clock& clock, Options options);

  Slot Reserve(const std::string& number, const std::string& recipient, Millis max_wait);
  // Meta answered 131056 (pair limit): nothing more to this recipient before `until`.
  void HoldPair(const std::string& number, const std::string& recipient, Timestamp until);

  // Pausing: Pause() sets or extends the pause; PausedUntil() is the end of the current pause,
  // or nullopt when the number may send.
  void Pause(const std::string& number, Timestamp until);
  std::optional<Timestamp> PausedUntil(const std::string& number);
  // Whether this caller may probe a paused number whose pause has ended; taking the probe keeps
  // the number paused for the probe interval, so only one send probes at a time.
  bool TakeProbe(const std::string& number);
  void Resume(const std::string& number);
  // The numbers paused now, for health and alerts.
  std::vector<std::string> PausedNumbers();
  // How many recipient pairs are remembered (bounded; for tests and metrics).
  size_t TrackedPairs();

 private:
  void ForgetIdlePairs(Timestamp now) WAGATE_REQUIRES(mu_);

  const Clock& clock_;
  const Options options_;
  const Millis number_interval_;
  const Millis number_tolerance_;
  const Millis pair_tolerance_;

  Mutex mu_;
  // GCRA theoretical arrival times: a key whose time is past behaves as a full bucket.
  std::unordered_map<std::string, Timestamp> number_tat_ WAGATE_GUARDED_BY(mu_);
  std::unordered_map<std::string, Timestamp> pair_tat_ WAGATE_GUARDED_BY(mu_);
  std::unordered_map<std::string, Timestamp> paused_until_ WAGATE_GUARDED_BY(mu_);
  size_t forget_above_ WAGATE_GUARDED_BY(mu_) = 4096;
};

}  // namespace wagate::processing
