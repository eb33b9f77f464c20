// Graph API request bodies for outgoing work items (SPEC §4 Sender).
//
// An outgoing item's payload (processing/reply_items.h) becomes the body of
// POST {base}/{version}/{phone_number_id}/messages:
//   text  {"messaging_product":"whatsapp","recipient_type":"individual","to":"+<digits>",
//          "context":{"message_id":<inbound wamid>},"type":"text",
//          "text":{"preview_url":false,"body":…},"biz_opaque_callback_data":<out: key>}
//   raw   the handler's body, with messaging_product, to, context and biz_opaque_callback_data
//         added where it has none
//   read  {"messaging_product":"whatsapp","status":"read","message_id":<inbound wamid>}
// The recipient is "+" followed by the contact's wa_id, or by `from` when that is all digits;
// anything else (a business-scoped user id) is InvalidArgument "recipient_unsupported".
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "wagate/base/status.h"

namespace wagate::whatsapp {

struct GraphMessage {
  std::string phone_number_id;  // the business number to send from
  std::string body;             // JSON
  std::string to;               // the recipient ("+<digits>"); empty for a read receipt
  bool read_receipt = false;
};

StatusOr<GraphMessage> GraphMessageFor(const std::string& outgoing_payload);

}  // namespace wagate::whatsapp
