// The queues of the configured backend for the operator commands `wagate queues` and
// `wagate dlq` (SPEC §7): their depth figures and the dead-letter workflow.
//
// On sqlite the database must exist in WAGATE_DATA_DIR (NotFound otherwise; an older schema is
// migrated); on aws the six configured queue URLs are used through the configured endpoint. A
// paced redrive really sleeps between its batches.
//
// Thread safety: the queues are safe from any thread (see SqliteQueue, SqsQueue).
#pragma once

#include <memory>

#include "wagate/base/status.h"
#include "wagate/config/config.h"
#include "wagate/ports/queue_admin.h"
#include "wagate/ports/queue_stats.h"

namespace wagate::app {

class OperatorQueues {
 public:
  virtual ~OperatorQueues() = default;
  virtual ports::QueueAdmin& admin() = 0;
  virtual ports::QueueStatsSource& stats() = 0;
};

StatusOr<std::unique_ptr<OperatorQueues>> OpenOperatorQueues(const config::Config& config);

}  // namespace wagate::app
