// Work items: the unit of deduplication, processing and retry (SPEC §1).
//
// A webhook POST is split into work items by whatsapp::SplitWebhook(). Each has a key that is
// unique across Meta's redeliveries of the same update, a kind, the queue it goes to, and a
// self-contained JSON payload that a worker can process without the rest of the POST.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wagate::domain {

// Keys are at most this long (SPEC §1).
inline constexpr size_t kMaxKeyBytes = 512;

enum class ItemKind {
  kMessage,   // msg:<wamid>
  kStatus,    // st:<wamid>:<status>
  kEvent,     // ev:<sha256 of JCS {"entry_id","field","value"}>
  kOutgoing,  // out:<sha256 of inbound key>:<n>|read
};

std::string_view ItemKindName(ItemKind kind);  // "message" | "status" | "event" | "outgoing"
bool ParseItemKind(std::string_view name, ItemKind* out);

enum class QueueName { kIncoming, kOutgoing, kAnalytics };

std::string_view QueueNameText(QueueName q);  // "incoming" | "outgoing" | "analytics"

// The queue a newly admitted item is enqueued to: messages and statuses are processed from
// `incoming`; other changes are published as analytics events only (SPEC §1).
QueueName QueueForKind(ItemKind kind);

// A status webhook that echoes one of our `out:` keys in `biz_opaque_callback_data`: it settles
// that outgoing record during admit (SPEC §2.7, invariant 8).
struct StatusEcho {
  std::string out_key;  // the outgoing record's key
  std::string status;   // "sent", "delivered", "read", "played", "failed", or anything newer
  std::string wamid;    // the message id Meta gave the outgoing message
};

struct WorkItem {
  std::string key;
  ItemKind kind = ItemKind::kMessage;
  // The item as JSON: for a message {"key","kind","entry_id","phone_number_id",
  // "display_phone_number","contact","message"}; for a status the same with "status"; for an
  // event {"key","kind","entry_id","field","value"}.
  std::string payload;
  // Status items only: set when the status echoes an `out:` key.
  std::optional<StatusEcho> echo;
};

// An authentic but malformed payload, or one item of it, kept in the incoming dead-letter queue
// with reason "invalid_payload" (SPEC §5 Quarantine).
struct QuarantinedPayload {
  std::string reason = "invalid_payload";
  std::string detail;   // what was wrong, e.g. "duplicate key \"id\""
  std::string path;     // JSON path of the item, e.g. "$.entry[0].changes[1].value.messages[3]"; "$" when whole
  std::string raw;      // at most kMaxQuarantineRawBytes of the raw bytes
  uint64_t size = 0;    // size of the full raw bytes
  std::string sha256;   // hex SHA-256 of the full raw bytes
  bool truncated = false;
};

inline constexpr size_t kMaxQuarantineRawBytes = 240 * 1024;

}  // namespace wagate::domain
