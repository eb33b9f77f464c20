// A fresh sqlite backend in a temporary directory, for the contract suites and sqlite tests.
//
// Thread safety: test code.
#pragma once

#include <memory>

#include "wagate/backends/sqlite/schema.h"
#include "wagate/backends/sqlite/sqlite_admitter.h"
#include "wagate/backends/sqlite/sqlite_work_store.h"
#include "wagate/testing/contract/admit_contract.h"
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
  std::string db_path() const { return DatabasePath(dir_.path()); }
  // A separate connection for assertions and fault injection.
  std::unique_ptr<Database> OpenConnection() const;

 private:
  testing::TempDir dir_;
  std::unique_ptr<SqliteAdmitter> admitter_;
  std::unique_ptr<SqliteWorkStore> store_;
  std::unique_ptr<SqliteQueueStats> queues_;
};

std::unique_ptr<testing::AdmitBackend> MakeSqliteTestBackend(const testing::AdmitBackendOptions& o);

}  // namespace wagate::sqlite
