#include "wagate/backends/sqlite/sqlite_work_store.h"

#include <boost/json.hpp>

#include "wagate/backends/sqlite/delivery_status.h"
#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/backends/sqlite/queued_item.h"
#include "wagate/backends/sqlite/record_sql.h"

namespace wagate::sqlite {

namespace {

constexpr std::string_view kSelectRecord = R"sql(
SELECT key, kind, state, created_at, updated_at, expires_at, attempts, owner, lease_until, fence,
       queue_message_id, last_error, history, outputs, outputs_enqueued, result
FROM records WHERE key = ?1
)sql";

std::vector<domain::Attempt> ParseHistory(const std::string& json) {
  std::vector<domain::Attempt> out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_array()) return out;
  for (const boost::json::value& e : v.as_array()) {
    if (!e.is_object()) continue;
    const boost::json::object& o = e.as_object();
    domain::Attempt a;
    if (const auto* at = o.if_contains("at"); at && at->is_int64()) a.at = FromUnixMillis(at->as_int64());
    if (const auto* s = o.if_contains("owner"); s && s->is_string()) a.owner = s->as_string();
    if (const auto* f = o.if_contains("fence"); f && f->is_int64()) a.fence = f->as_int64();
    if (const auto* s = o.if_contains("outcome"); s && s->is_string()) a.outcome = s->as_string();
    if (const auto* s = o.if_contains("error"); s && s->is_string()) a.error = s->as_string();
    out.push_back(std::move(a));
  }
  return out;
}

// Whether a status webhook has settled an outgoing record (see delivery_status.h).
#define WAGATE_DELIVERED(r) "json_extract(coalesce(" r ".result, '{}'), '$.delivery') IS NOT NULL"

// The claim of invariant 3 as one conditional upsert: it wins when the record is absent or
// expired (then it starts afresh), or PENDING, QUEUED or DEAD, or PROCESSING with a lapsed lease;
// for an outgoing item no status has settled, also FAILED, or SENT_UNCERTAIN once its resend time
// (lease_until) has passed. SET expressions see the row as it was before the update.
constexpr std::string_view kClaim = R"sql(
INSERT INTO records(key, kind, state, created_at, updated_at, expires_at, attempts, owner,
                    lease_until, fence, queue_message_id)
VALUES(?1, ?2, 'PROCESSING', ?3, ?3, ?4, 1, ?5, ?6, 1, ?7)
ON CONFLICT(key) DO UPDATE SET
  created_at = CASE WHEN records.expires_at <= ?3 THEN ?3 ELSE records.created_at END,
  attempts = CASE WHEN records.expires_at <= ?3 THEN 1 ELSE records.attempts + 1 END,
  history = CASE WHEN records.expires_at <= ?3 THEN '[]' ELSE records.history END,
  last_error = CASE WHEN records.expires_at <= ?3 THEN NULL ELSE records.last_error END,
  result = CASE WHEN records.expires_at <= ?3 THEN NULL ELSE records.result END,
  kind = excluded.kind, state = 'PROCESSING', updated_at = ?3, expires_at = ?4, owner = ?5,
  lease_until = ?6, fence = records.fence + 1, queue_message_id = ?7
WHERE records.expires_at <= ?3 OR records.state IN ('PENDING', 'QUEUED', 'DEAD')
   OR (records.state = 'PROCESSING' AND records.lease_until < ?3)
   OR (records.kind = 'outgoing' AND NOT )sql" WAGATE_DELIVERED("records") R"sql(
       AND (records.state = 'FAILED'
            OR (records.state = 'SENT_UNCERTAIN' AND records.lease_until <= ?3)))
RETURNING fence, attempts, lease_until
)sql";


}  // namespace

StatusOr<std::unique_ptr<SqliteWorkStore>> SqliteWorkStore::Create(std::unique_ptr<Database> db,
                                                                   Options options,
                                                                   const Clock& clock) {
  return std::unique_ptr<SqliteWorkStore>(new SqliteWorkStore(std::move(db), options, clock));
}

Status SqliteWorkStore::SettleLapsedSending(const std::string& key, int64_t now_ms) {
  std::string sql =
      "UPDATE records SET "
      "state = CASE WHEN " WAGATE_DELIVERED("records") " THEN 'SENT' "
      // A read receipt is idempotent: retried blindly, never uncertain.
      "WHEN key LIKE 'out:%:read' THEN 'FAILED' ELSE 'SENT_UNCERTAIN' END, "
      "lease_until = CASE WHEN " WAGATE_DELIVERED("records") " OR key LIKE 'out:%:read' THEN NULL "
      "ELSE ?6 END, owner = NULL, updated_at = ?3, last_error = ?5, ";
  sql += kAppendHistory;
  sql += " WHERE key = ?1 AND state = 'SENDING' AND lease_until < ?3 AND expires_at > ?3";
  StatusOr<Statement> stmt = db_->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, key)
      .Bind(3, now_ms)
      .Bind(4, "uncertain")
      .Bind(5, "the sender stopped during the Graph API call")
      .Bind(6, now_ms + options_.uncertain_resend_after.count())
      .Run();
}

StatusOr<domain::Record> SqliteWorkStore::Inspect(std::string_view key) {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare(kSelectRecord);
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("no record for key");
  domain::Record r;
  r.key = stmt->ColumnText(0);
  if (!domain::ParseItemKind(stmt->ColumnText(1), &r.kind)) return InternalError("bad kind in record");
  if (!domain::ParseRecordState(stmt->ColumnText(2), &r.state)) return InternalError("bad state in record");
  r.created_at = FromUnixMillis(stmt->ColumnInt(3));
  r.updated_at = FromUnixMillis(stmt->ColumnInt(4));
  r.expires_at = FromUnixMillis(stmt->ColumnInt(5));
  r.attempts = stmt->ColumnInt(6);
  r.owner = stmt->ColumnText(7);
  if (!stmt->ColumnIsNull(8)) r.lease_until = FromUnixMillis(stmt->ColumnInt(8));
  r.fence = stmt->ColumnInt(9);
  r.queue_message_id = stmt->ColumnText(10);
  r.last_error = stmt->ColumnText(11);
  r.history = ParseHistory(stmt->ColumnText(12));
  r.outputs = stmt->ColumnText(13);
  r.outputs_enqueued = stmt->ColumnInt(14) != 0;
  r.result = stmt->ColumnText(15);
  return r;
}

Status SqliteWorkStore::Ping() {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare("SELECT count(*) FROM sqlite_schema");
  if (!stmt.ok()) return stmt.status();
  StatusOr<bool> row = stmt->Step();
  return row.ok() ? Status::Ok() : row.status();
}

StatusOr<ports::ClaimResult> SqliteWorkStore::Claim(const ports::ClaimRequest& r) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  ports::ClaimResult result;
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) { return ClaimLocked(r, now_ms, result); });
  if (!s.ok()) return s;
  return result;
}

std::vector<StatusOr<ports::ClaimResult>> SqliteWorkStore::ClaimMany(
    const std::vector<ports::ClaimRequest>& requests) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  std::vector<ports::ClaimResult> results(requests.size());
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    for (size_t i = 0; i < requests.size(); ++i) {
      WAGATE_RETURN_IF_ERROR(ClaimLocked(requests[i], now_ms, results[i]));
    }
    return Status::Ok();
  });
  std::vector<StatusOr<ports::ClaimResult>> out;
  for (ports::ClaimResult& r : results) {
    if (s.ok()) out.emplace_back(std::move(r));
    else out.emplace_back(s);
  }
  return out;
}

Status SqliteWorkStore::ClaimLocked(const ports::ClaimRequest& r, int64_t now_ms,
                                    ports::ClaimResult& result) {
  {
    bool was_uncertain = false;
    if (r.kind == domain::ItemKind::kOutgoing) {
      WAGATE_RETURN_IF_ERROR(SettleLapsedSending(r.key, now_ms));
      StatusOr<Statement> state = db_->Prepare("SELECT state FROM records WHERE key = ?1");
      if (!state.ok()) return state.status();
      state->Bind(1, r.key);
      StatusOr<bool> row = state->Step();
      if (!row.ok()) return row.status();
      was_uncertain = *row && state->ColumnText(0) == "SENT_UNCERTAIN";
    }
    StatusOr<Statement> claim = db_->Prepare(kClaim);
    if (!claim.ok()) return claim.status();
    claim->Bind(1, r.key)
        .Bind(2, domain::ItemKindName(r.kind))
        .Bind(3, now_ms)
        .Bind(4, now_ms + options_.dedup_ttl.count())
        .Bind(5, r.owner)
        .Bind(6, now_ms + r.lease.count())
        .Bind(7, r.queue_message_id);
    StatusOr<bool> won = claim->Step();
    if (!won.ok()) return won.status();
    if (*won) {
      result.outcome = ports::ClaimOutcome::kWon;
      result.fence = claim->ColumnInt(0);
      result.attempts = claim->ColumnInt(1);
      result.lease_until = FromUnixMillis(claim->ColumnInt(2));
      result.resend = was_uncertain;
      return Status::Ok();
    }
    // Lost: say why, from the record the condition saw.
    StatusOr<Statement> read = db_->Prepare(
        "SELECT state, queue_message_id, lease_until FROM records WHERE key = ?1");
    if (!read.ok()) return read.status();
    read->Bind(1, r.key);
    StatusOr<bool> row = read->Step();
    if (!row.ok()) return row.status();
    if (!*row) return InternalError("claim lost to a record that does not exist");
    const std::string state = read->ColumnText(0);
    if (state == "PROCESSING" || state == "SENDING") {
      result.outcome = read->ColumnText(1) == r.queue_message_id ? ports::ClaimOutcome::kBusy
                                                                  : ports::ClaimOutcome::kDuplicateEntry;
      result.lease_until = FromUnixMillis(read->ColumnInt(2));
    } else if (state == "SENT_UNCERTAIN") {
      result.outcome = ports::ClaimOutcome::kUncertain;
      result.lease_until = FromUnixMillis(read->ColumnInt(2));
    } else {
      result.outcome = ports::ClaimOutcome::kAlreadyDone;
    }
    return Status::Ok();
  }
}

Status SqliteWorkStore::FencedUpdate(const ports::Fenced& claim, const FencedChange& change) {
  std::string sql = "UPDATE records SET ";
  sql += change.set;
  sql += ", updated_at = ?3, expires_at = ?6";
  if (!change.outcome.empty()) {
    sql += ", ";
    sql += kAppendHistory;
  }
  sql += " WHERE key = ?1 AND fence = ?2 AND state IN (";
  sql += change.from_states;
  sql += ")";
  if (!change.also_where.empty()) {
    sql += " AND ";
    sql += change.also_where;
  }
  StatusOr<Statement> stmt = db_->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  WAGATE_RETURN_IF_ERROR(stmt->Bind(1, claim.key)
                             .Bind(2, claim.fence)
                             .Bind(3, ToUnixMillis(clock_.Now()))
                             .Bind(4, change.outcome)
                             .Bind(5, change.error)
                             .Bind(6, change.expires_ms)
                             .Bind(7, change.extra)
                             .Run());
  if (db_->Changes() == 0) return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
  return Status::Ok();
}

Status SqliteWorkStore::Heartbeat(const ports::Fenced& claim, Millis lease) {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare(
      "UPDATE records SET lease_until = ?3, updated_at = ?4 "
      "WHERE key = ?1 AND fence = ?2 AND state IN ('PROCESSING', 'SENDING')");
  if (!stmt.ok()) return stmt.status();
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  WAGATE_RETURN_IF_ERROR(stmt->Bind(1, claim.key)
                             .Bind(2, claim.fence)
                             .Bind(3, now_ms + lease.count())
                             .Bind(4, now_ms)
                             .Run());
  if (db_->Changes() == 0) return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
  return Status::Ok();
}

Status SqliteWorkStore::Complete(const ports::Fenced& claim, const std::string& result,
                                 const std::vector<domain::WorkItem>& outputs) {
  return CompleteMany({ports::Completion{claim, result, outputs}}).front();
}

std::vector<Status> SqliteWorkStore::CompleteMany(const std::vector<ports::Completion>& completions) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  std::vector<Status> results(completions.size());
  bool enqueued = false;
  // A fenced completion writes nothing (its conditional update comes first), so it does not
  // spoil the others; any other failure rolls the whole batch back.
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    for (size_t i = 0; i < completions.size(); ++i) {
      results[i] = CompleteLocked(completions[i], now_ms);
      if (results[i].code() == StatusCode::kFailedPrecondition) continue;
      WAGATE_RETURN_IF_ERROR(results[i]);
      enqueued = enqueued || !completions[i].outputs.empty();
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    for (Status& r : results) r = s;
    return results;
  }
  if (enqueued && options_.signal) options_.signal->Notify(domain::QueueName::kOutgoing);
  return results;
}

Status SqliteWorkStore::CompleteLocked(const ports::Completion& c, int64_t now_ms) {
  const ports::Fenced& claim = c.claim;
  const std::vector<domain::WorkItem>& outputs = c.outputs;
  const int64_t expires_ms = now_ms + options_.dedup_ttl.count();
  WAGATE_RETURN_IF_ERROR(FencedUpdate(
      claim, {.set = "state = 'COMPLETED', lease_until = NULL, result = nullif(?7, ''), "
                     "outputs_enqueued = 1",
              .outcome = "completed",
              .expires_ms = expires_ms,
              .extra = c.result}));
  if (outputs.empty()) return Status::Ok();
  boost::json::array keys;
  StatusOr<QueuedItemStatements> statements = QueuedItemStatements::Prepare(*db_);
  if (!statements.ok()) return statements.status();
  MessageIdSequence ids;
  WAGATE_RETURN_IF_ERROR(ids.Load(*db_));
  for (const domain::WorkItem& out : outputs) {
    StatusOr<bool> created = CreateQueuedItem(*db_, *statements, ids, out, now_ms, expires_ms);
    if (!created.ok()) return created.status();
    keys.push_back(boost::json::string(out.key));
  }
  WAGATE_RETURN_IF_ERROR(ids.Store(*db_));
  StatusOr<Statement> set_outputs = db_->Prepare("UPDATE records SET outputs = ?2 WHERE key = ?1");
  if (!set_outputs.ok()) return set_outputs.status();
  std::string keys_json = boost::json::serialize(keys);
  return set_outputs->Bind(1, claim.key).Bind(2, std::string_view(keys_json)).Run();
}

Status SqliteWorkStore::Release(const ports::Fenced& claim, const std::string& error) {
  MutexLock lock(mu_);
  const int64_t expires_ms = ExpiresAt(ToUnixMillis(clock_.Now()));
  // An outgoing item becomes FAILED (to be retried); one a status settled meanwhile is SENT.
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return FencedUpdate(
        claim, {.from_states = "'PROCESSING', 'SENDING'",
                .set = "state = CASE WHEN kind <> 'outgoing' THEN 'QUEUED' "
                       "WHEN " WAGATE_DELIVERED("records") " THEN 'SENT' ELSE 'FAILED' END, "
                       "owner = NULL, lease_until = NULL, last_error = nullif(?5, '')",
                .outcome = "retried",
                .error = error,
                .expires_ms = expires_ms});
  });
}

Status SqliteWorkStore::Kill(const ports::Fenced& claim, const std::string& reason,
                             const std::string& error) {
  MutexLock lock(mu_);
  const int64_t expires_ms = ToUnixMillis(clock_.Now()) + options_.dead_ttl.count();
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return FencedUpdate(claim, {.from_states = "'PROCESSING', 'SENDING'",
                                .set = "state = 'DEAD', owner = NULL, lease_until = NULL, "
                                       "last_error = nullif(?5, '')",
                                .outcome = reason,
                                .error = error,
                                .expires_ms = expires_ms});
  });
}

Status SqliteWorkStore::MarkSending(const ports::Fenced& claim) {
  MutexLock lock(mu_);
  const int64_t expires_ms = ExpiresAt(ToUnixMillis(clock_.Now()));
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    Status s = FencedUpdate(claim, {.set = "state = 'SENDING'",
                                    .expires_ms = expires_ms,
                                    .also_where = "NOT " WAGATE_DELIVERED("records")});
    if (s.code() != StatusCode::kFailedPrecondition) return s;
    // Say why: a status settled the item (the caller still holds it), or the lease was lost.
    StatusOr<Statement> read = db_->Prepare(
        "SELECT 1 FROM records WHERE key = ?1 AND fence = ?2 AND state = 'PROCESSING' AND "
        WAGATE_DELIVERED("records"));
    if (!read.ok()) return read.status();
    read->Bind(1, claim.key).Bind(2, claim.fence);
    StatusOr<bool> settled = read->Step();
    if (!settled.ok()) return settled.status();
    return *settled ? AlreadyExistsError("a status already settled " + claim.key) : s;
  });
}

Status SqliteWorkStore::MarkSent(const ports::Fenced& claim, const std::string& result) {
  MutexLock lock(mu_);
  const int64_t expires_ms = ExpiresAt(ToUnixMillis(clock_.Now()));
  // The send's result carries the wamid; a delivery status merged meanwhile is kept.
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return FencedUpdate(
        claim, {.from_states = "'PROCESSING', 'SENDING'",
                .set = "state = 'SENT', lease_until = NULL, result = CASE "
                       "WHEN ?7 = '' THEN result "
                       "WHEN " WAGATE_DELIVERED("records") " THEN "
                       "json_set(?7, '$.delivery', json_extract(result, '$.delivery')) "
                       "ELSE ?7 END",
                .outcome = "sent",
                .expires_ms = expires_ms,
                .extra = result});
  });
}

Status SqliteWorkStore::MarkUncertain(const ports::Fenced& claim, const std::string& error) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  // ?3 is now; the delay is a constant of this store, so the statement text stays the same.
  const std::string resend_at = "?3 + " + std::to_string(options_.uncertain_resend_after.count());
  const std::string set =
      "state = CASE WHEN " WAGATE_DELIVERED("records") " THEN 'SENT' ELSE 'SENT_UNCERTAIN' END, "
      "lease_until = CASE WHEN " WAGATE_DELIVERED("records") " THEN NULL ELSE " + resend_at + " END, "
      "owner = NULL, last_error = nullif(?5, '')";
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return FencedUpdate(claim, {.from_states = "'SENDING'",
                                .set = set,
                                .outcome = "uncertain",
                                .error = error,
                                .expires_ms = ExpiresAt(now_ms)});
  });
}

Status SqliteWorkStore::MergeStatus(const domain::StatusEcho& echo) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return MergeDeliveryStatus(*db_, echo, now_ms);
  });
}

}  // namespace wagate::sqlite
