// QueueSignal: wakes long polls in this process when messages were committed to a queue.
//
// SQLite has no notification between connections, so a SqliteQueue long poll rereads the table
// every poll interval to see other processes' sends. Writers in the same process (the
// SqliteAdmitter's writer thread, other SqliteQueue instances) share one QueueSignal with the
// queues instead and call Notify() after each commit that made messages visible, so a waiting
// receive retries at once.
//
// Usage: one std::shared_ptr<QueueSignal> per process (or per database file), passed to every
// SqliteAdmitter and SqliteQueue that use the file. A receiver reads Generation() before it looks
// at the table and, when it found nothing, calls WaitUntil() with that generation: a commit that
// happened in between is never missed.
//
// Thread safety: safe from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "wagate/base/mutex.h"
#include "wagate/domain/work_item.h"

namespace wagate::sqlite {

class QueueSignal {
 public:
  // Counts the notifications of `queue` so far.
  uint64_t Generation(domain::QueueName queue) const;
  // Records that messages of `queue` were committed and wakes its waiters.
  void Notify(domain::QueueName queue);
  // Waits until `queue` is notified after `seen` was read, or until `deadline`. Returns true when
  // it was notified.
  bool WaitUntil(domain::QueueName queue, uint64_t seen,
                 std::chrono::steady_clock::time_point deadline) const;

 private:
  static size_t Index(domain::QueueName queue) { return static_cast<size_t>(queue); }

  mutable Mutex mu_;
  mutable CondVar notified_;
  std::array<uint64_t, 3> generations_ WAGATE_GUARDED_BY(mu_) = {0, 0, 0};
};

}  // namespace wagate::sqlite
