// Turning a handler's replies into outgoing work items (SPEC §1, §2.7).
//
// Reply n of inbound item K becomes `out:<sha256 hex of K>:<n>` and mark-as-read becomes
// `out:<sha256 hex of K>:read`, so a redelivered or retried inbound item always produces the same
// keys and the store creates each reply once. Each payload carries what the sender needs:
// {"key","kind":"outgoing","inbound_key","n","type":"text"|"raw"|"read","text"|"body",
//  "phone_number_id","context_message_id","wa_id","from"}.
// Replies are numbered in handler order; the sender sends them in `n` order.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "wagate/domain/work_item.h"
#include "wagate/ports/handler.h"

namespace wagate::processing {

std::vector<domain::WorkItem> ReplyItems(const std::string& inbound_key,
                                         const std::string& inbound_payload,
                                         const ports::HandlerResult& result);

}  // namespace wagate::processing
