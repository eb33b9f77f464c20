// Queue retention on the sqlite backend (SPEC §3, invariant 1).
//
// A message stays in a source queue (incoming, outgoing, analytics) for at most the retention
// period (SQS_MESSAGE_RETENTION_SECONDS), counted from when it was sent. SQS would delete it
// then; wagate never drops an unfinished message silently, so ExpireRetention() moves it to its
// queue's dead-letter queue with reason "retention_expired", where an operator can see it and
// redrive it. A dead letter is kept for the retention period counted from when it was
// dead-lettered (dead_at) and is deleted after that; the deletions are counted so the caller can
// log them.
//
// A message past retention is moved even while it is in flight: its receipt stops working, and
// the worker's record writes stay fenced as usual, so nothing is lost or done twice.
//
// Each batch of at most `batch_rows` rows is one short write transaction. The rows to look at are
// found by a read outside the write lock; the write itself repeats every condition (queue, age),
// so the decision is made inside the write and a row changed meanwhile is left alone.
//
// Thread safety: functions of a Database, which the caller uses from one thread at a time.
#pragma once

#include <cstdint>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/domain/work_item.h"

namespace wagate::sqlite {

// A count per source queue (for dead letters: per source queue of the dead-letter queue).
struct QueueCounts {
  int64_t incoming = 0;
  int64_t outgoing = 0;
  int64_t analytics = 0;

  int64_t& operator[](domain::QueueName q);
  int64_t operator[](domain::QueueName q) const;
  int64_t Total() const { return incoming + outgoing + analytics; }
};

struct RetentionCounts {
  QueueCounts moved_to_dead_letter;  // messages past retention, now in their dead-letter queue
  QueueCounts dead_letters_deleted;  // dead letters past retention, deleted
};

// The dead-letter reason of a message moved for its age.
inline constexpr std::string_view kRetentionExpired = "retention_expired";

StatusOr<RetentionCounts> ExpireRetention(Database& db, Timestamp now, Millis retention,
                                          int64_t batch_rows);

}  // namespace wagate::sqlite
