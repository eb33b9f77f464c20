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
};

}  // namespace wagate::ports
