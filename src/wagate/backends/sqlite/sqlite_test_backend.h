// A fresh sqlite backend in a temporary directory, for the contract suites and sqlite tests.
//
// Thread safety: test code.
#pragma once

#include <memory>

#include "wagate/backends/sqlite/schema.h"
#include "wagate/backends/sqlite/sqlite_admitter.h"
#include "wagate/backends/sqlite/sqlite_queue.h"
#include "wagate/backends/sqlite/sqlite_work_store.h"
#include "wagate/testing/contract/admit_contract.h"
#include "wagate/testing/contract/queue_contract.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::sqlite {

class SqliteTestBackend final : public testing::AdmitBackend {
 public:
  explicit SqliteTestBackend(const testing::AdmitBackendOptions& options,
                             uint64_t min_free_disk_bytes = 0);

  ports::Admitter& admitter() override { return *admitter_; }
  ports::WorkStore& store() override { return *store_; }
  ports::QueueStatsSource& queues() override { return *queues_; }
  bool single_queue_entry() const override { return true; }

  SqliteAdmitter& sqlite_admitter() { return *admitter_; }
  SqliteQueue& queue() { return *queues_; }
  // Shared by the admitter and queue(); pass it to more SqliteQueues on this file.
  const std::shared_ptr<QueueSignal>& signal() const { return signal_; }
  std::string db_path() const { return DatabasePath(dir_.path()); }
  // A separate connection for assertions and fault injection.
  std::unique_ptr<Database> OpenConnection() const;

 private:
  testing::TempDir dir_;
  std::shared_ptr<QueueSignal> signal_ = std::make_shared<QueueSignal>();
  std::unique_ptr<SqliteAdmitter> admitter_;
  std::unique_ptr<SqliteWorkStore> store_;
  std::unique_ptr<SqliteQueue> queues_;
};

std::unique_ptr<testing::AdmitBackend> MakeSqliteTestBackend(const testing::AdmitBackendOptions& o);

// Fresh queues in a temporary database; OpenAnother() opens a second connection to the same file.
class SqliteQueueTestBackend final : public testing::QueueBackend {
 public:
  explicit SqliteQueueTestBackend(const testing::QueueBackendOptions& options);
  ports::Queue& queue() override { return *queue_; }
  ports::QueueStatsSource& stats() override { return *queue_; }
  ports::QueueAdmin& admin() override { return *queue_; }
  SqliteQueue& queue_impl() { return *queue_; }
  std::unique_ptr<ports::Queue> OpenAnother() override;
  // Another SqliteQueue on the same file, with its own connection.
  std::unique_ptr<SqliteQueue> OpenQueue() { return Open(); }
  std::string db_path() const { return DatabasePath(dir_.path()); }

 private:
  std::unique_ptr<SqliteQueue> Open();
  testing::TempDir dir_;
  testing::QueueBackendOptions options_;
  std::unique_ptr<SqliteQueue> queue_;
};

std::unique_ptr<testing::QueueBackend> MakeSqliteQueueBackend(const testing::QueueBackendOptions& o);

}  // namespace wagate::sqlite
