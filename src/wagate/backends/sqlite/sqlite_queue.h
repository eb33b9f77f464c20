// SqliteQueue: the queues of SPEC §3 as rows of queue_messages (see schema.cc), with SQS
// semantics (ports/queue.h), plus their exact depth figures (ports/queue_stats.h).
//
// Every operation is one short BEGIN IMMEDIATE transaction on the queue's own connection; a
// receive is a single UPDATE … RETURNING over the oldest visible rows, so two receivers (threads
// or processes sharing the file) can never get the same message at once. Receipts are
// "<id>.<receive_count>", so a receipt from an earlier receive no longer matches.
//
// Long polls wake at once for a Send through the same SqliteQueue and otherwise poll the table
// every `poll_interval`, which covers senders in other processes.
//
// Thread safety: safe from any thread; calls block on SQLite.
#pragma once

#include <atomic>
#include <memory>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/queue_stats.h"

namespace wagate::sqlite {

class SqliteQueue final : public ports::Queue, public ports::QueueStatsSource {
 public:
  struct Options {
    int max_receive_count = 3;
    Millis poll_interval{100};
  };

  SqliteQueue(std::unique_ptr<Database> db, Options options, const Clock& clock)
      : db_(std::move(db)), options_(options), clock_(clock) {}

  StatusOr<std::vector<std::string>> Send(domain::QueueName queue,
                                          std::vector<ports::OutgoingMessage> messages) override;
  StatusOr<std::vector<ports::ReceivedMessage>> Receive(domain::QueueName queue, int max,
                                                        Millis visibility, Millis wait) override;
  Status ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                          Millis visibility) override;
  Status Delete(domain::QueueName queue, const std::string& receipt) override;
  Status MoveToDeadLetter(domain::QueueName queue, const std::string& receipt,
                          const ports::DeadLetterReason& why) override;

  StatusOr<ports::QueueStats> Stats(domain::QueueName queue) override;

 private:
  // One receive attempt without waiting.
  StatusOr<std::vector<ports::ReceivedMessage>> TryReceive(domain::QueueName queue, int max,
                                                           Millis visibility);

  Mutex mu_;  // serialises use of the connection
  std::unique_ptr<Database> db_ WAGATE_PT_GUARDED_BY(mu_);
  const Options options_;
  const Clock& clock_;

  // Long-poll wake-ups for sends made through this instance.
  Mutex wait_mu_;
  CondVar sent_;
  std::atomic<uint64_t> sends_{0};
};

}  // namespace wagate::sqlite
