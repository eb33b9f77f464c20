#include "wagate/http/admin_handler.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "wagate/base/log.h"
#include "wagate/domain/record.h"
#include "wagate/http/embedded_files.h"
#include "wagate/http/status_http.h"
#include "wagate/whatsapp/handshake.h"

namespace wagate::http {

namespace {

namespace beast_http = boost::beast::http;
namespace json = boost::json;

// A dead letter's payload in a list is cut here; the dashboard shows that it was.
constexpr size_t kMaxListedPayloadBytes = 64 * 1024;
// SQS message ids are 36 characters and sqlite's are numbers; anything far longer is not an id.
constexpr size_t kMaxMessageIdBytes = 256;

std::string_view HeaderOf(const Request& request, std::string_view name) {
  auto it = request.find(name);
  if (it == request.end()) return {};
  return {it->value().data(), it->value().size()};
}

// The value of query parameter `name` (percent-decoded), or nullopt.
std::optional<std::string> QueryParam(const Request& request, std::string_view name) {
  std::string_view target(request.target().data(), request.target().size());
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  for (auto param : url->params()) {
    if (param.key == name) return std::string(param.value);
  }
  return std::nullopt;
}

Response ApiJson(unsigned status, std::string body) {
  return JsonResponse(status, HtmlSafeJson(std::move(body)));
}

Response ApiError(const Status& status, std::string_view name = {}) {
  Response res = ErrorResponse(status, name);
  res.body() = HtmlSafeJson(std::move(res.body()));
  res.prepare_payload();
  return res;
}

// Refuses what a browser sends on behalf of another site (see the header comment).
Status CheckSameOrigin(const Request& request) {
  if (HeaderOf(request, "Sec-Fetch-Site") == "cross-site") {
    return PermissionDeniedError("cross-site requests are refused");
  }
  std::string_view origin = HeaderOf(request, "Origin");
  if (origin.empty()) return Status::Ok();
  std::string_view host = HeaderOf(request, "Host");
  if (!host.empty() &&
      (origin == "http://" + std::string(host) || origin == "https://" + std::string(host))) {
    return Status::Ok();
  }
  return PermissionDeniedError("requests from another origin are refused");
}

Status CheckJsonBody(const Request& request) {
  std::string_view type = HeaderOf(request, "Content-Type");
  std::string_view media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() == 16 &&
      std::equal(media.begin(), media.end(), "application/json",
                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
    return Status::Ok();
  }
  return PermissionDeniedError("operations must be POSTed with Content-Type: application/json");
}

Status CheckToken(const Request& request, const std::string& token) {
  std::string_view header = HeaderOf(request, "Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return UnauthenticatedError("an Authorization: Bearer <ADMIN_TOKEN> header is required");
  }
  if (!whatsapp::ConstantTimeEquals(header.substr(kBearer.size()), token)) {
    return UnauthenticatedError("the admin token is wrong");
  }
  return Status::Ok();
}

// The "queue" of a JSON body {"queue":"..."}.
StatusOr<std::string> QueueOfBody(const Request& request) {
  boost::system::error_code ec;
  json::value body = json::parse(request.body(), ec);
  if (ec || !body.is_object()) return InvalidArgumentError("the body must be a JSON object");
  const json::value* queue = body.as_object().if_contains("queue");
  if (queue == nullptr || !queue->is_string()) {
    return InvalidArgumentError("the body must name a \"queue\"");
  }
  return std::string(queue->as_string());
}

StatusOr<domain::QueueName> SourceQueue(std::string_view name) {
  std::optional<ports::QueueRef> ref = ports::QueueRef::Parse(name);
  if (!ref || ref->dead_letter) {
    return InvalidArgumentError("queue must be incoming, outgoing or analytics");
  }
  return ref->source;
}

json::value ParsedOr(const std::string& text, json::value fallback) {
  if (text.empty()) return fallback;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

// The last 4 characters of a phone number, unless personal data may be shown.
std::string MaskPhone(const std::string& phone, bool show_personal) {
  if (show_personal || phone.size() <= 4) return phone;
  return "***" + phone.substr(phone.size() - 4);
}

// A dead letter as the API shows it; the payload is cut after `max_payload` bytes (on a UTF-8
// character boundary), and "payload_truncated" says so.
json::object DeadLetterJson(const ports::DeadLetter& d, size_t max_payload) {
  size_t cut = d.body.size();
  if (cut > max_payload) {
    cut = max_payload;
    while (cut > 0 && (static_cast<unsigned char>(d.body[cut]) & 0xC0) == 0x80) --cut;
  }
  return json::object{{"message_id", d.message_id},
                      {"key", d.key},
                      {"reason", d.reason},
                      {"last_error", d.last_error},
                      {"attempts", d.attempts},
                      {"dead_at", FormatRfc3339(d.dead_at)},
                      {"bytes", d.bytes},
                      {"history", ParsedOr(d.history, json::array{})},
                      {"payload", d.body.substr(0, cut)},
                      {"payload_truncated", cut < d.body.size()}};
}

json::value QueueStatsJson(const std::optional<ports::QueueStats>& s) {
  if (!s) return nullptr;
  json::object o{{"visible", s->visible},
                 {"in_flight", s->in_flight},
                 {"delayed", s->delayed},
                 {"dlq", s->dlq}};
  o["oldest_age_seconds"] = s->oldest_age_seconds ? json::value(*s->oldest_age_seconds) : nullptr;
  return o;
}

}  // namespace

std::string HtmlSafeJson(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void AddAdminSecurityHeaders(Response& response, bool api) {
  response.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
  response.set("X-Frame-Options", "DENY");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set(beast_http::field::cache_control, api ? "no-store" : "no-cache");
}

AdminHandler::AdminHandler(AdminOptions options, const HealthMonitor& monitor,
                           const AdminHistory& history, const OutboundLog& outbound,
                           ports::QueueAdmin& queues, ports::WorkStore& store, AdminWorker& worker,
                           const Clock& clock, std::string backend)
    : options_(std::move(options)),
      monitor_(monitor),
      history_(history),
      outbound_(outbound),
      queues_(queues),
      store_(store),
      worker_(worker),
      clock_(clock),
      backend_(std::move(backend)) {}

void AdminHandler::AddRoutes(Router& router) {
  if (!enabled()) return;
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    Handler serve = [&file](const Request&, const RequestContext&, Respond respond) {
      Response res{beast_http::status::ok, 11};
      res.set(beast_http::field::content_type, ContentTypeFor(file.name));
      res.body() = std::string(file.bytes);
      res.prepare_payload();
      AddAdminSecurityHeaders(res, /*api=*/false);
      respond(std::move(res));
    };
    if (file.name == "index.html") {
      router.Add(beast_http::verb::get, "/admin", serve);
      router.Add(beast_http::verb::get, "/admin/", serve);
    }
    router.Add(beast_http::verb::get, "/admin/" + std::string(file.name), serve);
  }
  router.Add(beast_http::verb::get, "/admin/api/overview",
             Guarded(false, [this](const Request&, Respond respond) { respond(Overview()); }));
  // The calls that touch storage run on the admin worker, never on an I/O thread.
  using Call = Response (AdminHandler::*)(const Request&);
  struct StorageRoute {
    beast_http::verb method;
    const char* path;
    Call call;
  };
  const StorageRoute storage_routes[] = {
      {beast_http::verb::get, "/admin/api/dead-letters", &AdminHandler::DeadLetters},
      {beast_http::verb::get, "/admin/api/dead-letter", &AdminHandler::DeadLetter},
      {beast_http::verb::post, "/admin/api/redrive", &AdminHandler::Redrive},
      {beast_http::verb::post, "/admin/api/purge", &AdminHandler::Purge},
      {beast_http::verb::get, "/admin/api/record", &AdminHandler::Record},
      {beast_http::verb::get, "/admin/api/outbound", &AdminHandler::Outbound},
  };
  for (const StorageRoute& route : storage_routes) {
    const bool mutating = route.method == beast_http::verb::post;
    router.Add(route.method, route.path,
               Guarded(mutating, [this, call = route.call](const Request& r, Respond respond) {
                 OnWorker(std::move(respond), [this, call, r] { return (this->*call)(r); });
               }));
  }
}

Handler AdminHandler::Guarded(bool mutating, Api api) const {
  return [this, mutating, api = std::move(api)](const Request& request, const RequestContext&,
                                                Respond respond) {
    Respond secured = [respond = std::move(respond)](Response res) {
      AddAdminSecurityHeaders(res, /*api=*/true);
      respond(std::move(res));
    };
    if (Status same = CheckSameOrigin(request); !same.ok()) {
      secured(ApiError(same, "cross_site_refused"));
      return;
    }
    if (Status auth = CheckToken(request, options_.token); !auth.ok()) {
      secured(ApiError(auth, "unauthorized"));
      return;
    }
    if (mutating) {
      if (Status body = CheckJsonBody(request); !body.ok()) {
        secured(ApiError(body, "json_required"));
        return;
      }
    }
    api(request, std::move(secured));
  };
}

void AdminHandler::OnWorker(Respond respond, std::function<Response()> work) {
  auto shared = std::make_shared<Respond>(std::move(respond));
  bool posted = worker_.Post([shared, work = std::move(work)] { (*shared)(work()); });
  if (!posted) (*shared)(ApiError(UnavailableError("the admin worker is busy; try again"), "busy"));
}

Response AdminHandler::Overview() const {
  HealthSnapshot snapshot = monitor_.Snapshot();
  json::object queues;
  const char* names[] = {"incoming", "outgoing", "analytics"};
  for (size_t i = 0; i < 3; ++i) queues[names[i]] = QueueStatsJson(snapshot.queues[i]);
  json::object body{
      {"backend", backend_},
      {"taken", FormatRfc3339(snapshot.taken)},
      {"store", snapshot.store.ok() ? "ok" : snapshot.store.message()},
      {"draining", monitor_.draining()},
      {"runs_senders", options_.runs_senders},
      {"redrive", json::object{{"max_messages", options_.redrive_max_messages},
                               {"messages_per_second", options_.redrive_messages_per_second}}},
      {"queues", std::move(queues)}};
  std::string history = history_.ToJson(clock_.Now());
  std::string text = json::serialize(body);
  text.pop_back();  // the history is already JSON: spliced in rather than parsed again
  text += R"(,"history":)" + history + "}";
  return ApiJson(200, std::move(text));
}

Response AdminHandler::DeadLetters(const Request& request) {
  StatusOr<domain::QueueName> source = SourceQueue(QueryParam(request, "queue").value_or(""));
  if (!source.ok()) return ApiError(source.status(), "invalid_request");
  int64_t limit = options_.max_dead_letters;
  if (std::optional<std::string> text = QueryParam(request, "limit")) {
    char* end = nullptr;
    long long asked = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || asked < 1) {
      return ApiError(InvalidArgumentError("limit must be a positive integer"), "invalid_request");
    }
    limit = std::min<int64_t>(limit, asked);
  }
  StatusOr<std::vector<ports::DeadLetter>> listed = queues_.ListDeadLetters(*source, limit);
  if (!listed.ok()) return ApiError(listed.status());
  json::array items;
  for (const ports::DeadLetter& d : *listed) {
    items.push_back(DeadLetterJson(d, kMaxListedPayloadBytes));
  }
  json::object body{{"queue", domain::QueueNameText(*source)}, {"items", std::move(items)}};
  return ApiJson(200, json::serialize(body));
}

Response AdminHandler::DeadLetter(const Request& request) {
  StatusOr<domain::QueueName> source = SourceQueue(QueryParam(request, "queue").value_or(""));
  if (!source.ok()) return ApiError(source.status(), "invalid_request");
  std::string id = QueryParam(request, "id").value_or("");
  if (id.empty() || id.size() > kMaxMessageIdBytes) {
    return ApiError(InvalidArgumentError("id must name a dead letter's message_id"),
                    "invalid_request");
  }
  StatusOr<ports::DeadLetter> dead = queues_.GetDeadLetter(*source, id);
  if (!dead.ok()) {
    if (dead.status().code() == StatusCode::kNotFound) {
      return ApiError(NotFoundError("no such dead letter in this queue"), "not_found");
    }
    return ApiError(dead.status());
  }
  return ApiJson(200, json::serialize(DeadLetterJson(*dead, std::string::npos)));
}

Response AdminHandler::Redrive(const Request& request) {
  StatusOr<std::string> name = QueueOfBody(request);
  if (!name.ok()) return ApiError(name.status(), "invalid_request");
  StatusOr<domain::QueueName> source = SourceQueue(*name);
  if (!source.ok()) return ApiError(source.status(), "invalid_request");
  StatusOr<ports::RedriveResult> result =
      queues_.Redrive(*source, options_.redrive_max_messages, options_.redrive_messages_per_second);
  if (!result.ok()) {
    log::Warn("admin redrive failed",
              {log::F("queue", *name), log::F("error", result.status().ToString())});
    return ApiError(result.status());
  }
  log::Info("admin redrive", {log::F("queue", *name), log::F("moved", result->moved),
                              log::F("skipped", result->skipped)});
  json::object body{{"queue", *name}, {"moved", result->moved}, {"skipped", result->skipped}};
  return ApiJson(200, json::serialize(body));
}

Response AdminHandler::Purge(const Request& request) {
  StatusOr<std::string> name = QueueOfBody(request);
  if (!name.ok()) return ApiError(name.status(), "invalid_request");
  std::optional<ports::QueueRef> queue = ports::QueueRef::Parse(*name);
  if (!queue) {
    return ApiError(InvalidArgumentError("queue must be one of incoming, outgoing, analytics, or "
                                         "one of them with -dlq"),
                    "invalid_request");
  }
  StatusOr<int64_t> purged = queues_.Purge(*queue);
  if (!purged.ok()) {
    log::Warn("admin purge failed",
              {log::F("queue", *name), log::F("error", purged.status().ToString())});
    return ApiError(purged.status());
  }
  log::Info("admin purge", {log::F("queue", *name), log::F("purged", *purged)});
  json::object body{{"queue", *name}, {"purged", *purged}};
  return ApiJson(200, json::serialize(body));
}

Response AdminHandler::Record(const Request& request) {
  std::string key = QueryParam(request, "key").value_or("");
  if (key.empty() || key.size() > domain::kMaxKeyBytes) {
    return ApiError(InvalidArgumentError("key must be 1 to 512 bytes"), "invalid_request");
  }
  StatusOr<domain::Record> record = store_.Inspect(key);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return ApiError(NotFoundError("no record has this key"), "not_found");
    }
    return ApiError(record.status());
  }
  return ApiJson(200, domain::RecordToJson(*record));
}

Response AdminHandler::Outbound(const Request&) {
  json::array items;
  for (const OutboundEntry& e : outbound_.Recent()) {
    json::object item{{"key", e.key},
                      {"event", e.event},
                      {"at", FormatRfc3339(e.ts)},
                      {"attempt", e.attempt},
                      {"error_code", e.error_code}};
    // The record says where the message stands now; a dry-run result holds the request made.
    StatusOr<domain::Record> record = store_.Inspect(e.key);
    bool dry_run = false;
    std::string to;
    if (record.ok()) {
      item["state"] = domain::RecordStateName(record->state);
      boost::system::error_code ec;
      json::value result = json::parse(record->result, ec);
      if (!ec && result.is_object()) {
        const json::object& r = result.as_object();
        const json::value* flag = r.if_contains("dry_run");
        dry_run = flag != nullptr && flag->is_bool() && flag->as_bool();
        // A dry-run result holds the request it would have made; a SENT result the recipient.
        const json::value* req = r.if_contains("request");
        const json::object& holder = req != nullptr && req->is_object() ? req->as_object() : r;
        const json::value* recipient = holder.if_contains("to");
        if (recipient != nullptr && recipient->is_string()) to = std::string(recipient->as_string());
      }
    } else {
      item["state"] = record.status().code() == StatusCode::kNotFound ? "ABSENT" : "UNKNOWN";
    }
    item["dry_run"] = dry_run;
    item["to"] = MaskPhone(to, options_.show_personal);
    items.push_back(std::move(item));
  }
  json::object body{{"runs_senders", options_.runs_senders}, {"items", std::move(items)}};
  return ApiJson(200, json::serialize(body));
}

}  // namespace wagate::http
