#include "wagate/processing/event_publisher.h"

#include <pthread.h>

#include "wagate/base/log.h"

namespace wagate::processing {

void EventPublisher::Publish(domain::AnalyticsEvent event) {
  MutexLock lock(mu_);
  if (buffer_.size() >= options_.max_buffered) {
    ++dropped_;
    return;
  }
  buffer_.push_back(std::move(event));
}

StatusOr<size_t> EventPublisher::Flush() {
  size_t sent = 0;
  for (;;) {
    std::vector<ports::OutgoingMessage> batch;
    {
      MutexLock lock(mu_);
      while (!buffer_.empty() && batch.size() < options_.max_batch) {
        const domain::AnalyticsEvent& e = buffer_.front();
        batch.push_back({e.key, domain::AnalyticsEventToJson(e), Millis(0)});
        buffer_.pop_front();
      }
    }
    if (batch.empty()) return sent;
    const size_t n = batch.size();
    StatusOr<std::vector<std::string>> ids = queue_.Send(domain::QueueName::kAnalytics, std::move(batch));
    if (!ids.ok()) {
      dropped_ += n;
      return ids.status();
    }
    published_ += n;
    sent += n;
  }
}

void EventPublisher::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "analytics");
    for (;;) {
      bool stopping;
      {
        MutexLock lock(mu_);
        wake_.wait_for(mu_, options_.flush_interval, [this]() WAGATE_REQUIRES(mu_) { return stopping_; });
        stopping = stopping_;
      }
      StatusOr<size_t> sent = Flush();
      if (!sent.ok()) log::Warn("analytics events dropped", {log::F("error", sent.status().ToString())});
      if (stopping) return;
    }
  });
}

void EventPublisher::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace wagate::processing
