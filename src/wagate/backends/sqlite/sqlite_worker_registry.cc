#include "wagate/backends/sqlite/sqlite_worker_registry.h"

namespace wagate::sqlite {

Status SqliteWorkerRegistry::Beat(const ports::WorkerBeat& b) {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare(
      "INSERT INTO workers(id, role, started_at, seen_at, running, processed, errors) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET "
      "seen_at = excluded.seen_at, running = excluded.running, processed = excluded.processed, "
      "errors = excluded.errors");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, b.id)
      .Bind(2, b.role)
      .Bind(3, ToUnixMillis(b.started_at))
      .Bind(4, ToUnixMillis(b.seen_at))
      .Bind(5, static_cast<int64_t>(b.running ? 1 : 0))
      .Bind(6, static_cast<int64_t>(b.processed))
      .Bind(7, static_cast<int64_t>(b.errors))
      .Run();
}

StatusOr<std::vector<ports::WorkerBeat>> SqliteWorkerRegistry::Live(Timestamp since) {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare(
      "SELECT id, role, started_at, seen_at, running, processed, errors FROM workers "
      "WHERE seen_at >= ?1 ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, ToUnixMillis(since));
  std::vector<ports::WorkerBeat> out;
  for (;;) {
    StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ports::WorkerBeat b;
    b.id = stmt->ColumnText(0);
    b.role = stmt->ColumnText(1);
    b.started_at = FromUnixMillis(stmt->ColumnInt(2));
    b.seen_at = FromUnixMillis(stmt->ColumnInt(3));
    b.running = stmt->ColumnInt(4) != 0;
    b.processed = static_cast<uint64_t>(stmt->ColumnInt(5));
    b.errors = static_cast<uint64_t>(stmt->ColumnInt(6));
    out.push_back(std::move(b));
  }
  return out;
}

Status SqliteWorkerRegistry::Forget(const std::string& id) {
  MutexLock lock(mu_);
  StatusOr<Statement> stmt = db_->Prepare("DELETE FROM workers WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, id).Run();
}

}  // namespace wagate::sqlite
