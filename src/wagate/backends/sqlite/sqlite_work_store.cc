#include "wagate/backends/sqlite/sqlite_work_store.h"

#include <boost/json.hpp>

#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/backends/sqlite/queued_item.h"

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

// The claim of invariant 3 as one conditional upsert: it wins when the record is absent or
// expired (then it starts afresh), or PENDING, QUEUED or DEAD, or PROCESSING with a lapsed lease.
// SET expressions see the row as it was before the update.
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
RETURNING fence, attempts, lease_until
)sql";

// Appends {at, owner, fence, outcome, error} to the history (?3 now, ?4 outcome, ?5 error) and
// keeps the last 10 entries.
constexpr std::string_view kAppendHistory = R"sql(
history = (SELECT CASE WHEN json_array_length(h) > 10 THEN json_remove(h, '$[0]') ELSE h END
           FROM (SELECT json_insert(records.history, '$[#]',
                   json_object('at', ?3, 'owner', coalesce(records.owner, ''),
                               'fence', records.fence, 'outcome', ?4, 'error', ?5)) AS h)))sql";

}  // namespace

StatusOr<std::unique_ptr<SqliteWorkStore>> SqliteWorkStore::Create(std::unique_ptr<Database> db,
                                                                   Options options,
                                                                   const Clock& clock) {
  return std::unique_ptr<SqliteWorkStore>(new SqliteWorkStore(std::move(db), options, clock));
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
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
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
    if (read->ColumnText(0) == "PROCESSING") {
      result.outcome = read->ColumnText(1) == r.queue_message_id ? ports::ClaimOutcome::kBusy
                                                                  : ports::ClaimOutcome::kDuplicateEntry;
      result.lease_until = FromUnixMillis(read->ColumnInt(2));
    } else {
      result.outcome = ports::ClaimOutcome::kAlreadyDone;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Status SqliteWorkStore::FencedUpdate(const ports::Fenced& claim, std::string_view set,
                                     std::string_view outcome, std::string_view error,
                                     int64_t expires_ms, std::string_view extra) {
  std::string sql = "UPDATE records SET ";
  sql += set;
  sql += ", updated_at = ?3, expires_at = ?6, ";
  sql += kAppendHistory;
  sql += " WHERE key = ?1 AND fence = ?2 AND state = 'PROCESSING'";
  StatusOr<Statement> stmt = db_->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  WAGATE_RETURN_IF_ERROR(stmt->Bind(1, claim.key)
                             .Bind(2, claim.fence)
                             .Bind(3, ToUnixMillis(clock_.Now()))
                             .Bind(4, outcome)
                             .Bind(5, error)
                             .Bind(6, expires_ms)
                             .Bind(7, extra)
                             .Run());
  if (db_->Changes() == 0) return FailedPreconditionError("fenced: the lease on " + claim.key + " was lost");
  return Status::Ok();
}

Status SqliteWorkStore::Heartbeat(const ports::Fenced& claim, Millis lease) {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare(
      "UPDATE records SET lease_until = ?3, updated_at = ?4 "
      "WHERE key = ?1 AND fence = ?2 AND state = 'PROCESSING'");
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
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  const int64_t expires_ms = now_ms + options_.dedup_ttl.count();
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    WAGATE_RETURN_IF_ERROR(FencedUpdate(
        claim, "state = 'COMPLETED', lease_until = NULL, result = nullif(?7, ''), outputs_enqueued = 1",
        "completed", "", expires_ms, result));
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
  });
}

Status SqliteWorkStore::Release(const ports::Fenced& claim, const std::string& error) {
  MutexLock lock(mu_);
  const int64_t expires_ms = ToUnixMillis(clock_.Now()) + options_.dedup_ttl.count();
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return FencedUpdate(claim,
                        "state = 'QUEUED', owner = NULL, lease_until = NULL, "
                        "last_error = nullif(?5, '')",
                        "retried", error, expires_ms, "");
  });
}

Status SqliteWorkStore::Kill(const ports::Fenced& claim, const std::string& reason,
                             const std::string& error) {
  MutexLock lock(mu_);
  const int64_t expires_ms = ToUnixMillis(clock_.Now()) + options_.dead_ttl.count();
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    return FencedUpdate(claim,
                        "state = 'DEAD', owner = NULL, lease_until = NULL, "
                        "last_error = nullif(?5, '')",
                        reason, error, expires_ms, "");
  });
}

}  // namespace wagate::sqlite
