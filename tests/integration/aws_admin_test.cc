// `wagate provision` and `wagate check` on the aws backend: the real binary against dynalite and
// fauxqs (tests/emulators), with a fresh table and queue prefix per test. What provision made is
// read back through the emulators' own APIs with plain HTTP, not through wagate's AWS clients.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "wagate/net/http_client.h"
#include "wagate/testing/aws_emulators.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/json_schema.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::integration {
namespace {

namespace json = boost::json;

constexpr char kAccessKeyId[] = "AKIDWAGATEADMINIT";
constexpr char kSecretKey[] = "it-admin-secret-5e1f-never-printed";

constexpr const char* kUrlVariables[] = {"INCOMING_QUEUE_URL",  "OUTGOING_QUEUE_URL",
                                         "ANALYTICS_QUEUE_URL", "INCOMING_DLQ_URL",
                                         "OUTGOING_DLQ_URL",    "ANALYTICS_DLQ_URL"};

// One AWS JSON-protocol call straight to an emulator. dynalite wants a SigV4-shaped
// Authorization header and an X-Amz-Date but checks no signature; fauxqs wants nothing.
json::object EmulatorCall(const std::string& endpoint, const std::string& target,
                          const json::object& body) {
  net::HttpClient http;
  net::HttpRequest request;
  request.method = "POST";
  request.url = endpoint + "/";
  request.body = json::serialize(body);
  request.headers = {{"content-type", "application/x-amz-json-1.0"},
                     {"x-amz-target", target},
                     {"x-amz-date", "20260101T000000Z"},
                     {"authorization",
                      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, "
                      "SignedHeaders=host, "
                      "Signature=00"}};
  net::HttpResult result = http.Send(request);
  EXPECT_TRUE(result.ok()) << result.status().message();
  if (!result.ok()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(result.response().body, ec);
  EXPECT_FALSE(ec) << result.response().body;
  EXPECT_EQ(result.response().status, 200) << target << ": " << result.response().body;
  return v.is_object() ? v.as_object() : json::object{};
}

// The checks of a `check --json` document by name.
std::map<std::string, json::object> ChecksByName(const json::value& doc) {
  std::map<std::string, json::object> out;
  for (const json::value& c : doc.at("checks").as_array()) {
    out[std::string(c.at("name").as_string())] = c.as_object();
  }
  return out;
}

std::string Result(const json::object& check) {
  return std::string(check.at("result").as_string());
}
std::string Detail(const json::object& check) {
  return std::string(check.at("detail").as_string());
}

// `t` as an HTTP Date header value (IMF-fixdate).
std::string HttpDate(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// A stand-in for an AWS endpoint in front of an emulator: refuses the `denied` operations as an
// IAM policy without them would (AccessDeniedException), forwards every other call, and answers
// GET / (the clock probe) with a Date header `skew` away from now.
std::unique_ptr<testing::FakeHttpServer> DenyingProxy(const std::string& upstream,
                                                      std::set<std::string> denied,
                                                      std::chrono::seconds skew) {
  auto handler = [upstream, denied, skew](const testing::RecordedRequest& r) {
    testing::FakeResponse response;
    if (r.method == "GET") {
      response.headers = {{"Date", HttpDate(std::chrono::system_clock::now() + skew)}};
      response.body = "healthy";
      return response;
    }
    const std::string target = r.Header("x-amz-target").value_or("");
    const std::string operation = target.substr(target.find('.') + 1);
    if (denied.contains(operation)) {
      response.status = 400;
      response.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
      response.body = json::serialize(json::object{
          {"__type", "com.amazon.coral.service#AccessDeniedException"},
          {"message",
           "User: arn:aws:sts::123456789012:assumed-role/wagate/i-1 is not authorized to "
           "perform: " +
               std::string(target.starts_with("Dynamo") ? "dynamodb:" : "sqs:") + operation}});
      return response;
    }
    net::HttpClient http;
    net::HttpRequest forward;
    forward.method = r.method;
    forward.url = upstream + r.target;
    forward.body = r.body;
    for (const char* name : {"content-type", "x-amz-target", "x-amz-date", "authorization"}) {
      if (std::optional<std::string> v = r.Header(name)) forward.headers.emplace_back(name, *v);
    }
    net::HttpResult result = http.Send(forward);
    if (!result.ok())
      return testing::FakeResponse{.status = 502, .body = result.status().message()};
    response.status = result.response().status;
    response.body = result.response().body;
    response.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
    return response;
  };
  StatusOr<std::unique_ptr<testing::FakeHttpServer>> server =
      testing::FakeHttpServer::Create(handler);
  EXPECT_TRUE(server.ok()) << server.status().message();
  return server.ok() ? std::move(*server) : nullptr;
}

class AwsAdminTest : public ::testing::Test {
 protected:
  AwsAdminTest()
      : emulators_(testing::SharedAwsEmulators()),
        prefix_(testing::UniqueAwsPrefix()),
        table_(prefix_ + "dedup") {}

  // The aws configuration of this test, without the six queue URLs.
  Env AwsEnv() const {
    return Env{{"WAGATE_BACKEND", "aws"},
               {"WAGATE_DATA_DIR", data_.path()},
               {"AWS_REGION", "us-east-1"},
               {"AWS_ACCESS_KEY_ID", kAccessKeyId},
               {"AWS_SECRET_ACCESS_KEY", kSecretKey},
               {"AWS_EC2_METADATA_DISABLED", "true"},
               {"AWS_ENDPOINT_URL_DYNAMODB", emulators_.dynamodb_endpoint()},
               {"AWS_ENDPOINT_URL_SQS", emulators_.sqs_endpoint()},
               {"DYNAMODB_TABLE_NAME", table_},
               {"SQS_QUEUE_PREFIX", prefix_},
               {"LOG_LEVEL", "debug"}};
  }

  // `wagate <args>`; no output ever contains the AWS keys.
  static CommandResult Run(const std::vector<std::string>& args, const Env& env) {
    CommandResult r = RunWagate(args, env);
    for (const std::string* text : {&r.out, &r.err}) {
      EXPECT_EQ(text->find(kSecretKey), std::string::npos)
          << "secret key printed by " << args[0] << ":\n"
          << *text;
      EXPECT_EQ(text->find(kAccessKeyId), std::string::npos)
          << "key id printed by " << args[0] << ":\n"
          << *text;
    }
    return r;
  }

  // Runs provision and returns the VAR=url lines it printed, by variable. Every other line is a
  // comment.
  std::map<std::string, std::string> Provision(const Env& env) {
    CommandResult r = Run({"provision"}, env);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::map<std::string, std::string> urls;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line.starts_with("# ")) continue;
      size_t eq = line.find('=');
      EXPECT_NE(eq, std::string::npos) << "neither a comment nor VAR=value: " << line;
      if (eq != std::string::npos) urls[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return urls;
  }

  // AwsEnv() with the queue URLs provision printed.
  Env ProvisionedEnv() {
    Env env = AwsEnv();
    for (const auto& [name, url] : Provision(env)) env[name] = url;
    return env;
  }

  json::object QueueAttributes(const std::string& url) {
    json::object answer = EmulatorCall(emulators_.sqs_endpoint(), "AmazonSQS.GetQueueAttributes",
                                       {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}});
    return answer.contains("Attributes") ? answer.at("Attributes").as_object() : json::object{};
  }

  testing::AwsEmulators& emulators_;
  const std::string prefix_;
  const std::string table_;
  testing::TempDir data_;
};

TEST_F(AwsAdminTest, CheckWithoutTheQueueUrlsFailsNamingEachMissingVariable) {
  CommandResult r = Run({"check"}, AwsEnv());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  for (const char* name : kUrlVariables) {
    EXPECT_NE(r.out.find(std::string("❌ required_variables: ") + name + " is required"),
              std::string::npos)
        << name << " in:\n"
        << r.out;
  }
  CommandResult j = Run({"check", "--json"}, AwsEnv());
  EXPECT_EQ(j.exit_code, 1);
  json::value doc = json::parse(j.out);
  EXPECT_FALSE(doc.at("ok").as_bool());
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), doc),
            std::vector<std::string>{});
}

TEST_F(AwsAdminTest, CheckBeforeProvisionFailsOnTheMissingTableAndQueues) {
  Env env = AwsEnv();
  for (const char* name : kUrlVariables)
    env[name] = emulators_.sqs_endpoint() + "/000000000000/" + prefix_ + "none";
  CommandResult r = Run({"check", "--json"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json::value doc = json::parse(r.out);
  EXPECT_FALSE(doc.at("ok").as_bool());
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), doc),
            std::vector<std::string>{});
  std::map<std::string, json::object> checks = ChecksByName(doc);
  ASSERT_TRUE(checks.contains("dynamodb_table")) << r.out;
  EXPECT_EQ(Result(checks["dynamodb_table"]), "fail");
  EXPECT_NE(Detail(checks["dynamodb_table"]).find("does not exist; run `wagate provision`"),
            std::string::npos);
  ASSERT_TRUE(checks.contains("queue_incoming")) << r.out;
  EXPECT_EQ(Result(checks["queue_incoming"]), "fail");
  EXPECT_NE(Detail(checks["queue_incoming"]).find("INCOMING_QUEUE_URL="), std::string::npos)
      << Detail(checks["queue_incoming"]);
  EXPECT_EQ(Result(checks["aws_credentials"]), "pass");
}

TEST_F(AwsAdminTest, ProvisionCreatesTheTableAndQueuesIdempotently) {
  const Env env = AwsEnv();  // no queue URLs: provision runs before they exist
  CommandResult first = Run({"provision"}, env);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.err.find("warning: the DynamoDB endpoint has no TTL API"), std::string::npos)
      << first.err;
  EXPECT_NE(first.out.find("# warning: the DynamoDB endpoint has no TTL API"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("# wagate provision: DynamoDB table " + table_ + " created"),
            std::string::npos)
      << first.out;

  std::map<std::string, std::string> urls = Provision(env);
  ASSERT_EQ(urls.size(), 6u) << "exactly the six URL lines";
  for (const char* name : kUrlVariables) {
    ASSERT_TRUE(urls.contains(name)) << name;
    EXPECT_EQ(urls[name].rfind(emulators_.sqs_endpoint() + "/", 0), 0u) << urls[name];
    EXPECT_NE(first.out.find(std::string(name) + "=" + urls[name] + "\n"), std::string::npos)
        << "the second run prints the URLs of the first";
  }
  EXPECT_NE(urls["INCOMING_DLQ_URL"].find(prefix_ + "incoming-dlq"), std::string::npos);

  // The JSON document, from a third (idempotent) run.
  CommandResult j = Run({"provision", "--json"}, env);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json::value doc = json::parse(j.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("provision.json"), doc),
            std::vector<std::string>{});
  EXPECT_TRUE(doc.at("ok").as_bool());
  EXPECT_EQ(doc.at("backend").as_string(), "aws");
  EXPECT_EQ(doc.at("table").at("name").as_string(), table_);
  EXPECT_FALSE(doc.at("table").at("created").as_bool()) << "it existed";
  EXPECT_EQ(doc.at("table").at("ttl").as_string(), "unsupported");
  EXPECT_EQ(doc.at("table").at("billing_mode").as_string(), "PAY_PER_REQUEST");
  ASSERT_EQ(doc.at("queues").as_array().size(), 6u);
  for (const json::value& q : doc.at("queues").as_array()) {
    const std::string variable(q.at("variable").as_string());
    EXPECT_EQ(q.at("url").as_string(), urls[variable]);
    EXPECT_EQ(std::string(q.at("url").as_string()).substr(urls[variable].rfind('/') + 1),
              q.at("name").as_string());
  }
  EXPECT_EQ(doc.at("warnings").as_array().size(), 1u);

  // The table as dynalite describes it.
  json::object table = EmulatorCall(emulators_.dynamodb_endpoint(),
                                    "DynamoDB_20120810.DescribeTable", {{"TableName", table_}})
                           .at("Table")
                           .as_object();
  EXPECT_EQ(table.at("TableStatus").as_string(), "ACTIVE");
  EXPECT_EQ(json::serialize(table.at("KeySchema")),
            R"([{"AttributeName":"msgid","KeyType":"HASH"}])");
  EXPECT_EQ(json::serialize(table.at("AttributeDefinitions")),
            R"([{"AttributeName":"msgid","AttributeType":"S"}])");
  EXPECT_EQ(table.at("BillingModeSummary").at("BillingMode").as_string(), "PAY_PER_REQUEST");

  // The queues as fauxqs describes them: the seed's attributes and the redrive policies.
  for (const char* source : {"INCOMING", "OUTGOING", "ANALYTICS"}) {
    json::object dlq = QueueAttributes(urls[std::string(source) + "_DLQ_URL"]);
    json::object queue = QueueAttributes(urls[std::string(source) + "_QUEUE_URL"]);
    for (const json::object* a : {&dlq, &queue}) {
      EXPECT_EQ(a->at("VisibilityTimeout").as_string(), "900") << source;
      EXPECT_EQ(a->at("MessageRetentionPeriod").as_string(), "1209600") << source;
      EXPECT_EQ(a->at("ReceiveMessageWaitTimeSeconds").as_string(), "20") << source;
    }
    EXPECT_FALSE(dlq.contains("RedrivePolicy")) << source;
    ASSERT_TRUE(queue.contains("RedrivePolicy")) << source;
    json::value policy = json::parse(queue.at("RedrivePolicy").as_string());
    EXPECT_EQ(policy.at("deadLetterTargetArn").as_string(), dlq.at("QueueArn").as_string())
        << source;
    const json::value& count = policy.at("maxReceiveCount");
    EXPECT_EQ(count.is_string() ? std::string(count.as_string()) : json::serialize(count), "3")
        << source;
  }
}

TEST_F(AwsAdminTest, ProvisionOutputAppendsToDotEnvAsItIs) {
  testing::TempDir dir;
  const std::string env_file = dir.path() + "/.env";
  Env env = AwsEnv();
  {
    std::ofstream file(env_file);
    for (const auto& [name, value] : env) file << name << "=" << value << "\n";
  }
  CommandResult provision = Run({"provision"}, env);
  ASSERT_EQ(provision.exit_code, 0) << provision.err;
  std::ofstream(env_file, std::ios::app) << provision.out;
  CommandResult check = Run({"--env-file", env_file, "check"}, Env{});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(AwsAdminTest, CheckAfterProvisionPassesEverythingButTtlOnTheEmulators) {
  const Env env = ProvisionedEnv();
  // A dead letter that is not check's: it must be left as it was.
  EmulatorCall(emulators_.sqs_endpoint(), "AmazonSQS.SendMessage",
               {{"QueueUrl", env.at("ANALYTICS_DLQ_URL")},
                {"MessageBody", "someone's dead letter"},
                {"MessageAttributes",
                 {{"key", {{"DataType", "String"}, {"StringValue", "msg:wamid.OTHER"}}}}}});

  CommandResult r = Run({"check", "--json"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  json::value doc = json::parse(r.out);
  EXPECT_TRUE(doc.at("ok").as_bool());
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), doc),
            std::vector<std::string>{});
  std::map<std::string, json::object> checks = ChecksByName(doc);
  for (const char* name : {"configuration",
                           "required_variables",
                           "aws_credentials",
                           "clock_skew",
                           "dynamodb_table",
                           "dynamodb_capacity",
                           "queue_incoming",
                           "queue_outgoing",
                           "queue_analytics",
                           "queue_incoming_dlq",
                           "queue_outgoing_dlq",
                           "queue_analytics_dlq",
                           "iam_dynamodb_describe_table",
                           "iam_dynamodb_get_item",
                           "iam_dynamodb_put_item",
                           "iam_dynamodb_update_item",
                           "iam_sqs_get_queue_attributes",
                           "iam_sqs_send_message",
                           "iam_sqs_receive_message",
                           "iam_sqs_change_message_visibility",
                           "iam_sqs_delete_message"}) {
    ASSERT_TRUE(checks.contains(name)) << name << " missing in " << r.out;
    EXPECT_EQ(Result(checks[name]), "pass") << name << ": " << Detail(checks[name]);
  }
  ASSERT_TRUE(checks.contains("dynamodb_ttl"));
  EXPECT_EQ(Result(checks["dynamodb_ttl"]), "warn") << Detail(checks["dynamodb_ttl"]);
  EXPECT_NE(Detail(checks["dynamodb_ttl"]).find("no TTL API"), std::string::npos);
  EXPECT_EQ(checks.size(), doc.at("checks").as_array().size()) << "names are unique";
  EXPECT_NE(Detail(checks["queue_incoming"])
                .find("redrive to " + prefix_ + "incoming-dlq after 3 receives"),
            std::string::npos)
      << Detail(checks["queue_incoming"]);

  // The probe item is a probe, and the probe message is gone while the other dead letter is
  // visible again.
  json::object probe =
      EmulatorCall(emulators_.dynamodb_endpoint(), "DynamoDB_20120810.GetItem",
                   {{"TableName", table_}, {"Key", {{"msgid", {{"S", "check:probe"}}}}}});
  ASSERT_TRUE(probe.contains("Item"));
  EXPECT_TRUE(probe.at("Item").at("probe").at("BOOL").as_bool());
  std::vector<std::string> keys;
  for (int i = 0; i < 3; ++i) {
    json::object got = EmulatorCall(emulators_.sqs_endpoint(), "AmazonSQS.ReceiveMessage",
                                    {{"QueueUrl", env.at("ANALYTICS_DLQ_URL")},
                                     {"MaxNumberOfMessages", 10},
                                     {"WaitTimeSeconds", 0},
                                     {"MessageAttributeNames", json::array{"All"}}});
    if (!got.contains("Messages")) continue;
    for (const json::value& m : got.at("Messages").as_array()) {
      keys.push_back(
          std::string(m.at("MessageAttributes").at("key").at("StringValue").as_string()));
    }
  }
  EXPECT_EQ(keys, std::vector<std::string>{"msg:wamid.OTHER"});

  // The human form: one ✅/⚠ line per check, in the same order.
  CommandResult human = Run({"check"}, env);
  EXPECT_EQ(human.exit_code, 0) << human.out;
  EXPECT_NE(human.out.find("✅ dynamodb_table: "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("⚠ dynamodb_ttl: "), std::string::npos) << human.out;
  EXPECT_EQ(human.out.find("❌"), std::string::npos) << human.out;
}

TEST_F(AwsAdminTest, CheckNamesEveryQueueAttributeThatDiffersFromTheConfiguration) {
  Env env = ProvisionedEnv();
  env["SQS_VISIBILITY_TIMEOUT"] = "60";
  env["SQS_MAX_RECEIVE_COUNT"] = "5";
  CommandResult r = Run({"check", "--json"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json::value doc = json::parse(r.out);
  EXPECT_FALSE(doc.at("ok").as_bool());
  std::map<std::string, json::object> checks = ChecksByName(doc);
  for (const char* name : {"queue_incoming", "queue_outgoing", "queue_analytics",
                           "queue_incoming_dlq", "queue_outgoing_dlq", "queue_analytics_dlq"}) {
    ASSERT_TRUE(checks.contains(name)) << name;
    EXPECT_EQ(Result(checks[name]), "fail") << name;
    EXPECT_NE(Detail(checks[name]).find("VisibilityTimeout is 900 but SQS_VISIBILITY_TIMEOUT=60"),
              std::string::npos)
        << Detail(checks[name]);
    EXPECT_EQ(Detail(checks[name]).find("MessageRetentionPeriod is"), std::string::npos)
        << Detail(checks[name]);
  }
  EXPECT_NE(Detail(checks["queue_outgoing"])
                .find("RedrivePolicy maxReceiveCount is 3 but SQS_MAX_RECEIVE_COUNT=5"),
            std::string::npos)
      << Detail(checks["queue_outgoing"]);
  EXPECT_EQ(Detail(checks["queue_outgoing_dlq"]).find("RedrivePolicy"), std::string::npos);
  EXPECT_EQ(Result(checks["dynamodb_table"]), "pass");

  CommandResult human = Run({"check"}, env);
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_NE(human.out.find("❌ queue_incoming: " + prefix_ + "incoming: VisibilityTimeout is 900"),
            std::string::npos)
      << human.out;

  // Provision brings the queues in line with the configuration, and check passes again.
  Provision(env);
  CommandResult fixed = Run({"check"}, env);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out;
}

TEST_F(AwsAdminTest, CheckNamesARedrivePolicyToTheWrongQueue) {
  Env env = ProvisionedEnv();
  // The incoming queue's dead letters go to the outgoing DLQ.
  json::object outgoing_dlq = QueueAttributes(env.at("OUTGOING_DLQ_URL"));
  EmulatorCall(emulators_.sqs_endpoint(), "AmazonSQS.SetQueueAttributes",
               {{"QueueUrl", env.at("INCOMING_QUEUE_URL")},
                {"Attributes",
                 {{"RedrivePolicy", json::serialize(json::object{
                                        {"deadLetterTargetArn", outgoing_dlq.at("QueueArn")},
                                        {"maxReceiveCount", 3}})}}}});
  CommandResult r = Run({"check"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.out.find("❌ queue_incoming: " + prefix_ + "incoming: RedrivePolicy sends dead letters to " +
                 prefix_ + "outgoing-dlq, not to " + prefix_ + "incoming-dlq (INCOMING_DLQ_URL)"),
      std::string::npos)
      << r.out;
}

TEST_F(AwsAdminTest, ProvisionedCapacityIsAWarningAboutThroughput) {
  Env env = AwsEnv();
  env["DYNAMODB_BILLING_MODE"] = "PROVISIONED";
  for (const auto& [name, url] : Provision(env)) env[name] = url;
  json::object table = EmulatorCall(emulators_.dynamodb_endpoint(),
                                    "DynamoDB_20120810.DescribeTable", {{"TableName", table_}})
                           .at("Table")
                           .as_object();
  EXPECT_EQ(table.at("ProvisionedThroughput").at("ReadCapacityUnits").as_int64(), 10);
  EXPECT_EQ(table.at("ProvisionedThroughput").at("WriteCapacityUnits").as_int64(), 10);
  CommandResult r = Run({"check", "--json"}, env);
  EXPECT_EQ(r.exit_code, 0) << "a warning leaves the exit code alone: " << r.out;
  std::map<std::string, json::object> checks = ChecksByName(json::parse(r.out));
  EXPECT_EQ(Result(checks["dynamodb_capacity"]), "warn");
  EXPECT_NE(Detail(checks["dynamodb_capacity"]).find("10 RCU and 10 WCU: only about 2 messages/s"),
            std::string::npos)
      << Detail(checks["dynamodb_capacity"]);
}

TEST_F(AwsAdminTest, CheckNamesEachDeniedIamActionAndAClockSkew) {
  Env env = ProvisionedEnv();
  std::unique_ptr<testing::FakeHttpServer> dynamodb = DenyingProxy(
      emulators_.dynamodb_endpoint(), {"PutItem", "UpdateItem"}, std::chrono::seconds(-10));
  std::unique_ptr<testing::FakeHttpServer> sqs =
      DenyingProxy(emulators_.sqs_endpoint(), {"SendMessage"}, std::chrono::seconds(0));
  ASSERT_TRUE(dynamodb && sqs);
  env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb->url();
  env["AWS_ENDPOINT_URL_SQS"] = sqs->url();  // queue URLs name fauxqs; the endpoint is the proxy

  CommandResult r = Run({"check", "--json"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json::value doc = json::parse(r.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), doc),
            std::vector<std::string>{});
  std::map<std::string, json::object> checks = ChecksByName(doc);
  EXPECT_EQ(Result(checks["iam_dynamodb_get_item"]), "pass");
  EXPECT_EQ(Result(checks["iam_dynamodb_put_item"]), "fail");
  EXPECT_NE(
      Detail(checks["iam_dynamodb_put_item"]).find("dynamodb:PutItem denied on table " + table_),
      std::string::npos)
      << Detail(checks["iam_dynamodb_put_item"]);
  EXPECT_EQ(Result(checks["iam_dynamodb_update_item"]), "fail");
  EXPECT_NE(Detail(checks["iam_dynamodb_update_item"]).find("dynamodb:UpdateItem denied"),
            std::string::npos);
  EXPECT_EQ(Result(checks["iam_sqs_send_message"]), "fail");
  EXPECT_NE(Detail(checks["iam_sqs_send_message"])
                .find("sqs:SendMessage denied on " + prefix_ + "analytics-dlq"),
            std::string::npos)
      << Detail(checks["iam_sqs_send_message"]);
  EXPECT_EQ(Result(checks["iam_sqs_receive_message"]), "pass") << "exercised without a probe";
  EXPECT_EQ(Result(checks["iam_sqs_delete_message"]), "warn") << "no probe message to delete";
  EXPECT_EQ(Result(checks["clock_skew"]), "fail");
  EXPECT_NE(
      Detail(checks["clock_skew"]).find("local clock ahead of the AWS Date header by about "),
      std::string::npos)
      << Detail(checks["clock_skew"]);
  EXPECT_EQ(Result(checks["dynamodb_table"]), "pass");
  EXPECT_EQ(Result(checks["queue_analytics_dlq"]), "pass");
}

// The schema covers both backends: on sqlite the document lists resources instead.
TEST(ProvisionJsonTest, SqliteDocumentFollowsTheSameSchema) {
  testing::TempDir dir;
  CommandResult r = RunWagate({"provision", "--json"}, Env{{"WAGATE_DATA_DIR", dir.path() + "/data"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::value doc = json::parse(r.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("provision.json"), doc),
            std::vector<std::string>{});
  EXPECT_EQ(doc.at("backend").as_string(), "sqlite");
}

// `wagate dlq` and `wagate queues` on SQS. The dead letters carry the message attributes
// SqsQueue::MoveToDeadLetter writes; one has only its key, as SQS's own redrive policy leaves it.
TEST_F(AwsAdminTest, DlqCommandsBrowseRedriveAndPurgeOnSqs) {
  Env env = ProvisionedEnv();
  const std::string dlq_url = env["INCOMING_DLQ_URL"];
  ASSERT_FALSE(dlq_url.empty());
  auto attribute = [](const std::string& v) {
    return json::object{{"DataType", "String"}, {"StringValue", v}};
  };
  const std::string history =
      R"([{"attempt":1,"outcome":"retry"},{"attempt":2,"outcome":"rejected"}])";
  const std::vector<json::object> letters = {{{"key", attribute("msg:wamid.A")},
                                              {"reason", attribute("handler_rejected")},
                                              {"last_error", attribute("HTTP 400 from handler")},
                                              {"history", attribute(history)},
                                              {"attempts", attribute("2")},
                                              {"dead_at", attribute("1790000000000")}},
                                             {{"key", attribute("msg:wamid.bad")},
                                              {"reason", attribute("invalid_payload")},
                                              {"dead_at", attribute("1790000001000")}},
                                             {{"key", attribute("msg:wamid.C")}}};
  for (size_t i = 0; i < letters.size(); ++i) {
    EmulatorCall(emulators_.sqs_endpoint(), "AmazonSQS.SendMessage",
                 {{"QueueUrl", dlq_url},
                  {"MessageBody", "{\"n\":" + std::to_string(i) + "}"},
                  {"MessageAttributes", letters[i]}});
  }

  CommandResult list = Run({"dlq", "list", "incoming", "--json"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json::value doc = json::parse(list.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("dlq_list.json"), doc),
            std::vector<std::string>{});
  std::map<std::string, json::object> by_key;
  for (const json::value& item : doc.at("items").as_array()) {
    by_key[std::string(item.at("key").as_string())] = item.as_object();
  }
  ASSERT_EQ(by_key.size(), 3u) << list.out;
  EXPECT_EQ(doc.at("items").as_array()[0].at("key"), "msg:wamid.A") << "oldest dead_at first";
  EXPECT_EQ(by_key["msg:wamid.A"].at("reason"), "handler_rejected");
  EXPECT_EQ(by_key["msg:wamid.A"].at("attempts"), 2);
  EXPECT_EQ(by_key["msg:wamid.A"].at("dead_at"), "2026-09-21T14:13:20.000Z");
  EXPECT_EQ(by_key["msg:wamid.C"].at("reason"), "max_receive_count");

  CommandResult show =
      Run({"dlq", "show", "incoming",
           std::string(by_key["msg:wamid.A"].at("message_id").as_string()), "--json"},
          env);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json::value shown = json::parse(show.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("dlq_show.json"), shown),
            std::vector<std::string>{});
  EXPECT_EQ(shown.at("history").as_array().size(), 2u);
  EXPECT_EQ(shown.at("body"), "{\"n\":0}");
  EXPECT_EQ(Run({"dlq", "show", "incoming", "no-such-id"}, env).exit_code, 1);

  CommandResult again = Run({"dlq", "list", "incoming", "--json"}, env);
  EXPECT_EQ(json::parse(again.out).at("items").as_array().size(), 3u)
      << "a browse leaves the dead letters visible: " << again.out;

  CommandResult redrive = Run({"dlq", "redrive", "incoming", "--json"}, env);
  ASSERT_EQ(redrive.exit_code, 0) << redrive.err;
  json::value redriven = json::parse(redrive.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("dlq_redrive.json"), redriven),
            std::vector<std::string>{});
  EXPECT_EQ(redriven.at("moved"), 2);
  EXPECT_EQ(redriven.at("skipped"), 1);

  CommandResult queues = Run({"queues", "--json"}, env);
  ASSERT_EQ(queues.exit_code, 0) << queues.err;
  json::value figures = json::parse(queues.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("queues.json"), figures),
            std::vector<std::string>{});
  const json::value& incoming = figures.at("queues").as_array()[0];
  EXPECT_EQ(incoming.at("queue"), "incoming");
  EXPECT_EQ(incoming.at("visible"), 2);
  EXPECT_EQ(incoming.at("dlq"), 1);

  EXPECT_EQ(Run({"dlq", "purge", "incoming"}, env).exit_code, 2);
  CommandResult purge = Run({"dlq", "purge", "incoming", "--yes", "--json"}, env);
  ASSERT_EQ(purge.exit_code, 0) << purge.err;
  EXPECT_EQ(json::parse(purge.out).at("purged"), 1);
  EXPECT_TRUE(json::parse(Run({"dlq", "list", "incoming", "--json"}, env).out)
                  .at("items")
                  .as_array()
                  .empty());
}

}  // namespace
}  // namespace wagate::integration
