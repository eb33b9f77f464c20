#include "wagate/processing/claim_steps.h"

#include <algorithm>

#include "wagate/base/log.h"

namespace wagate::processing {

domain::ItemKind KindOfKey(std::string_view key) {
  if (key.starts_with("st:")) return domain::ItemKind::kStatus;
  if (key.starts_with("ev:")) return domain::ItemKind::kEvent;
  if (key.starts_with("out:")) return domain::ItemKind::kOutgoing;
  return domain::ItemKind::kMessage;
}

ClaimSteps::ClaimSteps(ports::Queue& queue, ports::WorkStore& store, const Clock& clock,
                       Random& random, ClaimStepsOptions options)
    : queue_(queue), store_(store), clock_(clock), random_(random), options_(std::move(options)) {}

ports::ClaimRequest ClaimSteps::RequestFor(const ports::ReceivedMessage& m) const {
  return {m.key, KindOfKey(m.key), options_.worker_id, m.id, options_.lease};
}

std::optional<ports::ClaimResult> ClaimSteps::Claim(const ports::ReceivedMessage& m,
                                                    ProcessOutcome* lost) {
  return Settle(m, store_.Claim(RequestFor(m)), lost);
}

std::vector<std::optional<ports::ClaimResult>> ClaimSteps::ClaimMany(
    const std::vector<ports::ReceivedMessage>& batch, std::vector<ProcessOutcome>* lost) {
  std::vector<ports::ClaimRequest> requests;
  for (const ports::ReceivedMessage& m : batch) requests.push_back(RequestFor(m));
  std::vector<StatusOr<ports::ClaimResult>> claims = store_.ClaimMany(requests);
  std::vector<std::optional<ports::ClaimResult>> out;
  for (size_t i = 0; i < batch.size(); ++i) out.push_back(Settle(batch[i], std::move(claims[i]), &(*lost)[i]));
  return out;
}

std::optional<ports::ClaimResult> ClaimSteps::Settle(const ports::ReceivedMessage& m,
                                                     StatusOr<ports::ClaimResult> claim,
                                                     ProcessOutcome* lost) {
  if (!claim.ok()) {
    log::Warn("claim failed", {log::F("key", m.key), log::F("error", claim.status().ToString())});
    *lost = ProcessOutcome::kStoreError;
    return std::nullopt;
  }
  const Millis until_lease_end =
      std::chrono::duration_cast<Millis>(claim->lease_until - clock_.Now());
  switch (claim->outcome) {
    case ports::ClaimOutcome::kWon:
      Count(ports::ClaimMetric::kWon);
      return *claim;
    case ports::ClaimOutcome::kAlreadyDone:
      Count(ports::ClaimMetric::kAlreadyDone);
      (void)queue_.Delete(options_.queue, m.receipt);
      *lost = ProcessOutcome::kAlreadyDone;
      return std::nullopt;
    case ports::ClaimOutcome::kDuplicateEntry:
      Count(ports::ClaimMetric::kDuplicateEntry);
      (void)queue_.Delete(options_.queue, m.receipt);
      *lost = ProcessOutcome::kDuplicateEntry;
      return std::nullopt;
    case ports::ClaimOutcome::kBusy:
      Count(ports::ClaimMetric::kBusy);
      // The owner's own message came back early: hide it until the owner's lease has ended.
      (void)queue_.ChangeVisibility(options_.queue, m.receipt,
                                    std::max(until_lease_end + Millis(1000), Millis(1000)));
      *lost = ProcessOutcome::kBusy;
      return std::nullopt;
    case ports::ClaimOutcome::kUncertain:
      Count(ports::ClaimMetric::kUncertain);
      // Waiting for a status webhook: come back when a resend is due, without using receives.
      *lost = Requeue(m, m.body, std::max(until_lease_end, Millis(0))).ok()
                  ? ProcessOutcome::kUncertain
                  : ProcessOutcome::kStoreError;
      return std::nullopt;
  }
  return std::nullopt;
}

ProcessOutcome ClaimSteps::Retry(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                 int64_t attempt, const std::string& error) {
  if (m.receive_count >= options_.max_receive_count) {
    return DeadLetter(m, claim, attempt, "max_receive_count", error);
  }
  Status released = store_.Release(claim, error);
  if (released.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
  if (!released.ok()) return ProcessOutcome::kStoreError;
  Millis delay = domain::FullJitterDelay(options_.backoff, attempt, random_);
  (void)queue_.ChangeVisibility(options_.queue, m.receipt, delay);
  Emit("retried", m, attempt, claim.fence, error.substr(0, error.find(':')));
  log::Info("retrying", {log::F("key", m.key), log::F("attempt", attempt),
                         log::F("delay_ms", delay.count()), log::F("error", error)});
  return ProcessOutcome::kRetried;
}

ProcessOutcome ClaimSteps::DeadLetter(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                      int64_t attempt, const std::string& reason,
                                      const std::string& error) {
  std::vector<domain::Attempt> attempts;
  if (StatusOr<domain::Record> record = store_.Inspect(m.key); record.ok()) attempts = record->history;
  attempts.push_back({clock_.Now(), claim.owner, claim.fence, reason, error});
  if (attempts.size() > domain::kMaxHistory) {
    attempts.erase(attempts.begin(), attempts.end() - domain::kMaxHistory);
  }
  const std::string history = domain::HistoryToJson(attempts);
  Status moved = queue_.MoveToDeadLetter(options_.queue, m, {reason, error, history});
  if (!moved.ok() && moved.code() != StatusCode::kNotFound) return ProcessOutcome::kStoreError;
  Status killed = store_.Kill(claim, reason, error);
  if (killed.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
  if (!killed.ok()) return ProcessOutcome::kStoreError;
  log::Warn("dead-lettered", {log::F("key", m.key), log::F("reason", reason), log::F("error", error)});
  Emit("dead_lettered", m, attempt, claim.fence, reason);
  return ProcessOutcome::kDeadLettered;
}

void ClaimSteps::Emit(std::string_view event, const ports::ReceivedMessage& m, int64_t attempt,
                      int64_t fence, std::string error_code) {
  if (options_.events == nullptr) return;
  const Timestamp now = clock_.Now();
  options_.events->Publish(domain::AnalyticsEvent{
      std::string(event), m.key, KindOfKey(m.key), now, attempt, fence,
      std::chrono::duration_cast<Millis>(now - m.sent_at).count(), std::move(error_code)});
}

Status ClaimSteps::Requeue(const ports::ReceivedMessage& m, std::string body, Millis delay) {
  StatusOr<std::vector<std::string>> sent =
      queue_.Send(options_.queue, {ports::OutgoingMessage{m.key, std::move(body), delay}});
  if (!sent.ok()) return sent.status();
  Status deleted = queue_.Delete(options_.queue, m.receipt);
  // NotFound: the original was received again meanwhile; the claim removes the extra entry.
  return deleted.code() == StatusCode::kNotFound ? Status::Ok() : deleted;
}

}  // namespace wagate::processing
