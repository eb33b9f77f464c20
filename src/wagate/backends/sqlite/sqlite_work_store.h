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

#include "wagate/backends/sqlite/connection.h"
#include "wagate/backends/sqlite/database.h"
#include "wagate/backends/sqlite/queue_signal.h"
#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/work_store.h"

namespace wagate::sqlite {

class SqliteWorkStore final : public ports::WorkStore {
 public:
  struct Options {
    Millis dedup_ttl{Millis(1296000LL * 1000)};  // records expire this long after their last change
    Millis dead_ttl{Millis(2 * 1209600LL * 1000)};  // DEAD records: twice the queue retention
    // A SENT_UNCERTAIN item waits this long for a status webhook before it may be resent.
    Millis uncertain_resend_after{Millis(120'000)};
    // Notified for `outgoing` after a Complete that enqueued replies; may be null.
    std::shared_ptr<QueueSignal> signal;
  };

  static StatusOr<std::unique_ptr<SqliteWorkStore>> Create(std::unique_ptr<Database> db,
                                                           Options options, const Clock& clock);
  // On a connection shared with other stores and queues (see connection.h).
  static std::unique_ptr<SqliteWorkStore> Create(std::shared_ptr<Connection> connection,
                                                 Options options, const Clock& clock) {
    return std::unique_ptr<SqliteWorkStore>(new SqliteWorkStore(std::move(connection), std::move(options), clock));
  }

  StatusOr<domain::Record> Inspect(std::string_view key) override;
  Status Ping() override;
  StatusOr<ports::ClaimResult> Claim(const ports::ClaimRequest& request) override;
  // One transaction for the whole batch.
  std::vector<StatusOr<ports::ClaimResult>> ClaimMany(
      const std::vector<ports::ClaimRequest>& requests) override;
  std::vector<Status> CompleteMany(const std::vector<ports::Completion>& completions) override;
  Status Heartbeat(const ports::Fenced& claim, Millis lease) override;
  Status Complete(const ports::Fenced& claim, const std::string& result,
                  const std::vector<domain::WorkItem>& outputs) override;
  Status Release(const ports::Fenced& claim, const std::string& error) override;
  Status Kill(const ports::Fenced& claim, const std::string& reason, const std::string& error) override;
  Status MarkSending(const ports::Fenced& claim) override;
  Status MarkSent(const ports::Fenced& claim, const std::string& result) override;
  Status MarkUncertain(const ports::Fenced& claim, const std::string& error) override;
  Status MergeStatus(const domain::StatusEcho& echo) override;

 private:
  SqliteWorkStore(std::unique_ptr<Database> db, Options options, const Clock& clock)
      : connection_(std::make_shared<Connection>(std::move(db))),
        mu_(connection_->mu),
        db_(connection_->db.get()),
        options_(std::move(options)),
        clock_(clock) {}
  SqliteWorkStore(std::shared_ptr<Connection> connection, Options options, const Clock& clock)
      : connection_(std::move(connection)),
        mu_(connection_->mu),
        db_(connection_->db.get()),
        options_(std::move(options)),
        clock_(clock) {}
  // A fenced update of a record held in one of `from_states` (SQL list, e.g. "'PROCESSING'"). It
  // also stamps updated_at/expires_at and, when `outcome` is not empty, appends to the history.
  // `set` is the SQL after SET and may use ?1 key, ?2 fence, ?3 now, ?4 outcome, ?5 error,
  // ?6 expires_at and ?7 `extra`; `also_where` adds a condition. FailedPrecondition when nothing
  // matched (normally: the fence no longer matches).
  struct FencedChange {
    std::string_view from_states = "'PROCESSING'";
    std::string_view set;
    std::string_view outcome;
    std::string_view error;
    int64_t expires_ms = 0;
    std::string_view extra;
    std::string_view also_where;
  };
  Status FencedUpdate(const ports::Fenced& claim, const FencedChange& change) WAGATE_REQUIRES(mu_);
  // Outgoing items: turns a SENDING record whose lease lapsed into SENT_UNCERTAIN (or SENT when a
  // status arrived), inside the claim's transaction.
  Status SettleLapsedSending(const std::string& key, int64_t now_ms) WAGATE_REQUIRES(mu_);
  int64_t ExpiresAt(int64_t now_ms) const { return now_ms + options_.dedup_ttl.count(); }
  // The bodies of Claim and Complete, inside the caller's transaction.
  Status ClaimLocked(const ports::ClaimRequest& r, int64_t now_ms, ports::ClaimResult& result)
      WAGATE_REQUIRES(mu_);
  Status CompleteLocked(const ports::Completion& completion, int64_t now_ms) WAGATE_REQUIRES(mu_);

  std::shared_ptr<Connection> connection_;
  Mutex& mu_;  // the connection's: serialises its use
  Database* const db_ WAGATE_PT_GUARDED_BY(mu_);
  const Options options_;
  const Clock& clock_;
};

}  // namespace wagate::sqlite
