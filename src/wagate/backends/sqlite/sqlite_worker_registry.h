// SqliteWorkerRegistry: worker heartbeat records in the `workers` table (see ports/worker_registry.h
// and schema.cc, version 3).
//
// Thread safety: safe from any thread; calls are serialised on the registry's own connection.
#pragma once

#include <memory>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/worker_registry.h"

namespace wagate::sqlite {

class SqliteWorkerRegistry final : public ports::WorkerRegistry {
 public:
  explicit SqliteWorkerRegistry(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Status Beat(const ports::WorkerBeat& beat) override;
  StatusOr<std::vector<ports::WorkerBeat>> Live(Timestamp since) override;
  Status Forget(const std::string& id) override;

 private:
  Mutex mu_;
  std::unique_ptr<Database> db_ WAGATE_PT_GUARDED_BY(mu_);
};

}  // namespace wagate::sqlite
