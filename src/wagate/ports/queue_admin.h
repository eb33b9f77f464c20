// QueueAdmin: the operator's dead-letter workflow on the queues (SPEC §3, §7 `wagate dlq`).
//
// Redrive() moves dead letters of one source queue back to that queue, as new sends: the receive
// count starts again at 0, and the message gets a fresh retention period. Dead letters whose
// reason is "invalid_payload" are never redriven (they would only fail again); they stay in the
// dead-letter queue and are counted as skipped. The move is paced to at most
// `messages_per_second`, so a large redrive cannot flood the workers or the store.
//
// Purge() deletes every message of one queue, a source queue or a dead-letter queue.
//
// ListDeadLetters()/GetDeadLetter() browse a dead-letter queue for `wagate dlq list|show` and the
// dashboard. They change nothing a caller can observe: no message is deleted, moved or delayed
// for its source queue (on SQS a browse is a receive, so a dead letter may stay invisible to a
// concurrent browse for a few seconds).
//
// These are the only operations that act on messages without a receipt (SPEC §2.9); they touch
// no work record. Outcomes: InvalidArgument for a bad limit or rate; Unavailable when the queues
// cannot be reached, and then whatever the counts already reported stays done (each message is
// moved or deleted at most once, never lost).
//
// Thread safety: implementations are safe from any thread; calls block on storage or network,
// and a paced Redrive() blocks for as long as its pacing asks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/domain/work_item.h"

namespace wagate::ports {

// One of the six queues: a source queue, or its dead-letter queue "<source>-dlq".
struct QueueRef {
  domain::QueueName source = domain::QueueName::kIncoming;
  bool dead_letter = false;

  // "incoming", "incoming-dlq", ... (the sqlite queue names; aws adds SQS_QUEUE_PREFIX).
  std::string Name() const {
    std::string name(domain::QueueNameText(source));
    if (dead_letter) name += "-dlq";
    return name;
  }
  // Parses a name produced by Name(); nullopt for anything else.
  static std::optional<QueueRef> Parse(std::string_view name) {
    for (domain::QueueName q : {domain::QueueName::kIncoming, domain::QueueName::kOutgoing,
                                domain::QueueName::kAnalytics}) {
      for (bool dlq : {false, true}) {
        QueueRef ref{q, dlq};
        if (ref.Name() == name) return ref;
      }
    }
    return std::nullopt;
  }
  friend bool operator==(const QueueRef&, const QueueRef&) = default;
};

// One message of a dead-letter queue, with what MoveToDeadLetter recorded about it.
struct DeadLetter {
  std::string message_id;
  std::string key;         // the work item key
  std::string reason;      // e.g. "max_receive_count", "handler_rejected", "invalid_payload"
  std::string last_error;  // "" when none
  std::string history;     // JSON array of attempts, "" when none
  int64_t attempts = 0;    // receives in the source queue before the move
  Timestamp dead_at;       // when it was moved to the dead-letter queue
  int64_t bytes = 0;       // size of the body
  std::string body;        // the payload, as it was in the source queue
};

struct RedriveResult {
  int64_t moved = 0;    // dead letters now back in the source queue
  int64_t skipped = 0;  // dead letters left in place because their reason is never redriven
};

class QueueAdmin {
 public:
  virtual ~QueueAdmin() = default;

  // Moves up to `max_messages` (>= 1) dead letters of `source`, oldest first, back to `source`,
  // at most `messages_per_second` of them per second (0: as fast as the store allows).
  virtual StatusOr<RedriveResult> Redrive(domain::QueueName source, int64_t max_messages,
                                          double messages_per_second) = 0;
  // Deletes every message of `queue`; returns how many were deleted.
  virtual StatusOr<int64_t> Purge(QueueRef queue) = 0;
  // Up to `max` (>= 1) dead letters of `source`, oldest first.
  virtual StatusOr<std::vector<DeadLetter>> ListDeadLetters(domain::QueueName source,
                                                            int64_t max) = 0;
  // The dead letter `message_id` of `source`; NotFound when it is not in the dead-letter queue.
  virtual StatusOr<DeadLetter> GetDeadLetter(domain::QueueName source,
                                             const std::string& message_id) = 0;
};

}  // namespace wagate::ports
