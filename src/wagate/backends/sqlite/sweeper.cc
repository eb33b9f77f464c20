#include "wagate/backends/sqlite/sweeper.h"

#include <pthread.h>

#include "wagate/base/log.h"

namespace wagate::sqlite {

namespace {

constexpr domain::QueueName kSources[] = {domain::QueueName::kIncoming,
                                          domain::QueueName::kOutgoing,
                                          domain::QueueName::kAnalytics};

}  // namespace

StatusOr<std::unique_ptr<Sweeper>> Sweeper::Create(std::unique_ptr<Database> db, Options options,
                                                   const Clock& clock) {
  if (options.batch_rows < 1 || options.batch_rows > 1000) {
    return InvalidArgumentError("sweeper: batch_rows must be within 1..1000");
  }
  if (options.retention <= Millis(0)) return InvalidArgumentError("sweeper: retention must be positive");
  if (options.interval <= Millis(0)) return InvalidArgumentError("sweeper: interval must be positive");
  return std::unique_ptr<Sweeper>(new Sweeper(std::move(db), options, clock));
}

Sweeper::~Sweeper() { Stop(); }

StatusOr<Sweeper::Counts> Sweeper::RunOnce() {
  MutexLock lock(mu_);
  return Sweep();
}

StatusOr<Sweeper::Counts> Sweeper::Sweep() {
  const Timestamp now = clock_.Now();
  Counts counts;
  StatusOr<RetentionCounts> retention =
      ExpireRetention(*db_, now, options_.retention, options_.batch_rows);
  if (!retention.ok()) return retention.status();
  counts.retention = *retention;
  StatusOr<ExpiredRecordCounts> records = DeleteExpiredRecords(*db_, now, options_.batch_rows);
  if (!records.ok()) return records.status();
  counts.records = *records;
  StatusOr<WalCheckpointResult> checkpoint = CheckpointWal(*db_, options_.truncate_wal_above_bytes);
  if (!checkpoint.ok()) return checkpoint.status();
  counts.checkpoint = *checkpoint;
  return counts;
}

void Sweeper::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void Sweeper::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Sweeper::Loop(std::stop_token stop) {
  pthread_setname_np(pthread_self(), "sqlite-sweeper");
  MutexLock lock(mu_);
  while (!stop.stop_requested()) {
    StatusOr<Counts> counts = Sweep();
    if (counts.ok()) {
      LogSweep(*counts);
    } else {
      log::Error("sweep failed", {log::F("error", counts.status().ToString())});
    }
    // Releases mu_ while waiting, so RunOnce() can run in between; a stop request wakes it.
    stopped_.wait_for(mu_, stop, options_.interval, [] { return false; });
  }
}

void LogSweep(const Sweeper::Counts& counts) {
  for (domain::QueueName q : kSources) {
    const std::string queue(domain::QueueNameText(q));
    if (int64_t n = counts.retention.moved_to_dead_letter[q]; n > 0) {
      log::Warn("messages past retention moved to the dead-letter queue",
                {log::F("queue", queue), log::F("count", n), log::F("reason", kRetentionExpired)});
    }
    if (int64_t n = counts.retention.dead_letters_deleted[q]; n > 0) {
      const std::string dlq = queue + "-dlq";
      log::Warn("dead letters past retention deleted", {log::F("queue", dlq), log::F("count", n)});
    }
  }
  if (counts.records.deleted > 0 || counts.records.kept > 0) {
    log::Info("expired records swept", {log::F("deleted", counts.records.deleted),
                                        log::F("kept_for_live_messages", counts.records.kept)});
  }
  if (counts.checkpoint.truncated) {
    log::Info("wal truncated", {log::F("wal_bytes_before", counts.checkpoint.wal_bytes_before)});
  }
}

}  // namespace wagate::sqlite
