// SqliteQueue's dead-letter workflow (ports/queue_admin.h): Redrive, Purge and the browse.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/backends/sqlite/sqlite_queue.h"
#include "wagate/domain/paced_batches.h"

namespace wagate::sqlite {

namespace {

// The reason a dead letter is never redriven for: the payload itself is malformed.
constexpr std::string_view kNeverRedriven = "invalid_payload";

// The oldest redrivable dead letters of ?1 (a "-dlq" queue), at most ?2.
constexpr std::string_view kSelectRedrivable = R"sql(
SELECT id FROM queue_messages
WHERE queue = ?1 AND (reason IS NULL OR reason <> ?3)
ORDER BY id LIMIT ?2
)sql";

// A redriven dead letter is a new send to its source queue: a new id (ids stay in send order, so
// the oldest message is still the one with the smallest id), sent and visible now, never
// received. dead_at stays as the mark of a message that was dead-lettered (see schema.cc).
constexpr std::string_view kInsertRedriven = R"sql(
INSERT INTO queue_messages(id, queue, key, body, attributes, sent_at, visible_at, dead_at)
SELECT ?1, ?2, key, body, attributes, ?3, ?3, dead_at FROM queue_messages WHERE id = ?4 AND queue = ?5
)sql";

constexpr std::string_view kDeleteById = "DELETE FROM queue_messages WHERE id = ?1 AND queue = ?2";

// Dead letters of ?1 (a "-dlq" queue), oldest first, at most ?2; only the one with id ?3 unless
// ?3 is NULL. A browse is this one read: it changes nothing.
constexpr std::string_view kSelectDeadLetters = R"sql(
SELECT id, coalesce(key, ''), coalesce(reason, ''), coalesce(last_error, ''), coalesce(history, ''),
       receive_count, coalesce(dead_at, sent_at), length(body), body
FROM queue_messages
WHERE queue = ?1 AND (?3 IS NULL OR id = ?3)
ORDER BY id LIMIT ?2
)sql";

std::string SourceName(domain::QueueName q) { return std::string(domain::QueueNameText(q)); }

}  // namespace

void SqliteQueue::SleepFor(Millis d) const {
  if (options_.sleep_for) {
    options_.sleep_for(d);
  } else {
    std::this_thread::sleep_for(d);
  }
}

StatusOr<int64_t> SqliteQueue::RedriveBatch(domain::QueueName source, int64_t limit) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  const std::string source_name = SourceName(source);
  const std::string dlq_name = ports::QueueRef{source, true}.Name();
  int64_t moved = 0;
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    moved = 0;
    std::vector<int64_t> batch;
    {
      StatusOr<Statement> select = db_->Prepare(kSelectRedrivable);
      if (!select.ok()) return select.status();
      select->Bind(1, std::string_view(dlq_name)).Bind(2, limit).Bind(3, kNeverRedriven);
      for (;;) {
        StatusOr<bool> row = select->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        batch.push_back(select->ColumnInt(0));
      }
    }
    if (batch.empty()) return Status::Ok();
    StatusOr<Statement> insert = db_->Prepare(kInsertRedriven);
    if (!insert.ok()) return insert.status();
    StatusOr<Statement> remove = db_->Prepare(kDeleteById);
    if (!remove.ok()) return remove.status();
    MessageIdSequence ids;
    WAGATE_RETURN_IF_ERROR(ids.Load(*db_));
    for (int64_t old_id : batch) {
      WAGATE_RETURN_IF_ERROR(insert->Bind(1, ids.Next())
                                 .Bind(2, std::string_view(source_name))
                                 .Bind(3, now_ms)
                                 .Bind(4, old_id)
                                 .Bind(5, std::string_view(dlq_name))
                                 .Run());
      if (db_->Changes() != 1) return InternalError("redrive: dead letter vanished inside its transaction");
      WAGATE_RETURN_IF_ERROR(remove->Bind(1, old_id).Bind(2, std::string_view(dlq_name)).Run());
      ++moved;
    }
    return ids.Store(*db_);
  });
  if (!s.ok()) return s;
  return moved;
}

StatusOr<ports::RedriveResult> SqliteQueue::Redrive(domain::QueueName source, int64_t max_messages,
                                                    double messages_per_second) {
  ports::RedriveResult result;
  StatusOr<int64_t> moved = domain::RunPacedBatches(
      {max_messages, messages_per_second, kRedriveBatch}, clock_,
      [this](Millis d) { SleepFor(d); },
      [&](int64_t want) -> StatusOr<int64_t> {
        StatusOr<int64_t> batch = RedriveBatch(source, want);
        if (batch.ok() && *batch > 0) signal_->Notify(source);
        return batch;
      });
  if (!moved.ok()) return moved.status();
  result.moved = *moved;
  MutexLock lock(mu_);
  StatusOr<Statement> count = db_->Prepare(
      "SELECT count(*) FROM queue_messages WHERE queue = ?1 AND reason = ?2");
  if (!count.ok()) return count.status();
  const std::string dlq_name = ports::QueueRef{source, true}.Name();
  count->Bind(1, std::string_view(dlq_name)).Bind(2, kNeverRedriven);
  StatusOr<bool> row = count->Step();
  if (!row.ok()) return row.status();
  result.skipped = count->ColumnInt(0);
  return result;
}

StatusOr<int64_t> SqliteQueue::PurgeBatch(const std::string& queue, int64_t last_id) {
  MutexLock lock(mu_);
  int64_t deleted = 0;
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    StatusOr<Statement> remove = db_->Prepare(R"sql(
        DELETE FROM queue_messages WHERE id IN (
          SELECT id FROM queue_messages WHERE queue = ?1 AND id <= ?2 LIMIT ?3))sql");
    if (!remove.ok()) return remove.status();
    WAGATE_RETURN_IF_ERROR(remove->Bind(1, std::string_view(queue))
                               .Bind(2, last_id)
                               .Bind(3, kPurgeBatch)
                               .Run());
    deleted = db_->Changes();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

StatusOr<int64_t> SqliteQueue::Purge(ports::QueueRef queue) {
  // Every message the queue holds now has an id up to the sequence's current value.
  int64_t last_id = 0;
  {
    MutexLock lock(mu_);
    StatusOr<Statement> read =
        db_->Prepare("SELECT value FROM sequences WHERE name = 'queue_messages'");
    if (!read.ok()) return read.status();
    StatusOr<bool> row = read->Step();
    if (!row.ok()) return row.status();
    if (!*row) return InternalError("purge: the message id sequence is missing");
    last_id = read->ColumnInt(0);
  }
  const std::string name = queue.Name();
  int64_t total = 0;
  for (;;) {
    StatusOr<int64_t> deleted = PurgeBatch(name, last_id);
    if (!deleted.ok()) return deleted.status();
    total += *deleted;
    if (*deleted < kPurgeBatch) return total;
  }
}

StatusOr<std::vector<ports::DeadLetter>> SqliteQueue::SelectDeadLetters(domain::QueueName source,
                                                                        int64_t max,
                                                                        std::optional<int64_t> id) {
  MutexLock lock(mu_);
  const std::string dlq_name = ports::QueueRef{source, true}.Name();
  StatusOr<Statement> select = db_->Prepare(kSelectDeadLetters);
  if (!select.ok()) return select.status();
  select->Bind(1, std::string_view(dlq_name)).Bind(2, max).Bind(3, id);
  std::vector<ports::DeadLetter> out;
  for (;;) {
    StatusOr<bool> row = select->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ports::DeadLetter d;
    d.message_id = std::to_string(select->ColumnInt(0));
    d.key = select->ColumnText(1);
    d.reason = select->ColumnText(2);
    d.last_error = select->ColumnText(3);
    d.history = select->ColumnText(4);
    d.attempts = select->ColumnInt(5);
    d.dead_at = FromUnixMillis(select->ColumnInt(6));
    d.bytes = select->ColumnInt(7);
    d.body = select->ColumnText(8);
    out.push_back(std::move(d));
  }
  return out;
}

StatusOr<std::vector<ports::DeadLetter>> SqliteQueue::ListDeadLetters(domain::QueueName source,
                                                                      int64_t max) {
  if (max < 1) return InvalidArgumentError("dead-letter list limit must be at least 1");
  return SelectDeadLetters(source, max, std::nullopt);
}

StatusOr<ports::DeadLetter> SqliteQueue::GetDeadLetter(domain::QueueName source,
                                                       const std::string& message_id) {
  int64_t id = 0;
  const char* end = message_id.data() + message_id.size();
  auto [at, err] = std::from_chars(message_id.data(), end, id);
  const std::string dlq_name = ports::QueueRef{source, true}.Name();
  if (err != std::errc() || at != end || message_id.empty()) {
    return NotFoundError("no dead letter " + message_id + " in " + dlq_name);
  }
  StatusOr<std::vector<ports::DeadLetter>> found = SelectDeadLetters(source, 1, id);
  if (!found.ok()) return found.status();
  if (found->empty()) return NotFoundError("no dead letter " + message_id + " in " + dlq_name);
  return std::move(found->front());
}

}  // namespace wagate::sqlite
