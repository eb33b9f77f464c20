#include "wagate/processing/worker_pool.h"

#include <pthread.h>

#include "wagate/base/log.h"

namespace wagate::processing {

uint64_t Heartbeats::Track(const ports::Fenced& claim, const std::string& receipt) {
  MutexLock lock(mu_);
  uint64_t token = ++next_token_;
  held_.emplace(token, Held{claim, receipt});
  return token;
}

void Heartbeats::Untrack(uint64_t token) {
  MutexLock lock(mu_);
  held_.erase(token);
}

int Heartbeats::BeatOnce() {
  std::map<uint64_t, Held> held;
  {
    MutexLock lock(mu_);
    held = held_;
  }
  int extended = 0;
  for (const auto& [token, h] : held) {
    Status s = store_.Heartbeat(h.claim, lease_);
    if (s.ok()) s = queue_.ChangeVisibility(queue_name_, h.receipt, lease_);
    if (s.ok()) {
      ++extended;
      continue;
    }
    log::Warn("heartbeat failed", {log::F("key", h.claim.key), log::F("error", s.ToString())});
    if (s.code() == StatusCode::kFailedPrecondition || s.code() == StatusCode::kNotFound) {
      Untrack(token);  // lost: the worker's next fenced write says so
      if (metrics_ != nullptr) metrics_->LeaseExpired();
    }
  }
  return extended;
}

int Heartbeats::ReleaseAll(const std::string& why) {
  std::map<uint64_t, Held> held;
  {
    MutexLock lock(mu_);
    held.swap(held_);
  }
  int released = 0;
  for (const auto& [token, h] : held) {
    if (!store_.Release(h.claim, why).ok()) continue;
    (void)queue_.ChangeVisibility(queue_name_, h.receipt, Millis(0));
    ++released;
  }
  return released;
}

void Heartbeats::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "heartbeat");
    const Millis every = std::max(lease_ / 3, Millis(10));
    for (;;) {
      {
        MutexLock lock(mu_);
        wake_.wait_for(mu_, every, [this]() WAGATE_REQUIRES(mu_) { return stopping_; });
        if (stopping_) return;
      }
      BeatOnce();
    }
  });
}

void Heartbeats::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WorkerPool::Start(int n, const std::string& name, std::function<void()> round) {
  stopping_.store(false);
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, i, name, round] {
      std::string thread_name = name + "-" + std::to_string(i);
      pthread_setname_np(pthread_self(), thread_name.c_str());
      while (!stopping_.load()) {
        ++in_round_;
        round();
        --in_round_;
      }
    });
  }
}

void WorkerPool::Stop(Millis grace, const std::function<void()>& overrun) {
  stopping_.store(true);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (in_round_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (in_round_.load() > 0 && overrun) overrun();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace wagate::processing
