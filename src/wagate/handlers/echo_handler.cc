#include "wagate/handlers/echo_handler.h"

#include <boost/json.hpp>

namespace wagate::handlers {

StatusOr<ports::HandlerResult> EchoHandler::Handle(const ports::HandlerItem& item) {
  ports::HandlerResult result;
  if (item.kind != domain::ItemKind::kMessage) return result;
  boost::system::error_code ec;
  boost::json::value payload = boost::json::parse(item.payload, ec);
  if (ec || !payload.is_object()) return InvalidArgumentError("payload is not a JSON object");
  const boost::json::value* message = payload.as_object().if_contains("message");
  if (message == nullptr || !message->is_object()) return InvalidArgumentError("payload has no message");
  const boost::json::object& m = message->as_object();
  if (const auto* id = m.if_contains("id"); id && id->is_string() &&
                                             id->as_string().starts_with(kSmokeWamidPrefix)) {
    return result;
  }
  result.mark_read = true;
  const auto* type = m.if_contains("type");
  const auto* text = m.if_contains("text");
  if (type && type->is_string() && type->as_string() == "text" && text && text->is_object()) {
    if (const auto* body = text->as_object().if_contains("body"); body && body->is_string()) {
      result.replies.push_back({ports::Reply::Type::kText, std::string(body->as_string()), ""});
    }
  }
  return result;
}

}  // namespace wagate::handlers
