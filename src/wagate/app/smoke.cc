#include "wagate/app/smoke.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "wagate/domain/record.h"
#include "wagate/handlers/echo_handler.h"
#include "wagate/net/http_client.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::app {

namespace {

using Outcome = CheckResult::Outcome;

constexpr size_t kExcerptBytes = 200;

CheckResult Fail(std::string detail) { return {"smoke", Outcome::kFail, std::move(detail)}; }

// "30 s" or "1.25 s", for details.
std::string Seconds(Millis d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

// At most kExcerptBytes of an answer, on one line.
std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, kExcerptBytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > kExcerptBytes) out += "…";
  return out.empty() ? "(empty body)" : out;
}

// The "accepted" count of a 200 answer, {"status":"ok","accepted":A,...}; -1 when absent.
int64_t AcceptedCount(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return -1;
  const boost::json::value* accepted = v.as_object().if_contains("accepted");
  return accepted != nullptr && accepted->is_int64() ? accepted->as_int64() : -1;
}

// Posts `body` once. An empty optional means it was accepted; otherwise the failed result.
std::optional<CheckResult> Post(const config::Config& config, const std::string& url,
                                const std::string& body) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.emplace_back("Content-Type", "application/json");
  // Only the first secret signs; during a rotation the service accepts any of them.
  for (const std::string& secret : config.app_secrets) {
    if (secret.empty()) continue;
    request.headers.emplace_back("X-Hub-Signature-256", whatsapp::SignatureHeader(secret, body));
    break;
  }
  request.body = body;
  net::HttpClient client;
  net::HttpResult result = client.Send(request);
  const std::string shown = net::RedactUrl(url);
  if (result.outcome() == net::HttpOutcome::kNotSent) {
    // The client's message opens with "POST <url>: ", which the detail already says.
    std::string_view reason = result.status().message();
    const std::string prefix = "POST " + shown + ": ";
    if (reason.starts_with(prefix)) reason.remove_prefix(prefix.size());
    return Fail("no service answers at " + shown +
                " (is `wagate serve` running?): " + std::string(reason));
  }
  if (!result.ok()) return Fail(result.status().message());
  const net::HttpResponse& response = result.response();
  if (response.status != 200) {
    return Fail("POST " + shown + " answered " + std::to_string(response.status) + ": " +
                Excerpt(response.body));
  }
  if (AcceptedCount(response.body) != 1) {
    return Fail("POST " + shown +
                " answered 200 without accepting the message: " + Excerpt(response.body));
  }
  return std::nullopt;
}

}  // namespace

std::string DefaultSmokeUrl(const config::Config& config) {
  std::string host = config.host;
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "::1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  const char* scheme = config.tls_cert_file.empty() ? "http" : "https";
  return std::string(scheme) + "://" + host + ":" + std::to_string(config.port) + "/webhook";
}

std::string NewSmokeWamid(Random& random) {
  uint8_t bytes[16];
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(random.UpTo(255));
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // variant 10xx (RFC 9562)
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(handlers::kSmokeWamidPrefix);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0f];
  }
  return out;
}

std::string SmokeWebhookBody(std::string_view wamid, int64_t unix_seconds) {
  namespace json = boost::json;
  json::object message{{"from", "0"},
                       {"id", wamid},
                       {"timestamp", std::to_string(unix_seconds)},
                       {"type", "text"},
                       {"text", {{"body", "wagate check --smoke"}}}};
  json::object value{
      {"messaging_product", "whatsapp"},
      {"metadata", {{"display_phone_number", "0"}, {"phone_number_id", "wagate-smoke"}}},
      {"contacts",
       json::array{json::object{{"profile", {{"name", "wagate check"}}}, {"wa_id", "0"}}}},
      {"messages", json::array{std::move(message)}}};
  json::object change{{"field", "messages"}, {"value", std::move(value)}};
  json::object entry{{"id", "wagate-smoke"}, {"changes", json::array{std::move(change)}}};
  json::object doc{{"object", "whatsapp_business_account"},
                   {"entry", json::array{std::move(entry)}}};
  return json::serialize(doc);
}

CheckResult RunSmoke(const config::Config& config, const SmokeOptions& options) {
  const Clock& clock = SystemClock::Instance();
  SystemRandom random;
  const std::string url = options.url.empty() ? DefaultSmokeUrl(config) : options.url;
  const std::string wamid = NewSmokeWamid(random);
  const std::string key = "msg:" + wamid;
  const int64_t now_seconds = ToUnixMillis(clock.Now()) / 1000;

  const auto start = clock.Steady();
  if (std::optional<CheckResult> failed = Post(config, url, SmokeWebhookBody(wamid, now_seconds))) {
    return *failed;
  }
  // The last thing seen, for the failure detail.
  std::string last_state = "ABSENT";
  std::string last_error;
  std::string inspect_error;
  while (true) {
    StatusOr<domain::Record> record = Inspect(config, key);
    const auto elapsed = std::chrono::duration_cast<Millis>(clock.Steady() - start);
    if (record.ok()) {
      inspect_error.clear();
      last_state = std::string(domain::RecordStateName(record->state));
      last_error = record->last_error;
      if (record->state == domain::RecordState::kCompleted) {
        return {"smoke", Outcome::kPass,
                wamid + " COMPLETED " + Seconds(elapsed) + " after POST " + net::RedactUrl(url)};
      }
      if (record->state == domain::RecordState::kDead) {
        return Fail(wamid + " is DEAD after " + Seconds(elapsed) +
                    "; last_error: " + (last_error.empty() ? "(none)" : last_error));
      }
    } else if (record.status().code() != StatusCode::kNotFound) {
      inspect_error = record.status().message();
    }
    if (elapsed >= options.timeout) break;
    std::this_thread::sleep_for(std::min<Millis>(options.poll_interval, options.timeout - elapsed));
  }
  std::string detail = wamid + " was accepted but not COMPLETED within " +
                       Seconds(options.timeout) + "; last state " + last_state +
                       ", last_error: " + (last_error.empty() ? "(none)" : last_error);
  if (!inspect_error.empty()) detail += "; reading the record failed: " + inspect_error;
  return Fail(detail);
}

}  // namespace wagate::app
