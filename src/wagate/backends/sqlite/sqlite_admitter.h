// SqliteAdmitter: durable admit on the sqlite backend, with group commit.
//
// Admit() only enqueues the request in memory. A dedicated writer thread takes every request
// waiting at that moment (up to max_items_per_commit items), and in one BEGIN IMMEDIATE
// transaction, for each item in order:
//   1. upserts its record, replacing an existing one only when `expires_at <= now` (the expiry
//      is decided inside the statement, never by a read before it);
//   2. when the record was created, inserts its queue message and stores the message id in the
//      record.
// Quarantined pieces are inserted into incoming-dlq in the same transaction. The commit is
// fsync'd (synchronous=FULL) before any callback runs, so a 200 always follows durability.
//
// When the commit fails, every request of the batch is retried alone, so one bad request cannot
// fail its neighbours; a request that still fails gets Unavailable and nothing of it is stored.
// When free disk space is below `min_free_disk_bytes`, requests fail with Unavailable before
// anything is written.
//
// After each commit that enqueued messages, the admitter notifies Options::signal for their
// queues, so that SqliteQueue long polls sharing that signal receive them at once instead of at
// their next poll.
//
// Thread safety: Admit() and Stop() are safe from any thread; callbacks run on the writer thread.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "wagate/backends/sqlite/database.h"
#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/backends/sqlite/queue_signal.h"
#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/admitter.h"

namespace wagate::sqlite {

class SqliteAdmitter final : public ports::Admitter {
 public:
  struct Options {
    Millis dedup_ttl{Millis(1296000LL * 1000)};
    uint64_t min_free_disk_bytes = 0;
    size_t max_items_per_commit = 4096;
    // Notified after every commit that enqueued messages; null: nobody in this process waits.
    std::shared_ptr<QueueSignal> signal;
  };

  // `db` must be a read-write connection whose schema is migrated; the admitter owns it and uses
  // it only from its writer thread.
  static StatusOr<std::unique_ptr<SqliteAdmitter>> Create(std::unique_ptr<Database> db,
                                                          Options options, const Clock& clock);
  ~SqliteAdmitter() override;

  void Admit(ports::AdmitRequest request, Callback done) override;

  // Commits everything already submitted, then stops the writer. Later Admit() calls fail with
  // Unavailable. Idempotent.
  void Stop();

 private:
  struct Pending {
    ports::AdmitRequest request;
    Callback done;
  };
  struct Statements;

  SqliteAdmitter(std::unique_ptr<Database> db, std::unique_ptr<Statements> statements,
                 Options options, const Clock& clock);
  void WriterLoop();
  // Commits `batch` in one transaction and fills one result per request; on failure nothing of
  // the batch is stored.
  Status CommitBatch(std::deque<Pending>& batch, std::vector<ports::AdmitResult>& results);
  Status WriteRequest(const ports::AdmitRequest& request, int64_t now_ms, MessageIdSequence& ids,
                      ports::AdmitResult& result);
  Status CheckFreeDisk();
  static void FailAll(std::deque<Pending>& batch, const Status& status);
  // Wakes the receivers of every queue that `batch` (just committed, with `results`) enqueued to.
  void NotifyQueues(const std::deque<Pending>& batch,
                    const std::vector<ports::AdmitResult>& results) const;

  std::unique_ptr<Database> db_;            // writer thread only
  std::unique_ptr<Statements> statements_;  // writer thread only
  const Options options_;
  const Clock& clock_;
  int64_t last_disk_check_ms_ = 0;          // writer thread only
  Status disk_status_;                      // writer thread only

  Mutex mu_;
  CondVar wake_;
  std::deque<Pending> pending_ WAGATE_GUARDED_BY(mu_);
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  bool writer_waiting_ WAGATE_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace wagate::sqlite
