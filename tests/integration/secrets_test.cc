// Secrets never appear in logs, answers or command output (SPEC §8): the service runs at debug
// level with a distinctive value for every secret, every path is exercised (handshake, signed,
// forged and unsigned posts, rate limits, quarantine, processing through the http handler, sends
// that succeed, are retried and fail, health, metrics, the admin API, the commands), and the
// combined text is searched for each value.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "fake_graph.h"
#include "harness.h"
#include "service.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/webhook_bodies.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::integration {
namespace {

using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordedRequest;

// Distinctive values: none is a substring of anything the service prints for another reason.
constexpr char kRotatedSecret[] = "zz-rotated-app-secret-q81v";
constexpr char kHandlerSecret[] = "zz-handler-secret-m40k";
constexpr char kAdminToken[] = "zz-admin-token-c73p";

std::string Describe(const HttpResult& r) {
  std::string out = std::to_string(r.status) + " " + r.body + " " + r.error;
  for (const auto& [name, value] : r.headers) out += "\n" + name + ": " + value;
  return out;
}

TEST(SecretsTest, NoSecretAppearsInTheLogAnswersOrCommandOutput) {
  testing::TempDir data;
  FakeGraph graph;
  // Graph: one throttle (retried), one permanent refusal (dead letter), then success.
  graph.Script({GraphError(429, 130429), GraphError(400, 131047)});
  std::mutex mu;
  int handler_calls = 0;
  auto business = FakeHttpServer::Create([&](const RecordedRequest& r) -> FakeResponse {
    std::lock_guard<std::mutex> lock(mu);
    if (r.body.find("wamid.SREJECT") != std::string::npos) return {400, {}, R"({"error":"no"})"};
    if (++handler_calls == 1) return {500, {}, "busy"};
    return {200, {{"Content-Type", "application/json"}},
            R"({"replies":[{"type":"text","text":"hello back"}],"mark_read":true})"};
  }).value();

  Env env = BaseEnv(data.path());
  env["LOG_LEVEL"] = "debug";
  env["WHATSAPP_APP_SECRET"] = std::string(kSecret) + "," + kRotatedSecret;
  env["WHATSAPP_ACCESS_TOKEN"] = kAccessToken;
  env["WHATSAPP_API_BASE_URL"] = graph.url();
  env["HANDLER"] = "http";
  env["HANDLER_URL"] = business->url() + "/hook";
  env["HANDLER_SECRET"] = kHandlerSecret;
  env["ADMIN_TOKEN"] = kAdminToken;
  env["WORKERS"] = "2";
  env["SENDERS"] = "2";
  env["SQS_WAIT_TIME_SECONDS"] = "1";
  env["RETRY_MAX_DELAY_SECONDS"] = "1";
  env["RATE_LIMIT_WEBHOOK_PER_MINUTE"] = "2";
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "1000";
  const std::vector<std::string> secrets = {kSecret, kRotatedSecret, kVerifyToken, kAccessToken,
                                            kHandlerSecret, kAdminToken};
  std::string seen;  // every answer and every command's output
  auto record = [&seen](const std::string& what, const std::string& text) {
    seen += "\n--- " + what + "\n" + text;
  };

  {
    WagateProcess p(env);
    ASSERT_TRUE(p.started()) << p.ReadLog();
    auto request = [&](const std::string& method, const std::string& target, const std::string& body,
                       const Env& headers) {
      HttpResult r = HttpRequest(p.port(), method, target, body, headers);
      record(method + " " + target.substr(0, target.find('?')), Describe(r));  // the query holds a token
      return r;
    };
    // The handshake, right and wrong.
    EXPECT_EQ(request("GET", std::string("/webhook?hub.mode=subscribe&hub.verify_token=") + kVerifyToken +
                                 "&hub.challenge=31337", "", {}).status, 200);
    EXPECT_EQ(request("GET", "/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", "", {}).status,
              403);
    // Signed under the current and the rotated secret; forged with an Authorization header; unsigned
    // until the webhook bucket is empty (429).
    std::string first = testing::TextBody("wamid.SOK", NowSeconds(), "+15550001111 says hi");
    std::string second = testing::TextBody("wamid.SREJECT", NowSeconds());
    EXPECT_EQ(request("POST", "/webhook", first, Signed(first)).status, 200);
    EXPECT_EQ(request("POST", "/webhook", second,
                      {{"X-Hub-Signature-256", whatsapp::SignatureHeader(kRotatedSecret, second)}}).status, 200);
    EXPECT_EQ(request("POST", "/webhook", first, Signed(first)).status, 200) << "duplicate";
    EXPECT_EQ(request("POST", "/webhook", first,
                      {{"X-Hub-Signature-256", whatsapp::SignatureHeader("not-the-secret", first)},
                       {"Authorization", std::string("Bearer ") + kAccessToken}}).status, 401);
    request("POST", "/webhook", first, {});
    EXPECT_EQ(request("POST", "/webhook", first, {}).status, 429);
    // An authentic malformed payload is quarantined.
    std::string malformed = R"({"object":"whatsapp_business_account","entry":"not an array"})";
    EXPECT_EQ(request("POST", "/webhook", malformed, Signed(malformed)).status, 200);
    // Processing through the http handler (500 then success; 400 dead-letters), and sends that are
    // throttled, refused and accepted.
    {
      boost::json::value ok = AwaitState(env, "msg:wamid.SOK", "COMPLETED");
      EXPECT_EQ(ok.at("state").as_string(), "COMPLETED") << ok;
      boost::json::value rejected = AwaitState(env, "msg:wamid.SREJECT", "DEAD");
      EXPECT_EQ(rejected.at("state").as_string(), "DEAD") << rejected;
      std::string reply_key(ok.at("outputs").as_array().at(0).as_string());
      boost::json::value reply = AwaitAnyState(env, reply_key, {"SENT", "DEAD"});
      record("reply", boost::json::serialize(reply));
    }
    // Health, metrics and the admin API, with the right and a wrong token.
    request("GET", "/", "", {});
    request("GET", "/health", "", {});
    request("GET", "/health/detailed", "", {});
    EXPECT_EQ(request("GET", "/metrics", "", {}).status, 200);
    const Env admin{{"Authorization", std::string("Bearer ") + kAdminToken}};
    EXPECT_EQ(request("GET", "/admin", "", {}).status, 200);
    EXPECT_EQ(request("GET", "/admin/api/overview", "", admin).status, 200);
    EXPECT_EQ(request("GET", "/admin/api/overview", "", {{"Authorization", "Bearer zz-wrong-admin-token"}}).status,
              401);
    EXPECT_EQ(request("GET", "/admin/api/dead-letters?queue=incoming", "", admin).status, 200);
    EXPECT_EQ(request("GET", "/admin/api/record?key=msg:wamid.SREJECT", "", admin).status, 200);
    EXPECT_EQ(request("GET", "/admin/api/outbound", "", admin).status, 200);
    EXPECT_EQ(request("POST", "/admin/api/redrive", R"({"queue":"analytics"})",
                      {{"Authorization", std::string("Bearer ") + kAdminToken},
                       {"Content-Type", "application/json"}}).status,
              200);
    // The commands, while the service runs.
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"check"}, {"check", "--json"}, {"inspect", "msg:wamid.SOK", "--json"},
             {"inspect", "msg:wamid.SREJECT"}, {"queues"}, {"queues", "--json"},
             {"dlq", "list", "incoming", "--json"}, {"dlq", "list", "incoming"}, {"version"}}) {
      CommandResult r = RunWagate(args, env);
      std::string line;
      for (const std::string& a : args) line += a + " ";
      record("wagate " + line, std::to_string(r.exit_code) + "\n" + r.out + r.err);
    }
    EXPECT_EQ(p.Terminate(), 0);
    record("service log", p.ReadLog());
  }
  // A configuration error names the problem, not the values around it.
  Env bad = env;
  bad["PORT"] = "not-a-port";
  CommandResult invalid = RunWagate({"serve"}, bad);
  EXPECT_EQ(invalid.exit_code, 2);
  record("invalid configuration", invalid.out + invalid.err);

  EXPECT_NE(seen.find("\"msg\":\"listening\""), std::string::npos) << "the log was read";
  EXPECT_NE(seen.find("31337"), std::string::npos) << "the answers were read";
  for (const std::string& secret : secrets) {
    size_t at = seen.find(secret);
    EXPECT_EQ(at, std::string::npos)
        << secret << " appears in:\n"
        << seen.substr(at == std::string::npos ? 0 : seen.rfind("\n--- ", at), 2000);
  }
}

}  // namespace
}  // namespace wagate::integration
