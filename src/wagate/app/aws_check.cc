// `wagate check` on aws: the seed's pre-deployment checklist as a program (SPEC §7).
//
// Everything is read, except two probes that exercise the write permissions `serve` uses without
// touching real data:
//   - DynamoDB: PutItem and UpdateItem on the key `check:probe` (no webhook produces a key of that
//     shape), both conditional on the item being absent or a probe, with a ttl minutes ahead;
//   - SQS: one message sent to the analytics dead-letter queue with the attribute
//     key=check:probe, received back by that attribute, its visibility changed and deleted. Any
//     other message a receive returns gets its visibility set to 0 at once, so it is visible
//     again as before; probes an earlier, interrupted check left behind are deleted.
// DescribeTimeToLive says DISABLED on endpoints that have no TTL at all (dynalite). To tell them
// apart from a table whose TTL is really off, check sends UpdateTimeToLive without a
// specification: AWS refuses it (ValidationException) and changes nothing, an endpoint without
// the API answers UnknownOperationException.

#include "wagate/app/aws_check.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wagate/app/aws_admin.h"
#include "wagate/app/aws_clients.h"
#include "wagate/backends/aws/dynamodb_update.h"
#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/net/http_client.h"

namespace wagate::app {

namespace {

namespace json = boost::json;
using Outcome = CheckResult::Outcome;

constexpr char kProbeKey[] = "check:probe";
constexpr int64_t kProbeTtlSeconds = 600;
constexpr int kProbeReceives = 10;     // receives before giving up on the probe message
constexpr Millis kMaxClockSkew{2000};  // SPEC §7
constexpr int kWritesPerMessage = 5;  // DynamoDB writes per message, for capacity advice (SPEC §6)
constexpr int kMinCapacityUnits = 10;  // the seed's minimum RCU and WCU

std::string StringField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object* ObjectField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

std::optional<int64_t> IntField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_string()) {
    try {
      size_t used = 0;
      int64_t n = std::stoll(std::string(v->as_string()), &used);
      if (used == v->as_string().size()) return n;
    } catch (...) {  // not a number: treated as absent
    }
  }
  return std::nullopt;
}

bool IsAccessDenied(std::string_view type) {
  return type.starts_with("AccessDenied") || type == "AWS.SimpleQueueService.AccessDenied";
}

// The service did not accept the credentials at all (as opposed to a policy that lacks an action).
bool IsCredentialRefusal(std::string_view type) {
  for (std::string_view t :
       {"UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
        "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "IncompleteSignature",
        "IncompleteSignatureException", "AuthFailure"}) {
    if (type == t) return true;
  }
  return false;
}

bool IsMissingQueue(std::string_view type) {
  return type == "QueueDoesNotExist" || type == "AWS.SimpleQueueService.NonExistentQueue";
}

std::string Describe(const aws::AwsAnswer& a) {
  return a.error_message.empty() ? a.error_type : a.error_type + ": " + a.error_message;
}

// The last path segment of a queue URL, or the last ':' part of an ARN: the queue name.
std::string QueueNameOf(std::string_view url_or_arn) {
  size_t cut = url_or_arn.find_last_of("/:");
  return std::string(cut == std::string_view::npos ? url_or_arn : url_or_arn.substr(cut + 1));
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate); nullopt for anything else.
std::optional<Timestamp> ParseHttpDate(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s.substr(3, 2) != ", " || s.substr(25) != " GMT") return std::nullopt;
  auto number = [&](size_t at, size_t len) -> std::optional<int> {
    int n = 0;
    for (char c : s.substr(at, len)) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  };
  std::optional<int> day = number(5, 2), year = number(12, 4), hour = number(17, 2),
                     minute = number(20, 2), second = number(23, 2);
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (s.substr(8, 3) == kMonths[m]) month = m + 1;
  }
  if (!day || !year || !hour || !minute || !second || month == 0 || s[7] != ' ' || s[11] != ' ' ||
      s[16] != ' ' || s[19] != ':' || s[22] != ':') {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(month),
                                   std::chrono::day(*day)};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  auto t = std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
           std::chrono::seconds(*second);
  return std::chrono::time_point_cast<Millis>(t);
}

std::string Seconds(Millis d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return text;
}

class AwsChecklist {
 public:
  explicit AwsChecklist(const config::Config& config)
      : config_(config), clients_(config), settings_(AwsQueueSettings(config)) {}

  std::vector<CheckResult> Run() {
    RequiredVariables();
    if (!Credentials()) return std::move(out_);
    ClockSkew();
    Table();
    Queues();
    DynamoDbProbe();
    SqsProbe();
    std::stable_partition(iam_.begin(), iam_.end(),
                          [](const CheckResult& c) { return c.name.starts_with("iam_dynamodb_"); });
    out_.insert(out_.end(), iam_.begin(), iam_.end());
    return std::move(out_);
  }

 private:
  void Add(std::string name, Outcome outcome, std::string detail) {
    out_.push_back({std::move(name), outcome, std::move(detail)});
  }

  // One exercised IAM action: `answer` is its call's answer; error types in `fine` (e.g. a failed
  // condition) still prove the action allowed.
  void Permission(std::string name, std::string_view action, const std::string& on,
                  const StatusOr<aws::AwsAnswer>& answer,
                  std::initializer_list<std::string_view> fine = {}) {
    const std::string act(action);
    if (!answer.ok()) {
      iam_.push_back({std::move(name), Outcome::kFail,
                      act + " could not be exercised on " + on + ": " + answer.status().message()});
      return;
    }
    const aws::AwsAnswer& a = *answer;
    bool allowed = a.ok();
    for (std::string_view f : fine) allowed = allowed || a.error_type == f;
    if (allowed) {
      iam_.push_back({std::move(name), Outcome::kPass, act + " allowed on " + on});
    } else if (IsAccessDenied(a.error_type)) {
      iam_.push_back(
          {std::move(name), Outcome::kFail,
           act + " denied on " + on + ": add it to the IAM policy (" + Describe(a) + ")"});
    } else if (IsCredentialRefusal(a.error_type)) {
      iam_.push_back({std::move(name), Outcome::kFail,
                      act + " not exercised: AWS refused the credentials (" + Describe(a) + ")"});
    } else if (a.error_type == "ResourceNotFoundException" || IsMissingQueue(a.error_type)) {
      iam_.push_back({std::move(name), Outcome::kWarn,
                      act + " not exercised: " + on + " does not exist (run `wagate provision`)"});
    } else {
      iam_.push_back(
          {std::move(name), Outcome::kFail, act + " on " + on + " failed: " + Describe(a)});
    }
  }

  void NotExercised(std::string name, std::string_view action, const std::string& why) {
    iam_.push_back(
        {std::move(name), Outcome::kWarn, std::string(action) + " not exercised: " + why});
  }

  // The seed's required variables (configuration loading has already refused missing ones).
  void RequiredVariables() {
    Add("required_variables", Outcome::kPass,
        "DYNAMODB_TABLE_NAME, AWS_REGION and the six *_QUEUE_URL/*_DLQ_URL are set; "
        "SQS_VISIBILITY_TIMEOUT=" +
            std::to_string(config_.sqs_visibility_timeout) +
            ", SQS_MAX_RECEIVE_COUNT=" + std::to_string(config_.sqs_max_receive_count) +
            ", SQS_WAIT_TIME_SECONDS=" + std::to_string(config_.sqs_wait_time_seconds));
  }

  // Whether the credential chain yields credentials; nothing else can be checked without them.
  bool Credentials() {
    StatusOr<aws::Credentials> credentials = clients_.credentials().Get();
    if (!credentials.ok()) {
      Add("aws_credentials", Outcome::kFail, credentials.status().message());
      return false;
    }
    std::string kind =
        credentials->session_token.empty() ? "long-term access keys" : "temporary credentials";
    if (credentials->expiration) kind += " expiring " + FormatRfc3339(*credentials->expiration);
    Add("aws_credentials", Outcome::kPass, "the credential chain found " + kind);
    return true;
  }

  // The local clock against the Date header of an answer from the DynamoDB endpoint. The header
  // has whole seconds, so the server's time lies in [Date, Date + 1 s) somewhere between sending
  // and receiving; only a skew that no point of that window explains fails.
  void ClockSkew() {
    const std::string endpoint = clients_.dynamodb().options().endpoint;
    net::HttpClient http;
    net::HttpRequest request;
    request.method = "GET";
    request.url = endpoint + "/";
    request.timeout = Millis(5000);
    const Timestamp sent = SystemClock::Instance().Now();
    net::HttpResult result = http.Send(request);
    const Timestamp received = SystemClock::Instance().Now();
    if (!result.ok()) {
      Add("clock_skew", Outcome::kWarn,
          "no answer from " + net::RedactUrl(endpoint) + ": " + result.status().message());
      return;
    }
    const std::string_view header = result.response().Header("date");
    std::optional<Timestamp> server = ParseHttpDate(header);
    if (!server) {
      Add("clock_skew", Outcome::kWarn,
          net::RedactUrl(endpoint) + " answered without a usable Date header");
      return;
    }
    const Millis ahead_at_least =
        std::chrono::duration_cast<Millis>(sent - (*server + Millis(1000)));
    const Millis behind_at_least = std::chrono::duration_cast<Millis>(*server - received);
    const Millis estimate = std::chrono::duration_cast<Millis>((sent + (received - sent) / 2) -
                                                               (*server + Millis(500)));
    const std::string detail =
        "local clock " + std::string(estimate.count() >= 0 ? "ahead of" : "behind") +
        " the AWS Date header by about " + Seconds(estimate.count() >= 0 ? estimate : -estimate) +
        " (limit 2 s)";
    if (ahead_at_least > kMaxClockSkew || behind_at_least > kMaxClockSkew) {
      Add("clock_skew", Outcome::kFail,
          detail + "; synchronise the clock (NTP): signed requests and leases depend on it");
    } else {
      Add("clock_skew", Outcome::kPass, detail);
    }
  }

  void Table() {
    const std::string& name = config_.dynamodb_table_name;
    const std::string on = "table " + name;
    StatusOr<aws::AwsAnswer> answer =
        clients_.dynamodb().Call("DescribeTable", {{"TableName", name}});
    if (answer.ok()) {
      Permission("iam_dynamodb_describe_table", "dynamodb:DescribeTable", on, answer);
    } else {
      NotExercised("iam_dynamodb_describe_table", "dynamodb:DescribeTable",
                   "DynamoDB is unreachable");
    }
    table_unusable_ = !answer.ok() ? "DynamoDB is unreachable"
                      : answer->error_type == "ResourceNotFoundException" ? on + " does not exist"
                                                                          : "";
    if (!answer.ok()) {
      Add("dynamodb_table", Outcome::kFail, "DynamoDB unreachable: " + answer.status().message());
      return;
    }
    if (!answer->ok()) {
      Add("dynamodb_table", Outcome::kFail,
          answer->error_type == "ResourceNotFoundException"
              ? on + " does not exist; run `wagate provision`"
          : IsAccessDenied(answer->error_type)
              ? "dynamodb:DescribeTable denied on " + on + ": add it to the IAM policy"
              : "DescribeTable " + name + ": " + Describe(*answer));
      return;
    }
    const json::object* table = ObjectField(answer->body, "Table");
    if (!table) {
      Add("dynamodb_table", Outcome::kFail, "DescribeTable answered without a table");
      return;
    }
    TableShape(*table);
    Ttl();
    Capacity(*table);
  }

  // dynamodb_table: ACTIVE, and the key schema is exactly msgid (S) as the HASH key.
  void TableShape(const json::object& table) {
    const std::string& name = config_.dynamodb_table_name;
    std::vector<std::string> problems;
    const std::string status = StringField(table, "TableStatus");
    if (status != "ACTIVE")
      problems.push_back("status is " + (status.empty() ? "unknown" : status) + ", not ACTIVE");
    std::string keys;
    bool key_ok = false;
    if (const json::value* schema = table.if_contains("KeySchema"); schema && schema->is_array()) {
      for (const json::value& k : schema->as_array()) {
        if (!k.is_object()) continue;
        if (!keys.empty()) keys += ", ";
        keys += StringField(k.as_object(), "AttributeName") + " " +
                StringField(k.as_object(), "KeyType");
      }
      const json::array& a = schema->as_array();
      key_ok = a.size() == 1 && a[0].is_object() &&
               StringField(a[0].as_object(), "AttributeName") == "msgid" &&
               StringField(a[0].as_object(), "KeyType") == "HASH";
    }
    std::string msgid_type;
    if (const json::value* defs = table.if_contains("AttributeDefinitions");
        defs && defs->is_array()) {
      for (const json::value& d : defs->as_array()) {
        if (d.is_object() && StringField(d.as_object(), "AttributeName") == "msgid") {
          msgid_type = StringField(d.as_object(), "AttributeType");
        }
      }
    }
    if (!key_ok) {
      problems.push_back("key schema is [" + keys + "]; wagate needs exactly msgid HASH");
    } else if (msgid_type != "S") {
      problems.push_back("msgid is of type " + (msgid_type.empty() ? "unknown" : msgid_type) +
                         "; wagate needs S (string)");
    }
    if (!problems.empty()) {
      std::string detail = "table " + name + ": ";
      for (size_t i = 0; i < problems.size(); ++i) detail += (i ? "; " : "") + problems[i];
      Add("dynamodb_table", Outcome::kFail, detail);
    } else {
      Add("dynamodb_table", Outcome::kPass,
          "table " + name + " is ACTIVE with key msgid (S, HASH)");
    }
  }

  // dynamodb_ttl: TTL must be on for the attribute `ttl` (items expire; SPEC §2).
  void Ttl() {
    const std::string& name = config_.dynamodb_table_name;
    StatusOr<aws::AwsAnswer> answer =
        clients_.dynamodb().Call("DescribeTimeToLive", {{"TableName", name}});
    if (!answer.ok()) {
      Add("dynamodb_ttl", Outcome::kFail, "DescribeTimeToLive: " + answer.status().message());
      return;
    }
    if (!answer->ok()) {
      if (aws::IsUnsupportedOperation(answer->error_type)) {
        Add("dynamodb_ttl", Outcome::kWarn,
            "the endpoint has no TTL API; records never expire there");
      } else if (IsAccessDenied(answer->error_type)) {
        Add("dynamodb_ttl", Outcome::kFail,
            "dynamodb:DescribeTimeToLive denied on table " + name + ": wagate check needs it (" +
                Describe(*answer) + ")");
      } else {
        Add("dynamodb_ttl", Outcome::kFail,
            "DescribeTimeToLive " + name + ": " + Describe(*answer));
      }
      return;
    }
    const json::object* description = ObjectField(answer->body, "TimeToLiveDescription");
    const std::string status = description ? StringField(*description, "TimeToLiveStatus") : "";
    const std::string attribute = description ? StringField(*description, "AttributeName") : "";
    if ((status == "ENABLED" || status == "ENABLING") && attribute != "ttl") {
      Add("dynamodb_ttl", Outcome::kFail,
          "TTL is " + status + " on attribute " + attribute + "; wagate writes the expiry to ttl");
    } else if (status == "ENABLED") {
      Add("dynamodb_ttl", Outcome::kPass, "TTL ENABLED on ttl");
    } else if (status == "ENABLING") {
      Add("dynamodb_ttl", Outcome::kWarn, "TTL on ttl is ENABLING (AWS takes up to an hour)");
    } else if (!TtlApiExists()) {
      Add("dynamodb_ttl", Outcome::kWarn,
          "the endpoint has no TTL API (DescribeTimeToLive says " + status +
              ", UpdateTimeToLive is unknown); records never expire there");
    } else {
      Add("dynamodb_ttl", Outcome::kFail,
          "TTL is " + (status.empty() ? std::string("unknown") : status) + " on table " + name +
              "; run `wagate provision` to enable it on ttl");
    }
  }

  // UpdateTimeToLive without a TimeToLiveSpecification: refused by AWS and changes nothing; an
  // endpoint without the TTL API does not know the operation.
  bool TtlApiExists() {
    StatusOr<aws::AwsAnswer> answer =
        clients_.dynamodb().Call("UpdateTimeToLive", {{"TableName", config_.dynamodb_table_name}});
    return !(answer.ok() && aws::IsUnsupportedOperation(answer->error_type));
  }

  // dynamodb_capacity: PROVISIONED needs at least 10 RCU and WCU (the seed), and even then 10 WCU
  // carries only about 2 messages/s (SPEC §6).
  void Capacity(const json::object& table) {
    std::string mode = "PROVISIONED";
    if (const json::object* summary = ObjectField(table, "BillingModeSummary")) {
      if (std::string m = StringField(*summary, "BillingMode"); !m.empty()) mode = m;
    }
    const std::string configured = "; DYNAMODB_BILLING_MODE=" + config_.dynamodb_billing_mode;
    if (mode == "PAY_PER_REQUEST") {
      Add("dynamodb_capacity",
          config_.dynamodb_billing_mode == mode ? Outcome::kPass : Outcome::kWarn,
          "PAY_PER_REQUEST (on demand)" +
              (config_.dynamodb_billing_mode == mode ? std::string() : configured));
      return;
    }
    int64_t rcu = 0;
    int64_t wcu = 0;
    if (const json::object* throughput = ObjectField(table, "ProvisionedThroughput")) {
      rcu = IntField(*throughput, "ReadCapacityUnits").value_or(0);
      wcu = IntField(*throughput, "WriteCapacityUnits").value_or(0);
    }
    const std::string units =
        mode + " with " + std::to_string(rcu) + " RCU and " + std::to_string(wcu) + " WCU";
    if (rcu < kMinCapacityUnits || wcu < kMinCapacityUnits) {
      Add("dynamodb_capacity", Outcome::kFail,
          units + "; the minimum is " + std::to_string(kMinCapacityUnits) + " of each");
      return;
    }
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", static_cast<double>(wcu) / kWritesPerMessage);
    Add("dynamodb_capacity", Outcome::kWarn,
        units + ": only about " + rate + " messages/s (about " + std::to_string(kWritesPerMessage) +
            " writes per message); raise the capacity or use PAY_PER_REQUEST" +
            (config_.dynamodb_billing_mode == mode ? std::string() : configured));
  }

  // queue_<name>: reachable, and its attributes are the configured ones.
  void Queues() {
    std::array<StatusOr<aws::AwsAnswer>, 6> answers{UnavailableError(""), UnavailableError(""),
                                                    UnavailableError(""), UnavailableError(""),
                                                    UnavailableError(""), UnavailableError("")};
    std::array<std::map<std::string, std::string>, 6> attributes;
    for (size_t i = 0; i < kAwsQueueSlots.size(); ++i) {
      answers[i] = clients_.sqs().Call(
          "GetQueueAttributes",
          {{"QueueUrl", config_.*kAwsQueueSlots[i].url}, {"AttributeNames", json::array{"All"}}});
      if (!answers[i].ok() || IsMissingQueue(answers[i]->error_type)) {
        // Nothing can be exercised on a queue that does not answer.
        if (kAwsQueueSlots[i].url == &config::Config::analytics_dlq_url) {
          analytics_dlq_unusable_ = std::string(kAwsQueueSlots[i].variable) +
                                    (answers[i].ok() ? " names no queue" : " did not answer");
        }
      }
      if (!answers[i].ok() || !answers[i]->ok()) continue;
      if (const json::object* a = ObjectField(answers[i]->body, "Attributes")) {
        for (const auto& [name, value] : *a) {
          if (value.is_string()) attributes[i][std::string(name)] = std::string(value.as_string());
        }
      }
    }
    // The dead-letter queue of each source queue is the slot 3 further on.
    for (size_t i = 0; i < kAwsQueueSlots.size(); ++i) {
      const AwsQueueSlot& slot = kAwsQueueSlots[i];
      const std::string check = "queue_" + Underscored(slot.ref.Name());
      const std::string& url = config_.*slot.url;
      if (!answers[i].ok()) {
        Add(check, Outcome::kFail,
            std::string(slot.variable) + " unreachable: " + answers[i].status().message());
        continue;
      }
      if (!answers[i]->ok()) {
        const aws::AwsAnswer& a = *answers[i];
        Add(check, Outcome::kFail,
            IsMissingQueue(a.error_type)
                ? std::string(slot.variable) + "=" + url +
                      " names no queue; run `wagate provision` and use the URLs it prints"
            : IsAccessDenied(a.error_type)
                ? "sqs:GetQueueAttributes denied on " + QueueNameOf(url) +
                      ": add it to the IAM policy"
                : std::string(slot.variable) + ": GetQueueAttributes: " + Describe(a));
        continue;
      }
      const std::map<std::string, std::string>* dlq =
          slot.ref.dead_letter ? nullptr : &attributes[i + 3];
      const std::string dlq_url = slot.ref.dead_letter ? "" : config_.*kAwsQueueSlots[i + 3].url;
      CompareQueue(check, slot, attributes[i], dlq, dlq_url);
    }
    SqsPermissionSummary(answers);
  }

  static std::string Underscored(std::string s) {
    for (char& c : s) c = c == '-' ? '_' : c;
    return s;
  }

  void CompareQueue(const std::string& check, const AwsQueueSlot& slot,
                    const std::map<std::string, std::string>& actual,
                    const std::map<std::string, std::string>* dlq, const std::string& dlq_url) {
    const std::string& url = config_.*slot.url;
    std::string name = QueueNameOf(actual.contains("QueueArn") ? actual.at("QueueArn") : url);
    std::vector<std::string> mismatches;
    auto expect = [&](const char* attribute, int64_t wanted, const char* variable) {
      auto it = actual.find(attribute);
      const std::string want = std::to_string(wanted);
      if (it == actual.end()) {
        mismatches.push_back(std::string(attribute) + " is not reported, " + variable + "=" + want);
      } else if (it->second != want) {
        mismatches.push_back(std::string(attribute) + " is " + it->second + " but " + variable +
                             "=" + want);
      }
    };
    expect("VisibilityTimeout", settings_.visibility_timeout_seconds, "SQS_VISIBILITY_TIMEOUT");
    expect("MessageRetentionPeriod", settings_.retention_seconds, "SQS_MESSAGE_RETENTION_SECONDS");
    expect("ReceiveMessageWaitTimeSeconds", settings_.receive_wait_seconds,
           "SQS_WAIT_TIME_SECONDS");
    std::string redrive_summary;
    if (!slot.ref.dead_letter) {
      // The dead-letter queue it must name: the configured DLQ's ARN when it answered, else its
      // name.
      const std::string dlq_arn = dlq && dlq->contains("QueueArn") ? dlq->at("QueueArn") : "";
      const std::string dlq_name = QueueNameOf(dlq_arn.empty() ? dlq_url : dlq_arn);
      auto policy_text = actual.find("RedrivePolicy");
      boost::system::error_code ec;
      json::value policy =
          policy_text == actual.end() ? json::value() : json::parse(policy_text->second, ec);
      if (policy_text == actual.end()) {
        mismatches.push_back("RedrivePolicy is not set; it must send to " + dlq_name +
                             " after SQS_MAX_RECEIVE_COUNT=" +
                             std::to_string(settings_.max_receive_count) + " receives");
      } else if (ec || !policy.is_object()) {
        mismatches.push_back("RedrivePolicy is not a JSON object");
      } else {
        const std::string target = StringField(policy.as_object(), "deadLetterTargetArn");
        const bool same = dlq_arn.empty() ? QueueNameOf(target) == dlq_name : target == dlq_arn;
        if (!same) {
          mismatches.push_back("RedrivePolicy sends dead letters to " +
                               (target.empty() ? std::string("nothing") : QueueNameOf(target)) +
                               ", not to " + dlq_name + " (" +
                               kAwsQueueSlots[static_cast<size_t>(slot.ref.source) + 3].variable +
                               ")");
        }
        std::optional<int64_t> count = IntField(policy.as_object(), "maxReceiveCount");
        if (count != settings_.max_receive_count) {
          mismatches.push_back(
              "RedrivePolicy maxReceiveCount is " +
              (count ? std::to_string(*count) : std::string("missing")) +
              " but SQS_MAX_RECEIVE_COUNT=" + std::to_string(settings_.max_receive_count));
        }
        redrive_summary = ", redrive to " + dlq_name + " after " +
                          std::to_string(settings_.max_receive_count) + " receives";
      }
    }
    if (!mismatches.empty()) {
      std::string detail = name + ": ";
      for (size_t i = 0; i < mismatches.size(); ++i) detail += (i ? "; " : "") + mismatches[i];
      Add(check, Outcome::kFail, detail + " (`wagate provision` sets the configured values)");
      return;
    }
    std::string detail = name + ": VisibilityTimeout " +
                         std::to_string(settings_.visibility_timeout_seconds) +
                         ", MessageRetentionPeriod " + std::to_string(settings_.retention_seconds) +
                         ", ReceiveMessageWaitTimeSeconds " +
                         std::to_string(settings_.receive_wait_seconds) + redrive_summary;
    const std::string expected_name = settings_.prefix + slot.ref.Name();
    if (name != expected_name) {
      Add(check, Outcome::kWarn,
          detail + "; its name is not SQS_QUEUE_PREFIX + " + slot.ref.Name() + " (" +
              expected_name + "): is " + slot.variable + " the right queue?");
      return;
    }
    Add(check, Outcome::kPass, detail);
  }

  void SqsPermissionSummary(const std::array<StatusOr<aws::AwsAnswer>, 6>& answers) {
    std::string denied;
    int allowed = 0;
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].ok()) continue;
      if (answers[i]->ok()) {
        ++allowed;
      } else if (IsAccessDenied(answers[i]->error_type)) {
        denied += (denied.empty() ? "" : ", ") + QueueNameOf(config_.*kAwsQueueSlots[i].url);
      }
    }
    if (!denied.empty()) {
      iam_.push_back({"iam_sqs_get_queue_attributes", Outcome::kFail,
                      "sqs:GetQueueAttributes denied on " + denied + ": add it to the IAM policy"});
    } else if (allowed == static_cast<int>(answers.size())) {
      iam_.push_back({"iam_sqs_get_queue_attributes", Outcome::kPass,
                      "sqs:GetQueueAttributes allowed on the six queues"});
    } else if (allowed > 0) {
      iam_.push_back({"iam_sqs_get_queue_attributes", Outcome::kPass,
                      "sqs:GetQueueAttributes allowed on the " + std::to_string(allowed) +
                          " queues that answered"});
    } else {
      NotExercised("iam_sqs_get_queue_attributes", "sqs:GetQueueAttributes", "no queue answered");
    }
  }

  // GetItem, PutItem and UpdateItem on the probe key; the writes only create or change a probe.
  void DynamoDbProbe() {
    const std::string& table = config_.dynamodb_table_name;
    const std::string on = "table " + table;
    const json::object key{{"msgid", aws::S(kProbeKey)}};
    const int64_t now_ms = ToUnixMillis(SystemClock::Instance().Now());
    const int64_t ttl = now_ms / 1000 + kProbeTtlSeconds;
    if (!table_unusable_.empty()) {
      for (const auto& [name, action] :
           {std::pair{"iam_dynamodb_get_item", "dynamodb:GetItem"},
            std::pair{"iam_dynamodb_put_item", "dynamodb:PutItem"},
            std::pair{"iam_dynamodb_update_item", "dynamodb:UpdateItem"}}) {
        NotExercised(name, action, table_unusable_);
      }
      return;
    }

    Permission("iam_dynamodb_get_item", "dynamodb:GetItem", on,
               clients_.dynamodb().Call(
                   "GetItem", {{"TableName", table}, {"Key", key}, {"ConsistentRead", true}}));
    Permission(
        "iam_dynamodb_put_item", "dynamodb:PutItem", on,
        clients_.dynamodb().Call(
            "PutItem", {{"TableName", table},
                        {"Item",
                         {{"msgid", aws::S(kProbeKey)},
                          {"probe", aws::Bool(true)},
                          {"probed_at", aws::N(now_ms)},
                          {"ttl", aws::N(ttl)}}},
                        {"ConditionExpression", "attribute_not_exists(#k) OR attribute_exists(#p)"},
                        {"ExpressionAttributeNames", {{"#k", "msgid"}, {"#p", "probe"}}}}),
        {"ConditionalCheckFailedException"});
    Permission(
        "iam_dynamodb_update_item", "dynamodb:UpdateItem", on,
        clients_.dynamodb().Call(
            "UpdateItem",
            {{"TableName", table},
             {"Key", key},
             {"UpdateExpression", "SET #a = :a, #t = :t"},
             {"ConditionExpression", "attribute_exists(#p)"},
             {"ExpressionAttributeNames", {{"#a", "probed_at"}, {"#t", "ttl"}, {"#p", "probe"}}},
             {"ExpressionAttributeValues", {{":a", aws::N(now_ms)}, {":t", aws::N(ttl)}}}}),
        {"ConditionalCheckFailedException"});
  }

  static std::string MessageAttribute(const json::object& message, std::string_view name) {
    const json::object* attributes = ObjectField(message, "MessageAttributes");
    const json::object* attribute = attributes ? ObjectField(*attributes, name) : nullptr;
    return attribute ? StringField(*attribute, "StringValue") : "";
  }

  // SendMessage, ReceiveMessage, ChangeMessageVisibility and DeleteMessage with one probe
  // message in the analytics dead-letter queue.
  void SqsProbe() {
    aws::AwsJsonClient& sqs = clients_.sqs();
    const std::string& url = config_.analytics_dlq_url;
    const std::string on = QueueNameOf(url);
    if (!analytics_dlq_unusable_.empty()) {
      for (const auto& [name, action] :
           {std::pair{"iam_sqs_send_message", "sqs:SendMessage"},
            std::pair{"iam_sqs_receive_message", "sqs:ReceiveMessage"},
            std::pair{"iam_sqs_change_message_visibility", "sqs:ChangeMessageVisibility"},
            std::pair{"iam_sqs_delete_message", "sqs:DeleteMessage"}}) {
        NotExercised(name, action, analytics_dlq_unusable_);
      }
      return;
    }
    std::string probe_id;
    for (int i = 0; i < 4; ++i) {
      char part[9];
      std::snprintf(part, sizeof part, "%08llx",
                    static_cast<unsigned long long>(random_.UpTo(0xffffffffULL)));
      probe_id += part;
    }
    auto string_attribute = [](const std::string& value) {
      return json::object{{"DataType", "String"}, {"StringValue", value}};
    };
    StatusOr<aws::AwsAnswer> sent =
        sqs.Call("SendMessage",
                 {{"QueueUrl", url},
                  {"MessageBody", "wagate check probe " + probe_id},
                  {"MessageAttributes",
                   {{"key", string_attribute(kProbeKey)}, {"probe", string_attribute(probe_id)}}}});
    Permission("iam_sqs_send_message", "sqs:SendMessage", on, sent);
    const bool probe_sent = sent.ok() && sent->ok();

    std::optional<StatusOr<aws::AwsAnswer>> received;    // the first receive's answer
    std::optional<StatusOr<aws::AwsAnswer>> visibility;  // the first visibility change's answer
    std::string receipt;                                 // our probe's, once received
    for (int round = 0; round < (probe_sent ? kProbeReceives : 1) && receipt.empty(); ++round) {
      StatusOr<aws::AwsAnswer> answer = sqs.Call("ReceiveMessage",
                                                 {{"QueueUrl", url},
                                                  {"MaxNumberOfMessages", 10},
                                                  {"VisibilityTimeout", 30},
                                                  {"WaitTimeSeconds", 1},
                                                  {"MessageAttributeNames", json::array{"All"}}},
                                                 Millis(1000));
      if (!received) received = answer;
      if (!answer.ok() || !answer->ok()) break;
      const json::value* messages = answer->body.if_contains("Messages");
      if (!messages || !messages->is_array()) continue;
      for (const json::value& m : messages->as_array()) {
        if (!m.is_object()) continue;
        const std::string handle = StringField(m.as_object(), "ReceiptHandle");
        if (MessageAttribute(m.as_object(), "key") != kProbeKey) {
          // Not ours: visible again at once, as if never received.
          StatusOr<aws::AwsAnswer> changed =
              sqs.Call("ChangeMessageVisibility",
                       {{"QueueUrl", url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", 0}});
          if (!visibility) visibility = changed;
        } else if (MessageAttribute(m.as_object(), "probe") == probe_id) {
          receipt = handle;
        } else {
          (void)sqs.Call("DeleteMessage",
                         {{"QueueUrl", url}, {"ReceiptHandle", handle}});  // an old probe
        }
      }
    }
    Permission("iam_sqs_receive_message", "sqs:ReceiveMessage", on, *received);
    if (receipt.empty()) {
      const std::string why = !probe_sent ? "no probe message could be sent"
                              : !received->ok() || !(*received)->ok()
                                  ? "the probe message could not be received"
                                  : "the probe message did not come back in " +
                                        std::to_string(kProbeReceives) +
                                        " receives (the next check deletes it)";
      if (visibility) {
        Permission("iam_sqs_change_message_visibility", "sqs:ChangeMessageVisibility", on,
                   *visibility);
      } else {
        NotExercised("iam_sqs_change_message_visibility", "sqs:ChangeMessageVisibility", why);
      }
      NotExercised("iam_sqs_delete_message", "sqs:DeleteMessage", why);
      return;
    }
    Permission("iam_sqs_change_message_visibility", "sqs:ChangeMessageVisibility", on,
               sqs.Call("ChangeMessageVisibility",
                        {{"QueueUrl", url}, {"ReceiptHandle", receipt}, {"VisibilityTimeout", 5}}));
    Permission("iam_sqs_delete_message", "sqs:DeleteMessage", on,
               sqs.Call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", receipt}}));
  }

  const config::Config& config_;
  AwsClients clients_;
  const aws::QueueSettings settings_;
  SystemRandom random_;
  // Why the probes cannot run ("" when they can): the table or the analytics DLQ is missing or
  // unreachable, which their own checks already report as failures.
  std::string table_unusable_;
  std::string analytics_dlq_unusable_;
  std::vector<CheckResult> out_;
  std::vector<CheckResult> iam_;  // the permission checks, reported last
};

}  // namespace

std::vector<CheckResult> AwsCheck(const config::Config& config) {
  return AwsChecklist(config).Run();
}

}  // namespace wagate::app
