// The chaos test's view of the sqlite backend: the data directory's database file, read-only
// through the sqlite3 C API while the service's processes are running.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <iterator>

#include "race_observer.h"

namespace wagate::integration {
namespace {

class ReadOnlyDb {
 public:
  explicit ReadOnlyDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
    } else {
      sqlite3_busy_timeout(db_, 10000);
    }
  }
  ~ReadOnlyDb() { sqlite3_close(db_); }
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;
  bool ok() const { return db_ != nullptr; }

  // Every row of `sql` as strings (NULL as "").
  std::vector<std::vector<std::string>> Rows(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "sqlite: " << sqlite3_errmsg(db_) << " in " << sql;
      return rows;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* t = sqlite3_column_text(stmt, c);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "sqlite: " << sqlite3_errmsg(db_) << " in " << sql;
    sqlite3_finalize(stmt);
    return rows;
  }
  int64_t Count(const std::string& sql) {
    auto rows = Rows(sql);
    return rows.empty() || rows[0].empty() ? -1 : std::atoll(rows[0][0].c_str());
  }

 private:
  sqlite3* db_ = nullptr;
};

// Replies still queued in `outgoing` (read receipts are not waited for).
constexpr char kPendingReplies[] =
    "SELECT count(*) FROM queue_messages WHERE queue = 'outgoing' AND key NOT LIKE '%:read'";

class SqliteObserver final : public RaceObserver {
 public:
  explicit SqliteObserver(std::string data_dir)
      : data_dir_(std::move(data_dir)), db_path_(data_dir_ + "/wagate.db") {}

  std::string backend() const override { return "sqlite"; }

  void AddServeEnv(Env& env) override { env["WAGATE_DATA_DIR"] = data_dir_; }

  // The queues are tables: drained means no row left in `incoming` and no reply row left in
  // `outgoing` (a row is there until its message is deleted, in flight or not).
  bool Drained(bool /*answered*/, int /*unique*/, std::string* progress) override {
    ReadOnlyDb db(db_path_);
    if (!db.ok()) {
      *progress = "database not readable yet";
      return false;
    }
    const int64_t incoming =
        db.Count("SELECT count(*) FROM queue_messages WHERE queue = 'incoming'");
    const int64_t outgoing = db.Count(kPendingReplies);
    *progress =
        "incoming " + std::to_string(incoming) + ", outgoing replies " + std::to_string(outgoing);
    return incoming == 0 && outgoing == 0;
  }

  std::vector<RaceRecord> Records() override {
    std::vector<RaceRecord> records;
    ReadOnlyDb db(db_path_);
    if (!db.ok()) {
      ADD_FAILURE() << "cannot open " << db_path_;
      return records;
    }
    for (auto& row :
         db.Rows("SELECT key, state, attempts, lease_until, last_error, result, history "
                 "FROM records WHERE key LIKE 'msg:%' OR key LIKE 'out:%'")) {
      records.push_back({.key = row[0],
                         .state = row[1],
                         .attempts = std::atoll(row[2].c_str()),
                         .lease_until = row[3],
                         .last_error = row[4],
                         .result = row[5],
                         .history = row[6]});
    }
    return records;
  }

  RaceQueues Queues() override {
    RaceQueues q;
    ReadOnlyDb db(db_path_);
    if (!db.ok()) {
      ADD_FAILURE() << "cannot open " << db_path_;
      return q;
    }
    q.incoming = db.Count("SELECT count(*) FROM queue_messages WHERE queue = 'incoming'");
    q.outgoing = db.Count("SELECT count(*) FROM queue_messages WHERE queue = 'outgoing'");
    q.outgoing_replies = db.Count(kPendingReplies);
    q.pending_reads = db.Count(
        "SELECT count(*) FROM queue_messages WHERE queue = 'outgoing' AND key LIKE '%:read'");
    q.incoming_dlq = db.Count("SELECT count(*) FROM queue_messages WHERE queue = 'incoming-dlq'");
    q.outgoing_dlq = db.Count("SELECT count(*) FROM queue_messages WHERE queue = 'outgoing-dlq'");
    q.queue_sends = db.Count("SELECT value FROM sequences WHERE name = 'queue_messages'");
    for (const auto& row : db.Rows(
             "SELECT q.queue, q.key, q.reason, q.last_error, q.receive_count, q.history, r.state, "
             "r.attempts, r.history FROM queue_messages q LEFT JOIN records r ON r.key = q.key "
             "WHERE q.queue LIKE '%-dlq'")) {
      static constexpr const char* kNames[] = {
          "queue",       "key",          "reason",          "last_error",    "receive_count",
          "dlq_history", "record_state", "record_attempts", "record_history"};
      std::string line;
      for (size_t c = 0; c < row.size() && c < std::size(kNames); ++c) {
        line += std::string(c ? " " : "") + kNames[c] + "=" + row[c];
      }
      q.dead_letters.push_back(line);
    }
    return q;
  }

  // The data directory (with the database) is kept by the test itself.
  void KeepEvidence(const std::string& /*dir*/) override {}

 private:
  const std::string data_dir_;
  const std::string db_path_;
};

}  // namespace

std::unique_ptr<RaceObserver> MakeSqliteObserver(const std::string& data_dir) {
  return std::make_unique<SqliteObserver>(data_dir);
}

}  // namespace wagate::integration
