// AdminWorker: the one thread ("admin") on which the admin API's blocking calls run.
//
// Dead-letter browsing, redrive, purge and record lookups block on storage (a paced redrive for
// as long as its pacing asks), so they never run on an HTTP I/O thread: the handler Post()s them
// here and the task answers through the request's Respond. Tasks run one at a time, in order;
// at most `capacity` wait, and Post() refuses more (the caller answers 503), so a burst of admin
// requests cannot grow memory.
//
// Between tasks, and at least every `tick_interval`, the worker calls `tick` (the dashboard's
// history sampler); a long task delays the next tick.
//
// Stop() runs the tasks already accepted, then joins; the owner stops the HTTP server first, so
// every accepted request is answered.
//
// Thread safety: Post() from any thread; Start/Stop from the owner.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>

#include "wagate/base/mutex.h"

namespace wagate::http {

class AdminWorker {
 public:
  struct Options {
    size_t capacity = 16;
    std::chrono::milliseconds tick_interval{10'000};
  };
  AdminWorker(Options options, std::function<void()> tick)
      : options_(options), tick_(std::move(tick)) {}
  ~AdminWorker() { Stop(); }

  void Start();
  void Stop();
  // False when `capacity` tasks are already waiting, or the worker has stopped.
  bool Post(std::function<void()> task);

 private:
  void Loop();

  const Options options_;
  const std::function<void()> tick_;
  Mutex mu_;
  CondVar wake_;
  std::deque<std::function<void()>> tasks_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wagate::http
