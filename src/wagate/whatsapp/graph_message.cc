#include "wagate/whatsapp/graph_message.h"

#include <boost/json.hpp>

#include <algorithm>

namespace wagate::whatsapp {

namespace {

namespace json = boost::json;

std::string Field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

StatusOr<std::string> Recipient(const json::object& p) {
  std::string wa_id = Field(p, "wa_id");
  if (AllDigits(wa_id)) return "+" + wa_id;
  std::string from = Field(p, "from");
  if (AllDigits(from)) return "+" + from;
  return InvalidArgumentError("recipient_unsupported: the sender has no phone number (from is not all digits)");
}

}  // namespace

StatusOr<GraphMessage> GraphMessageFor(const std::string& outgoing_payload) {
  boost::system::error_code ec;
  json::value v = json::parse(outgoing_payload, ec);
  if (ec || !v.is_object()) return InvalidArgumentError("outgoing payload is not a JSON object");
  const json::object& p = v.as_object();
  GraphMessage out;
  out.phone_number_id = Field(p, "phone_number_id");
  if (out.phone_number_id.empty()) return InvalidArgumentError("outgoing payload has no phone_number_id");
  const std::string type = Field(p, "type");
  const std::string context = Field(p, "context_message_id");

  if (type == "read") {
    if (context.empty()) return InvalidArgumentError("mark-as-read needs the inbound message id");
    out.body = json::serialize(json::object{
        {"messaging_product", "whatsapp"}, {"status", "read"}, {"message_id", context}});
    out.read_receipt = true;
    return out;
  }
  StatusOr<std::string> to = Recipient(p);
  if (!to.ok()) return to.status();
  out.to = *to;
  json::object body;
  if (type == "text") {
    body = {{"messaging_product", "whatsapp"},
            {"recipient_type", "individual"},
            {"to", *to},
            {"type", "text"},
            {"text", json::object{{"preview_url", false}, {"body", Field(p, "text")}}}};
  } else if (type == "raw") {
    const json::value* raw = p.if_contains("body");
    if (!raw || !raw->is_object()) return InvalidArgumentError("raw reply body is not a JSON object");
    body = raw->as_object();
    if (!body.contains("messaging_product")) body["messaging_product"] = "whatsapp";
    if (!body.contains("to")) body["to"] = *to;
    if (const json::value* t = body.if_contains("to"); t && t->is_string()) out.to = t->as_string();
  } else {
    return InvalidArgumentError("unknown outgoing type \"" + type + "\"");
  }
  if (!context.empty() && !body.contains("context")) body["context"] = json::object{{"message_id", context}};
  if (!body.contains("biz_opaque_callback_data")) body["biz_opaque_callback_data"] = Field(p, "key");
  out.body = json::serialize(body);
  return out;
}

}  // namespace wagate::whatsapp
