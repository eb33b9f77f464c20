#include "wagate/backends/aws/aws_json_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <deque>
#include <mutex>

#include "wagate/testing/fake_http_server.h"

namespace wagate::aws {
namespace {

using testing::FakeResponse;
using testing::RecordedRequest;

// A fake AWS endpoint answering from a script, then 200 {"ok":true}.
class ScriptedEndpoint {
 public:
  explicit ScriptedEndpoint(std::deque<FakeResponse> script) : script_(std::move(script)) {
    server_ = testing::FakeHttpServer::Create([this](const RecordedRequest& r) {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(r);
      if (script_.empty()) return FakeResponse{200, {}, R"({"ok":true})"};
      FakeResponse next = script_.front();
      script_.pop_front();
      return next;
    }).value();
  }
  std::string url() const { return server_->url(); }
  std::vector<RecordedRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::deque<FakeResponse> script_;
  std::vector<RecordedRequest> requests_;
  std::unique_ptr<testing::FakeHttpServer> server_;
};

FakeResponse Error(int status, std::string type) {
  return {status, {}, R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + type + R"(","message":"scripted"})"};
}

struct Client {
  explicit Client(const std::string& url, int max_attempts = 4) {
    AwsJsonClient::Options options{.endpoint = url, .region = "eu-west-1", .service = "dynamodb",
                                   .target_prefix = "DynamoDB_20120810", .max_attempts = max_attempts};
    options.sleep = [this](Millis d) { slept.push_back(d); };
    client = std::make_unique<AwsJsonClient>(options, *credentials, http, SystemClock::Instance(), random);
  }
  std::unique_ptr<CredentialsProvider> credentials =
      MakeStaticCredentialsProvider({"AKIDTEST", "test-secret-key", "test-session", {}});
  net::HttpClientPool http;
  SystemRandom random;
  std::vector<Millis> slept;
  std::unique_ptr<AwsJsonClient> client;
};

TEST(AwsJsonClientTest, PostsTheSignedJsonProtocolRequest) {
  ScriptedEndpoint endpoint({});
  Client c(endpoint.url());
  StatusOr<AwsAnswer> answer = c.client->Call("GetItem", {{"TableName", "t"}});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->ok());
  EXPECT_TRUE(answer->body.at("ok").as_bool());
  const RecordedRequest r = endpoint.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/");
  EXPECT_EQ(r.Header("x-amz-target"), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(r.Header("content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(r.Header("x-amz-security-token"), "test-session");
  const std::string authorization = r.Header("authorization").value_or("");
  EXPECT_TRUE(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/")) << authorization;
  EXPECT_NE(authorization.find("/eu-west-1/dynamodb/aws4_request"), std::string::npos) << authorization;
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"TableName":"t"})"));
}

TEST(AwsJsonClientTest, ServerErrorsAndThrottlingAreRetriedWithJitteredBackoff) {
  ScriptedEndpoint endpoint({Error(500, "InternalServerError"), Error(400, "ThrottlingException"),
                             Error(400, "ProvisionedThroughputExceededException")});
  Client c(endpoint.url());
  StatusOr<AwsAnswer> answer = c.client->Call("PutItem", {});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->ok());
  EXPECT_EQ(endpoint.requests().size(), 4u);
  ASSERT_EQ(c.slept.size(), 3u);
  for (size_t i = 0; i < c.slept.size(); ++i) {
    EXPECT_LE(c.slept[i], Millis(50 << i)) << "full jitter under base × 2^(n−1)";
  }
}

TEST(AwsJsonClientTest, RefusalsAreAnswersNotRetries) {
  ScriptedEndpoint endpoint({Error(400, "ConditionalCheckFailedException")});
  Client c(endpoint.url());
  StatusOr<AwsAnswer> answer = c.client->Call("UpdateItem", {});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_FALSE(answer->ok());
  EXPECT_EQ(answer->error_type, "ConditionalCheckFailedException");
  EXPECT_EQ(answer->error_message, "scripted");
  EXPECT_EQ(answer->http_status, 400);
  EXPECT_EQ(endpoint.requests().size(), 1u);
}

TEST(AwsJsonClientTest, PersistentFailureIsUnavailableAfterTheLastAttemptWithoutSecrets) {
  ScriptedEndpoint endpoint({Error(503, "ServiceUnavailable"), Error(503, "ServiceUnavailable"),
                             Error(503, "ServiceUnavailable")});
  Client c(endpoint.url(), /*max_attempts=*/3);
  StatusOr<AwsAnswer> answer = c.client->Call("Query", {});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("DynamoDB_20120810.Query"), std::string::npos);
  EXPECT_EQ(answer.status().message().find("test-secret-key"), std::string::npos);
  EXPECT_EQ(endpoint.requests().size(), 3u);
}

TEST(AwsJsonClientTest, NoAttemptStartsAfterTheDeadline) {
  ScriptedEndpoint endpoint({});
  Client c(endpoint.url());
  StatusOr<AwsAnswer> answer =
      c.client->Call("GetItem", {}, Millis(0), std::chrono::steady_clock::now() - Millis(1));
  EXPECT_EQ(answer.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(endpoint.requests().empty());
}

TEST(AwsJsonClientTest, EndpointsComeFromTheServiceVariableThenTheGeneralOneThenTheRegion) {
  EXPECT_EQ(ResolveEndpoint("sqs", "eu-west-1", "", ""), "https://sqs.eu-west-1.amazonaws.com");
  EXPECT_EQ(ResolveEndpoint("sqs", "eu-west-1", "http://localhost:4566/", ""), "http://localhost:4566");
  EXPECT_EQ(ResolveEndpoint("sqs", "eu-west-1", "http://localhost:4566", "http://localhost:9324"),
            "http://localhost:9324");
}

}  // namespace
}  // namespace wagate::aws
