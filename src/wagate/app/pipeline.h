// Pipeline: the processing half of `wagate serve` (roles all and worker).
//
// It runs WORKERS processor threads on `incoming` with the configured handler, and SENDERS
// sender threads on `outgoing`, each half with its own connections to the database. Start order:
// processors, then senders; Stop order: the same (processors finish their batch first, so the
// replies they enqueue are there for the senders' last round, or the next start).
//
// Thread safety: Start/Stop from the owning thread; View() from any thread.
#pragma once

#include <memory>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/base/status.h"
#include "wagate/backends/sqlite/queue_signal.h"
#include "wagate/config/config.h"
#include "wagate/ports/event_sink.h"

namespace wagate::app {

struct PipelineView {
  bool running = false;
  uint64_t processed = 0;
  uint64_t errors = 0;
};

class Pipeline {
 public:
  // FailedPrecondition when the configuration asks for something this build cannot do.
  static StatusOr<std::unique_ptr<Pipeline>> Create(const config::Config& config,
                                                    const std::string& db_path,
                                                    const std::string& worker_id,
                                                    const Clock& clock,
                                                    std::shared_ptr<sqlite::QueueSignal> signal,
                                                    ports::EventSink* events);
  ~Pipeline();
  void Start();
  void Stop();
  PipelineView View() const;

 private:
  struct Parts;
  explicit Pipeline(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace wagate::app
