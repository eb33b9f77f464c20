#include "wagate/backends/sqlite/queue_retention.h"

#include <string>
#include <vector>

namespace wagate::sqlite {

namespace {

constexpr domain::QueueName kSources[] = {domain::QueueName::kIncoming,
                                          domain::QueueName::kOutgoing,
                                          domain::QueueName::kAnalytics};

// The next ids (after ?3, at most ?4) of queue ?1 whose time column is at or before ?2.
constexpr std::string_view kSelectSentBefore = R"sql(
SELECT id FROM queue_messages WHERE queue = ?1 AND sent_at <= ?2 AND id > ?3 ORDER BY id LIMIT ?4
)sql";
constexpr std::string_view kSelectDeadBefore = R"sql(
SELECT id FROM queue_messages WHERE queue = ?1 AND dead_at <= ?2 AND id > ?3 ORDER BY id LIMIT ?4
)sql";

// Moves the messages of ?1 with ids in [?4, ?5] sent at or before ?2 to ?1's dead-letter queue
// (?3 now, ?6 the error text).
constexpr std::string_view kMoveExpired = R"sql(
UPDATE queue_messages
SET queue = ?1 || '-dlq', source_queue = ?1, reason = 'retention_expired', last_error = ?6,
    history = coalesce(history, '[]'), dead_at = ?3, visible_at = ?3, receipt = NULL
WHERE queue = ?1 AND sent_at <= ?2 AND id BETWEEN ?4 AND ?5
)sql";

// Deletes the dead letters of ?1 with ids in [?3, ?4] dead-lettered at or before ?2.
constexpr std::string_view kDeleteExpiredDead = R"sql(
DELETE FROM queue_messages WHERE queue = ?1 AND dead_at <= ?2 AND id BETWEEN ?3 AND ?4
)sql";

// The next batch of ids after `after`, read without taking the write lock.
StatusOr<std::vector<int64_t>> NextIds(Database& db, std::string_view select,
                                       const std::string& queue, int64_t cutoff_ms, int64_t after,
                                       int64_t limit) {
  StatusOr<Statement> stmt = db.Prepare(select);
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, std::string_view(queue)).Bind(2, cutoff_ms).Bind(3, after).Bind(4, limit);
  std::vector<int64_t> ids;
  for (;;) {
    StatusOr<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(stmt->ColumnInt(0));
  }
  return ids;
}

// Runs `write` (bound to one id range) over every batch of `select`; returns the rows changed.
template <typename BindWrite>
StatusOr<int64_t> InBatches(Database& db, std::string_view select, std::string_view write,
                            const std::string& queue, int64_t cutoff_ms, int64_t batch_rows,
                            const BindWrite& bind_write) {
  int64_t changed = 0;
  int64_t after = 0;
  for (;;) {
    StatusOr<std::vector<int64_t>> ids = NextIds(db, select, queue, cutoff_ms, after, batch_rows);
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return changed;
    Status s = db.InTransaction([&]() -> Status {
      StatusOr<Statement> stmt = db.Prepare(write);
      if (!stmt.ok()) return stmt.status();
      bind_write(*stmt, ids->front(), ids->back());
      WAGATE_RETURN_IF_ERROR(stmt->Run());
      changed += db.Changes();
      return Status::Ok();
    });
    if (!s.ok()) return s;
    if (static_cast<int64_t>(ids->size()) < batch_rows) return changed;
    after = ids->back();
  }
}

}  // namespace

int64_t& QueueCounts::operator[](domain::QueueName q) {
  switch (q) {
    case domain::QueueName::kIncoming: return incoming;
    case domain::QueueName::kOutgoing: return outgoing;
    case domain::QueueName::kAnalytics: return analytics;
  }
  return incoming;
}

int64_t QueueCounts::operator[](domain::QueueName q) const {
  return const_cast<QueueCounts&>(*this)[q];
}

StatusOr<RetentionCounts> ExpireRetention(Database& db, Timestamp now, Millis retention,
                                          int64_t batch_rows) {
  if (batch_rows < 1) return InvalidArgumentError("retention: batch_rows must be at least 1");
  const int64_t now_ms = ToUnixMillis(now);
  const int64_t cutoff_ms = now_ms - retention.count();
  const std::string error = "in the queue longer than the retention period of " +
                            std::to_string(retention.count() / 1000) + " s";
  RetentionCounts counts;
  for (domain::QueueName source : kSources) {
    const std::string name(domain::QueueNameText(source));
    const std::string dlq = name + "-dlq";
    StatusOr<int64_t> deleted = InBatches(
        db, kSelectDeadBefore, kDeleteExpiredDead, dlq, cutoff_ms, batch_rows,
        [&](Statement& s, int64_t first, int64_t last) {
          s.Bind(1, std::string_view(dlq)).Bind(2, cutoff_ms).Bind(3, first).Bind(4, last);
        });
    if (!deleted.ok()) return deleted.status();
    counts.dead_letters_deleted[source] = *deleted;

    StatusOr<int64_t> moved = InBatches(
        db, kSelectSentBefore, kMoveExpired, name, cutoff_ms, batch_rows,
        [&](Statement& s, int64_t first, int64_t last) {
          s.Bind(1, std::string_view(name))
              .Bind(2, cutoff_ms)
              .Bind(3, now_ms)
              .Bind(4, first)
              .Bind(5, last)
              .Bind(6, std::string_view(error));
        });
    if (!moved.ok()) return moved.status();
    counts.moved_to_dead_letter[source] = *moved;
  }
  return counts;
}

}  // namespace wagate::sqlite
