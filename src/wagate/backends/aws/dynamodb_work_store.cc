#include "wagate/backends/aws/dynamodb_work_store.h"

#include "wagate/backends/aws/dynamodb_records.h"
#include "wagate/backends/aws/dynamodb_update.h"

namespace wagate::aws {

namespace json = boost::json;
using domain::RecordState;

namespace {

std::string StateName(RecordState s) { return std::string(domain::RecordStateName(s)); }

bool IsOutgoingKey(std::string_view key) { return key.rfind("out:", 0) == 0; }
bool IsReadReceiptKey(std::string_view key) {
  return IsOutgoingKey(key) && key.size() >= 5 && key.substr(key.size() - 5) == ":read";
}

// "#state IN (:a, :b)".
std::string StateIn(DynamoUpdate& u, std::initializer_list<RecordState> states) {
  std::string list;
  for (RecordState s : states) list += (list.empty() ? "" : ", ") + u.Value(S(StateName(s)));
  return u.Name("state") + " IN (" + list + ")";
}

std::string FenceIs(DynamoUpdate& u, int64_t fence) { return u.Name("fence") + " = " + u.Value(N(fence)); }

// A history entry {at, owner, fence, outcome, error}; empty strings are left out.
json::object HistoryEntry(int64_t now_ms, std::string_view owner, int64_t fence,
                          std::string_view outcome, std::string_view error) {
  json::object fields{{"at", N(now_ms)}, {"fence", N(fence)}, {"outcome", S(outcome)}};
  if (!owner.empty()) fields["owner"] = S(owner);
  if (!error.empty()) fields["error"] = S(error.substr(0, 4096));
  return M(std::move(fields));
}

// Sets last_error, or removes it when there is none (DynamoDB strings are never empty here).
void SetOrRemove(DynamoUpdate& u, std::string_view attribute, const std::string& value) {
  if (value.empty()) {
    u.Remove(attribute);
  } else {
    u.Set(attribute, S(value));
  }
}

}  // namespace

DynamoDbWorkStore::DynamoDbWorkStore(AwsJsonClient& dynamodb, ports::Queue& outgoing,
                                     Options options, const Clock& clock)
    : dynamodb_(dynamodb), outgoing_(outgoing), options_(std::move(options)), clock_(clock) {}

DynamoUpdate DynamoDbWorkStore::NewUpdate(std::string_view key) const {
  return DynamoUpdate(options_.table, std::string(key));
}

StatusOr<WriteResult> DynamoDbWorkStore::Run(const DynamoUpdate& update) {
  return RunUpdate(dynamodb_, options_.table, update);
}

Status DynamoDbWorkStore::Fenced(const DynamoUpdate& update, const ports::Fenced& claim) {
  StatusOr<WriteResult> r = Run(update);
  if (!r.ok()) return r.status();
  if (!r->applied) return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
  return Status::Ok();
}

// Every fenced change refreshes updated_at, expires_at and ttl, and may append to the history.
void DynamoDbWorkStore::Touch(DynamoUpdate& u, int64_t now_ms, int64_t expires_ms) const {
  u.Set("updated_at", N(now_ms)).Set("expires_at", N(expires_ms)).Set("ttl", N(TtlSeconds(expires_ms)));
}

StatusOr<domain::Record> DynamoDbWorkStore::Inspect(std::string_view key) {
  StatusOr<json::object> item = GetItem(dynamodb_, options_.table, key);
  if (!item.ok()) return item.status();
  if (item->empty()) return NotFoundError("no record for key");
  return ItemToRecord(*item);
}

Status DynamoDbWorkStore::Ping() {
  StatusOr<AwsAnswer> answer = dynamodb_.Call("DescribeTable", {{"TableName", options_.table}});
  if (!answer.ok()) return answer.status();
  return answer->ok() ? Status::Ok() : DynamoStatus(*answer, "DescribeTable");
}

StatusOr<ports::ClaimResult> DynamoDbWorkStore::Claim(const ports::ClaimRequest& r) {
  const RecordState kProcessing = RecordState::kProcessing;
  for (int round = 0; round < 8; ++round) {
    const int64_t now_ms = ToUnixMillis(clock_.Now());
    const int64_t lease_until = now_ms + r.lease.count();
    // 1. A live record in a claimable state (invariant 3).
    DynamoUpdate u = NewUpdate(r.key);
    u.Set("state", S(StateName(kProcessing)))
        .Set("owner", S(r.owner))
        .Set("lease_until", N(lease_until))
        .Set("kind", S(domain::ItemKindName(r.kind)))
        .Increment("fence", 1)
        .Increment("attempts", 1);
    SetOrRemove(u, "qmid", r.queue_message_id);
    Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
    const std::string now = u.Value(N(now_ms));
    u.Condition("attribute_exists(" + u.Name("msgid") + ") AND " + u.Name("expires_at") + " > " + now);
    u.Condition(StateIn(u, {RecordState::kPending, RecordState::kQueued, RecordState::kDead}) +
                " OR (" + u.Name("state") + " = " + u.Value(S(StateName(kProcessing))) + " AND " +
                u.Name("lease_until") + " < " + now + ") OR (" + u.Name("kind") + " = " +
                u.Value(S("outgoing")) + " AND attribute_not_exists(" + u.Name("delivery") +
                ") AND (" + u.Name("state") + " = " + u.Value(S(StateName(RecordState::kFailed))) +
                " OR (" + u.Name("state") + " = " + u.Value(S(StateName(RecordState::kSentUncertain))) +
                " AND " + u.Name("lease_until") + " <= " + now + ")))");
    u.ReturnOld();
    StatusOr<WriteResult> won = Run(u);
    if (!won.ok()) return won.status();
    const json::object& old = won->item;
    if (won->applied) {
      ports::ClaimResult result;
      result.fence = GetN(old, "fence").value_or(0) + 1;
      result.attempts = GetN(old, "attempts").value_or(0) + 1;
      result.lease_until = FromUnixMillis(lease_until);
      result.resend = GetS(old, "state") == StateName(RecordState::kSentUncertain);
      TrimHistory(r.key, result.fence, old);
      return result;
    }
    // 2. Lost: the old item says why.
    const int64_t expires_at = GetN(old, "expires_at").value_or(0);
    if (old.empty() || expires_at <= now_ms) {
      StatusOr<std::optional<ports::ClaimResult>> fresh = ClaimAfresh(r, old, now_ms);
      if (!fresh.ok()) return fresh.status();
      if (*fresh) return **fresh;
      continue;  // someone else wrote it meanwhile: look again
    }
    RecordState state = RecordState::kQueued;
    domain::ParseRecordState(GetS(old, "state"), &state);
    const Timestamp holder_lease = FromUnixMillis(GetN(old, "lease_until").value_or(0));
    if (state == RecordState::kSending && GetN(old, "lease_until").value_or(0) < now_ms) {
      WAGATE_RETURN_IF_ERROR(SettleLapsedSending(r.key, old, now_ms));
      continue;
    }
    if (state == RecordState::kProcessing || state == RecordState::kSending) {
      if (GetN(old, "lease_until").value_or(0) < now_ms) continue;  // lapsed meanwhile
      ports::ClaimResult result;
      result.outcome = GetS(old, "qmid") == r.queue_message_id ? ports::ClaimOutcome::kBusy
                                                               : ports::ClaimOutcome::kDuplicateEntry;
      result.lease_until = holder_lease;
      return result;
    }
    if (state == RecordState::kSentUncertain && !Has(old, "delivery")) {
      if (GetN(old, "lease_until").value_or(0) <= now_ms) continue;  // became due meanwhile
      ports::ClaimResult result;
      result.outcome = ports::ClaimOutcome::kUncertain;
      result.lease_until = holder_lease;
      return result;
    }
    if (state == RecordState::kPending || state == RecordState::kQueued || state == RecordState::kDead ||
        (state == RecordState::kFailed && !Has(old, "delivery"))) {
      continue;  // claimable after all: it changed between the write and the read
    }
    if (state == RecordState::kCompleted && Has(old, "output_items") && !GetBool(old, "outputs_enqueued")) {
      // Invariant 7: the replies of a completion that stopped halfway are enqueued now.
      WAGATE_RETURN_IF_ERROR(EnqueueOutputs(r.key, GetN(old, "fence").value_or(0), GetS(old, "output_items")));
    }
    ports::ClaimResult result;
    result.outcome = ports::ClaimOutcome::kAlreadyDone;
    return result;
  }
  return UnavailableError("claim of " + r.key + ": the record kept changing");
}

StatusOr<std::optional<ports::ClaimResult>> DynamoDbWorkStore::ClaimAfresh(
    const ports::ClaimRequest& r, const json::object& old, int64_t now_ms) {
  const int64_t fence = (old.empty() ? 0 : GetN(old, "fence").value_or(0)) + 1;
  const int64_t lease_until = now_ms + r.lease.count();
  DynamoUpdate u = NewUpdate(r.key);
  u.Set("state", S(StateName(RecordState::kProcessing)))
      .Set("kind", S(domain::ItemKindName(r.kind)))
      .Set("owner", S(r.owner))
      .Set("lease_until", N(lease_until))
      .Set("fence", N(fence))
      .Set("attempts", N(1))
      .Set("created_at", N(now_ms));
  SetOrRemove(u, "qmid", r.queue_message_id);
  Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
  for (std::string_view a : kPerLifeAttributes) u.Remove(a);
  if (old.empty()) {
    u.Condition("attribute_not_exists(" + u.Name("msgid") + ")");
  } else {
    u.Condition(FenceIs(u, fence - 1) + " AND " + u.Name("expires_at") + " <= " + u.Value(N(now_ms)));
  }
  StatusOr<WriteResult> w = Run(u);
  if (!w.ok()) return w.status();
  if (!w->applied) return std::optional<ports::ClaimResult>();
  ports::ClaimResult result;
  result.fence = fence;
  result.attempts = 1;
  result.lease_until = FromUnixMillis(lease_until);
  return std::optional<ports::ClaimResult>(result);
}

Status DynamoDbWorkStore::SettleLapsedSending(const std::string& key, const json::object& old,
                                              int64_t now_ms) {
  const bool delivered = Has(old, "delivery");
  const int64_t fence = GetN(old, "fence").value_or(0);
  DynamoUpdate u = NewUpdate(key);
  if (delivered) {
    u.Set("state", S(StateName(RecordState::kSent))).Remove("lease_until");
  } else if (IsReadReceiptKey(key)) {
    // A read receipt is idempotent: retried blindly, never uncertain.
    u.Set("state", S(StateName(RecordState::kFailed))).Remove("lease_until");
  } else {
    u.Set("state", S(StateName(RecordState::kSentUncertain)))
        .Set("lease_until", N(now_ms + options_.uncertain_resend_after.count()));
  }
  const std::string error = "the sender stopped during the Graph API call";
  u.Remove("owner").Set("last_error", S(error)).Set("updated_at", N(now_ms));
  u.Append("history", {HistoryEntry(now_ms, GetS(old, "owner"), fence, "uncertain", error)});
  u.Condition(u.Name("state") + " = " + u.Value(S(StateName(RecordState::kSending))) + " AND " +
              FenceIs(u, fence) + " AND " + u.Name("lease_until") + " < " + u.Value(N(now_ms)) +
              " AND " + (delivered ? "attribute_exists(" : "attribute_not_exists(") +
              u.Name("delivery") + ")");
  StatusOr<WriteResult> w = Run(u);
  return w.ok() ? Status::Ok() : w.status();  // a lost condition: the caller looks again
}

void DynamoDbWorkStore::TrimHistory(const std::string& key, int64_t fence, const json::object& old) {
  const size_t length = HistoryLength(old);
  if (length <= 2 * domain::kMaxHistory) return;
  DynamoUpdate u = NewUpdate(key);
  const std::string history = u.Name("history");
  for (size_t i = 0; i < length - domain::kMaxHistory; ++i) {
    u.RemovePath(history + "[" + std::to_string(i) + "]");
  }
  u.Condition(FenceIs(u, fence) + " AND size(" + history + ") = " +
              u.Value(N(static_cast<int64_t>(length))));
  (void)Run(u);  // best effort: Inspect shows the last 10 anyway
}

Status DynamoDbWorkStore::Heartbeat(const ports::Fenced& claim, Millis lease) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  DynamoUpdate u = NewUpdate(claim.key);
  u.Set("lease_until", N(now_ms + lease.count())).Set("updated_at", N(now_ms));
  u.Condition(FenceIs(u, claim.fence) + " AND " +
              StateIn(u, {RecordState::kProcessing, RecordState::kSending}));
  return Fenced(u, claim);
}

Status DynamoDbWorkStore::Complete(const ports::Fenced& claim, const std::string& result,
                                   const std::vector<domain::WorkItem>& outputs) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  json::array keys;
  json::array items;
  for (const domain::WorkItem& out : outputs) {
    keys.push_back(json::string(out.key));
    items.push_back(json::object{{"key", out.key},
                                 {"kind", domain::ItemKindName(out.kind)},
                                 {"payload", out.payload}});
  }
  const std::string items_json = json::serialize(items);
  if (items_json.size() > options_.max_outputs_bytes) {
    WAGATE_RETURN_IF_ERROR(Kill(claim, "outputs_too_large",
                                "the replies take " + std::to_string(items_json.size()) +
                                    " bytes, over the limit of " +
                                    std::to_string(options_.max_outputs_bytes)));
    return ResourceExhaustedError("outputs_too_large: the item was dead-lettered");
  }
  // Step 1: the fenced completion, with the replies stored for a redo.
  DynamoUpdate u = NewUpdate(claim.key);
  u.Set("state", S(StateName(RecordState::kCompleted))).Remove("lease_until");
  SetOrRemove(u, "result", result);
  if (outputs.empty()) {
    u.Set("outputs_enqueued", Bool(true));
  } else {
    u.Set("outputs", S(json::serialize(keys)))
        .Set("output_items", S(items_json))
        .Set("outputs_enqueued", Bool(false));
  }
  Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
  u.Append("history", {HistoryEntry(now_ms, claim.owner, claim.fence, "completed", "")});
  u.Condition(FenceIs(u, claim.fence) + " AND " + StateIn(u, {RecordState::kProcessing}));
  WAGATE_RETURN_IF_ERROR(Fenced(u, claim));
  if (outputs.empty()) return Status::Ok();
  // Steps 2 and 3 (the caller deletes the inbound message: step 4).
  return EnqueueOutputs(claim.key, claim.fence, items_json);
}

Status DynamoDbWorkStore::EnqueueOutputs(const std::string& key, int64_t fence,
                                         const std::string& items_json) {
  std::vector<domain::WorkItem> items;
  std::vector<ports::OutgoingMessage> messages;
  boost::system::error_code ec;
  json::value parsed = json::parse(items_json, ec);
  if (ec || !parsed.is_array()) return InternalError("stored replies of " + key + " are not JSON");
  for (const json::value& v : parsed.as_array()) {
    const json::object& o = v.as_object();
    domain::WorkItem item;
    item.key = std::string(o.at("key").as_string());
    domain::ParseItemKind(o.at("kind").as_string(), &item.kind);
    item.payload = std::string(o.at("payload").as_string());
    messages.push_back({item.key, item.payload, Millis(0)});
    items.push_back(std::move(item));
  }
  StatusOr<std::vector<std::string>> ids = outgoing_.Send(domain::QueueName::kOutgoing, std::move(messages));
  if (!ids.ok()) return ids.status();
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  for (size_t i = 0; i < items.size(); ++i) {
    // The `out:` record, unless it exists (a redo, or a live record from an earlier life).
    DynamoUpdate put = NewUpdate(items[i].key);
    put.Set("state", S(StateName(RecordState::kQueued)))
        .Set("kind", S(domain::ItemKindName(items[i].kind)))
        .Set("created_at", N(now_ms))
        .Set("attempts", N(0))
        .Set("qmid", S((*ids)[i]))
        .SetIfAbsent("fence", N(0));
    Touch(put, now_ms, now_ms + options_.dedup_ttl.count());
    for (std::string_view a : kPerLifeAttributes) put.Remove(a);
    put.Remove("owner").Remove("lease_until");
    put.Condition("attribute_not_exists(" + put.Name("msgid") + ") OR " + put.Name("expires_at") +
                  " <= " + put.Value(N(now_ms)));
    StatusOr<WriteResult> w = Run(put);
    if (!w.ok()) return w.status();
  }
  // Step 3.
  DynamoUpdate done = NewUpdate(key);
  done.Set("outputs_enqueued", Bool(true)).Remove("output_items");
  done.Condition(FenceIs(done, fence) + " AND " + StateIn(done, {RecordState::kCompleted}));
  StatusOr<WriteResult> w = Run(done);
  return w.ok() ? Status::Ok() : w.status();
}

Status DynamoDbWorkStore::Release(const ports::Fenced& claim, const std::string& error) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  auto release = [&](RecordState to, std::optional<bool> delivered) {
    DynamoUpdate u = NewUpdate(claim.key);
    u.Set("state", S(StateName(to))).Remove("owner").Remove("lease_until");
    SetOrRemove(u, "last_error", error);
    Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
    u.Append("history", {HistoryEntry(now_ms, claim.owner, claim.fence, "retried", error)});
    u.Condition(FenceIs(u, claim.fence) + " AND " +
                StateIn(u, {RecordState::kProcessing, RecordState::kSending}));
    if (delivered) {
      u.Condition(std::string(*delivered ? "attribute_exists(" : "attribute_not_exists(") +
                  u.Name("delivery") + ")");
    }
    return Run(u);
  };
  if (!IsOutgoingKey(claim.key)) {
    StatusOr<WriteResult> w = release(RecordState::kQueued, std::nullopt);
    if (!w.ok()) return w.status();
    return w->applied ? Status::Ok() : FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
  }
  // An outgoing item becomes FAILED (to be retried); one a status settled meanwhile is SENT.
  for (bool delivered : {false, true}) {
    StatusOr<WriteResult> w = release(delivered ? RecordState::kSent : RecordState::kFailed, delivered);
    if (!w.ok()) return w.status();
    if (w->applied) return Status::Ok();
  }
  return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
}

Status DynamoDbWorkStore::Kill(const ports::Fenced& claim, const std::string& reason,
                               const std::string& error) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  DynamoUpdate u = NewUpdate(claim.key);
  u.Set("state", S(StateName(RecordState::kDead))).Remove("owner").Remove("lease_until");
  SetOrRemove(u, "last_error", error);
  Touch(u, now_ms, now_ms + options_.dead_ttl.count());
  u.Append("history", {HistoryEntry(now_ms, claim.owner, claim.fence, reason, error)});
  u.Condition(FenceIs(u, claim.fence) + " AND " +
              StateIn(u, {RecordState::kProcessing, RecordState::kSending}));
  return Fenced(u, claim);
}

Status DynamoDbWorkStore::MarkSending(const ports::Fenced& claim) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  DynamoUpdate u = NewUpdate(claim.key);
  u.Set("state", S(StateName(RecordState::kSending)));
  Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
  u.Condition(FenceIs(u, claim.fence) + " AND " + StateIn(u, {RecordState::kProcessing}) +
              " AND attribute_not_exists(" + u.Name("delivery") + ")");
  StatusOr<WriteResult> w = Run(u);
  if (!w.ok()) return w.status();
  if (w->applied) return Status::Ok();
  // Say why: a status settled the item (the caller still holds it), or the lease was lost.
  if (GetN(w->item, "fence") == claim.fence && GetS(w->item, "state") == StateName(RecordState::kProcessing) &&
      Has(w->item, "delivery")) {
    return AlreadyExistsError("a status already settled " + claim.key);
  }
  return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
}

Status DynamoDbWorkStore::MarkSent(const ports::Fenced& claim, const std::string& result) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  DynamoUpdate u = NewUpdate(claim.key);
  u.Set("state", S(StateName(RecordState::kSent))).Remove("lease_until");
  // The send's result carries the wamid; a delivery status merged meanwhile is kept apart.
  if (!result.empty()) u.Set("result", S(result));
  Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
  u.Append("history", {HistoryEntry(now_ms, claim.owner, claim.fence, "sent", "")});
  u.Condition(FenceIs(u, claim.fence) + " AND " +
              StateIn(u, {RecordState::kProcessing, RecordState::kSending}));
  return Fenced(u, claim);
}

Status DynamoDbWorkStore::MarkUncertain(const ports::Fenced& claim, const std::string& error) {
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  for (bool delivered : {false, true}) {
    DynamoUpdate u = NewUpdate(claim.key);
    if (delivered) {
      u.Set("state", S(StateName(RecordState::kSent))).Remove("lease_until");
    } else {
      u.Set("state", S(StateName(RecordState::kSentUncertain)))
          .Set("lease_until", N(now_ms + options_.uncertain_resend_after.count()));
    }
    u.Remove("owner");
    SetOrRemove(u, "last_error", error);
    Touch(u, now_ms, now_ms + options_.dedup_ttl.count());
    u.Append("history", {HistoryEntry(now_ms, claim.owner, claim.fence, "uncertain", error)});
    u.Condition(FenceIs(u, claim.fence) + " AND " + StateIn(u, {RecordState::kSending}) + " AND " +
                (delivered ? "attribute_exists(" : "attribute_not_exists(") + u.Name("delivery") + ")");
    StatusOr<WriteResult> w = Run(u);
    if (!w.ok()) return w.status();
    if (w->applied) return Status::Ok();
  }
  return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
}

Status DynamoDbWorkStore::MergeStatus(const domain::StatusEcho& echo) {
  const int rank = DeliveryRank(echo.status);
  if (rank == 0) return Status::Ok();  // unknown statuses rank lowest and are ignored
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  // First as a settling status (SENT_UNCERTAIN or FAILED become SENT), then as a plain one.
  for (bool settles : {true, false}) {
    DynamoUpdate u = NewUpdate(echo.out_key);
    u.Set("delivery", S(echo.status)).Set("delivery_rank", N(rank)).Set("updated_at", N(now_ms));
    if (!echo.wamid.empty()) u.SetIfAbsent("status_wamid", S(echo.wamid));
    const std::string settled = StateIn(u, {RecordState::kSentUncertain, RecordState::kFailed});
    if (settles) u.Set("state", S(StateName(RecordState::kSent))).Remove("lease_until");
    u.Condition("attribute_exists(" + u.Name("msgid") + ") AND " + u.Name("kind") + " = " +
                u.Value(S("outgoing")) + " AND (attribute_not_exists(" + u.Name("delivery_rank") +
                ") OR " + u.Name("delivery_rank") + " < " + u.Value(N(rank)) + ")");
    u.Condition(settles ? settled : "NOT (" + settled + ")");
    StatusOr<WriteResult> w = Run(u);
    if (!w.ok()) return w.status();
    if (w->applied) return Status::Ok();
  }
  return Status::Ok();  // no such record, or it already has this status or a later one
}

}  // namespace wagate::aws
