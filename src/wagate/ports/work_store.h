// WorkStore: the work records of SPEC §2 and the fenced operations on them.
//
// Every operation is one conditional write (on sqlite one BEGIN IMMEDIATE transaction; on aws one
// UpdateItem with a ConditionExpression), never a read followed by a write.
//
//   Claim      takes the lease on an item received from a queue (invariant 3). It wins when the
//              record is absent or expired, or PENDING, QUEUED or DEAD, or PROCESSING with an
//              expired lease; it then sets PROCESSING, the owner, lease_until = now + lease,
//              fence + 1, attempts + 1 and the queue message id.
//   Heartbeat  extends the lease of the claimer whose fence still matches.
//   Complete   sets COMPLETED with the result, and creates and enqueues the item's replies
//              (`out:` records in `outgoing`), atomically and only for the current fence.
//   Release    gives the item back after a failed attempt: QUEUED (FAILED for an outgoing item),
//              lease cleared, error kept.
//   Kill       marks the item DEAD after its message went to the dead-letter queue.
//
// Outgoing items (SPEC §2.7) add the send states:
//   MarkSending    PROCESSING → SENDING, written before the Graph API call. Refused with
//                  AlreadyExists when a status webhook already settled the item (nothing to send).
//   MarkSent       PROCESSING|SENDING → SENT with the result (which carries Meta's wamid).
//   MarkUncertain  SENDING → SENT_UNCERTAIN: the call's outcome is unknown. The item waits for a
//                  status webhook to settle it, and becomes claimable again (a resend) only
//                  after the store's uncertain-resend delay.
//   MergeStatus    applies a delivery status echoed with an `out:` key (invariant 8); not fenced,
//                  because statuses only move forward and never take an item from its owner.
// Claim treats outgoing items specially: FAILED is claimable (a retry); SENDING with a lapsed
// lease means the sender died around the call, so the claim turns it into SENT_UNCERTAIN (or SENT
// when a status already arrived) and answers kUncertain; SENT_UNCERTAIN is claimable once its
// resend time has passed (ClaimResult::resend), and answers kUncertain before that; an item a
// status settled answers kAlreadyDone.
//
// Fencing: Heartbeat, Complete, Release and Kill return FailedPrecondition when the fence no
// longer matches (another worker took the item over): the caller must stop and count `fenced`.
// Every change after admit appends {at, owner, fence, outcome, error} to the record's history,
// which keeps the last 10 attempts.
//
// Thread safety: implementations are safe to call from any thread; calls may block on storage,
// so they never run on HTTP I/O threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/domain/record.h"
#include "wagate/domain/work_item.h"

namespace wagate::ports {

struct ClaimRequest {
  std::string key;
  domain::ItemKind kind = domain::ItemKind::kMessage;
  std::string owner;             // the worker's id
  std::string queue_message_id;  // the message that delivered the item
  Millis lease{30'000};
};

enum class ClaimOutcome {
  kWon,             // the caller holds the lease with `fence`
  kBusy,            // another live lease on this same message: its visibility lapsed early
  kDuplicateEntry,  // another live lease, delivered by another queue message: delete this one
  kAlreadyDone,     // COMPLETED (or SENT): delete the message
  kUncertain,       // outgoing, SENT_UNCERTAIN: wait for a status until `lease_until`, then resend
};

struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::kWon;
  int64_t fence = 0;      // kWon: the caller's fence
  int64_t attempts = 0;   // kWon: this attempt's number
  Timestamp lease_until;  // kWon: the caller's lease; kBusy/kDuplicateEntry: the holder's;
                          // kUncertain: when a resend becomes due
  bool resend = false;    // kWon on an outgoing item that was SENT_UNCERTAIN: this is a resend
};

// A claim as its holder names it in every fenced call: the fence the claim returned and the
// owner it was made with (the history records that owner).
struct Fenced {
  std::string key;
  int64_t fence = 0;
  std::string owner;
};

struct Completion {
  Fenced claim;
  std::string result;                      // JSON ("" for none)
  std::vector<domain::WorkItem> outputs;   // the replies to create as `out:` items
};

class WorkStore {
 public:
  virtual ~WorkStore() = default;

  virtual StatusOr<domain::Record> Inspect(std::string_view key) = 0;
  virtual Status Ping() = 0;

  virtual StatusOr<ClaimResult> Claim(const ClaimRequest& request) = 0;
  virtual Status Heartbeat(const Fenced& claim, Millis lease) = 0;
  // `result` is JSON ("" for none); `outputs` are the replies to create as `out:` items.
  virtual Status Complete(const Fenced& claim, const std::string& result,
                          const std::vector<domain::WorkItem>& outputs) = 0;
  virtual Status Release(const Fenced& claim, const std::string& error) = 0;

  // Batches, with one answer per element in order. Each element behaves as its single call; a
  // backend may apply the batch in one transaction (sqlite does), and the defaults loop.
  virtual std::vector<StatusOr<ClaimResult>> ClaimMany(const std::vector<ClaimRequest>& requests) {
    std::vector<StatusOr<ClaimResult>> out;
    for (const ClaimRequest& r : requests) out.push_back(Claim(r));
    return out;
  }
  virtual std::vector<Status> CompleteMany(const std::vector<Completion>& completions) {
    std::vector<Status> out;
    for (const Completion& c : completions) out.push_back(Complete(c.claim, c.result, c.outputs));
    return out;
  }
  virtual Status Kill(const Fenced& claim, const std::string& reason, const std::string& error) = 0;

  virtual Status MarkSending(const Fenced& claim) = 0;
  virtual Status MarkSent(const Fenced& claim, const std::string& result) = 0;
  virtual Status MarkUncertain(const Fenced& claim, const std::string& error) = 0;
  virtual Status MergeStatus(const domain::StatusEcho& echo) = 0;
};

}  // namespace wagate::ports
