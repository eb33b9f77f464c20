// Handler: what processing does with one inbound work item (SPEC §4 Handlers).
//
// The processor calls Handle() after it won the claim. A handler answers with the replies to send
// (as text, or as a raw Graph API message body) and whether to mark the message read. Errors
// decide the item's fate:
//   Unavailable, DeadlineExceeded, ResourceExhausted  retried with backoff (IsRetriable);
//   anything else                                     dead-lettered at once.
//
// Thread safety: implementations are called from several worker threads at once.
#pragma once

#include <string>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/domain/work_item.h"

namespace wagate::ports {

struct HandlerItem {
  std::string key;
  domain::ItemKind kind = domain::ItemKind::kMessage;
  int64_t attempt = 1;
  // Older than REPLY_MAX_AGE_SECONDS: the handler runs, but replies and mark-as-read are dropped.
  bool stale = false;
  std::string payload;  // the work item's JSON, as admitted
  Timestamp received_at;  // when the gateway admitted the item
};

struct Reply {
  enum class Type { kText, kRaw };
  Type type = Type::kText;
  std::string text;      // kText
  std::string raw_body;  // kRaw: a Graph API message body, JSON
};

struct HandlerResult {
  std::vector<Reply> replies;
  bool mark_read = false;
  // JSON kept as the record's result; empty means the processor records a summary.
  std::string result;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual StatusOr<HandlerResult> Handle(const HandlerItem& item) = 0;
};

// True when a handler failure should be retried later rather than dead-lettered.
inline bool IsRetriable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDeadlineExceeded ||
         s.code() == StatusCode::kResourceExhausted;
}

}  // namespace wagate::ports
