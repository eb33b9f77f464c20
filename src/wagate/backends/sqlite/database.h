// Database and Statement: a thin RAII layer over one SQLite connection.
//
// Every connection wagate opens goes through Database::Open, which sets the pragmas the
// guarantees depend on: WAL journal, synchronous=FULL (a commit is fsync'd before it returns),
// a busy timeout (several processes may share one file), and foreign keys off.
//
// Write transactions of one process on one file take an in-process gate first (WriteGate), so
// connections of the same process queue on a mutex instead of sleeping in SQLite's busy handler;
// the busy timeout then only covers other processes.
//
// Durability: a connection may relax to synchronous=NORMAL (RelaxDurability) when losing its
// last commits on power loss is harmless: in WAL mode a NORMAL commit survives a process crash,
// and any later FULL commit on the file (the admitter's, the sender's) makes every earlier
// commit durable too, because the WAL is written in order.
//
// Thread safety: a Database (and its Statements) is used by one thread at a time; the owner
// serialises access. SQLite itself runs in multi-thread mode.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wagate/base/status.h"

namespace wagate::sqlite {

class Statement;

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // How long a statement waits for another connection's lock before it fails with Unavailable.
  static constexpr int kBusyTimeoutMs = 10000;

  // Opens (creating when kReadWrite) the database file at `path`.
  static StatusOr<std::unique_ptr<Database>> Open(const std::string& path, Mode mode = Mode::kReadWrite);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // synchronous=NORMAL for this connection (see above).
  Status RelaxDurability() { return Exec("PRAGMA synchronous=NORMAL"); }
  // Runs `body` inside BEGIN IMMEDIATE … COMMIT: the write lock is taken first, so the body's
  // statements see and change one consistent state. Rolls back when `body` or the commit fails.
  // The process's write gate for this file is held throughout.
  Status InTransaction(const std::function<Status()>& body);
  // A statement for `sql`, compiled once per connection: when the caller drops it, it is reset
  // and kept for the next Prepare of the same text (up to kMaxCachedStatements texts).
  StatusOr<Statement> Prepare(std::string_view sql);
  static constexpr size_t kMaxCachedStatements = 64;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  // A Status for the connection's latest error, prefixed by `what`.
  Status Error(std::string_view what) const;

 private:
  friend class Statement;
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // Takes back a cached statement the caller is done with.
  void Recycle(sqlite3_stmt* stmt, std::string sql);
  sqlite3* db_;
  std::string path_;
  std::mutex* write_gate_ = nullptr;  // set on the first transaction
  // Compiled statements not in use, by SQL text (used by the connection's one thread at a time).
  std::unordered_map<std::string, sqlite3_stmt*> idle_statements_;
};

// A prepared statement. Bind indexes are 1-based, as in SQLite; columns are 0-based.
class Statement {
 public:
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), sql_(std::move(other.sql_)) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<int64_t>& value);

  // Advances: true when a row is available, false when done; an error otherwise.
  StatusOr<bool> Step();
  // Step() expecting no row (INSERT/UPDATE/DELETE).
  Status Run();
  // Resets for the next execution and clears bindings.
  void Reset();

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string ColumnText(int col) const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* stmt, std::string sql)
      : db_(db), stmt_(stmt), sql_(std::move(sql)) {}
  Database* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;  // the text it was prepared from: its key in the connection's cache
};

}  // namespace wagate::sqlite
