#include "wagate/processing/processor.h"

#include <pthread.h>

#include <boost/json.hpp>

#include <charconv>

#include "wagate/base/log.h"
#include "wagate/processing/reply_items.h"

namespace wagate::processing {

namespace {

domain::ItemKind KindOfKey(std::string_view key) {
  if (key.starts_with("st:")) return domain::ItemKind::kStatus;
  if (key.starts_with("ev:")) return domain::ItemKind::kEvent;
  if (key.starts_with("out:")) return domain::ItemKind::kOutgoing;
  return domain::ItemKind::kMessage;
}

}  // namespace

Processor::Processor(ports::Queue& queue, ports::WorkStore& store, ports::Handler& handler,
                     const Clock& clock, Random& random, ProcessorOptions options)
    : queue_(queue), store_(store), handler_(handler), clock_(clock), random_(random),
      options_(std::move(options)) {}

Processor::~Processor() { Stop(); }

ProcessOutcome Processor::Count(ProcessOutcome outcome) {
  switch (outcome) {
    case ProcessOutcome::kCompleted: ++counters_.processed; break;
    case ProcessOutcome::kStale: ++counters_.processed; ++counters_.stale; break;
    case ProcessOutcome::kRetried: ++counters_.retried; ++counters_.errors; break;
    case ProcessOutcome::kDeadLettered: ++counters_.dead_lettered; ++counters_.errors; break;
    case ProcessOutcome::kAlreadyDone: ++counters_.already_done; break;
    case ProcessOutcome::kDuplicateEntry: ++counters_.duplicate_entry; break;
    case ProcessOutcome::kBusy: ++counters_.busy; break;
    case ProcessOutcome::kFenced: ++counters_.fenced; break;
    case ProcessOutcome::kStoreError: ++counters_.errors; break;
  }
  return outcome;
}

bool Processor::IsStale(const std::string& payload) const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return false;
  const auto* message = v.as_object().if_contains("message");
  if (!message || !message->is_object()) return false;
  const auto* ts = message->as_object().if_contains("timestamp");
  if (!ts || !ts->is_string()) return false;
  std::string_view text = ts->as_string();
  int64_t seconds = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (err != std::errc() || end != text.data() + text.size()) return false;
  return clock_.Now() - FromUnixMillis(seconds * 1000) > options_.reply_max_age;
}

ProcessOutcome Processor::ProcessOne(const ports::ReceivedMessage& m) {
  const domain::ItemKind kind = KindOfKey(m.key);
  StatusOr<ports::ClaimResult> claim =
      store_.Claim({m.key, kind, options_.worker_id, m.id, options_.lease});
  if (!claim.ok()) {
    log::Warn("claim failed", {log::F("key", m.key), log::F("error", claim.status().ToString())});
    return Count(ProcessOutcome::kStoreError);
  }
  switch (claim->outcome) {
    case ports::ClaimOutcome::kAlreadyDone:
      (void)queue_.Delete(options_.queue, m.receipt);
      return Count(ProcessOutcome::kAlreadyDone);
    case ports::ClaimOutcome::kDuplicateEntry:
      (void)queue_.Delete(options_.queue, m.receipt);
      return Count(ProcessOutcome::kDuplicateEntry);
    case ports::ClaimOutcome::kBusy: {
      // The owner's own message came back early: hide it until the owner's lease has ended.
      Millis hide = std::chrono::duration_cast<Millis>(claim->lease_until - clock_.Now()) + Millis(1000);
      (void)queue_.ChangeVisibility(options_.queue, m.receipt, std::max(hide, Millis(1000)));
      return Count(ProcessOutcome::kBusy);
    }
    case ports::ClaimOutcome::kWon:
      break;
  }
  const ports::Fenced fenced{m.key, claim->fence, options_.worker_id};
  ports::HandlerItem item{m.key, kind, claim->attempts,
                          kind == domain::ItemKind::kMessage && IsStale(m.body), m.body};
  StatusOr<ports::HandlerResult> result = handler_.Handle(item);
  return Count(Finish(m, fenced, item, result));
}

ProcessOutcome Processor::Finish(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                 const ports::HandlerItem& item,
                                 const StatusOr<ports::HandlerResult>& result) {
  if (result.ok()) {
    std::vector<domain::WorkItem> outputs;
    if (!item.stale) outputs = ReplyItems(m.key, m.body, *result);
    std::string summary = !result->result.empty()
                              ? result->result
                              : "{\"replies\":" + std::to_string(result->replies.size()) +
                                    ",\"mark_read\":" + (result->mark_read ? "true" : "false") +
                                    ",\"stale\":" + (item.stale ? "true" : "false") + "}";
    Status done = store_.Complete(claim, summary, outputs);
    if (done.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
    if (!done.ok()) {
      log::Warn("complete failed", {log::F("key", m.key), log::F("error", done.ToString())});
      return ProcessOutcome::kStoreError;
    }
    (void)queue_.Delete(options_.queue, m.receipt);  // NotFound: the next claim says already done
    return item.stale ? ProcessOutcome::kStale : ProcessOutcome::kCompleted;
  }

  const Status& error = result.status();
  if (!ports::IsRetriable(error)) return DeadLetter(m, claim, "handler_rejected", error.ToString());
  if (m.receive_count >= options_.max_receive_count) {
    return DeadLetter(m, claim, "max_receive_count", error.ToString());
  }
  Status released = store_.Release(claim, error.ToString());
  if (released.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
  if (!released.ok()) return ProcessOutcome::kStoreError;
  Millis delay = domain::FullJitterDelay(options_.backoff, item.attempt, random_);
  (void)queue_.ChangeVisibility(options_.queue, m.receipt, delay);
  log::Info("retrying", {log::F("key", m.key), log::F("attempt", item.attempt),
                         log::F("delay_ms", delay.count()), log::F("error", error.ToString())});
  return ProcessOutcome::kRetried;
}

ProcessOutcome Processor::DeadLetter(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                     const std::string& reason, const std::string& error) {
  // The dead letter first (it carries the key, reason and every attempt, this one included),
  // then the record; a crash in between leaves a PROCESSING record whose lease lapses and whose
  // message is already in the dead-letter queue.
  std::vector<domain::Attempt> attempts;
  if (StatusOr<domain::Record> record = store_.Inspect(m.key); record.ok()) attempts = record->history;
  attempts.push_back({clock_.Now(), claim.owner, claim.fence, reason, error});
  if (attempts.size() > domain::kMaxHistory) {
    attempts.erase(attempts.begin(), attempts.end() - domain::kMaxHistory);
  }
  const std::string history = domain::HistoryToJson(attempts);
  Status moved = queue_.MoveToDeadLetter(options_.queue, m.receipt, {reason, error, history});
  if (!moved.ok() && moved.code() != StatusCode::kNotFound) return ProcessOutcome::kStoreError;
  Status killed = store_.Kill(claim, reason, error);
  if (killed.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
  if (!killed.ok()) return ProcessOutcome::kStoreError;
  log::Warn("dead-lettered", {log::F("key", m.key), log::F("reason", reason), log::F("error", error)});
  return ProcessOutcome::kDeadLettered;
}

StatusOr<int> Processor::RunOnce(Millis wait) {
  StatusOr<std::vector<ports::ReceivedMessage>> batch =
      queue_.Receive(options_.queue, options_.batch, options_.lease, wait);
  if (!batch.ok()) return batch.status();
  for (const ports::ReceivedMessage& m : *batch) ProcessOne(m);
  return static_cast<int>(batch->size());
}

void Processor::Start() {
  for (int i = 0; i < options_.workers; ++i) {
    threads_.emplace_back([this, i] {
      std::string name = options_.thread_name + "-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      while (!stopping_.load()) {
        StatusOr<int> n = RunOnce(std::min(options_.wait, Millis(1000)));
        if (!n.ok()) {
          log::Warn("receive failed", {log::F("error", n.status().ToString())});
          std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the store is down
        }
      }
    });
  }
}

void Processor::Stop() {
  stopping_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace wagate::processing
