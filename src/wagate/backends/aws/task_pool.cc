#include "wagate/backends/aws/task_pool.h"

#include <pthread.h>

#include <atomic>
#include <memory>

namespace wagate::aws {

TaskPool::TaskPool(size_t threads, std::string name) {
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, name] {
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      Run();
    });
  }
}

TaskPool::~TaskPool() { Stop(); }

void TaskPool::Submit(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void TaskPool::FanOut(size_t n, std::function<void(size_t)> task, std::function<void()> then) {
  if (n == 0) {
    Submit(std::move(then));
    return;
  }
  struct Shared {
    std::atomic<size_t> left;
    std::function<void(size_t)> task;
    std::function<void()> then;
  };
  auto shared = std::make_shared<Shared>();
  shared->left = n;
  shared->task = std::move(task);
  shared->then = std::move(then);
  for (size_t i = 0; i < n; ++i) {
    Submit([shared, i] {
      shared->task(i);
      if (shared->left.fetch_sub(1) == 1) shared->then();
    });
  }
}

void TaskPool::Stop() {
  {
    MutexLock lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void TaskPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      cv_.wait(mu_, [this]() WAGATE_REQUIRES(mu_) { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and everything queued has run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace wagate::aws
