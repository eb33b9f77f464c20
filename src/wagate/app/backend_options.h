// The sqlite backend's options as the configuration sets them, shared by every part of the
// composition root that opens a store or a queue.
//
// Thread safety: pure functions.
#pragma once

#include "wagate/backends/sqlite/sqlite_queue.h"
#include "wagate/backends/sqlite/sqlite_work_store.h"
#include "wagate/config/config.h"

namespace wagate::app {

// Opens the database in the data directory (creating both) and migrates its schema.
StatusOr<std::unique_ptr<sqlite::Database>> OpenMigratedDatabase(const config::Config& config);

// `signal` wakes this process's long polls after local commits (null: polling only).
inline sqlite::SqliteWorkStore::Options StoreOptions(
    const config::Config& config, std::shared_ptr<sqlite::QueueSignal> signal = nullptr) {
  sqlite::SqliteWorkStore::Options options;
  options.signal = std::move(signal);
  options.dedup_ttl = std::chrono::seconds(config.dedup_ttl_seconds);
  // DEAD records outlive every copy of their message: twice the queue retention (SPEC §2.4).
  options.dead_ttl = std::chrono::seconds(2 * config.sqs_message_retention_seconds);
  options.uncertain_resend_after = std::chrono::seconds(config.uncertain_resend_after_seconds);
  return options;
}

inline sqlite::SqliteQueue::Options QueueOptions(
    const config::Config& config, std::shared_ptr<sqlite::QueueSignal> signal = nullptr) {
  sqlite::SqliteQueue::Options options;
  options.signal = std::move(signal);
  options.max_receive_count = config.sqs_max_receive_count;
  options.dead_record_ttl = std::chrono::seconds(2 * config.sqs_message_retention_seconds);
  return options;
}

}  // namespace wagate::app
