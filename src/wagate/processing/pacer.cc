#include "wagate/processing/pacer.h"

#include <algorithm>
#include <cmath>

namespace wagate::processing {

namespace {

constexpr size_t kForgetAbovePairs = 4096;

std::string PairKey(const std::string& number, const std::string& recipient) {
  return number + "\n" + recipient;
}

// When a GCRA bucket with arrival time `tat` and tolerance `tolerance` admits a send at `now`.
Timestamp Earliest(const std::unordered_map<std::string, Timestamp>& tats, const std::string& key,
                   Timestamp now, Millis tolerance) {
  auto it = tats.find(key);
  if (it == tats.end()) return now;
  return std::max(now, it->second - tolerance);
}

void Take(std::unordered_map<std::string, Timestamp>& tats, const std::string& key, Timestamp at,
          Millis interval) {
  auto [it, inserted] = tats.try_emplace(key, at);
  it->second = std::max(it->second, at) + interval;
}

}  // namespace

Pacer::Pacer(const Clock& clock, Options options)
    : clock_(clock),
      options_(options),
      number_interval_(Millis(std::max<int64_t>(1, std::llround(1000.0 / std::max(options.rate_per_number, 0.001))))),
      // A burst of one second's worth of messages per number.
      number_tolerance_(std::max(Millis(0), Millis(1000) - number_interval_)),
      pair_tolerance_(options.pair_interval * std::max(0, options.pair_burst - 1)) {}

Pacer::Slot Pacer::Reserve(const std::string& number, const std::string& recipient,
                           Millis max_wait) {
  MutexLock lock(mu_);
  const Timestamp now = clock_.Now();
  const std::string pair = PairKey(number, recipient);
  // A read receipt has no recipient: only the number's rate applies.
  const bool paired = !recipient.empty();
  Timestamp at = Earliest(number_tat_, number, now, number_tolerance_);
  if (paired) at = std::max(at, Earliest(pair_tat_, pair, now, pair_tolerance_));
  if (at - now > max_wait) return Slot{false, at};
  Take(number_tat_, number, at, number_interval_);
  if (paired) Take(pair_tat_, pair, at, options_.pair_interval);
  if (pair_tat_.size() > forget_above_) ForgetIdlePairs(now);
  return Slot{true, at};
}

void Pacer::HoldPair(const std::string& number, const std::string& recipient, Timestamp until) {
  MutexLock lock(mu_);
  // Arrival time such that the earliest next send is `until`.
  Timestamp& tat = pair_tat_[PairKey(number, recipient)];
  tat = std::max(tat, until + pair_tolerance_);
}

void Pacer::ForgetIdlePairs(Timestamp now) {
  std::erase_if(pair_tat_, [now](const auto& entry) { return entry.second <= now; });
  std::erase_if(number_tat_, [now](const auto& entry) { return entry.second <= now; });
  // Sweep again only after the map has doubled, so sweeping stays O(1) per send on average.
  forget_above_ = std::max(kForgetAbovePairs, 2 * pair_tat_.size());
}

void Pacer::Pause(const std::string& number, Timestamp until) {
  MutexLock lock(mu_);
  Timestamp& end = paused_until_[number];
  end = std::max(end, until);
}

std::optional<Timestamp> Pacer::PausedUntil(const std::string& number) {
  MutexLock lock(mu_);
  auto it = paused_until_.find(number);
  if (it == paused_until_.end()) return std::nullopt;
  return it->second;
}

bool Pacer::TakeProbe(const std::string& number) {
  MutexLock lock(mu_);
  auto it = paused_until_.find(number);
  if (it == paused_until_.end()) return true;
  const Timestamp now = clock_.Now();
  if (it->second > now) return false;
  it->second = now + options_.probe_interval;
  return true;
}

void Pacer::Resume(const std::string& number) {
  MutexLock lock(mu_);
  paused_until_.erase(number);
}

std::vector<std::string> Pacer::PausedNumbers() {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [number, until] : paused_until_) out.push_back(number);
  std::sort(out.begin(), out.end());
  return out;
}

size_t Pacer::TrackedPairs() {
  MutexLock lock(mu_);
  return pair_tat_.size();
}

}  // namespace wagate::processing
