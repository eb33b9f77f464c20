// GraphApi: sending one message (or read receipt) through the WhatsApp Cloud API (SPEC §4 Sender).
//
// Send() POSTs `body` to {base}/{version}/{phone_number_id}/messages and says what happened:
//   kAccepted  2xx; `wamid` is messages[0].id when the answer had one;
//   kError     an error answer: `http_status`, and error.code/error.message from the body
//              (error_code -1 when the body had none);
//   kNotSent   the request never left (connection refused, DNS, TLS): safe to repeat;
//   kUnknown   the request was written and then the exchange failed (timeout, connection
//              broke): Meta may have sent the message.
// `detail` describes transport failures; no answer or error text ever carries the access token.
//
// Thread safety: implementations are called from several sender threads at once.
#pragma once

#include <cstdint>
#include <string>

namespace wagate::ports {

struct GraphAnswer {
  enum class Outcome { kAccepted, kError, kNotSent, kUnknown };
  Outcome outcome = Outcome::kAccepted;
  int http_status = 0;
  int64_t error_code = -1;
  std::string error_message;
  std::string wamid;
  std::string detail;
};

class GraphApi {
 public:
  virtual ~GraphApi() = default;
  virtual GraphAnswer Send(const std::string& phone_number_id, const std::string& body) = 0;
};

}  // namespace wagate::ports
