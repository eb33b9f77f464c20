#include "wagate/processing/processor.h"

#include <boost/json.hpp>

#include <charconv>

#include "wagate/base/log.h"
#include "wagate/processing/reply_items.h"

namespace wagate::processing {

namespace {

// The `out:` key a status item's payload echoes, with its status and wamid (SPEC §2.7).
std::optional<domain::StatusEcho> StatusEchoOf(const std::string& payload) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* status = v.as_object().if_contains("status");
  if (!status || !status->is_object()) return std::nullopt;
  const boost::json::object& s = status->as_object();
  const auto* callback = s.if_contains("biz_opaque_callback_data");
  const auto* value = s.if_contains("status");
  const auto* id = s.if_contains("id");
  if (!callback || !callback->is_string() || !callback->as_string().starts_with("out:") ||
      !value || !value->is_string() || !id || !id->is_string()) {
    return std::nullopt;
  }
  return domain::StatusEcho{std::string(callback->as_string()), std::string(value->as_string()),
                            std::string(id->as_string())};
}

}  // namespace

Processor::Processor(ports::Queue& queue, ports::WorkStore& store, ports::Handler& handler,
                     const Clock& clock, Random& random, ProcessorOptions options)
    : QueueConsumer(queue, store, clock, options.ForConsumer()),
      steps_(queue, store, clock, random, options.ForClaims()),
      handler_(handler),
      clock_(clock),
      options_(std::move(options)) {}

Processor::~Processor() { Stop(); }

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
  ProcessOutcome lost;
  std::optional<ports::ClaimResult> claim = steps_.Claim(m, &lost);
  if (!claim) return counters_.Count(lost);
  const ports::Fenced fenced = steps_.FencedFor(m, *claim);
  const domain::ItemKind kind = KindOfKey(m.key);
  ports::HandlerItem item{m.key, kind, claim->attempts,
                          kind == domain::ItemKind::kMessage && IsStale(m.body), m.body};
  item.received_at = m.sent_at;
  if (item.kind == domain::ItemKind::kStatus) MergeStatus(m.body);
  StatusOr<ports::HandlerResult> result = [&] {
    HeartbeatScope alive(heartbeats_, fenced, m.receipt);
    return handler_.Handle(item);
  }();
  return counters_.Count(Finish(m, fenced, item, result));
}

void Processor::MergeStatus(const std::string& payload) {
  std::optional<domain::StatusEcho> echo = StatusEchoOf(payload);
  if (!echo) return;
  Status merged = steps_.store().MergeStatus(*echo);
  if (!merged.ok()) log::Warn("status merge failed", {log::F("error", merged.ToString())});
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
    Status done = steps_.store().Complete(claim, summary, outputs);
    if (done.code() == StatusCode::kFailedPrecondition) return ProcessOutcome::kFenced;
    if (!done.ok()) {
      log::Warn("complete failed", {log::F("key", m.key), log::F("error", done.ToString())});
      return ProcessOutcome::kStoreError;
    }
    // NotFound: the next claim says already done.
    (void)steps_.queue().Delete(options_.queue, m.receipt);
    if (item.kind == domain::ItemKind::kStatus) steps_.Emit("status", m, item.attempt, claim.fence);
    steps_.Emit(item.stale ? "stale" : "processed", m, item.attempt, claim.fence);
    return item.stale ? ProcessOutcome::kStale : ProcessOutcome::kCompleted;
  }
  const Status& error = result.status();
  if (!ports::IsRetriable(error)) {
    return steps_.DeadLetter(m, claim, item.attempt, "handler_rejected", error.ToString());
  }
  return steps_.Retry(m, claim, item.attempt, error.ToString());
}

}  // namespace wagate::processing
