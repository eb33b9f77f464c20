// DynamoDbWorkStore: the work records of SPEC §2 in one DynamoDB table (JSON 1.0 protocol).
//
// The table's partition key is `msgid` (String), holding the work item key; `ttl` (Number, Unix
// seconds) lets DynamoDB delete expired records eventually. Expiry is never left to TTL: every
// write compares `expires_at` (Unix milliseconds) with the injected clock's now inside its
// ConditionExpression (invariant 4).
//
// Each operation is one UpdateItem with a ConditionExpression. DynamoDB has no conditional SET,
// so where the sqlite backend chooses a new state inside one statement, this store picks the
// variant from what the key says (outgoing items start with `out:`, read receipts end with
// `:read`) or tries the likely variant and, when its condition fails, the other one, each still
// one conditional write. A failed condition returns the old item
// (ReturnValuesOnConditionCheckFailure=ALL_OLD); when the service does not (some emulators do
// not), one consistent GetItem reads it. That read only explains a loss; it never decides a write.
//
//   Claim     wins on a live claimable record (fence + 1, attempts + 1), or replaces an absent or
//             expired one (fence carried over + 1, history reset) with a put conditional on the
//             fence it saw. A SENDING item whose lease lapsed is first settled to SENT_UNCERTAIN
//             (SENT when a status arrived; FAILED for a read receipt). A COMPLETED record whose
//             replies were not all enqueued has steps 2–3 of invariant 7 redone before the claim
//             answers kAlreadyDone.
//   Complete  the four steps of invariant 7: a fenced COMPLETED that stores the replies
//             (`output_items`, at most 300 KB), sending them to `outgoing` and creating their
//             `out:` records (QUEUED, conditional on absent or expired), then `outputs_enqueued`;
//             the caller deletes the inbound message.
//
// Delivery statuses live in their own attributes (`delivery`, `delivery_rank`, `status_wamid`)
// so that conditions can test them; Inspect() folds them into `result` as the sqlite store does.
// History is a list appended with list_append; Inspect() shows the last 10 entries, and a
// winning claim trims a list longer than 20 with a write conditional on its size.
//
// Thread safety: safe from any thread; calls block on the network.
#pragma once

#include <string>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/backends/aws/dynamodb_records.h"
#include "wagate/backends/aws/dynamodb_update.h"
#include "wagate/base/clock.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/work_store.h"

namespace wagate::aws {

class DynamoDbWorkStore final : public ports::WorkStore {
 public:
  struct Options {
    std::string table;                 // DYNAMODB_TABLE_NAME
    Millis dedup_ttl{Millis(1'296'000'000)};
    Millis dead_ttl{Millis(2 * 1'209'600'000LL)};
    Millis uncertain_resend_after{Millis(120'000)};
    size_t max_outputs_bytes = 300 * 1024;
  };

  // `dynamodb`, `outgoing` (the queue replies go to) and `clock` must outlive the store.
  DynamoDbWorkStore(AwsJsonClient& dynamodb, ports::Queue& outgoing, Options options,
                    const Clock& clock);

  StatusOr<domain::Record> Inspect(std::string_view key) override;
  Status Ping() override;

  StatusOr<ports::ClaimResult> Claim(const ports::ClaimRequest& request) override;
  Status Heartbeat(const ports::Fenced& claim, Millis lease) override;
  Status Complete(const ports::Fenced& claim, const std::string& result,
                  const std::vector<domain::WorkItem>& outputs) override;
  Status Release(const ports::Fenced& claim, const std::string& error) override;
  Status Kill(const ports::Fenced& claim, const std::string& reason, const std::string& error) override;

  Status MarkSending(const ports::Fenced& claim) override;
  Status MarkSent(const ports::Fenced& claim, const std::string& result) override;
  Status MarkUncertain(const ports::Fenced& claim, const std::string& error) override;
  Status MergeStatus(const domain::StatusEcho& echo) override;

  const Options& options() const { return options_; }

 private:
  DynamoUpdate NewUpdate(std::string_view key) const;
  StatusOr<WriteResult> Run(const DynamoUpdate& update);
  // Runs a fenced change: FailedPrecondition when its condition fails.
  Status Fenced(const DynamoUpdate& update, const ports::Fenced& claim);
  void Touch(DynamoUpdate& u, int64_t now_ms, int64_t expires_ms) const;
  // The claim of an absent or expired record; nullopt when another writer got there first.
  StatusOr<std::optional<ports::ClaimResult>> ClaimAfresh(const ports::ClaimRequest& r,
                                                          const boost::json::object& old,
                                                          int64_t now_ms);
  Status SettleLapsedSending(const std::string& key, const boost::json::object& old, int64_t now_ms);
  void TrimHistory(const std::string& key, int64_t fence, const boost::json::object& old);
  // Steps 2 and 3 of invariant 7 for the replies stored in `items_json`.
  Status EnqueueOutputs(const std::string& key, int64_t fence, const std::string& items_json);

  AwsJsonClient& dynamodb_;
  ports::Queue& outgoing_;
  const Options options_;
  const Clock& clock_;
};

}  // namespace wagate::aws
