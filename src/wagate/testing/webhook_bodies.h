// Webhook bodies and deterministic randomness for tests of processing and sending.
//
// Thread safety: pure functions; MaxRandom is stateless.
#pragma once

#include <cstdint>
#include <string>

#include "wagate/base/random.h"

namespace wagate::testing {

// A text message from wa_id 5215512345678 to business number 112233, sent at `timestamp`
// (Unix seconds).
inline std::string TextBody(const std::string& wamid, int64_t timestamp,
                            const std::string& text = "hola") {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"301","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15551230000","phone_number_id":"112233"},"contacts":[{"profile":{"name":"M"},"wa_id":"5215512345678"}],"messages":[{"from":"5215512345678","id":")" +
         wamid + R"(","timestamp":")" + std::to_string(timestamp) + R"(","type":"text","text":{"body":")" +
         text + R"("}}]}}]}]})";
}

// A status update for an outgoing message, echoing `callback` in biz_opaque_callback_data.
inline std::string StatusBody(const std::string& wamid, const std::string& status,
                              const std::string& callback, int64_t timestamp) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"301","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15551230000","phone_number_id":"112233"},"statuses":[{"id":")" +
         wamid + R"(","status":")" + status + R"(","timestamp":")" + std::to_string(timestamp) +
         R"(","recipient_id":"5215512345678","biz_opaque_callback_data":")" + callback + R"("}]}}]}]})";
}

// Always the largest value: backoff delays are at their cap, so tests know exactly when a
// retried message is visible again.
class MaxRandom final : public Random {
 public:
  uint64_t UpTo(uint64_t n) override { return n; }
};

}  // namespace wagate::testing
