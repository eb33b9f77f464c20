// ServeBackend: the storage of one `wagate serve` process, whichever backend it is, as the parts
// Serve() wires together (the composition root's only view of a backend).
//
//   sqlite  one database file: an admitter with group commit on its own connection, a connection
//           per processing half, the sweeper for housekeeping;
//   aws     one table and six queues through shared keep-alive clients; the two-phase admitter;
//           housekeeping is DynamoDB TTL and SQS retention.
//
// Start order: Open() → StartHousekeeping(); stop order: Stop() after the HTTP server and the
// pipeline have stopped (the admitter finishes what it holds).
//
// Thread safety: the ports it hands out are thread-safe; Open/Start/Stop from the main thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wagate/app/pipeline.h"
#include "wagate/base/clock.h"
#include "wagate/base/log.h"
#include "wagate/config/config.h"
#include "wagate/ports/admitter.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/queue_admin.h"
#include "wagate/ports/queue_stats.h"
#include "wagate/ports/work_store.h"
#include "wagate/ports/worker_registry.h"

namespace wagate::app {

class ServeBackend {
 public:
  virtual ~ServeBackend() = default;

  virtual ports::Admitter& admitter() = 0;
  virtual ports::WorkStore& store() = 0;  // health pings and reads
  virtual ports::QueueStatsSource& queue_stats() = 0;
  virtual ports::Queue& events_queue() = 0;  // where analytics events are published
  virtual ports::WorkerRegistry& workers() = 0;
  // The dead-letter workflow for the admin API (calls block; never on an I/O thread).
  virtual ports::QueueAdmin& queue_admin() = 0;
  // Storage for one processing half.
  virtual StatusOr<PipelineStorage> OpenPipelineStorage(bool durable) = 0;
  // Another queue handle (the analytics sink's).
  virtual StatusOr<std::unique_ptr<ports::Queue>> OpenQueue() = 0;

  // Health components: the store's name ("sqlite", "dynamodb") and, where the queues are a
  // service of their own, theirs ("sqs"; "" on sqlite).
  virtual std::string store_component() const = 0;
  virtual std::string queue_component() const = 0;
  // Where the data lives, as a field of the "listening" log line: {"database", path} or
  // {"table", name}.
  virtual std::pair<std::string, std::string> Describe() const = 0;

  virtual void StartHousekeeping() = 0;
  virtual void Stop() = 0;
};

StatusOr<std::unique_ptr<ServeBackend>> OpenSqliteServeBackend(const config::Config& config,
                                                               const Clock& clock);
StatusOr<std::unique_ptr<ServeBackend>> OpenAwsServeBackend(const config::Config& config,
                                                            const Clock& clock);

}  // namespace wagate::app
