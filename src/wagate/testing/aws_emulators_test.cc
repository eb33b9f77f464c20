#include "wagate/testing/aws_emulators.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <set>

#include "wagate/net/http_client.h"
#include "wagate/testing/fake_clock.h"

namespace wagate::testing {
namespace {

// The emulators check that a SigV4 Authorization header is well formed, not its signature.
std::string Authorization(const std::string& service) {
  return "AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/" + service +
         "/aws4_request, SignedHeaders=host, Signature=00";
}

// One AWS JSON-protocol call; the parsed answer, or a failed expectation and null.
boost::json::value Call(const std::string& endpoint, const std::string& service,
                        const std::string& target, const boost::json::object& body) {
  net::HttpClient client;
  net::HttpRequest request;
  request.method = "POST";
  request.url = endpoint + "/";
  request.headers = {{"X-Amz-Target", target},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Date", "20261128T120000Z"},
                     {"Authorization", Authorization(service)}};
  request.body = boost::json::serialize(body);
  net::HttpResult result = client.Send(request);
  EXPECT_TRUE(result.ok()) << target << ": " << result.status().ToString();
  if (!result.ok()) return nullptr;
  EXPECT_EQ(result.response().status, 200) << target << ": " << result.response().body;
  boost::system::error_code ec;
  boost::json::value answer = boost::json::parse(result.response().body, ec);
  EXPECT_FALSE(ec) << target << " answered " << result.response().body;
  return answer;
}

boost::json::value Sqs(const std::string& action, const boost::json::object& body) {
  return Call(SharedAwsEmulators().sqs_endpoint(), "sqs", "AmazonSQS." + action, body);
}

// The messages of a ReceiveMessage answer (none: an empty array).
boost::json::array Messages(const boost::json::value& answer) {
  if (const boost::json::object* o = answer.if_object()) {
    if (const boost::json::value* m = o->if_contains("Messages"); m && m->is_array())
      return m->as_array();
  }
  return {};
}

std::string Str(const boost::json::value& v, std::string_view key) {
  const boost::json::object* o = v.if_object();
  const boost::json::value* s = o ? o->if_contains(key) : nullptr;
  return s && s->is_string() ? std::string(s->as_string()) : "";
}

// Puts the shared emulators back on the real clock when a test that froze it ends.
class RealClockOnExit {
 public:
  ~RealClockOnExit() { EXPECT_TRUE(SharedAwsEmulators().UseRealClock().ok()); }
};

TEST(AwsEmulatorsTest, DynaliteAnswersListTablesAndCreateTable) {
  AwsEmulators& aws = SharedAwsEmulators();
  EXPECT_EQ(aws.dynamodb_endpoint().rfind("http://127.0.0.1:", 0), 0u) << aws.dynamodb_endpoint();

  boost::json::value tables =
      Call(aws.dynamodb_endpoint(), "dynamodb", "DynamoDB_20120810.ListTables", {});
  ASSERT_TRUE(tables.is_object());
  ASSERT_TRUE(tables.as_object().contains("TableNames")) << tables;

  const std::string table = UniqueAwsPrefix() + "items";
  boost::json::value created =
      Call(aws.dynamodb_endpoint(), "dynamodb", "DynamoDB_20120810.CreateTable",
           {{"TableName", table},
            {"AttributeDefinitions",
             boost::json::array{{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
            {"KeySchema", boost::json::array{{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
            {"BillingMode", "PAY_PER_REQUEST"}});
  // Like DynamoDB, CreateTable answers CREATING; with createTableMs 0 the table is ACTIVE by the
  // next call.
  EXPECT_EQ(Str(created.at("TableDescription"), "TableStatus"), "CREATING") << created;
  boost::json::value described = Call(aws.dynamodb_endpoint(), "dynamodb",
                                      "DynamoDB_20120810.DescribeTable", {{"TableName", table}});
  EXPECT_EQ(Str(described.at("Table"), "TableStatus"), "ACTIVE") << described;
}

TEST(AwsEmulatorsTest, SqsVisibilityFollowsTheFrozenClock) {
  AwsEmulators& aws = SharedAwsEmulators();
  RealClockOnExit restore;
  FakeClock clock;

  const std::string name = UniqueAwsPrefix() + "work";
  boost::json::value created = Sqs("CreateQueue", {{"QueueName", name}});
  const std::string queue_url = Str(created, "QueueUrl");
  // Usable as given: it names the endpoint the test talks to.
  EXPECT_EQ(queue_url, aws.sqs_endpoint() + "/000000000000/" + name);

  ASSERT_TRUE(aws.SetClock(clock.Now()).ok());
  const int64_t sent_at = ToUnixMillis(clock.Now());
  boost::json::value sent = Sqs("SendMessage", {{"QueueUrl", queue_url}, {"MessageBody", "hello"}});
  const std::string message_id = Str(sent, "MessageId");
  ASSERT_FALSE(message_id.empty()) << sent;

  const boost::json::object receive = {
      {"QueueUrl", queue_url},
      {"VisibilityTimeout", 30},
      {"MessageSystemAttributeNames",
       boost::json::array{"ApproximateReceiveCount", "SentTimestamp"}}};
  boost::json::array first = Messages(Sqs("ReceiveMessage", receive));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(Str(first[0], "Body"), "hello");
  EXPECT_EQ(Str(first[0].at("Attributes"), "SentTimestamp"), std::to_string(sent_at));
  EXPECT_EQ(Str(first[0].at("Attributes"), "ApproximateReceiveCount"), "1");

  clock.Advance(Millis(29999));
  ASSERT_TRUE(aws.SetClock(clock.Now()).ok());
  EXPECT_TRUE(Messages(Sqs("ReceiveMessage", receive)).empty())
      << "visible before its timeout ended";

  clock.Advance(Millis(1));
  ASSERT_TRUE(aws.SetClock(clock.Now()).ok());
  boost::json::array again = Messages(Sqs("ReceiveMessage", receive));
  ASSERT_EQ(again.size(), 1u) << "still invisible when its timeout ended";
  EXPECT_EQ(Str(again[0], "MessageId"), message_id);
  EXPECT_EQ(Str(again[0].at("Attributes"), "ApproximateReceiveCount"), "2");
  EXPECT_NE(Str(again[0], "ReceiptHandle"), Str(first[0], "ReceiptHandle"));
}

TEST(AwsEmulatorsTest, TheProcessIsGoneAfterTheFixtureIsDestroyed) {
  StatusOr<std::unique_ptr<AwsEmulators>> started = AwsEmulators::Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const pid_t pid = (*started)->pid();
  ASSERT_EQ(kill(pid, 0), 0);
  EXPECT_TRUE((*started)->SetClock(FromUnixMillis(1795867200000)).ok());
  EXPECT_TRUE((*started)->UseRealClock().ok());

  started->reset();
  errno = 0;
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(AwsEmulatorsTest, UniquePrefixesAreDistinctAndValidAwsNames) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string prefix = UniqueAwsPrefix();
    EXPECT_TRUE(seen.insert(prefix).second) << prefix;
    // Queue names allow [A-Za-z0-9_-]; table names also allow '.'. Both allow at least 80.
    for (char c : prefix) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << prefix;
    }
    EXPECT_LE(prefix.size(), 40u);
  }
}

}  // namespace
}  // namespace wagate::testing
