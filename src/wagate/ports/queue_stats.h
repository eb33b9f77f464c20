// QueueStats: depth figures of one queue and its dead-letter queue (SPEC §3, §5).
//
// QueueStatsSource is the read side of the queues that health and the CLI use. The full Queue
// port (send, receive, visibility, delete, DLQ moves) joins it with the processing pipeline.
//
// Thread safety: implementations are safe to call from any thread and may block on storage.
#pragma once

#include <cstdint>
#include <optional>

#include "wagate/base/status.h"
#include "wagate/domain/work_item.h"

namespace wagate::ports {

struct QueueStats {
  int64_t visible = 0;    // ready to receive now
  int64_t in_flight = 0;  // received, not yet deleted, invisible
  int64_t delayed = 0;    // sent with a delay that has not passed
  int64_t dlq = 0;        // messages in the queue's dead-letter queue
  // Age of the oldest message in the queue; nullopt when empty or unknown.
  std::optional<int64_t> oldest_age_seconds;
  // Age of the oldest message in flight (received, not deleted, invisible), counted from its
  // first receive, so a message that keeps failing and retrying ages too; nullopt when none is
  // in flight or unknown. Feeds the `stuck_in_flight` alert.
  std::optional<int64_t> oldest_in_flight_seconds;
  // Age of the oldest message in the dead-letter queue, counted from when it was dead-lettered;
  // nullopt when the dead-letter queue is empty or the backend cannot tell. Feeds the
  // `dlq_expiring` alert.
  std::optional<int64_t> oldest_dlq_age_seconds;
};

class QueueStatsSource {
 public:
  virtual ~QueueStatsSource() = default;
  virtual StatusOr<QueueStats> Stats(domain::QueueName queue) = 0;
};

}  // namespace wagate::ports
