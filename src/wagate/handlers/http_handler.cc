#include "wagate/handlers/http_handler.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <utility>

#include "wagate/handlers/echo_handler.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::handlers {

namespace {

namespace json = boost::json;

constexpr size_t kQuotedAnswerBytes = 200;

// At most the first 200 bytes of an answer, cut at a character boundary, control characters
// replaced, for error messages.
std::string Quote(std::string_view answer) {
  size_t n = std::min(answer.size(), kQuotedAnswerBytes);
  // Never cut inside a UTF-8 sequence: back up over continuation bytes.
  while (n > 0 && n < answer.size() && (static_cast<unsigned char>(answer[n]) & 0xC0) == 0x80) --n;
  std::string out(answer.substr(0, n));
  for (char& c : out) {
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  }
  if (n < answer.size()) out += "…";
  return out;
}

json::value FieldOr(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr ? *v : json::value(nullptr);
}

bool IsSmokeTest(const json::object& message) {
  const json::value* id = message.if_contains("id");
  return id != nullptr && id->is_string() && id->as_string().starts_with(kSmokeWamidPrefix);
}

Status InvalidAnswer(int status, const std::string& why) {
  return InvalidArgumentError("handler answered " + std::to_string(status) +
                              " with an invalid body: " + why);
}

// A 2xx answer's replies, or why they are malformed (without the HTTP status).
StatusOr<ports::HandlerResult> ParseAnswer(std::string_view body) {
  ports::HandlerResult result;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return result;
  json::error_code ec;
  json::value answer = json::parse(body, ec);
  if (ec) return InvalidArgumentError("not JSON (" + ec.message() + "): " + Quote(body));
  if (!answer.is_object()) return InvalidArgumentError("not a JSON object: " + Quote(body));
  const json::object& o = answer.as_object();
  if (const json::value* mark_read = o.if_contains("mark_read");
      mark_read && !mark_read->is_null()) {
    if (!mark_read->is_bool()) return InvalidArgumentError("\"mark_read\" must be true or false");
    result.mark_read = mark_read->as_bool();
  }
  const json::value* replies = o.if_contains("replies");
  if (replies == nullptr || replies->is_null()) return result;
  if (!replies->is_array()) return InvalidArgumentError("\"replies\" must be an array");
  for (size_t i = 0; i < replies->as_array().size(); ++i) {
    const json::value& reply = replies->as_array()[i];
    const std::string where = "replies[" + std::to_string(i) + "]";
    if (!reply.is_object()) return InvalidArgumentError(where + " must be an object");
    const json::object& r = reply.as_object();
    const json::value* type = r.if_contains("type");
    if (type != nullptr && type->is_string() && type->as_string() == "text") {
      const json::value* text = r.if_contains("text");
      if (text == nullptr || !text->is_string() || text->as_string().empty()) {
        return InvalidArgumentError(where + ": a text reply needs a non-empty string \"text\"");
      }
      result.replies.push_back({ports::Reply::Type::kText, std::string(text->as_string()), ""});
    } else if (type != nullptr && type->is_string() && type->as_string() == "raw") {
      const json::value* raw = r.if_contains("body");
      if (raw == nullptr || !raw->is_object()) {
        return InvalidArgumentError(where + ": a raw reply needs an object \"body\"");
      }
      result.replies.push_back({ports::Reply::Type::kRaw, "", json::serialize(*raw)});
    } else {
      return InvalidArgumentError(where + ": \"type\" must be \"text\" or \"raw\"");
    }
  }
  return result;
}

// The request body for `item`; sets *smoke_test for a `wagate check --smoke` message.
StatusOr<std::string> RequestBody(const ports::HandlerItem& item, bool* smoke_test) {
  json::error_code ec;
  json::value payload = json::parse(item.payload, ec);
  if (ec || !payload.is_object()) return InvalidArgumentError("payload is not a JSON object");
  const json::object& p = payload.as_object();
  const char* content = nullptr;
  if (item.kind == domain::ItemKind::kMessage) content = "message";
  if (item.kind == domain::ItemKind::kStatus) content = "status";
  if (content == nullptr) {
    return InvalidArgumentError("the http handler takes messages and statuses, not " +
                                std::string(domain::ItemKindName(item.kind)) + " items");
  }
  const json::value* value = p.if_contains(content);
  if (value == nullptr || !value->is_object()) {
    return InvalidArgumentError(std::string("payload has no ") + content + " object");
  }
  *smoke_test = item.kind == domain::ItemKind::kMessage && IsSmokeTest(value->as_object());
  json::object body;
  body["key"] = item.key;
  body["kind"] = domain::ItemKindName(item.kind);
  body["received_at"] = FormatRfc3339(item.received_at);
  body["phone_number_id"] = FieldOr(p, "phone_number_id");
  body["display_phone_number"] = FieldOr(p, "display_phone_number");
  body["contact"] = FieldOr(p, "contact");
  body["stale"] = item.stale;
  body[content] = *value;
  return json::serialize(body);
}

}  // namespace

HttpHandler::HttpHandler(Options options) : options_(std::move(options)) {}

StatusOr<ports::HandlerResult> HttpHandler::Handle(const ports::HandlerItem& item) {
  bool smoke_test = false;
  StatusOr<std::string> body = RequestBody(item, &smoke_test);
  if (!body.ok()) return body.status();
  if (smoke_test) return ports::HandlerResult{};

  net::HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.timeout = options_.timeout;
  request.headers = {{"Content-Type", "application/json"},
                     {"Idempotency-Key", item.key},
                     {"X-Wagate-Attempt", std::to_string(item.attempt)}};
  if (!options_.secret.empty()) {
    std::string hmac = whatsapp::HmacSha256Hex(options_.secret, *body);
    if (hmac.empty()) return InternalError("could not sign the handler request");
    request.headers.emplace_back("X-Wagate-Signature-256", "sha256=" + hmac);
  }
  request.body = std::move(*body);

  net::HttpResult sent = pool_.Send(request);
  if (!sent.ok()) {
    // Unavailable (not reached, or the connection broke) or DeadlineExceeded: both retried.
    return Status(sent.status().code(), "handler: " + sent.status().message());
  }
  const net::HttpResponse& response = sent.response();
  const int code = response.status;
  const std::string answered = "handler answered " + std::to_string(code);
  if (code >= 200 && code < 300) {
    StatusOr<ports::HandlerResult> result = ParseAnswer(response.body);
    if (!result.ok()) return InvalidAnswer(code, result.status().message());
    return result;
  }
  if (code == 429) return ResourceExhaustedError(answered + ": " + Quote(response.body));
  if (code == 408 || code >= 500) return UnavailableError(answered + ": " + Quote(response.body));
  if (code >= 400) return InvalidArgumentError(answered + ": " + Quote(response.body));
  return FailedPreconditionError(answered +
                                 " (redirects are not followed; HANDLER_URL must answer itself)");
}

}  // namespace wagate::handlers
