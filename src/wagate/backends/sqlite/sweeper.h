// Sweeper: the sqlite backend's housekeeping (SPEC §8, §3 retention, §2.4 expiry).
//
// One sweep, RunOnce(), does in order:
//   1. retention (queue_retention.h): source-queue messages older than the retention move to
//      their dead-letter queue with reason "retention_expired"; dead letters older than the
//      retention (from dead_at) are deleted and counted;
//   2. expired records (expired_records.h): records past expires_at that no message can claim
//      any more are deleted;
//   3. a PASSIVE WAL checkpoint, and a non-waiting TRUNCATE only when the WAL has grown past
//      `truncate_wal_above_bytes` (wal_checkpoint.h).
// Every write is a transaction of at most `batch_rows` rows, so admits and claims wait at most
// one short batch for the write lock. Several sweepers on one file (several processes) are
// safe: every deletion and move is conditional inside its own write.
//
// Start() runs a sweep every `interval` on a thread named "sqlite-sweeper" that logs what each
// sweep did; Stop() ends it. Tests call RunOnce() directly with a FakeClock.
//
// Thread safety: RunOnce(), Start() and Stop() are safe from any thread; sweeps are serialised on
// the sweeper's own connection. Start() and Stop() are meant for the owner's startup and
// shutdown (Stop() joins the thread; the destructor stops it).
#pragma once

#include <memory>
#include <stop_token>
#include <thread>

#include "wagate/backends/sqlite/database.h"
#include "wagate/backends/sqlite/expired_records.h"
#include "wagate/backends/sqlite/queue_retention.h"
#include "wagate/backends/sqlite/wal_checkpoint.h"
#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/base/status.h"

namespace wagate::sqlite {

class Sweeper {
 public:
  struct Options {
    Millis interval{60'000};
    Millis retention{1209600LL * 1000};  // SQS_MESSAGE_RETENTION_SECONDS
    int64_t batch_rows = 500;            // rows per transaction (SPEC §8: at most 1000)
    int64_t truncate_wal_above_bytes = 64LL * 1024 * 1024;  // 0: PASSIVE checkpoints only
  };

  struct Counts {
    RetentionCounts retention;
    ExpiredRecordCounts records;
    WalCheckpointResult checkpoint;
  };

  // `db` is a read-write connection to a migrated database, used only by the sweeper.
  static StatusOr<std::unique_ptr<Sweeper>> Create(std::unique_ptr<Database> db, Options options,
                                                   const Clock& clock);
  ~Sweeper();
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // One sweep at clock.Now(). On an error the steps before it stay done.
  StatusOr<Counts> RunOnce();

  // Sweeps now and then every `interval` until Stop(). Calling it twice is a no-op.
  void Start();
  // Ends the sweeping thread after the sweep in progress. Idempotent.
  void Stop();

 private:
  Sweeper(std::unique_ptr<Database> db, Options options, const Clock& clock)
      : db_(std::move(db)), options_(options), clock_(clock) {}
  StatusOr<Counts> Sweep() WAGATE_REQUIRES(mu_);
  void Loop(std::stop_token stop);

  Mutex mu_;  // one sweep at a time on the connection
  std::unique_ptr<Database> db_ WAGATE_PT_GUARDED_BY(mu_);
  const Options options_;
  const Clock& clock_;
  CondVar stopped_;        // wakes the sweeping thread's wait between sweeps
  std::jthread thread_;    // Start()/Stop() only
};

// Writes one log line per noteworthy figure of a sweep: warnings for messages moved or dead
// letters deleted at retention, info for deleted records and truncated WALs.
void LogSweep(const Sweeper::Counts& counts);

}  // namespace wagate::sqlite
