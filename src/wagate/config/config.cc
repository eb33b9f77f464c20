#include "wagate/config/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

#include "wagate/config/tls_files.h"

extern char** environ;

namespace wagate::config {
namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kMiB = 1024 * kKiB;
constexpr int64_t kOneDaySeconds = 86400;
constexpr int64_t kNoUpperLimit = std::numeric_limits<int64_t>::max();
// The longest queue suffix; SQS queue names are at most 80 characters.
constexpr std::string_view kLongestQueueSuffix = "analytics-dlq";
constexpr size_t kMaxQueueNameLength = 80;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  s = TrimLeft(s);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ToLower(s.substr(0, prefix.size())) == prefix;
}

// A value for a problem message: quoted, printable and at most 64 bytes. Only ever called with
// values of variables that are not secrets.
std::string Quote(std::string_view value) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (char c : value.substr(0, kMax)) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7F ? '?' : c);
  }
  if (value.size() > kMax) out.append("...");
  out.push_back('"');
  return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(parts[i]);
  }
  return out;
}

// Scalar parsers. Each accepts the whole (already trimmed) text or nothing: "12abc", "1e3" for an
// integer, "+5" and out-of-range numbers are all rejected.

template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  Int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return false;
  *out = value;
  return true;
}

bool ParseDouble(std::string_view text, double* out) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value)) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseBool(std::string_view text, bool* out) {
  std::string lower = ToLower(text);
  if (lower == "true" || lower == "yes" || lower == "1") {
    *out = true;
  } else if (lower == "false" || lower == "no" || lower == "0") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

bool ParseBackend(std::string_view text, Backend* out) {
  for (Backend b : {Backend::kSqlite, Backend::kAws}) {
    if (ToLower(text) == BackendName(b)) {
      *out = b;
      return true;
    }
  }
  return false;
}

bool ParseEnvironment(std::string_view text, Environment* out) {
  for (Environment e :
       {Environment::kDevelopment, Environment::kStaging, Environment::kProduction}) {
    if (ToLower(text) == EnvironmentName(e)) {
      *out = e;
      return true;
    }
  }
  return false;
}

template <typename Int>
constexpr std::string_view kIntegerExpected = sizeof(Int) == 4
                                                  ? "an integer between -2147483648 and 2147483647"
                                                  : "a 64-bit integer";

// Reads variables from the merged environment, collecting a problem for every value that does
// not parse. An unset or empty variable leaves the default in place, so a template with
// `NAME=` lines is valid. Range and cross-field rules are Validate()'s.
class Reader {
 public:
  Reader(const EnvMap& env, std::vector<std::string>* problems) : env_(env), problems_(problems) {}

  void String(const char* name, std::string* out) {
    if (const std::string* value = Find(name)) *out = *value;
  }

  // A comma-separated list; entries are trimmed and empty ones dropped.
  void List(const char* name, std::vector<std::string>* out) {
    const std::string* value = Find(name);
    if (value == nullptr) return;
    out->clear();
    std::string_view rest = *value;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = Trim(rest.substr(0, comma));
      if (!item.empty()) out->emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }

  // A scalar read with `parse` after trimming; `expected` describes valid values for the message.
  template <typename T>
  void Parsed(const char* name, std::string_view expected, bool (*parse)(std::string_view, T*),
              T* out) {
    const std::string* value = Find(name);
    if (value != nullptr && !parse(Trim(*value), out)) {
      problems_->push_back(std::string(name) + ": expected " + std::string(expected) + ", got " +
                           Quote(*value));
    }
  }

  template <typename Int>
  void Integer(const char* name, Int* out) {
    Parsed(name, kIntegerExpected<Int>, &ParseInt<Int>, out);
  }

 private:
  const std::string* Find(const char* name) const {
    auto it = env_.find(name);
    return it == env_.end() || it->second.empty() ? nullptr : &it->second;
  }

  const EnvMap& env_;
  std::vector<std::string>* problems_;
};

Config ReadConfig(const EnvMap& env, std::vector<std::string>* problems) {
  Config c;
  Reader r(env, problems);
  // Service shape.
  r.Parsed("WAGATE_BACKEND", "sqlite or aws", &ParseBackend, &c.backend);
  r.String("WAGATE_DATA_DIR", &c.data_dir);
  r.String("HOST", &c.host);
  r.Integer("PORT", &c.port);
  r.Parsed("ENVIRONMENT", "development, staging or production", &ParseEnvironment, &c.environment);
  // WhatsApp.
  r.String("WHATSAPP_VERIFY_TOKEN", &c.verify_token);
  r.List("WHATSAPP_APP_SECRET", &c.app_secrets);
  r.String("WHATSAPP_ACCESS_TOKEN", &c.access_token);
  r.String("WHATSAPP_API_BASE_URL", &c.api_base_url);
  r.String("WHATSAPP_API_VERSION", &c.api_version);
  // Processing.
  r.String("HANDLER", &c.handler);
  c.handler = ToLower(c.handler);
  r.String("HANDLER_URL", &c.handler_url);
  r.String("HANDLER_SECRET", &c.handler_secret);
  r.Integer("HANDLER_TIMEOUT_SECONDS", &c.handler_timeout_seconds);
  r.Integer("WORKERS", &c.workers);
  r.Integer("SENDERS", &c.senders);
  r.Integer("LEASE_SECONDS", &c.lease_seconds);
  r.Integer("DEDUP_TTL_SECONDS", &c.dedup_ttl_seconds);
  r.Integer("PENDING_GRACE_SECONDS", &c.pending_grace_seconds);
  r.Integer("RETRY_MAX_DELAY_SECONDS", &c.retry_max_delay_seconds);
  r.Integer("REPLY_MAX_AGE_SECONDS", &c.reply_max_age_seconds);
  r.Parsed("SEND_RATE_PER_NUMBER", "a number", &ParseDouble, &c.send_rate_per_number);
  r.Integer("SENDER_INSTANCES", &c.sender_instances);
  r.Integer("SEND_THROTTLE_MAX_SECONDS", &c.send_throttle_max_seconds);
  r.Integer("UNCERTAIN_RESEND_AFTER_SECONDS", &c.uncertain_resend_after_seconds);
  r.Parsed("SENDER_DRY_RUN", "true, false, yes, no, 1 or 0", &ParseBool, &c.sender_dry_run);
  r.String("ANALYTICS_SINK", &c.analytics_sink);
  r.Integer("DRAIN_SECONDS", &c.drain_seconds);
  r.Integer("SHUTDOWN_GRACE_SECONDS", &c.shutdown_grace_seconds);
  // Queues.
  r.Integer("SQS_VISIBILITY_TIMEOUT", &c.sqs_visibility_timeout);
  r.Integer("SQS_MAX_RECEIVE_COUNT", &c.sqs_max_receive_count);
  r.Integer("SQS_WAIT_TIME_SECONDS", &c.sqs_wait_time_seconds);
  r.Integer("SQS_MESSAGE_RETENTION_SECONDS", &c.sqs_message_retention_seconds);
  r.String("SQS_QUEUE_PREFIX", &c.sqs_queue_prefix);
  // AWS backend.
  r.String("DYNAMODB_TABLE_NAME", &c.dynamodb_table_name);
  r.String("DYNAMODB_BILLING_MODE", &c.dynamodb_billing_mode);
  c.dynamodb_billing_mode = ToUpper(c.dynamodb_billing_mode);
  r.String("AWS_REGION", &c.aws_region);
  r.String("INCOMING_QUEUE_URL", &c.incoming_queue_url);
  r.String("OUTGOING_QUEUE_URL", &c.outgoing_queue_url);
  r.String("ANALYTICS_QUEUE_URL", &c.analytics_queue_url);
  r.String("INCOMING_DLQ_URL", &c.incoming_dlq_url);
  r.String("OUTGOING_DLQ_URL", &c.outgoing_dlq_url);
  r.String("ANALYTICS_DLQ_URL", &c.analytics_dlq_url);
  r.String("AWS_ENDPOINT_URL", &c.aws_endpoint_url);
  r.String("AWS_ENDPOINT_URL_DYNAMODB", &c.aws_endpoint_url_dynamodb);
  r.String("AWS_ENDPOINT_URL_SQS", &c.aws_endpoint_url_sqs);
  r.String("AWS_ACCESS_KEY_ID", &c.aws_access_key_id);
  r.String("AWS_SECRET_ACCESS_KEY", &c.aws_secret_access_key);
  r.String("AWS_SESSION_TOKEN", &c.aws_session_token);
  r.String("AWS_PROFILE", &c.aws_profile);
  // HTTP server.
  r.Integer("MAX_BODY_BYTES", &c.max_body_bytes);
  r.Integer("MAX_CONNECTIONS", &c.max_connections);
  r.Integer("HTTP_HEADER_TIMEOUT_SECONDS", &c.http_header_timeout_seconds);
  r.Integer("HTTP_BODY_TIMEOUT_SECONDS", &c.http_body_timeout_seconds);
  r.Integer("HTTP_IDLE_TIMEOUT_SECONDS", &c.http_idle_timeout_seconds);
  r.Integer("HTTP_THREADS", &c.http_threads);
  r.String("TLS_CERT_FILE", &c.tls_cert_file);
  r.String("TLS_KEY_FILE", &c.tls_key_file);
  r.List("TRUSTED_PROXIES", &c.trusted_proxies);
  r.Integer("RATE_LIMIT_WEBHOOK_PER_MINUTE", &c.rate_limit_webhook_per_minute);
  r.Integer("RATE_LIMIT_HEALTH_PER_MINUTE", &c.rate_limit_health_per_minute);
  r.Integer("METRICS_PORT", &c.metrics_port);
  r.String("ADMIN_TOKEN", &c.admin_token);
  // SQLite backend.
  r.Integer("MIN_FREE_DISK_MB", &c.min_free_disk_mb);
  r.Integer("GROUP_COMMIT_MAX_ITEMS", &c.group_commit_max_items);
  // Logging.
  r.Parsed("LOG_LEVEL", "debug, info, warn or error", &log::ParseLevel, &c.log_level);
  r.Parsed("LOG_FORMAT", "json or text", &log::ParseFormat, &c.log_format);
  return c;
}

// Validation helpers; each appends to `problems`.
using Problems = std::vector<std::string>;

void CheckRange(Problems* problems, std::string_view name, int64_t value, int64_t lo,
                int64_t hi = kNoUpperLimit) {
  if (value >= lo && value <= hi) return;
  std::string bound = hi == kNoUpperLimit
                          ? "at least " + std::to_string(lo)
                          : "between " + std::to_string(lo) + " and " + std::to_string(hi);
  problems->push_back(std::string(name) + " must be " + bound + " (got " + std::to_string(value) +
                      ")");
}

bool IsHttpUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (StartsWithIgnoreCase(url, scheme) && url.size() > scheme.size()) return true;
  }
  return false;
}

// URLs may carry credentials (user:password@host), so messages never print them.
void CheckOptionalUrl(Problems* problems, std::string_view name, const std::string& url) {
  if (!url.empty() && !IsHttpUrl(url)) {
    problems->push_back(std::string(name) + " must start with http:// or https://");
  }
}

// An IPv4 or IPv6 network "address/prefix"; a bare address means that single host.
bool IsCidr(std::string_view text) {
  size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  in6_addr buffer;
  int max_prefix = 0;
  if (inet_pton(AF_INET, address.c_str(), &buffer) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), &buffer) == 1) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (slash == std::string_view::npos) return true;
  std::string_view prefix_text = text.substr(slash + 1);
  int prefix = -1;
  return !prefix_text.empty() && prefix_text.front() != '-' && ParseInt(prefix_text, &prefix) &&
         prefix <= max_prefix;
}

bool IsQueueNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

void CheckEnvironmentRules(const Config& c, Problems* problems) {
  if (c.development()) return;
  const std::string where = " when ENVIRONMENT=" + std::string(EnvironmentName(c.environment));
  if (c.app_secrets.empty()) problems->push_back("WHATSAPP_APP_SECRET is required" + where);
  if (c.verify_token.empty()) problems->push_back("WHATSAPP_VERIFY_TOKEN is required" + where);
  if (c.handler.empty())
    problems->push_back("HANDLER is required" + where + " (echo, http or none)");
  if (c.access_token.empty() && !c.sender_dry_run) {
    problems->push_back("WHATSAPP_ACCESS_TOKEN is required" + where +
                        "; to run without sending, set SENDER_DRY_RUN=true");
  }
}

void CheckProcessing(const Config& c, Problems* problems) {
  if (!c.handler.empty() && c.handler != "echo" && c.handler != "http" && c.handler != "none") {
    problems->push_back("HANDLER must be echo, http or none (got " + Quote(c.handler) + ")");
  }
  if (c.handler == "http" && c.handler_url.empty()) {
    problems->push_back("HANDLER_URL is required when HANDLER=http");
  }
  CheckOptionalUrl(problems, "HANDLER_URL", c.handler_url);
  CheckRange(problems, "HANDLER_TIMEOUT_SECONDS", c.handler_timeout_seconds, 1);
  if (c.handler_timeout_seconds > c.sqs_visibility_timeout) {
    problems->push_back("HANDLER_TIMEOUT_SECONDS (" + std::to_string(c.handler_timeout_seconds) +
                        ") must not exceed SQS_VISIBILITY_TIMEOUT (" +
                        std::to_string(c.sqs_visibility_timeout) + ")");
  }
  // Thread counts; the upper bound catches typos before they exhaust the machine.
  CheckRange(problems, "WORKERS", c.workers, 0, 1024);
  CheckRange(problems, "SENDERS", c.senders, 0, 1024);
  CheckRange(problems, "LEASE_SECONDS", c.lease_seconds, 3);  // heartbeats run every lease/3
  if (c.lease_seconds >= c.sqs_visibility_timeout) {
    problems->push_back("LEASE_SECONDS (" + std::to_string(c.lease_seconds) +
                        ") must be less than SQS_VISIBILITY_TIMEOUT (" +
                        std::to_string(c.sqs_visibility_timeout) + ")");
  }
  // The dedup window must outlive every queued copy of a message (SPEC §2, invariant 4).
  const int64_t min_ttl = c.sqs_message_retention_seconds + kOneDaySeconds;
  if (c.dedup_ttl_seconds < min_ttl) {
    problems->push_back("DEDUP_TTL_SECONDS (" + std::to_string(c.dedup_ttl_seconds) +
                        ") must be at least SQS_MESSAGE_RETENTION_SECONDS + 86400 (" +
                        std::to_string(min_ttl) + ")");
  }
  CheckRange(problems, "PENDING_GRACE_SECONDS", c.pending_grace_seconds,
             2);  // admit deadline is half
  CheckRange(problems, "RETRY_MAX_DELAY_SECONDS", c.retry_max_delay_seconds, 1, 43200);
  CheckRange(problems, "REPLY_MAX_AGE_SECONDS", c.reply_max_age_seconds, 1);
  if (!(c.send_rate_per_number > 0))
    problems->push_back("SEND_RATE_PER_NUMBER must be greater than 0");
  CheckRange(problems, "SENDER_INSTANCES", c.sender_instances, 1);
  CheckRange(problems, "SEND_THROTTLE_MAX_SECONDS", c.send_throttle_max_seconds, 1);
  CheckRange(problems, "UNCERTAIN_RESEND_AFTER_SECONDS", c.uncertain_resend_after_seconds, 1);
  if (c.analytics_sink != "none" &&
      !(c.analytics_sink.starts_with("jsonl:") &&
        c.analytics_sink.size() > std::string_view("jsonl:").size())) {
    problems->push_back("ANALYTICS_SINK must be none or jsonl:<path>");
  }
  CheckRange(problems, "DRAIN_SECONDS", c.drain_seconds, 0);
  CheckRange(problems, "SHUTDOWN_GRACE_SECONDS", c.shutdown_grace_seconds, 0);
}

// SQS's own limits, so that `provision` never creates what SQS would refuse.
void CheckQueues(const Config& c, Problems* problems) {
  CheckRange(problems, "SQS_VISIBILITY_TIMEOUT", c.sqs_visibility_timeout, 0, 43200);
  CheckRange(problems, "SQS_MAX_RECEIVE_COUNT", c.sqs_max_receive_count, 1, 1000);
  CheckRange(problems, "SQS_WAIT_TIME_SECONDS", c.sqs_wait_time_seconds, 0, 20);
  CheckRange(problems, "SQS_MESSAGE_RETENTION_SECONDS", c.sqs_message_retention_seconds, 60,
             1209600);
  if (c.sqs_queue_prefix.size() + kLongestQueueSuffix.size() > kMaxQueueNameLength ||
      !std::all_of(c.sqs_queue_prefix.begin(), c.sqs_queue_prefix.end(), IsQueueNameChar)) {
    problems->push_back("SQS_QUEUE_PREFIX must be at most " +
                        std::to_string(kMaxQueueNameLength - kLongestQueueSuffix.size()) +
                        " letters, digits, '-' or '_'");
  }
}

void CheckAws(const Config& c, const ValidateOptions& options, Problems* problems) {
  if (c.dynamodb_billing_mode != "PAY_PER_REQUEST" && c.dynamodb_billing_mode != "PROVISIONED") {
    problems->push_back("DYNAMODB_BILLING_MODE must be PAY_PER_REQUEST or PROVISIONED");
  }
  const std::pair<const char*, const std::string*> queue_urls[] = {
      {"INCOMING_QUEUE_URL", &c.incoming_queue_url},
      {"OUTGOING_QUEUE_URL", &c.outgoing_queue_url},
      {"ANALYTICS_QUEUE_URL", &c.analytics_queue_url},
      {"INCOMING_DLQ_URL", &c.incoming_dlq_url},
      {"OUTGOING_DLQ_URL", &c.outgoing_dlq_url},
      {"ANALYTICS_DLQ_URL", &c.analytics_dlq_url},
  };
  for (const auto& [name, url] : queue_urls) CheckOptionalUrl(problems, name, *url);
  CheckOptionalUrl(problems, "AWS_ENDPOINT_URL", c.aws_endpoint_url);
  CheckOptionalUrl(problems, "AWS_ENDPOINT_URL_DYNAMODB", c.aws_endpoint_url_dynamodb);
  CheckOptionalUrl(problems, "AWS_ENDPOINT_URL_SQS", c.aws_endpoint_url_sqs);
  if (c.aws_access_key_id.empty() != c.aws_secret_access_key.empty()) {
    problems->push_back("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  if (!c.aws_session_token.empty() && c.aws_access_key_id.empty()) {
    problems->push_back("AWS_SESSION_TOKEN needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (c.backend != Backend::kAws) return;
  // The seed's required variables; every missing one is named.
  if (c.dynamodb_table_name.empty())
    problems->push_back("DYNAMODB_TABLE_NAME is required when WAGATE_BACKEND=aws");
  if (c.aws_region.empty()) problems->push_back("AWS_REGION is required when WAGATE_BACKEND=aws");
  for (const auto& [name, url] : queue_urls) {
    if (url->empty() && options.require_queue_urls)
      problems->push_back(std::string(name) + " is required when WAGATE_BACKEND=aws");
  }
}

void CheckHttp(const Config& c, Problems* problems) {
  CheckRange(problems, "PORT", c.port, 0, 65535);
  if (c.host.empty()) problems->push_back("HOST must not be empty");
  // Meta sends bodies of up to 3 MB, so the limit may not go far below the default.
  CheckRange(problems, "MAX_BODY_BYTES", c.max_body_bytes, kKiB, 64 * kMiB);
  CheckRange(problems, "MAX_CONNECTIONS", c.max_connections, 1);
  CheckRange(problems, "HTTP_HEADER_TIMEOUT_SECONDS", c.http_header_timeout_seconds, 1);
  CheckRange(problems, "HTTP_BODY_TIMEOUT_SECONDS", c.http_body_timeout_seconds, 1);
  CheckRange(problems, "HTTP_IDLE_TIMEOUT_SECONDS", c.http_idle_timeout_seconds, 1);
  CheckRange(problems, "HTTP_THREADS", c.http_threads, 0, 1024);
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    problems->push_back("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  }
  for (const std::string& entry : c.trusted_proxies) {
    if (!IsCidr(entry)) {
      problems->push_back("TRUSTED_PROXIES entry " + Quote(entry) + " is not an IPv4 or IPv6 CIDR");
    }
  }
  CheckRange(problems, "RATE_LIMIT_WEBHOOK_PER_MINUTE", c.rate_limit_webhook_per_minute, 0);
  CheckRange(problems, "RATE_LIMIT_HEALTH_PER_MINUTE", c.rate_limit_health_per_minute, 0);
  CheckRange(problems, "METRICS_PORT", c.metrics_port, 0, 65535);
  // A bearer credential in a header: only characters a header carries unchanged. The value
  // itself is never quoted back.
  if (!std::all_of(c.admin_token.begin(), c.admin_token.end(),
                   [](char ch) { return ch > 0x20 && ch < 0x7f; })) {
    problems->push_back("ADMIN_TOKEN must be printable ASCII without spaces");
  }
}

void CheckGeneral(const Config& c, Problems* problems) {
  if (c.backend == Backend::kSqlite && c.data_dir.empty())
    problems->push_back("WAGATE_DATA_DIR must not be empty");
  if (!IsHttpUrl(c.api_base_url))
    problems->push_back("WHATSAPP_API_BASE_URL must start with http:// or https://");
  if (c.api_version.empty()) problems->push_back("WHATSAPP_API_VERSION must not be empty");
  CheckRange(problems, "MIN_FREE_DISK_MB", c.min_free_disk_mb, 0);
  CheckRange(problems, "GROUP_COMMIT_MAX_ITEMS", c.group_commit_max_items, 1);
}

// The character a double-quoted "\c" stands for, or 0 when `c` is no known escape.
char DecodeEscape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '"':
    case '\\':
    case '$': return c;
    default: return 0;
  }
}

// The value after "KEY=" on a .env line: 'single-quoted' (literal), "double-quoted" (known
// escapes decoded) or bare (trimmed, up to a '#' that follows whitespace). Errors name no value,
// since values may be secrets.
StatusOr<std::string> ParseEnvValue(std::string_view raw) {
  std::string_view rest = TrimLeft(raw);
  std::string value;
  size_t close = 0;  // index of the closing quote in `rest`
  if (!rest.empty() && rest.front() == '\'') {
    close = rest.find('\'', 1);
    if (close == std::string_view::npos) return InvalidArgumentError("unterminated single quote");
    value = rest.substr(1, close - 1);
  } else if (!rest.empty() && rest.front() == '"') {
    for (close = 1; close < rest.size() && rest[close] != '"'; ++close) {
      if (rest[close] != '\\' || close + 1 == rest.size()) {
        value.push_back(rest[close]);
        continue;
      }
      char next = rest[++close];
      if (char decoded = DecodeEscape(next)) {
        value.push_back(decoded);
      } else {
        value.push_back('\\');  // unknown escapes stay as written, as in a shell
        value.push_back(next);
      }
    }
    if (close >= rest.size()) return InvalidArgumentError("unterminated double quote");
  } else {
    // A '#' inside a word is part of the value (tokens and URLs contain them).
    size_t end = raw.size();
    for (size_t i = 1; i < raw.size() && end == raw.size(); ++i) {
      if (raw[i] == '#' && IsSpace(raw[i - 1])) end = i;
    }
    return std::string(Trim(raw.substr(0, end)));
  }
  std::string_view after = TrimLeft(rest.substr(close + 1));
  if (!after.empty() && after.front() != '#')
    return InvalidArgumentError("unexpected text after the closing quote");
  return value;
}

// One line of a .env file into `out`: blank, a comment, or [export] KEY=VALUE.
Status ParseEnvLine(std::string_view line, EnvMap* out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view s = TrimLeft(line);
  if (s.empty() || s.front() == '#') return Status::Ok();
  if (s.starts_with("export") && s.size() > 6 && (s[6] == ' ' || s[6] == '\t'))
    s = TrimLeft(s.substr(6));
  size_t eq = s.find('=');
  if (eq == std::string_view::npos) return InvalidArgumentError("expected KEY=VALUE");
  std::string_view key = Trim(s.substr(0, eq));
  auto is_name_char = [](char c) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (key.empty() || (key.front() >= '0' && key.front() <= '9') ||
      !std::all_of(key.begin(), key.end(), is_name_char)) {
    return InvalidArgumentError("invalid variable name");
  }
  StatusOr<std::string> value = ParseEnvValue(s.substr(eq + 1));
  if (!value.ok()) return value.status();
  (*out)[std::string(key)] = std::move(value).value();
  return Status::Ok();
}

}  // namespace

std::string_view BackendName(Backend b) {
  switch (b) {
    case Backend::kSqlite: return "sqlite";
    case Backend::kAws: return "aws";
  }
  return "unknown";
}

std::string_view EnvironmentName(Environment e) {
  switch (e) {
    case Environment::kDevelopment: return "development";
    case Environment::kStaging: return "staging";
    case Environment::kProduction: return "production";
  }
  return "unknown";
}

std::string Config::EffectiveHandler() const {
  if (handler.empty() && development()) return "echo";
  return handler;
}

std::vector<std::string> Config::SecretValues() const {
  std::vector<std::string> out;
  for (const std::string& secret : app_secrets) out.push_back(secret);
  for (const std::string* value :
       {&verify_token, &access_token, &handler_secret, &admin_token, &aws_access_key_id,
        &aws_secret_access_key, &aws_session_token}) {
    if (!value->empty()) out.push_back(*value);
  }
  return out;
}

EnvMap ProcessEnvironment() {
  EnvMap env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

StatusOr<EnvMap> ParseEnvFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return NotFoundError(path + ": cannot open: " + std::strerror(errno));
  std::string content;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) content.append(buffer, n);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return UnavailableError(path + ": cannot read");

  EnvMap env;
  std::string_view rest = content;
  for (int line_number = 1; !rest.empty(); ++line_number) {
    size_t newline = rest.find('\n');
    Status status = ParseEnvLine(rest.substr(0, newline), &env);
    if (!status.ok())
      return InvalidArgumentError(path + ":" + std::to_string(line_number) + ": " +
                                  status.message());
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }
  return env;
}

StatusOr<Config> LoadConfig(const EnvMap& env, const std::string& env_file,
                            const ValidateOptions& options) {
  EnvMap merged;
  const std::string path = env_file.empty() ? "./.env" : env_file;
  std::error_code ignored;
  if (!env_file.empty() || std::filesystem::exists(path, ignored)) {
    StatusOr<EnvMap> from_file = ParseEnvFile(path);
    // Any file problem is a configuration error (exit 2), whatever its cause.
    if (!from_file.ok()) return InvalidArgumentError(from_file.status().message());
    merged = std::move(from_file).value();
  }
  for (const auto& [name, value] : env) merged[name] = value;

  std::vector<std::string> problems;
  Config config = ReadConfig(merged, &problems);
  for (std::string& problem : Validate(config, options)) problems.push_back(std::move(problem));
  if (!problems.empty()) return InvalidArgumentError(Join(problems, "\n"));
  return config;
}

std::vector<std::string> Validate(const Config& config, const ValidateOptions& options) {
  std::vector<std::string> problems;
  CheckEnvironmentRules(config, &problems);
  CheckProcessing(config, &problems);
  CheckQueues(config, &problems);
  CheckAws(config, options, &problems);
  CheckHttp(config, &problems);
  if (options.check_tls_files && !config.tls_cert_file.empty() && !config.tls_key_file.empty()) {
    for (std::string& p : InspectTlsFiles(config.tls_cert_file, config.tls_key_file).problems) {
      problems.push_back(std::move(p));
    }
  }
  CheckGeneral(config, &problems);
  return problems;
}

}  // namespace wagate::config
