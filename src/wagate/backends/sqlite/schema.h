// The sqlite backend's schema and its migrations.
//
// One database file holds the work records and every queue (incoming, outgoing, analytics and
// their dead-letter queues) as rows of one table, so that admitting an item and enqueueing it is
// one transaction. The schema version lives in PRAGMA user_version: a binary migrates an older
// file forward and refuses a newer one (FailedPrecondition).
//
// Thread safety: Migrate() runs on one connection at startup.
#pragma once

#include <string>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/status.h"

namespace wagate::sqlite {

inline constexpr int kSchemaVersion = 3;

// The database file inside a data directory.
std::string DatabasePath(const std::string& data_dir);

// Brings the schema to kSchemaVersion in one transaction.
Status Migrate(Database& db);

// Reads PRAGMA user_version.
StatusOr<int> SchemaVersion(Database& db);

}  // namespace wagate::sqlite
