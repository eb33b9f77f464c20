// SqliteWorkStore: the read side of work records on the sqlite backend (see ports/work_store.h).
//
// It keeps its own connection, so reads run beside the admitter's writer (WAL).
//
// Thread safety: safe from any thread; calls are serialised on one connection and may block.
#pragma once

#include <memory>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/work_store.h"

namespace wagate::sqlite {

class SqliteWorkStore final : public ports::WorkStore {
 public:
  static StatusOr<std::unique_ptr<SqliteWorkStore>> Create(std::unique_ptr<Database> db);

  StatusOr<domain::Record> Inspect(std::string_view key) override;
  Status Ping() override;

 private:
  explicit SqliteWorkStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Mutex mu_;
  std::unique_ptr<Database> db_ WAGATE_PT_GUARDED_BY(mu_);
};

}  // namespace wagate::sqlite
