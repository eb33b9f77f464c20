#include "wagate/backends/sqlite/sqlite_queue.h"

#include <algorithm>
#include <charconv>

#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/backends/sqlite/record_sql.h"

namespace wagate::sqlite {

namespace {

std::string Name(domain::QueueName q) { return std::string(domain::QueueNameText(q)); }
std::string DeadLetterName(domain::QueueName q) { return Name(q) + "-dlq"; }

// Messages visible again after their last allowed receive go to the dead-letter queue instead
// of being delivered (SQS's redrive policy; the backstop when a worker died holding one). Only
// the next `?4` messages a receive would hand out are looked at, so the cost does not grow with
// the backlog; the receive repeats this until none of its candidates is over-received.
constexpr std::string_view kDeadLetterOverReceived = R"sql(
UPDATE queue_messages
SET queue = ?1 || '-dlq', source_queue = ?1, reason = 'max_receive_count',
    last_error = coalesce(last_error, 'received ' || receive_count || ' times without being deleted'),
    history = coalesce(history, '[]'), dead_at = ?2, visible_at = ?2, receipt = NULL
WHERE id IN (SELECT id FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2
             ORDER BY visible_at, id LIMIT ?4)
  AND receive_count >= ?3
RETURNING key, last_error
)sql";

// The records of messages the backstop dead-lettered become DEAD in the same transaction, unless
// a worker holds them (a live lease), finished them, or is sending them (SENDING is settled as
// uncertain by the next claim, never resent blindly). ?1 key, ?2 expires_at, ?3 now, ?4 reason,
// ?5 error.
const std::string& MarkDeadSql() {
  static const std::string sql =
      "UPDATE records SET state = 'DEAD', owner = NULL, lease_until = NULL, last_error = ?5, "
      "updated_at = ?3, expires_at = ?2, " + std::string(kAppendHistory) +
      " WHERE key = ?1 AND expires_at > ?3 AND (state IN ('PENDING', 'QUEUED', 'FAILED') OR "
      "(state = 'PROCESSING' AND lease_until < ?3))";
  return sql;
}

constexpr std::string_view kReceive = R"sql(
UPDATE queue_messages
SET visible_at = ?2 + ?4, receive_count = receive_count + 1,
    first_received_at = coalesce(first_received_at, ?2), receipt = id || '.' || (receive_count + 1)
WHERE id IN (SELECT id FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2
             ORDER BY visible_at, id LIMIT ?3)
RETURNING id, receipt, key, body, receive_count, sent_at, first_received_at
)sql";

// The message id a receipt "<id>.<receive_count>" names; -1 (matches nothing) when malformed.
int64_t ReceiptId(const std::string& receipt) {
  int64_t id = -1;
  const char* end = receipt.data() + receipt.size();
  auto [at, err] = std::from_chars(receipt.data(), end, id);
  return err == std::errc() && at != receipt.data() && at < end && *at == '.' ? id : -1;
}

}  // namespace

SqliteQueue::SqliteQueue(std::unique_ptr<Database> db, Options options, const Clock& clock)
    : SqliteQueue(std::make_shared<Connection>(std::move(db)), std::move(options), clock) {}

SqliteQueue::SqliteQueue(std::shared_ptr<Connection> connection, Options options, const Clock& clock)
    : connection_(std::move(connection)),
      mu_(connection_->mu),
      db_(connection_->db.get()),
      options_(std::move(options)),
      clock_(clock),
      signal_(options_.signal ? options_.signal : std::make_shared<QueueSignal>()) {}

StatusOr<std::vector<std::string>> SqliteQueue::Send(domain::QueueName queue,
                                                     std::vector<ports::OutgoingMessage> messages) {
  std::vector<std::string> ids;
  {
    MutexLock lock(mu_);
    const int64_t now_ms = ToUnixMillis(clock_.Now());
    Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
      StatusOr<Statement> insert = db_->Prepare(
          "INSERT INTO queue_messages(id, queue, key, body, sent_at, visible_at) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
      if (!insert.ok()) return insert.status();
      MessageIdSequence sequence;
      WAGATE_RETURN_IF_ERROR(sequence.Load(*db_));
      std::string name = Name(queue);
      for (const ports::OutgoingMessage& m : messages) {
        int64_t id = sequence.Next();
        WAGATE_RETURN_IF_ERROR(insert->Bind(1, id)
                                   .Bind(2, std::string_view(name))
                                   .Bind(3, m.key)
                                   .BindBlob(4, m.body)
                                   .Bind(5, now_ms)
                                   .Bind(6, now_ms + m.delay.count())
                                   .Run());
        ids.push_back(std::to_string(id));
      }
      return sequence.Store(*db_);
    });
    if (!s.ok()) return s;
  }
  signal_->Notify(queue);
  return ids;
}

StatusOr<std::vector<ports::ReceivedMessage>> SqliteQueue::TryReceive(domain::QueueName queue,
                                                                      int max, Millis visibility) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  std::vector<ports::ReceivedMessage> out;
  std::string name = Name(queue);
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    const int64_t batch = std::clamp(max, 1, 10);
    std::vector<std::pair<std::string, std::string>> dead_keys;  // key, last_error
    for (size_t moved = 1; moved > 0;) {
      StatusOr<Statement> dead = db_->Prepare(kDeadLetterOverReceived);
      if (!dead.ok()) return dead.status();
      dead->Bind(1, std::string_view(name))
          .Bind(2, now_ms)
          .Bind(3, static_cast<int64_t>(options_.max_receive_count))
          .Bind(4, batch);
      const size_t before = dead_keys.size();
      for (;;) {
        StatusOr<bool> row = dead->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        dead_keys.emplace_back(dead->ColumnIsNull(0) ? "" : dead->ColumnText(0), dead->ColumnText(1));
      }
      moved = dead_keys.size() - before;
    }
    std::erase_if(dead_keys, [](const auto& k) { return k.first.empty(); });
    if (!dead_keys.empty()) {
      StatusOr<Statement> mark = db_->Prepare(MarkDeadSql());
      if (!mark.ok()) return mark.status();
      for (const auto& [key, error] : dead_keys) {
        mark->Reset();
        WAGATE_RETURN_IF_ERROR(mark->Bind(1, key)
                                   .Bind(2, now_ms + options_.dead_record_ttl.count())
                                   .Bind(3, now_ms)
                                   .Bind(4, "max_receive_count")
                                   .Bind(5, error)
                                   .Run());
      }
    }
    StatusOr<Statement> receive = db_->Prepare(kReceive);
    if (!receive.ok()) return receive.status();
    receive->Bind(1, std::string_view(name))
        .Bind(2, now_ms)
        .Bind(3, batch)
        .Bind(4, static_cast<int64_t>(visibility.count()));
    for (;;) {
      StatusOr<bool> row = receive->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      ports::ReceivedMessage m;
      m.id = std::to_string(receive->ColumnInt(0));
      m.receipt = receive->ColumnText(1);
      m.key = receive->ColumnText(2);
      m.body = receive->ColumnText(3);
      m.receive_count = static_cast<int>(receive->ColumnInt(4));
      m.sent_at = FromUnixMillis(receive->ColumnInt(5));
      m.first_received_at = FromUnixMillis(receive->ColumnInt(6));
      out.push_back(std::move(m));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  // RETURNING yields rows in no particular order; hand them out oldest first.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::stoll(a.id) < std::stoll(b.id);
  });
  return out;
}

StatusOr<std::vector<ports::ReceivedMessage>> SqliteQueue::Receive(domain::QueueName queue, int max,
                                                                   Millis visibility, Millis wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    // Read before looking at the table, so a commit in between wakes the wait below.
    const uint64_t seen = signal_->Generation(queue);
    StatusOr<std::vector<ports::ReceivedMessage>> got = TryReceive(queue, max, visibility);
    if (!got.ok() || !got->empty()) return got;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return got;
    signal_->WaitUntil(queue, seen, std::min(deadline, now + options_.poll_interval));
  }
}

Status SqliteQueue::ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                                     Millis visibility) {
  MutexLock lock(mu_);
  std::string name = Name(queue);
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    StatusOr<Statement> stmt = db_->Prepare(
        "UPDATE queue_messages SET visible_at = ?3 WHERE id = ?4 AND queue = ?1 AND receipt = ?2");
    if (!stmt.ok()) return stmt.status();
    WAGATE_RETURN_IF_ERROR(stmt->Bind(1, std::string_view(name))
                               .Bind(2, receipt)
                               .Bind(3, ToUnixMillis(clock_.Now()) + visibility.count())
                               .Bind(4, ReceiptId(receipt))
                               .Run());
    return db_->Changes() == 1 ? Status::Ok() : NotFoundError("receipt is no longer current");
  });
}

Status SqliteQueue::Delete(domain::QueueName queue, const std::string& receipt) {
  return DeleteMany(queue, {receipt}).front();
}

std::vector<Status> SqliteQueue::DeleteMany(domain::QueueName queue,
                                            const std::vector<std::string>& receipts) {
  MutexLock lock(mu_);
  std::string name = Name(queue);
  std::vector<Status> results(receipts.size());
  Status s = db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    for (size_t i = 0; i < receipts.size(); ++i) {
      StatusOr<Statement> stmt = db_->Prepare(
          "DELETE FROM queue_messages WHERE id = ?3 AND queue = ?1 AND receipt = ?2");
      if (!stmt.ok()) return stmt.status();
      WAGATE_RETURN_IF_ERROR(stmt->Bind(1, std::string_view(name))
                                 .Bind(2, receipts[i])
                                 .Bind(3, ReceiptId(receipts[i]))
                                 .Run());
      results[i] = db_->Changes() == 1 ? Status::Ok() : NotFoundError("receipt is no longer current");
    }
    return Status::Ok();
  });
  if (!s.ok()) std::fill(results.begin(), results.end(), s);
  return results;
}

Status SqliteQueue::MoveToDeadLetter(domain::QueueName queue, const ports::ReceivedMessage& message,
                                     const ports::DeadLetterReason& why) {
  const std::string& receipt = message.receipt;
  MutexLock lock(mu_);
  std::string name = Name(queue);
  std::string dlq = DeadLetterName(queue);
  return db_->InTransaction([&]() WAGATE_REQUIRES(mu_) -> Status {
    StatusOr<Statement> stmt = db_->Prepare(R"sql(
        UPDATE queue_messages
        SET queue = ?3, source_queue = ?1, reason = ?4, last_error = ?5,
            history = coalesce(nullif(?6, ''), '[]'), dead_at = ?7, visible_at = ?7, receipt = NULL
        WHERE id = ?8 AND queue = ?1 AND receipt = ?2)sql");
    if (!stmt.ok()) return stmt.status();
    WAGATE_RETURN_IF_ERROR(stmt->Bind(1, std::string_view(name))
                               .Bind(2, receipt)
                               .Bind(3, std::string_view(dlq))
                               .Bind(4, why.reason)
                               .Bind(5, why.last_error)
                               .Bind(6, why.history)
                               .Bind(7, ToUnixMillis(clock_.Now()))
                               .Bind(8, ReceiptId(receipt))
                               .Run());
    return db_->Changes() == 1 ? Status::Ok() : NotFoundError("receipt is no longer current");
  });
}

StatusOr<ports::QueueStats> SqliteQueue::Stats(domain::QueueName queue) {
  MutexLock lock(mu_);
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  std::string name = Name(queue);
  // Counts come from the (queue, visible_at, receive_count) index alone; the oldest message is
  // the one with the smallest id, found by walking the primary key. The oldest in-flight message
  // is looked up among the rows of that index's invisible range only (in flight and delayed,
  // both few); the oldest dead letter among the dead-letter rows, which the count walks anyway.
  StatusOr<Statement> stmt = db_->Prepare(R"sql(
    SELECT (SELECT count(*) FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2),
           (SELECT count(*) FROM queue_messages WHERE queue = ?1 AND visible_at > ?2 AND receive_count > 0),
           (SELECT count(*) FROM queue_messages WHERE queue = ?1 AND visible_at > ?2 AND receive_count = 0),
           (SELECT sent_at FROM queue_messages WHERE queue = ?1 ORDER BY id LIMIT 1),
           (SELECT count(*) FROM queue_messages WHERE queue = ?1 || '-dlq'),
           (SELECT min(first_received_at) FROM queue_messages
             WHERE queue = ?1 AND visible_at > ?2 AND receive_count > 0),
           (SELECT min(coalesce(dead_at, sent_at)) FROM queue_messages WHERE queue = ?1 || '-dlq'))sql");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, std::string_view(name)).Bind(2, now_ms);
  StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  ports::QueueStats s;
  s.visible = stmt->ColumnInt(0);
  s.in_flight = stmt->ColumnInt(1);
  s.delayed = stmt->ColumnInt(2);
  if (!stmt->ColumnIsNull(3)) {
    s.oldest_age_seconds = std::max<int64_t>(0, (now_ms - stmt->ColumnInt(3)) / 1000);
  }
  s.dlq = stmt->ColumnInt(4);
  if (!stmt->ColumnIsNull(5)) {
    s.oldest_in_flight_seconds = std::max<int64_t>(0, (now_ms - stmt->ColumnInt(5)) / 1000);
  }
  if (!stmt->ColumnIsNull(6)) {
    s.oldest_dlq_age_seconds = std::max<int64_t>(0, (now_ms - stmt->ColumnInt(6)) / 1000);
  }
  return s;
}

}  // namespace wagate::sqlite
