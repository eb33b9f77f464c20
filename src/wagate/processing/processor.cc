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
  return ProcessAll({m}).front();
}

void Processor::ProcessBatch(const std::vector<ports::ReceivedMessage>& batch) { ProcessAll(batch); }

std::vector<ProcessOutcome> Processor::ProcessAll(const std::vector<ports::ReceivedMessage>& batch) {
  std::vector<ProcessOutcome> outcomes(batch.size(), ProcessOutcome::kStoreError);
  std::vector<std::optional<ports::ClaimResult>> claims = steps_.ClaimMany(batch, &outcomes);

  // Every claim won is kept alive until its completion is written.
  std::vector<uint64_t> heartbeat_tokens;
  struct Done {
    size_t index;
    ports::HandlerItem item;
  };
  std::vector<Done> done;
  std::vector<ports::Completion> completions;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (claims[i]) heartbeat_tokens.push_back(heartbeats_.Track(steps_.FencedFor(batch[i], *claims[i]), batch[i].receipt));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!claims[i]) continue;
    const ports::ReceivedMessage& m = batch[i];
    const ports::Fenced fenced = steps_.FencedFor(m, *claims[i]);
    const domain::ItemKind kind = KindOfKey(m.key);
    ports::HandlerItem item{m.key, kind, claims[i]->attempts,
                            kind == domain::ItemKind::kMessage && IsStale(m.body), m.body};
    item.received_at = m.sent_at;
    if (item.kind == domain::ItemKind::kStatus) MergeStatus(m.body);
    StatusOr<ports::HandlerResult> result = handler_.Handle(item);
    if (!result.ok()) {
      outcomes[i] = Failed(m, fenced, item, result.status());
      continue;
    }
    completions.push_back(CompletionFor(m, fenced, item, *result));
    done.push_back({i, std::move(item)});
  }

  // One write for the completions, one for the deletes.
  std::vector<Status> completed = steps_.store().CompleteMany(completions);
  std::vector<std::string> receipts;
  for (size_t d = 0; d < done.size(); ++d) {
    const ports::ReceivedMessage& m = batch[done[d].index];
    const ports::HandlerItem& item = done[d].item;
    if (completed[d].code() == StatusCode::kFailedPrecondition) {
      outcomes[done[d].index] = ProcessOutcome::kFenced;
      continue;
    }
    if (!completed[d].ok()) {
      log::Warn("complete failed", {log::F("key", m.key), log::F("error", completed[d].ToString())});
      outcomes[done[d].index] = ProcessOutcome::kStoreError;
      continue;
    }
    receipts.push_back(m.receipt);
    const int64_t fence = completions[d].claim.fence;
    if (item.kind == domain::ItemKind::kStatus) steps_.Emit("status", m, item.attempt, fence);
    steps_.Emit(item.stale ? "stale" : "processed", m, item.attempt, fence);
    outcomes[done[d].index] = item.stale ? ProcessOutcome::kStale : ProcessOutcome::kCompleted;
  }
  // NotFound for a delete: the message was received again; the next claim says already done.
  if (!receipts.empty()) (void)steps_.queue().DeleteMany(options_.queue, receipts);
  for (uint64_t token : heartbeat_tokens) heartbeats_.Untrack(token);
  for (ProcessOutcome o : outcomes) Count(o);
  return outcomes;
}

void Processor::MergeStatus(const std::string& payload) {
  std::optional<domain::StatusEcho> echo = StatusEchoOf(payload);
  if (!echo) return;
  Status merged = steps_.store().MergeStatus(*echo);
  if (!merged.ok()) log::Warn("status merge failed", {log::F("error", merged.ToString())});
}

ports::Completion Processor::CompletionFor(const ports::ReceivedMessage& m,
                                           const ports::Fenced& claim,
                                           const ports::HandlerItem& item,
                                           const ports::HandlerResult& result) const {
  std::vector<domain::WorkItem> outputs;
  if (!item.stale) outputs = ReplyItems(m.key, m.body, result);
  std::string summary = !result.result.empty()
                            ? result.result
                            : "{\"replies\":" + std::to_string(result.replies.size()) +
                                  ",\"mark_read\":" + (result.mark_read ? "true" : "false") +
                                  ",\"stale\":" + (item.stale ? "true" : "false") + "}";
  return ports::Completion{claim, std::move(summary), std::move(outputs)};
}

ProcessOutcome Processor::Failed(const ports::ReceivedMessage& m, const ports::Fenced& claim,
                                 const ports::HandlerItem& item, const Status& error) {
  if (!ports::IsRetriable(error)) {
    return steps_.DeadLetter(m, claim, item.attempt, "handler_rejected", error.ToString());
  }
  return steps_.Retry(m, claim, item.attempt, error.ToString());
}

}  // namespace wagate::processing
