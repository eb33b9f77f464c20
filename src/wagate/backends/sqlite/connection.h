// Connection: one SQLite connection with the mutex that serialises its use, shareable by the
// stores and queues of one processing pipeline.
//
// Why share: in WAL mode a connection drops its whole page cache whenever another connection has
// committed, so every extra connection on a busy file re-reads its pages from disk. Processing
// writes are serialised by the file's write gate anyway, so one connection for a pipeline's
// queues and work store costs no parallelism and keeps its cache warm.
//
// Thread safety: hold `mu` while using `db`.
#pragma once

#include <memory>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/mutex.h"

namespace wagate::sqlite {

struct Connection {
  explicit Connection(std::unique_ptr<Database> database) : db(std::move(database)) {}
  Mutex mu;
  std::unique_ptr<Database> db WAGATE_PT_GUARDED_BY(mu);
};

}  // namespace wagate::sqlite
