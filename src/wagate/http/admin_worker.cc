#include "wagate/http/admin_worker.h"

#include <pthread.h>

namespace wagate::http {

void AdminWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AdminWorker::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool AdminWorker::Post(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stopping_ || tasks_.size() >= options_.capacity) return false;
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void AdminWorker::Loop() {
  pthread_setname_np(pthread_self(), "admin");
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    if (tick_ && std::chrono::steady_clock::now() >= next_tick) {
      tick_();
      next_tick = std::chrono::steady_clock::now() + options_.tick_interval;
    }
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      wake_.wait_until(mu_, next_tick,
                       [this]() WAGATE_REQUIRES(mu_) { return stopping_ || !tasks_.empty(); });
      if (!tasks_.empty()) {
        task = std::move(tasks_.front());
        tasks_.pop_front();
      } else if (stopping_) {
        return;
      }
    }
    if (task) task();
  }
}

}  // namespace wagate::http
