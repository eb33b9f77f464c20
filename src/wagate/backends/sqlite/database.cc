#include "wagate/backends/sqlite/database.h"

#include <map>
#include <mutex>

namespace wagate::sqlite {

namespace {

// One mutex per database file in this process, never freed (a process opens few files).
std::mutex& WriteGate(const std::string& path) {
  static std::mutex gates_mu;
  static std::map<std::string, std::unique_ptr<std::mutex>> gates;
  std::lock_guard<std::mutex> lock(gates_mu);
  std::unique_ptr<std::mutex>& gate = gates[path];
  if (!gate) gate = std::make_unique<std::mutex>();
  return *gate;
}

}  // namespace

StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, Mode mode) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (mode == Mode::kReadOnly
                                         ? SQLITE_OPEN_READONLY
                                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "open " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return UnavailableError(std::move(msg));
  }
  std::unique_ptr<Database> out(new Database(db, path));
  sqlite3_extended_result_codes(db, 1);
  // WAL lets readers run beside the single writer; FULL makes every commit durable before it
  // returns, which is what allows answering 200 after a commit.
  std::string pragmas =
      "PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs) + "; PRAGMA foreign_keys=OFF;";
  if (mode == Mode::kReadWrite) {
    pragmas += "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
  }
  WAGATE_RETURN_IF_ERROR(out->Exec(pragmas));
  return out;
}

Database::~Database() {
  for (auto& [sql, stmt] : idle_statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void Database::Recycle(sqlite3_stmt* stmt, std::string sql) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (idle_statements_.size() >= kMaxCachedStatements) {
    sqlite3_finalize(stmt);
    return;
  }
  auto [it, inserted] = idle_statements_.try_emplace(std::move(sql), stmt);
  if (!inserted) sqlite3_finalize(stmt);  // another copy of the same text is cached already
}

Status Database::Error(std::string_view what) const {
  std::string msg(what);
  msg += ": ";
  msg += sqlite3_errmsg(db_);
  int code = sqlite3_errcode(db_) & 0xff;
  if (code == SQLITE_CORRUPT || code == SQLITE_MISMATCH || code == SQLITE_MISUSE ||
      code == SQLITE_RANGE) {
    return InternalError(std::move(msg));
  }
  // Busy, locked, I/O, full disk, read-only, constraint raised by a trigger: the caller may
  // retry later, and Meta will.
  return UnavailableError(std::move(msg));
}

Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = Error("exec");
    return Status(s.code(), "exec: " + msg);
  }
  return Status::Ok();
}

Status Database::InTransaction(const std::function<Status()>& body) {
  if (write_gate_ == nullptr) write_gate_ = &WriteGate(path_);
  std::lock_guard<std::mutex> gate(*write_gate_);
  WAGATE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) (void)Exec("ROLLBACK");
  return s;
}

StatusOr<Statement> Database::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = idle_statements_.find(key); it != idle_statements_.end()) {
    sqlite3_stmt* cached = it->second;
    idle_statements_.erase(it);
    return Statement(this, cached, std::move(key));
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare");
  return Statement(this, stmt, std::move(key));
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) db_->Recycle(stmt_, std::move(sql_));
    db_ = other.db_;
    stmt_ = other.stmt_;
    sql_ = std::move(other.sql_);
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) db_->Recycle(stmt_, std::move(sql_));
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

StatusOr<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("step");
}

Status Statement::Run() {
  StatusOr<bool> row = Step();
  Reset();
  if (!row.ok()) return row.status();
  return Status::Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

}  // namespace wagate::sqlite
