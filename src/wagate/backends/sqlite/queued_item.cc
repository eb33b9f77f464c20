#include "wagate/backends/sqlite/queued_item.h"

#include <string>

namespace wagate::sqlite {

namespace {

// Creates the record, or replaces one whose dedup window has passed. The WHERE clause is the
// whole dedup decision: a live record makes this a no-op (changes() == 0), so concurrent
// identical creations cannot both win. The record names the queue message it is about to get
// (?5, allocated before the write and used only when the write happened). The fence carries
// over, so a worker that held an expired record can never write to its successor.
constexpr std::string_view kUpsertRecord = R"sql(
INSERT INTO records(key, kind, state, created_at, updated_at, expires_at, queue_message_id)
VALUES(?1, ?2, 'QUEUED', ?3, ?3, ?4, ?5)
ON CONFLICT(key) DO UPDATE SET
  kind = excluded.kind, state = 'QUEUED', created_at = excluded.created_at,
  updated_at = excluded.updated_at, expires_at = excluded.expires_at, attempts = 0,
  owner = NULL, lease_until = NULL, queue_message_id = excluded.queue_message_id,
  last_error = NULL, history = '[]', outputs = NULL, outputs_enqueued = 0, result = NULL
WHERE records.expires_at <= ?3
)sql";

constexpr std::string_view kInsertMessage = R"sql(
INSERT INTO queue_messages(id, queue, key, body, sent_at, visible_at) VALUES(?1, ?2, ?3, ?4, ?5, ?5)
)sql";

}  // namespace

StatusOr<QueuedItemStatements> QueuedItemStatements::Prepare(Database& db) {
  StatusOr<Statement> upsert = db.Prepare(kUpsertRecord);
  if (!upsert.ok()) return upsert.status();
  StatusOr<Statement> insert = db.Prepare(kInsertMessage);
  if (!insert.ok()) return insert.status();
  return QueuedItemStatements{std::move(*upsert), std::move(*insert)};
}

StatusOr<bool> CreateQueuedItem(Database& db, QueuedItemStatements& s, MessageIdSequence& ids,
                                const domain::WorkItem& item, int64_t now_ms, int64_t expires_ms) {
  std::string message_id = std::to_string(ids.Peek());
  WAGATE_RETURN_IF_ERROR(s.upsert_record.Bind(1, item.key)
                             .Bind(2, domain::ItemKindName(item.kind))
                             .Bind(3, now_ms)
                             .Bind(4, expires_ms)
                             .Bind(5, message_id)
                             .Run());
  if (db.Changes() == 0) return false;
  WAGATE_RETURN_IF_ERROR(
      s.insert_message.Bind(1, ids.Next())
          .Bind(2, domain::QueueNameText(domain::QueueForKind(item.kind)))
          .Bind(3, item.key)
          .BindBlob(4, item.payload)
          .Bind(5, now_ms)
          .Run());
  return true;
}

}  // namespace wagate::sqlite
