// SqliteQueue: the queues of SPEC §3 as rows of queue_messages (see schema.cc), with SQS
// semantics (ports/queue.h), their exact depth figures (ports/queue_stats.h) and the
// dead-letter workflow (ports/queue_admin.h).
//
// Every operation is one short BEGIN IMMEDIATE transaction on the queue's own connection; a
// receive is a single UPDATE … RETURNING over the oldest visible rows, so two receivers (threads
// or processes sharing the file) can never get the same message at once. Receipts are
// "<id>.<receive_count>", so a receipt from an earlier receive no longer matches. Redrive and
// Purge work in batches, one transaction each, and release the connection between batches.
//
// Long polls wake at once for a commit that notifies the queue's QueueSignal: every Send and
// Redrive through this SqliteQueue, and every writer in this process that shares the signal
// (Options::signal; the SqliteAdmitter's group commits). They otherwise poll the table every
// `poll_interval`, which covers writers in other processes.
//
// Thread safety: safe from any thread; calls block on SQLite (and Redrive on its pacing).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "wagate/backends/sqlite/connection.h"
#include "wagate/backends/sqlite/database.h"
#include "wagate/backends/sqlite/queue_signal.h"
#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/queue_admin.h"
#include "wagate/ports/queue_stats.h"

namespace wagate::sqlite {

class SqliteQueue final : public ports::Queue,
                          public ports::QueueStatsSource,
                          public ports::QueueAdmin {
 public:
  struct Options {
    int max_receive_count = 3;
    Millis poll_interval{100};
    // How long a record the receive backstop marks DEAD is kept: twice the retention.
    Millis dead_record_ttl{Millis(2 * 1209600LL * 1000)};
    // Shared with the other writers of this process; null: wake only for this queue's own
    // sends and redrives.
    std::shared_ptr<QueueSignal> signal;
    // How Redrive waits between paced batches; null: std::this_thread::sleep_for. Tests pass one
    // that advances a FakeClock.
    std::function<void(Millis)> sleep_for;
  };

  SqliteQueue(std::unique_ptr<Database> db, Options options, const Clock& clock);
  // On a connection shared with other stores and queues (see connection.h).
  SqliteQueue(std::shared_ptr<Connection> connection, Options options, const Clock& clock);

  StatusOr<std::vector<std::string>> Send(domain::QueueName queue,
                                          std::vector<ports::OutgoingMessage> messages) override;
  StatusOr<std::vector<ports::ReceivedMessage>> Receive(domain::QueueName queue, int max,
                                                        Millis visibility, Millis wait) override;
  Status ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                          Millis visibility) override;
  Status Delete(domain::QueueName queue, const std::string& receipt) override;
  std::vector<Status> DeleteMany(domain::QueueName queue,
                                 const std::vector<std::string>& receipts) override;
  Status MoveToDeadLetter(domain::QueueName queue, const ports::ReceivedMessage& message,
                          const ports::DeadLetterReason& why) override;

  StatusOr<ports::QueueStats> Stats(domain::QueueName queue) override;

  // Dead letters are redriven in batches of at most this many messages (fewer when the rate is
  // lower), each batch one transaction.
  static constexpr int64_t kRedriveBatch = 100;
  // Purge deletes at most this many rows per transaction (SPEC §8).
  static constexpr int64_t kPurgeBatch = 1000;

  StatusOr<ports::RedriveResult> Redrive(domain::QueueName source, int64_t max_messages,
                                         double messages_per_second) override;
  // Deletes the messages the queue held when Purge was called; messages sent or redriven into it
  // meanwhile stay.
  StatusOr<int64_t> Purge(ports::QueueRef queue) override;
  // One read of the dead-letter rows, oldest (smallest id) first; attempts is the receive count
  // the message had in its source queue.
  StatusOr<std::vector<ports::DeadLetter>> ListDeadLetters(domain::QueueName source,
                                                           int64_t max) override;
  StatusOr<ports::DeadLetter> GetDeadLetter(domain::QueueName source,
                                            const std::string& message_id) override;

 private:
  // One receive attempt without waiting.
  StatusOr<std::vector<ports::ReceivedMessage>> TryReceive(domain::QueueName queue, int max,
                                                           Millis visibility);
  // Moves up to `limit` redrivable dead letters of `source` back, in one transaction; returns
  // how many moved.
  StatusOr<int64_t> RedriveBatch(domain::QueueName source, int64_t limit);
  // Deletes up to kPurgeBatch messages of `queue` with ids <= `last_id` in one transaction.
  StatusOr<int64_t> PurgeBatch(const std::string& queue, int64_t last_id);
  void SleepFor(Millis d) const;
  // Up to `max` dead letters of `source`, oldest first; only the one with `id` when given.
  StatusOr<std::vector<ports::DeadLetter>> SelectDeadLetters(domain::QueueName source, int64_t max,
                                                             std::optional<int64_t> id);

  std::shared_ptr<Connection> connection_;
  Mutex& mu_;  // the connection's: serialises its use
  Database* const db_ WAGATE_PT_GUARDED_BY(mu_);
  const Options options_;
  const Clock& clock_;
  const std::shared_ptr<QueueSignal> signal_;  // options_.signal, or one of our own
};

}  // namespace wagate::sqlite
