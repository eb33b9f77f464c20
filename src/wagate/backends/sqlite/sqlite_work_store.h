// SqliteWorkStore: work records on the sqlite backend (see ports/work_store.h).
//
// Each operation is one BEGIN IMMEDIATE transaction on the store's own connection, whose first
// statement is the conditional write; a claim that loses reads the record in the same
// transaction only to say why. Complete inserts the replies' records and their `outgoing`
// messages in the same transaction as the COMPLETED write, so they exist exactly when it does.
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
  struct Options {
    Millis dedup_ttl{Millis(1296000LL * 1000)};  // records expire this long after their last change
    Millis dead_ttl{Millis(2 * 1209600LL * 1000)};  // DEAD records: twice the queue retention
  };

  static StatusOr<std::unique_ptr<SqliteWorkStore>> Create(std::unique_ptr<Database> db,
                                                           Options options, const Clock& clock);

  StatusOr<domain::Record> Inspect(std::string_view key) override;
  Status Ping() override;
  StatusOr<ports::ClaimResult> Claim(const ports::ClaimRequest& request) override;
  Status Heartbeat(const ports::Fenced& claim, Millis lease) override;
  Status Complete(const ports::Fenced& claim, const std::string& result,
                  const std::vector<domain::WorkItem>& outputs) override;
  Status Release(const ports::Fenced& claim, const std::string& error) override;
  Status Kill(const ports::Fenced& claim, const std::string& reason, const std::string& error) override;

 private:
  SqliteWorkStore(std::unique_ptr<Database> db, Options options, const Clock& clock)
      : db_(std::move(db)), options_(options), clock_(clock) {}
  // A fenced update of a PROCESSING record that also stamps updated_at/expires_at and appends to
  // the history: `set` is the SQL after SET and may use ?1 key, ?2 fence, ?3 now, ?4 outcome,
  // ?5 error, ?6 expires_at and ?7 `extra`. FailedPrecondition when the fence no longer matches.
  Status FencedUpdate(const ports::Fenced& claim, std::string_view set, std::string_view outcome,
                      std::string_view error, int64_t expires_ms, std::string_view extra)
      WAGATE_REQUIRES(mu_);

  Mutex mu_;
  std::unique_ptr<Database> db_ WAGATE_PT_GUARDED_BY(mu_);
  const Options options_;
  const Clock& clock_;
};

}  // namespace wagate::sqlite
