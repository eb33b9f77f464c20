#include "wagate/backends/sqlite/sqlite_work_store.h"

#include <boost/json.hpp>

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

}  // namespace

StatusOr<std::unique_ptr<SqliteWorkStore>> SqliteWorkStore::Create(std::unique_ptr<Database> db) {
  return std::unique_ptr<SqliteWorkStore>(new SqliteWorkStore(std::move(db)));
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

}  // namespace wagate::sqlite
