// WorkerRegistry: heartbeat records of the processes that run processors and senders, so that
// /health/detailed reports processing from any role (an `--role api` process runs none itself).
//
// A process with processors beats every few seconds with its cumulative counts; Live() lists the
// workers seen recently; Forget() removes a worker that stopped cleanly. A killed worker simply
// stops being live.
//
// Thread safety: implementations are safe from any thread and may block on storage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"

namespace wagate::ports {

struct WorkerBeat {
  std::string id;    // the processor id, unique per process
  std::string role;  // "all" | "worker"
  Timestamp started_at;
  Timestamp seen_at;
  bool running = false;
  uint64_t processed = 0;
  uint64_t errors = 0;
};

class WorkerRegistry {
 public:
  virtual ~WorkerRegistry() = default;
  virtual Status Beat(const WorkerBeat& beat) = 0;
  // Workers whose last beat is at or after `since`.
  virtual StatusOr<std::vector<WorkerBeat>> Live(Timestamp since) = 0;
  virtual Status Forget(const std::string& id) = 0;
};

}  // namespace wagate::ports
