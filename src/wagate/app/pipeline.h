// Pipeline: the processing half of `wagate serve` (roles all and worker).
//
// It runs WORKERS processor threads on `incoming` with the configured handler, and SENDERS
// sender threads on `outgoing`, each half on storage of its own (OpenPipelineStorage). Start order:
// processors, then senders; Stop order: the same (processors finish their batch first, so the
// replies they enqueue are there for the senders' last round, or the next start).
//
// Thread safety: Start/Stop from the owning thread; View() from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/base/status.h"
#include "wagate/config/config.h"
#include "wagate/ports/event_sink.h"
#include "wagate/ports/metrics.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"

namespace wagate::app {

// The queue and work store one processing half works on (on sqlite, with a connection of its
// own). `keep` owns whatever else they need alive.
struct PipelineStorage {
  std::unique_ptr<ports::Queue> queue;
  std::unique_ptr<ports::WorkStore> store;
  std::shared_ptr<void> keep;
};
// Opens the storage of one half; `durable`: every commit reaches the disk before it returns
// (the real sender's SENDING must, before the Graph API call).
using OpenPipelineStorage = std::function<StatusOr<PipelineStorage>(bool durable)>;

struct PipelineView {
  bool running = false;
  uint64_t processed = 0;
  uint64_t errors = 0;
};

class Pipeline {
 public:
  // FailedPrecondition when the configuration asks for something this build cannot do.
  // `events` and `metrics` (null: none) are borrowed and must outlive the pipeline.
  static StatusOr<std::unique_ptr<Pipeline>> Create(const config::Config& config,
                                                    const OpenPipelineStorage& open_storage,
                                                    const std::string& worker_id,
                                                    const Clock& clock, ports::EventSink* events,
                                                    ports::Metrics* metrics = nullptr);
  ~Pipeline();
  void Start();
  void Stop();
  PipelineView View() const;
  // The business numbers whose sends are paused now (empty with the dry-run sender); takes the
  // pacer's lock briefly, never storage.
  std::vector<std::string> PausedNumbers() const;

 private:
  struct Parts;
  explicit Pipeline(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace wagate::app
