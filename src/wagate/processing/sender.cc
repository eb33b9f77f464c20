#include "wagate/processing/sender.h"

#include <boost/json.hpp>

#include <thread>

#include "wagate/base/log.h"
#include "wagate/whatsapp/graph_errors.h"
#include "wagate/whatsapp/graph_message.h"

namespace wagate::processing {

namespace json = boost::json;

// One outgoing item as the sender needs it: the Graph request, and the payload's fields that
// steer the send.
struct Sender::Outgoing {
  StatusOr<whatsapp::GraphMessage> message = InternalError("unparsed");
  json::object payload;
  int64_t n = -1;                              // reply number; -1 for a read receipt
  std::optional<Timestamp> throttled_since;    // the first throttling answer, carried by copies
};

namespace {

constexpr Millis kPairHold{6'000};  // Meta's pair limit: one message per 6 s per recipient

std::optional<int64_t> IntField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return std::nullopt;
}

// "out:<hash>:<n>" → "out:<hash>:<n - 1>".
std::string PreviousKey(const std::string& key, int64_t n) {
  return key.substr(0, key.rfind(':') + 1) + std::to_string(n - 1);
}

bool IsSettled(domain::RecordState s) {
  return s == domain::RecordState::kSent || s == domain::RecordState::kSentUncertain ||
         s == domain::RecordState::kCompleted || s == domain::RecordState::kDead;
}

// The SENT record's result. `to` (the recipient; empty for a read receipt) is what the dashboard
// shows, masked, in its recent outbound messages, as it does for a dry-run result's request.
std::string SentResult(const ports::GraphAnswer& answer, const std::string& to, Timestamp now,
                       bool resend) {
  json::object result{{"wamid", answer.wamid},
                      {"http_status", answer.http_status},
                      {"sent_at", FormatRfc3339(now)}};
  if (!to.empty()) result["to"] = to;
  if (resend) result["resend"] = true;
  return json::serialize(result);
}

// The analytics error code of a failed call: Meta's error.code, else the HTTP status, else the
// transport outcome.
std::string ErrorCode(const ports::GraphAnswer& answer) {
  using Outcome = ports::GraphAnswer::Outcome;
  if (answer.error_code >= 0) return std::to_string(answer.error_code);
  if (answer.outcome == Outcome::kError) return "http_" + std::to_string(answer.http_status);
  return answer.outcome == Outcome::kUnknown ? "unknown_outcome" : "not_sent";
}

std::string AnswerError(const ports::GraphAnswer& answer) {
  if (answer.outcome == ports::GraphAnswer::Outcome::kError) {
    std::string e = "Graph API answered " + std::to_string(answer.http_status);
    if (answer.error_code >= 0) e += ", error " + std::to_string(answer.error_code);
    if (!answer.error_message.empty()) e += ": " + answer.error_message.substr(0, 200);
    return e;
  }
  return answer.detail.empty() ? "the Graph API call failed" : answer.detail;
}

}  // namespace

Sender::Sender(ports::Queue& queue, ports::WorkStore& store, ports::GraphApi& graph,
               const Clock& clock, Random& random, SenderOptions options)
    : QueueConsumer(queue, store, clock,
                    ConsumerOptions{domain::QueueName::kOutgoing, options.thread_name,
                                    options.senders, options.batch, options.lease, options.wait,
                                    options.shutdown_grace,
                                    // A call running past the grace may reach Meta: its claim
                                    // lapses, and the next claim treats it as uncertain.
                                    false, options.metrics}),
      steps_(queue, store, clock, random,
             ClaimStepsOptions{options.worker_id, domain::QueueName::kOutgoing, options.lease,
                               options.max_receive_count, options.backoff, options.events,
                               options.metrics}),
      graph_(graph),
      clock_(clock),
      random_(random),
      options_(std::move(options)),
      pacer_(clock, options_.pacing) {}

Sender::~Sender() { Stop(); }

ProcessOutcome Sender::ProcessOne(const ports::ReceivedMessage& m) {
  Outgoing out;
  out.message = whatsapp::GraphMessageFor(m.body);
  boost::system::error_code ec;
  json::value parsed = json::parse(m.body, ec);
  if (!ec && parsed.is_object()) out.payload = std::move(parsed.as_object());
  if (out.message.ok() && !out.message->read_receipt) out.n = IntField(out.payload, "n").value_or(-1);
  if (std::optional<int64_t> since = IntField(out.payload, "throttled_since")) {
    out.throttled_since = FromUnixMillis(*since);
  }
  return Count(Send(m, out));
}

bool Sender::PreviousSettled(const std::string& key, int64_t n) {
  if (n <= 0) return true;
  StatusOr<domain::Record> previous = steps_.store().Inspect(PreviousKey(key, n));
  if (!previous.ok()) return previous.status().code() == StatusCode::kNotFound;
  return IsSettled(previous->state);
}

ProcessOutcome Sender::Send(const ports::ReceivedMessage& m, const Outgoing& out) {
  const Timestamp now = clock_.Now();
  if (out.message.ok()) {
    const std::string& number = out.message->phone_number_id;
    if (std::optional<Timestamp> paused = pacer_.PausedUntil(number);
        paused && !pacer_.TakeProbe(number)) {
      Millis delay = std::max(Millis(1000), std::chrono::duration_cast<Millis>(*paused - now));
      return steps_.Requeue(m, m.body, delay).ok() ? ProcessOutcome::kPaused
                                                   : ProcessOutcome::kStoreError;
    }
    if (!PreviousSettled(m.key, out.n)) {
      return steps_.Requeue(m, m.body, options_.order_retry).ok() ? ProcessOutcome::kDeferred
                                                                  : ProcessOutcome::kStoreError;
    }
    Pacer::Slot slot = pacer_.Reserve(number, out.message->to, options_.max_pacing_wait);
    Millis wait = std::chrono::duration_cast<Millis>(slot.at - now);
    if (!slot.taken) {
      return steps_.Requeue(m, m.body, wait).ok() ? ProcessOutcome::kThrottled
                                                  : ProcessOutcome::kStoreError;
    }
    if (wait > Millis(0)) std::this_thread::sleep_for(wait);
  }

  ProcessOutcome lost;
  std::optional<ports::ClaimResult> claim = steps_.Claim(m, &lost);
  if (!claim) return lost;
  const ports::Fenced fenced = steps_.FencedFor(m, *claim);
  if (!out.message.ok()) {
    const std::string& why = out.message.status().message();
    return steps_.DeadLetter(m, fenced, claim->attempts, why.substr(0, why.find(':')), why);
  }
  if (claim->resend) {
    ++counters_.resends;
    if (options_.metrics != nullptr) options_.metrics->Resent();
  }

  Status sending = steps_.store().MarkSending(fenced);
  if (sending.code() == StatusCode::kAlreadyExists) {
    // A status webhook already told us Meta has the message: nothing to send.
    if (!steps_.store().MarkSent(fenced, "").ok()) return ProcessOutcome::kFenced;
    (void)steps_.queue().Delete(domain::QueueName::kOutgoing, m.receipt);
    return ProcessOutcome::kAlreadyDone;
  }
  if (sending.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
  if (!sending.ok()) return ProcessOutcome::kStoreError;

  ports::GraphAnswer answer = [&] {
    HeartbeatScope alive(heartbeats_, fenced, m.receipt);
    return graph_.Send(out.message->phone_number_id, out.message->body);
  }();
  return Answered(m, out, fenced, claim->attempts, claim->resend, answer);
}

ProcessOutcome Sender::RequeueFailed(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                     const std::string& body, const std::string& error,
                                     Millis delay, ProcessOutcome outcome) {
  Status released = steps_.store().Release(claim, error);
  if (released.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
  if (!released.ok()) return ProcessOutcome::kStoreError;
  return steps_.Requeue(m, body, delay).ok() ? outcome : ProcessOutcome::kStoreError;
}

ProcessOutcome Sender::Answered(const ports::ReceivedMessage& m, const Outgoing& out,
                                const ports::Fenced& claim, int64_t attempt, bool resend,
                                const ports::GraphAnswer& answer) {
  using Outcome = ports::GraphAnswer::Outcome;
  const std::string& number = out.message->phone_number_id;
  const Timestamp now = clock_.Now();
  const std::string error = AnswerError(answer);

  if (answer.outcome == Outcome::kAccepted) {
    if (pacer_.PausedUntil(number)) pacer_.Resume(number);  // the probe went through
    Status sent = steps_.store().MarkSent(claim, SentResult(answer, out.message->to, now, resend));
    if (sent.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
    if (!sent.ok()) return ProcessOutcome::kStoreError;
    (void)steps_.queue().Delete(domain::QueueName::kOutgoing, m.receipt);
    log::Info("sent", {log::F("key", m.key), log::F("wamid", answer.wamid)});
    steps_.Emit("sent", m, attempt, claim.fence);
    return ProcessOutcome::kSent;
  }
  steps_.Emit("send_failed", m, attempt, claim.fence, ErrorCode(answer));
  if (answer.outcome == Outcome::kUnknown && !out.message->read_receipt) {
    // Meta may have the message: never resend blindly; a status webhook settles it.
    Status uncertain = steps_.store().MarkUncertain(claim, error);
    if (uncertain.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
    if (!uncertain.ok()) return ProcessOutcome::kStoreError;
    if (options_.metrics != nullptr) options_.metrics->SendUncertain();
    log::Warn("send outcome unknown", {log::F("key", m.key), log::F("error", error)});
    return steps_.Requeue(m, m.body, options_.uncertain_resend_after + Millis(1000)).ok()
               ? ProcessOutcome::kUncertain
               : ProcessOutcome::kStoreError;
  }
  if (answer.outcome != Outcome::kError) return steps_.Retry(m, claim, attempt, error);

  switch (whatsapp::ClassifyGraphError(answer.http_status, answer.error_code)) {
    case whatsapp::GraphErrorClass::kRetry:
      return steps_.Retry(m, claim, attempt, error);
    case whatsapp::GraphErrorClass::kPermanent:
      return steps_.DeadLetter(
          m, claim, attempt,
          whatsapp::GraphErrorReason(answer.http_status, answer.error_code, answer.error_message),
          error);
    case whatsapp::GraphErrorClass::kAccount: {
      pacer_.Pause(number, now + options_.pacing.probe_interval);
      if (options_.metrics != nullptr) options_.metrics->SenderPaused();
      log::Error("sender paused: the business number cannot send",
                 {log::F("phone_number_id", number), log::F("error", error)});
      return RequeueFailed(m, claim, m.body, error, options_.pacing.probe_interval,
                           ProcessOutcome::kPaused);
    }
    case whatsapp::GraphErrorClass::kThrottled: {
      const Timestamp since = out.throttled_since.value_or(now);
      if (now - since >= options_.throttle_max) {
        return steps_.DeadLetter(m, claim, attempt, "throttled", error);
      }
      Millis delay = domain::FullJitterDelay(options_.backoff, attempt, random_);
      if (answer.error_code == 131056) {
        delay = std::max(delay, kPairHold);
        pacer_.HoldPair(number, out.message->to, now + kPairHold);
      }
      json::object copy = out.payload;
      copy["throttled_since"] = ToUnixMillis(since);
      log::Info("throttled", {log::F("key", m.key), log::F("delay_ms", delay.count()),
                              log::F("error", error)});
      return RequeueFailed(m, claim, json::serialize(copy), error, delay, ProcessOutcome::kThrottled);
    }
  }
  return steps_.Retry(m, claim, attempt, error);
}

}  // namespace wagate::processing
