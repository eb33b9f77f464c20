// JsonlSink: drains the `analytics` queue into a JSON-lines file (ANALYTICS_SINK=jsonl:<path>;
// SPEC §4 Analytics).
//
// Each round receives up to 10 events, appends them to the file one per line, syncs the file,
// and only then deletes the messages, so an event is never lost; a crash between the sync and the
// delete writes those events again (consumers drop repeats by `id`).
//
// Thread safety: RunOnce from one thread at a time; Start/Stop from the owner.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "wagate/ports/queue.h"

namespace wagate::processing {

class JsonlSink {
 public:
  JsonlSink(ports::Queue& queue, std::string path, Millis wait = Millis(1'000))
      : queue_(queue), path_(std::move(path)), wait_(wait) {}
  ~JsonlSink();

  // Opens (creating) the file for appending; an error names the path.
  Status Open();
  // One round; returns how many events were written.
  StatusOr<int> RunOnce(Millis wait);

  void Start();
  void Stop();

 private:
  ports::Queue& queue_;
  const std::string path_;
  const Millis wait_;
  int fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace wagate::processing
