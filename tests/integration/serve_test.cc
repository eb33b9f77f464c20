// The real binary over real HTTP on loopback: handshake, ingest, duplicates, signatures, limits,
// health, graceful stop and durability across SIGKILL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "harness.h"
#include "service.h"
#include "wagate/testing/json_schema.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::integration {
namespace {

class ServeTest : public ::testing::Test {
 protected:
  testing::TempDir data_;
};

TEST_F(ServeTest, HandshakeEchoesTheChallengeOnlyForTheRightToken) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  HttpResult ok = HttpRequest(p.port(), "GET",
                              std::string("/webhook?hub.mode=subscribe&hub.verify_token=") +
                                  kVerifyToken + "&hub.challenge=1158201444");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "1158201444");
  EXPECT_EQ(ok.headers["content-type"], "text/plain");
  EXPECT_EQ(ok.headers["x-content-type-options"], "nosniff");

  EXPECT_EQ(HttpRequest(p.port(), "GET",
                        "/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1")
                .status,
            403);
  EXPECT_EQ(HttpRequest(p.port(), "GET",
                        std::string("/webhook?hub.mode=unsubscribe&hub.verify_token=") + kVerifyToken +
                            "&hub.challenge=1")
                .status,
            403);
  EXPECT_EQ(HttpRequest(p.port(), "GET",
                        std::string("/webhook?hub.mode=subscribe&hub.verify_token=") + kVerifyToken)
                .status,
            400);
}

TEST_F(ServeTest, SignedPostIsAcceptedOnceThenCountedAsDuplicate) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.IT-ONE");
  HttpResult first = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, R"({"status":"ok","accepted":1,"duplicates":0,"quarantined":0})");
  HttpResult second = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  EXPECT_EQ(second.body, R"({"status":"ok","accepted":0,"duplicates":1,"quarantined":0})");

  CommandResult inspect = RunWagate({"inspect", "msg:wamid.IT-ONE", "--json"}, BaseEnv(data_.path()));
  EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
  boost::json::value record = boost::json::parse(inspect.out);
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("inspect.json"), record),
            std::vector<std::string>{});
  EXPECT_EQ(record.at("state").as_string(), "QUEUED");
  EXPECT_EQ(record.at("kind").as_string(), "message");
}

TEST_F(ServeTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::vector<std::string> bodies;
  std::vector<Env> headers;
  for (int i = 0; i < 5; ++i) {
    bodies.push_back(TextMessageBody("wamid.KA" + std::to_string(i)));
    headers.push_back(Signed(bodies.back()));
  }
  std::vector<HttpResult> results = HttpRequestsOnOneConnection(p.port(), "/webhook", bodies, headers);
  ASSERT_EQ(results.size(), 5u);
  for (const HttpResult& r : results) EXPECT_EQ(Json(r).at("accepted").as_int64(), 1) << r.body;
}

TEST_F(ServeTest, ConcurrentIdenticalPostsAreAcceptedExactlyOnce) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  constexpr int kClients = 64;
  std::string body = TextMessageBody("wamid.IT-RACE");
  Env headers = Signed(body);
  std::atomic<bool> go{false};
  std::vector<HttpResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = HttpRequest(p.port(), "POST", "/webhook", body, headers);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int accepted = 0, duplicates = 0;
  for (const HttpResult& r : results) {
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    accepted += static_cast<int>(Json(r).at("accepted").as_int64());
    duplicates += static_cast<int>(Json(r).at("duplicates").as_int64());
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(duplicates, kClients - 1);
}

TEST_F(ServeTest, WrongOrMissingSignatureIsRejectedAndNothingStored) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.IT-FORGED");
  HttpResult forged = HttpRequest(p.port(), "POST", "/webhook", body,
                                  Env{{"X-Hub-Signature-256", whatsapp::SignatureHeader("guess", body)}});
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(Json(forged).at("error").as_string(), "invalid_signature");
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", body).status, 401);
  CommandResult inspect = RunWagate({"inspect", "msg:wamid.IT-FORGED", "--json"}, BaseEnv(data_.path()));
  EXPECT_EQ(inspect.exit_code, 1);
  boost::json::value absent = boost::json::parse(inspect.out);
  EXPECT_EQ(absent.at("state").as_string(), "ABSENT");
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("inspect.json"), absent),
            std::vector<std::string>{});
}

TEST_F(ServeTest, OversizeBodyIs413) {
  Env env = BaseEnv(data_.path());
  env["MAX_BODY_BYTES"] = "4096";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.BIG", std::string(8000, 'x'));
  HttpResult r = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  EXPECT_EQ(r.status, 413) << r.error;
  // A body under the limit still works on a new connection.
  std::string small = TextMessageBody("wamid.SMALL");
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", small, Signed(small)).status, 200);
}

TEST_F(ServeTest, AuthenticMalformedPayloadIsQuarantinedWith200) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = R"({"object":"whatsapp_business_account","entry":"not-an-array"})";
  HttpResult r = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok","accepted":0,"duplicates":0,"quarantined":1})");
}

TEST_F(ServeTest, DevelopmentWithoutSecretRejectsMalformedPayloadWith400) {
  Env env = BaseEnv(data_.path());
  env.erase("WHATSAPP_APP_SECRET");
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  HttpResult r = HttpRequest(p.port(), "POST", "/webhook", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r).at("error").as_string(), "invalid_payload");
  EXPECT_TRUE(Json(r).contains("detail"));
}

TEST_F(ServeTest, LowFreeDiskAnswers503WithRetryAfterAndStoresNothing) {
  Env env = BaseEnv(data_.path());
  env["MIN_FREE_DISK_MB"] = "1000000000";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.NODISK");
  HttpResult r = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(r.headers["retry-after"].empty());
  EXPECT_EQ(RunWagate({"inspect", "msg:wamid.NODISK"}, env).exit_code, 1);
}

TEST_F(ServeTest, HealthEndpointsUseTheSeedKeys) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  HttpResult root = HttpRequest(p.port(), "GET", "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(Json(root).at("service").as_string(), "wagate");
  EXPECT_EQ(Json(root).at("backend").as_string(), "sqlite");
  EXPECT_EQ(Json(root).at("environment").as_string(), "development");
  EXPECT_TRUE(Json(root).contains("uptime_seconds"));

  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health").body, R"({"status":"healthy"})");

  HttpResult detailed = HttpRequest(p.port(), "GET", "/health/detailed");
  EXPECT_EQ(detailed.status, 200);
  boost::json::object d = Json(detailed);
  EXPECT_EQ(d.at("status").as_string(), "healthy");
  EXPECT_EQ(d.at("components").at("sqlite").as_string(), "connected");
  EXPECT_EQ(d.at("components").at("message_processor").as_string(), "stopped");
  EXPECT_EQ(d.at("processor").at("status").as_string(), "stopped");
  EXPECT_TRUE(d.at("processor").as_object().contains("id"));
  for (const char* q : {"incoming", "outgoing", "analytics"}) {
    for (const char* k : {"visible", "in_flight", "dlq", "oldest_age_seconds"}) {
      EXPECT_TRUE(d.at("queues").at(q).as_object().contains(k)) << q << "." << k;
    }
  }
  EXPECT_TRUE(d.at("alerts").is_array());
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/nope").status, 404);
}

TEST_F(ServeTest, SigtermDrainsThenExitsZero) {
  Env env = BaseEnv(data_.path());
  env["DRAIN_SECONDS"] = "2";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  p.Signal(SIGTERM);
  // During the drain window /health says 503 while webhooks are still taken.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpResult health = HttpRequest(p.port(), "GET", "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(Json(health).at("reason").as_string(), "draining");
  std::string body = TextMessageBody("wamid.DRAIN");
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status, 200);
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 0) << p.ReadLog();
  EXPECT_EQ(RunWagate({"inspect", "msg:wamid.DRAIN"}, env).exit_code, 0);
}

TEST_F(ServeTest, AcknowledgedItemSurvivesSigkill) {
  Env env = BaseEnv(data_.path());
  for (int round = 0; round < 3; ++round) {
    WagateProcess p(env);
    ASSERT_TRUE(p.started()) << p.ReadLog();
    std::string wamid = "wamid.KILL" + std::to_string(round);
    std::string body = TextMessageBody(wamid);
    HttpResult r = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
    ASSERT_EQ(r.status, 200);
    p.Kill();  // SIGKILL immediately after the 200
    CommandResult inspect = RunWagate({"inspect", "msg:" + wamid, "--json"}, env);
    ASSERT_EQ(inspect.exit_code, 0) << inspect.out << inspect.err;
    EXPECT_EQ(boost::json::parse(inspect.out).at("state").as_string(), "QUEUED");
  }
  // And a restarted service still knows them as duplicates.
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.KILL0");
  EXPECT_EQ(Json(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body))).at("duplicates").as_int64(), 1);
}

TEST_F(ServeTest, EchoRepliesAreProcessedAndSentInDryRun) {
  Env env = BaseEnv(data_.path());
  env["WORKERS"] = "2";
  env["SENDERS"] = "1";
  env["SQS_WAIT_TIME_SECONDS"] = "1";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.ECHO", "eco");
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status, 200);

  boost::json::value inbound = AwaitState(env, "msg:wamid.ECHO", "COMPLETED");
  ASSERT_EQ(inbound.at("state").as_string(), "COMPLETED") << inbound;
  ASSERT_EQ(inbound.at("outputs").as_array().size(), 2u) << "the echo and the mark-as-read";
  std::string reply_key(inbound.at("outputs").as_array()[0].as_string());
  boost::json::value reply = AwaitState(env, reply_key, "COMPLETED");
  ASSERT_EQ(reply.at("state").as_string(), "COMPLETED") << reply;
  const boost::json::value& request = reply.at("result").at("request");
  EXPECT_TRUE(reply.at("result").at("dry_run").as_bool());
  EXPECT_EQ(request.at("text").at("body").as_string(), "eco");
  EXPECT_EQ(request.at("to").as_string(), "+5215512345678");
  EXPECT_EQ(request.at("context").at("message_id").as_string(), "wamid.ECHO");

  boost::json::object d = Json(HttpRequest(p.port(), "GET", "/health/detailed"));
  EXPECT_EQ(d.at("components").at("message_processor").as_string(), "running");
  EXPECT_EQ(d.at("processor").at("status").as_string(), "running");
  EXPECT_GE(d.at("processor").at("processed_count").as_int64(), 1);

  // A redelivery of the same webhook is a duplicate and sends nothing again.
  EXPECT_EQ(Json(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body))).at("duplicates").as_int64(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(p.Terminate(), 0);
  std::string log = p.ReadLog();
  size_t sends = 0;
  for (size_t at = log.find("\"msg\":\"dry-run send\""); at != std::string::npos;
       at = log.find("\"msg\":\"dry-run send\"", at + 1)) {
    ++sends;
  }
  EXPECT_EQ(sends, 2u) << "one reply and one mark-as-read, never again for the duplicate\n" << log;
}

TEST_F(ServeTest, AnApiProcessReportsTheProcessingOfWorkerProcesses) {
  Env env = BaseEnv(data_.path());
  env["WORKERS"] = "2";
  env["SENDERS"] = "1";
  env["SQS_WAIT_TIME_SECONDS"] = "1";
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "0";  // the test polls /health/detailed
  WagateProcess api(env, "api");
  ASSERT_TRUE(api.started()) << api.ReadLog();
  boost::json::object alone = Json(HttpRequest(api.port(), "GET", "/health/detailed"));
  EXPECT_EQ(alone.at("components").at("message_processor").as_string(), "stopped")
      << "no worker yet";

  WagateProcess worker(env, "worker");
  ASSERT_TRUE(worker.started()) << worker.ReadLog();
  std::string body = TextMessageBody("wamid.ROLES");
  ASSERT_EQ(HttpRequest(api.port(), "POST", "/webhook", body, Signed(body)).status, 200);
  ASSERT_EQ(AwaitState(env, "msg:wamid.ROLES", "COMPLETED").at("state").as_string(), "COMPLETED");

  // The worker's heartbeat record reaches the api process within a few refreshes.
  boost::json::object d;
  for (int i = 0; i < 100; ++i) {
    d = Json(HttpRequest(api.port(), "GET", "/health/detailed"));
    if (d.at("processor").at("processed_count").as_int64() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(d.at("components").at("message_processor").as_string(), "running") << d;
  EXPECT_GE(d.at("processor").at("processed_count").as_int64(), 1) << d;

  // A worker that stopped cleanly is no longer counted.
  EXPECT_EQ(worker.Terminate(), 0);
  for (int i = 0; i < 50; ++i) {
    d = Json(HttpRequest(api.port(), "GET", "/health/detailed"));
    if (d.at("components").at("message_processor").as_string() == "stopped") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(d.at("components").at("message_processor").as_string(), "stopped") << d;
}

TEST_F(ServeTest, BackupCopiesTheLiveDatabase) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.BACKUP");
  ASSERT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status, 200);
  testing::TempDir copy_dir;
  std::string copy = copy_dir.path() + "/wagate.db";
  CommandResult backup = RunWagate({"backup", copy}, BaseEnv(data_.path()));
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  // The copy is a database of its own that knows the item.
  CommandResult inspect = RunWagate({"inspect", "msg:wamid.BACKUP", "--json"}, BaseEnv(copy_dir.path()));
  EXPECT_EQ(inspect.exit_code, 0) << inspect.out << inspect.err;
  EXPECT_EQ(RunWagate({"backup", copy}, BaseEnv(data_.path())).exit_code, 2) << "never overwrites";
}

TEST(CliTest, ServeRejectsAnUnknownRole) {
  testing::TempDir dir;
  CommandResult r = RunWagate({"serve", "--role", "sideways"}, Env{{"WAGATE_DATA_DIR", dir.path()}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--role"), std::string::npos) << r.err;
}

TEST(CliTest, InvalidConfigurationExitsTwoAndNamesEveryProblem) {
  testing::TempDir dir;
  CommandResult r = RunWagate({"serve"}, Env{{"WAGATE_DATA_DIR", dir.path()}, {"ENVIRONMENT", "production"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("WHATSAPP_APP_SECRET"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("WHATSAPP_VERIFY_TOKEN"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HANDLER"), std::string::npos) << r.err;
}

TEST(CliTest, ProvisionCheckAndVersion) {
  testing::TempDir dir;
  Env env{{"WAGATE_DATA_DIR", dir.path() + "/data"}, {"MIN_FREE_DISK_MB", "1"}};
  CommandResult before = RunWagate({"check", "--json"}, env);
  EXPECT_EQ(before.exit_code, 1) << "no database yet";
  EXPECT_FALSE(boost::json::parse(before.out).at("ok").as_bool());
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), boost::json::parse(before.out)),
            std::vector<std::string>{});
  EXPECT_EQ(RunWagate({"provision"}, env).exit_code, 0);
  EXPECT_EQ(RunWagate({"provision"}, env).exit_code, 0) << "idempotent";
  CommandResult after = RunWagate({"check", "--json"}, env);
  EXPECT_EQ(after.exit_code, 0) << after.out;
  boost::json::value doc = boost::json::parse(after.out);
  EXPECT_TRUE(doc.at("ok").as_bool());
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), doc),
            std::vector<std::string>{});
  CommandResult human = RunWagate({"check"}, env);
  EXPECT_NE(human.out.find("✅"), std::string::npos);
  CommandResult version = RunWagate({"version"}, env);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("wagate ", 0), 0u);
  EXPECT_EQ(RunWagate({"inspect"}, env).exit_code, 2) << "KEY is required";
  EXPECT_EQ(RunWagate({"no-such-command"}, env).exit_code, 2);
}

TEST(ServeLimitsTest, ConnectionsOverTheLimitAreClosedAtOnce) {
  testing::TempDir data;
  Env env = BaseEnv(data.path());
  env["MAX_CONNECTIONS"] = "2";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  int a = Connect(p.port());
  int b = Connect(p.port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both accepted
  int c = Connect(p.port());
  ASSERT_GE(c, 0);
  EXPECT_TRUE(ClosedByPeerWithin(c, std::chrono::milliseconds(5000)));
  EXPECT_FALSE(ClosedByPeerWithin(a, std::chrono::milliseconds(300))) << "within the limit stays open";
  close(a);
  close(b);
  close(c);
  // Once the first two are gone, new connections are served again.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health").status, 200);
}

TEST(ServeLimitsTest, AClientThatStallsInItsHeaderIsDisconnected) {
  testing::TempDir data;
  Env env = BaseEnv(data.path());
  env["HTTP_HEADER_TIMEOUT_SECONDS"] = "1";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  int fd = Connect(p.port());
  ASSERT_GE(fd, 0);
  const char partial[] = "POST /webhook HTTP/1.1\r\nHost: x\r\n";  // never finished
  ASSERT_EQ(write(fd, partial, sizeof partial - 1), static_cast<ssize_t>(sizeof partial - 1));
  EXPECT_TRUE(ClosedByPeerWithin(fd, std::chrono::milliseconds(5000)));
  close(fd);
}

TEST(ServeStopTest, ARequestInFlightAtSigtermIsAnsweredBeforeExit) {
  testing::TempDir data;
  WagateProcess p(BaseEnv(data.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.INFLIGHT");
  std::string head = "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "X-Hub-Signature-256: " + whatsapp::SignatureHeader(kSecret, body) +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  int fd = Connect(p.port());
  ASSERT_GE(fd, 0);
  std::string first = head + body.substr(0, body.size() / 2);
  ASSERT_EQ(write(fd, first.data(), first.size()), static_cast<ssize_t>(first.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  p.Signal(SIGTERM);  // the request is half read
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string rest = body.substr(body.size() / 2);
  ASSERT_EQ(write(fd, rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"accepted\":1"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_EQ(p.Wait(std::chrono::seconds(30)), 0) << p.ReadLog();
  EXPECT_EQ(RunWagate({"inspect", "msg:wamid.INFLIGHT"}, BaseEnv(data.path())).exit_code, 0);
}

TEST(ServeLogTest, SecretsNeverReachTheLog) {
  testing::TempDir data;
  Env env = BaseEnv(data.path());
  env["LOG_LEVEL"] = "debug";
  env["WHATSAPP_ACCESS_TOKEN"] = "EAAGsecretaccesstoken123";
  env["SENDER_DRY_RUN"] = "true";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.LOG1");
  HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  HttpRequest(p.port(), "POST", "/webhook", body,
              Env{{"X-Hub-Signature-256", whatsapp::SignatureHeader("wrong-secret", body)},
                  {"Authorization", std::string("Bearer ") + kSecret}});
  HttpRequest(p.port(), "GET", std::string("/webhook?hub.mode=subscribe&hub.verify_token=") +
                                   kVerifyToken + "&hub.challenge=42");
  HttpRequest(p.port(), "GET", "/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42");
  EXPECT_EQ(p.Terminate(), 0);
  std::string log = p.ReadLog();
  EXPECT_NE(log.find("\"msg\":\"listening\""), std::string::npos) << log;
  for (const char* secret : {kSecret, kVerifyToken, "EAAGsecretaccesstoken123"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " leaked:\n" << log;
  }
}

}  // namespace
}  // namespace wagate::integration
