#include "wagate/processing/reply_items.h"

#include <boost/json.hpp>

#include "wagate/whatsapp/signature.h"

namespace wagate::processing {

namespace {

namespace json = boost::json;

std::string StringAt(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = &v;
  for (std::string_view name : path) {
    if (!at->is_object()) return {};
    at = at->as_object().if_contains(name);
    if (at == nullptr) return {};
  }
  return at->is_string() ? std::string(at->as_string()) : std::string();
}

}  // namespace

std::vector<domain::WorkItem> ReplyItems(const std::string& inbound_key,
                                         const std::string& inbound_payload,
                                         const ports::HandlerResult& result) {
  std::vector<domain::WorkItem> items;
  if (result.replies.empty() && !result.mark_read) return items;
  boost::system::error_code ec;
  json::value inbound = json::parse(inbound_payload, ec);
  if (ec) inbound = json::object{};
  json::object common{{"kind", "outgoing"},
                      {"inbound_key", inbound_key},
                      {"phone_number_id", StringAt(inbound, {"phone_number_id"})},
                      {"context_message_id", StringAt(inbound, {"message", "id"})},
                      {"wa_id", StringAt(inbound, {"contact", "wa_id"})},
                      {"from", StringAt(inbound, {"message", "from"})}};
  const std::string prefix = "out:" + whatsapp::Sha256Hex(inbound_key) + ":";

  auto add = [&](const std::string& suffix, json::object fields) {
    json::object payload = common;
    payload["key"] = prefix + suffix;
    for (auto& [k, v] : fields) payload[k] = std::move(v);
    items.push_back({prefix + suffix, domain::ItemKind::kOutgoing, json::serialize(payload)});
  };
  for (size_t n = 0; n < result.replies.size(); ++n) {
    const ports::Reply& r = result.replies[n];
    json::object fields{{"n", n}};
    if (r.type == ports::Reply::Type::kText) {
      fields["type"] = "text";
      fields["text"] = r.text;
    } else {
      fields["type"] = "raw";
      json::value body = json::parse(r.raw_body, ec);
      fields["body"] = ec ? json::value(r.raw_body) : body;
    }
    add(std::to_string(n), std::move(fields));
  }
  if (result.mark_read) add("read", json::object{{"type", "read"}});
  return items;
}

}  // namespace wagate::processing
