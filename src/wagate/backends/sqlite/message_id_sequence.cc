#include "wagate/backends/sqlite/message_id_sequence.h"

namespace wagate::sqlite {

Status MessageIdSequence::Load(Database& db) {
  StatusOr<Statement> stmt = db.Prepare("SELECT value FROM sequences WHERE name = 'queue_messages'");
  if (!stmt.ok()) return stmt.status();
  StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return InternalError("sequences has no queue_messages row");
  loaded_ = last_ = stmt->ColumnInt(0);
  return Status::Ok();
}

Status MessageIdSequence::Store(Database& db) {
  if (last_ == loaded_) return Status::Ok();
  StatusOr<Statement> stmt = db.Prepare("UPDATE sequences SET value = ?1 WHERE name = 'queue_messages'");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, last_);
  return stmt->Run();
}

}  // namespace wagate::sqlite
