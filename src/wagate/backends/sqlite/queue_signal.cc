#include "wagate/backends/sqlite/queue_signal.h"

namespace wagate::sqlite {

uint64_t QueueSignal::Generation(domain::QueueName queue) const {
  MutexLock lock(mu_);
  return generations_[Index(queue)];
}

void QueueSignal::Notify(domain::QueueName queue) {
  {
    MutexLock lock(mu_);
    ++generations_[Index(queue)];
  }
  notified_.notify_all();
}

bool QueueSignal::WaitUntil(domain::QueueName queue, uint64_t seen,
                            std::chrono::steady_clock::time_point deadline) const {
  MutexLock lock(mu_);
  return notified_.wait_until(mu_, deadline, [&]() WAGATE_REQUIRES(mu_) {
    return generations_[Index(queue)] != seen;
  });
}

}  // namespace wagate::sqlite
