// TaskPool: a fixed set of named threads running queued tasks, for the aws backend's blocking
// network calls (each call holds a thread for its round trip, so `threads` bounds the calls in
// flight).
//
// FanOut() runs task(i) for every i in [0, n) on the pool and, when the last of them has
// finished, runs `then` on the thread that finished it (on a pool thread when n is 0), so a
// multi-step protocol can chain its steps without blocking a thread to wait.
//
// Stop() (also run by the destructor) lets queued tasks finish, then joins the threads; tasks
// submitted after Stop() are dropped.
//
// Thread safety: Submit(), FanOut() and Stop() are safe from any thread.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "wagate/base/mutex.h"

namespace wagate::aws {

class TaskPool {
 public:
  TaskPool(size_t threads, std::string name);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void Submit(std::function<void()> task);
  void FanOut(size_t n, std::function<void(size_t)> task, std::function<void()> then);
  void Stop();

 private:
  void Run();

  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> tasks_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace wagate::aws
