#include "wagate/backends/sqlite/schema.h"

namespace wagate::sqlite {

namespace {

// Version 1. Times are Unix milliseconds. Queue message ids are the rowids of queue_messages.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE records (
  key               TEXT PRIMARY KEY,
  kind              TEXT NOT NULL,
  state             TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  owner             TEXT,
  lease_until       INTEGER,
  fence             INTEGER NOT NULL DEFAULT 0,
  queue_message_id  TEXT,
  last_error        TEXT,
  history           TEXT NOT NULL DEFAULT '[]',
  outputs           TEXT,
  outputs_enqueued  INTEGER NOT NULL DEFAULT 0,
  result            TEXT
) WITHOUT ROWID;
CREATE INDEX records_by_expiry ON records(expires_at);

-- Every queue, SQS semantics: a message is visible when visible_at <= now; receiving it sets
-- visible_at = now + visibility and bumps receive_count. Dead-letter queues are queues named
-- '<queue>-dlq'; their rows carry reason, last_error, history and the source queue.
-- Message ids come from the 'queue_messages' row of `sequences` (see MessageIdSequence), so they
-- are never reused, even after the newest message is deleted.
CREATE TABLE queue_messages (
  id                 INTEGER PRIMARY KEY,
  queue              TEXT NOT NULL,
  key                TEXT,
  body               BLOB NOT NULL,
  attributes         TEXT,
  sent_at            INTEGER NOT NULL,
  visible_at         INTEGER NOT NULL,
  receive_count      INTEGER NOT NULL DEFAULT 0,
  first_received_at  INTEGER,
  receipt            TEXT,
  source_queue       TEXT,
  reason             TEXT,
  last_error         TEXT,
  history            TEXT,
  dead_at            INTEGER
);
-- Receive order (visible_at, then id, which every index carries), and a covering index for
-- the depth counts.
CREATE INDEX queue_messages_ready ON queue_messages(queue, visible_at, receive_count);

CREATE TABLE sequences (
  name   TEXT PRIMARY KEY,
  value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sequences(name, value) VALUES('queue_messages', 0);
)sql";

// Version 2. dead_at is set when a message is moved to a dead-letter queue and kept when it is
// redriven, so it marks every message that may outlive its work record's dedup window (a fresh
// message is moved to its dead-letter queue at retention, before its record can expire). The
// sweeper looks these up by key before it deletes an expired record (see Sweeper). The index is
// partial, so admitting a message, which never sets dead_at, does not write to it.
constexpr std::string_view kSchemaV2 = R"sql(
CREATE INDEX queue_messages_dead_by_key ON queue_messages(key) WHERE dead_at IS NOT NULL;
)sql";

// Version 3. Heartbeat records of the processes running processors and senders, so that any
// process can report processing in /health/detailed (see SqliteWorkerRegistry).
constexpr std::string_view kSchemaV3 = R"sql(
CREATE TABLE workers (
  id          TEXT PRIMARY KEY,
  role        TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  seen_at     INTEGER NOT NULL,
  running     INTEGER NOT NULL DEFAULT 0,
  processed   INTEGER NOT NULL DEFAULT 0,
  errors      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

}  // namespace

std::string DatabasePath(const std::string& data_dir) {
  std::string dir = data_dir.empty() ? "." : data_dir;
  if (dir.back() != '/') dir += '/';
  return dir + "wagate.db";
}

StatusOr<int> SchemaVersion(Database& db) {
  StatusOr<Statement> stmt = db.Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(stmt->ColumnInt(0));
}

Status Migrate(Database& db) {
  // IMMEDIATE takes the write lock first, so two processes starting together cannot both see
  // version 0 and both create the tables.
  return db.InTransaction([&db]() -> Status {
    StatusOr<int> version = SchemaVersion(db);
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) {
      return FailedPreconditionError("database " + db.path() + " has schema version " +
                                     std::to_string(*version) + ", newer than this binary's " +
                                     std::to_string(kSchemaVersion) + "; upgrade wagate");
    }
    if (*version < 1) WAGATE_RETURN_IF_ERROR(db.Exec(kSchemaV1));
    if (*version < 2) WAGATE_RETURN_IF_ERROR(db.Exec(kSchemaV2));
    if (*version < 3) WAGATE_RETURN_IF_ERROR(db.Exec(kSchemaV3));
    if (*version < kSchemaVersion) {
      WAGATE_RETURN_IF_ERROR(db.Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion)));
    }
    return Status::Ok();
  });
}

}  // namespace wagate::sqlite
