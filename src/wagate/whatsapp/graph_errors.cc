#include "wagate/whatsapp/graph_errors.h"

namespace wagate::whatsapp {

GraphErrorClass ClassifyGraphError(int http_status, int64_t code) {
  switch (code) {
    case 4: case 80007: case 130429: case 131056:
      return GraphErrorClass::kThrottled;
    case 2: case 131000: case 131016: case 131057: case 133004:
      return GraphErrorClass::kRetry;
    case 0: case 190: case 10: case 368: case 131031: case 131042:
      return GraphErrorClass::kAccount;
    default:
      break;
  }
  if (code >= 200 && code <= 299) return GraphErrorClass::kAccount;
  if (http_status >= 500 || (code < 0 && http_status == 429)) return GraphErrorClass::kRetry;
  return GraphErrorClass::kPermanent;
}

std::string GraphErrorReason(int http_status, int64_t code, const std::string& message) {
  if (code == 131047) return "outside the 24-hour window: needs a template";
  std::string reason = "graph_error ";
  reason += code >= 0 ? std::to_string(code) : "HTTP " + std::to_string(http_status);
  if (!message.empty()) reason += ": " + message.substr(0, 200);
  return reason;
}

}  // namespace wagate::whatsapp
