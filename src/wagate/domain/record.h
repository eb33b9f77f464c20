// The work record: one per work item key, the store's single source of truth for its state
// (SPEC §2).
//
// States:
//   inbound:  PENDING ─► QUEUED ─► PROCESSING ─► COMPLETED | DEAD
//   outgoing: QUEUED ─► PROCESSING ─► SENDING ─► SENT | SENT_UNCERTAIN | FAILED | DEAD
// PENDING exists only on backends without a transaction spanning store and queue (aws).
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/domain/work_item.h"

namespace wagate::domain {

enum class RecordState {
  kPending,
  kQueued,
  kProcessing,
  kCompleted,
  kDead,
  kSending,
  kSent,
  kSentUncertain,
  kFailed,
};

std::string_view RecordStateName(RecordState s);  // "PENDING", "QUEUED", ...
bool ParseRecordState(std::string_view name, RecordState* out);

// One attempt in a record's history (the last 10 are kept).
struct Attempt {
  Timestamp at;
  std::string owner;
  int64_t fence = 0;
  std::string outcome;
  std::string error;
};

struct Record {
  std::string key;
  ItemKind kind = ItemKind::kMessage;
  RecordState state = RecordState::kQueued;
  Timestamp created_at;
  Timestamp updated_at;
  Timestamp expires_at;
  int64_t attempts = 0;
  std::string owner;
  std::optional<Timestamp> lease_until;
  int64_t fence = 0;
  std::string queue_message_id;
  std::string last_error;
  std::vector<Attempt> history;
  std::string outputs;  // JSON array of replies, "" when none
  bool outputs_enqueued = false;
  std::string result;   // JSON, "" when none
};

// Keeps only the newest attempts of a history.
inline constexpr size_t kMaxHistory = 10;

// A history as the JSON array records and dead letters carry: [{"at","owner","fence","outcome",
// "error"}], times in RFC 3339.
std::string HistoryToJson(const std::vector<Attempt>& history);

// The record as the JSON document `wagate inspect --json` prints (SPEC §2 fields; RFC 3339 times).
std::string RecordToJson(const Record& r);

}  // namespace wagate::domain
