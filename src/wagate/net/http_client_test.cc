#include "wagate/net/http_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>

#include "wagate/net/http_client_pool.h"
#include "wagate/testing/fake_http_server.h"

namespace wagate::net {
namespace {

using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordedRequest;

std::unique_ptr<FakeHttpServer> StartServer(testing::FakeHandler handler) {
  StatusOr<std::unique_ptr<FakeHttpServer>> server = FakeHttpServer::Create(std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

FakeResponse Ok(std::string body) {
  FakeResponse r;
  r.body = std::move(body);
  return r;
}

// A port on 127.0.0.1 where nothing listens: a server that has been stopped and destroyed.
uint16_t ClosedPort() {
  std::unique_ptr<FakeHttpServer> server =
      StartServer([](const RecordedRequest&) { return Ok(""); });
  return server->port();
}

TEST(HttpClientTest, GetSendsTargetAndHeadersAndReadsTheResponse) {
  auto server = StartServer([](const RecordedRequest& r) {
    FakeResponse answer;
    answer.status = 201;
    answer.headers = {
        {"X-Answer", "first"}, {"X-Answer", "second"}, {"Content-Type", "text/plain"}};
    answer.body = "got " + r.target;
    return answer;
  });
  HttpClient client;
  HttpRequest request;
  request.method = "GET";
  request.url = server->url() + "/things?id=7";
  request.headers = {{"X-Trace", "abc 123"}, {"Accept", "text/plain"}};
  HttpResult result = client.Send(request);

  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result.outcome(), HttpOutcome::kResponse);
  EXPECT_EQ(result.response().status, 201);
  EXPECT_EQ(result.response().body, "got /things?id=7");
  EXPECT_EQ(result.response().Header("content-type"), "text/plain");
  EXPECT_EQ(result.response().Header("X-ANSWER"), "first");
  int answers = 0;
  for (const auto& [name, value] : result.response().headers) {
    EXPECT_TRUE(std::none_of(name.begin(), name.end(), [](unsigned char c) {
      return std::isupper(c);
    })) << name;
    if (name == "x-answer") ++answers;
  }
  EXPECT_EQ(answers, 2);

  std::vector<RecordedRequest> seen = server->Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/things?id=7");
  EXPECT_EQ(seen[0].Header("x-trace"), "abc 123");
  EXPECT_EQ(seen[0].Header("Accept"), "text/plain");
  EXPECT_TRUE(seen[0].body.empty());
  EXPECT_FALSE(seen[0].Header("expect").has_value());
}

TEST(HttpClientTest, PostSendsTheBodyExactly) {
  auto server = StartServer([](const RecordedRequest& r) { return Ok("echo:" + r.body); });
  HttpClient client;
  std::string body =
      R"({"text":"¿hola?","n":1})" + std::string(100 * 1024, 'x');  // no Expect round trip
  HttpResult result = client.Send({"POST",
                                   server->url() + "/hook",
                                   {{"Content-Type", "application/json"}},
                                   body,
                                   Millis(2000)});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result.response().status, 200);
  EXPECT_EQ(result.response().body, "echo:" + body);
  std::vector<RecordedRequest> seen = server->Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_EQ(seen[0].Header("content-type"), "application/json");
}

TEST(HttpClientTest, OtherMethodsAndEmptyHeaderValues) {
  auto server = StartServer([](const RecordedRequest& r) { return Ok(r.method); });
  HttpClient client;
  HttpResult put = client.Send({"PUT", server->url() + "/x", {{"X-Empty", ""}}, "v", Millis(2000)});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put.response().body, "PUT");
  HttpResult del = client.Send({"DELETE", server->url() + "/x", {}, "", Millis(2000)});
  ASSERT_TRUE(del.ok()) << del.status().ToString();
  EXPECT_EQ(del.response().body, "DELETE");
  std::vector<RecordedRequest> seen = server->Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Header("x-empty"), "");
  EXPECT_EQ(seen[0].body, "v");
  EXPECT_EQ(seen[1].method, "DELETE");
}

TEST(HttpClientTest, CallsReuseOneKeepAliveConnection) {
  auto server = StartServer([](const RecordedRequest&) { return Ok("ok"); });
  HttpClient client;
  for (int i = 0; i < 5; ++i) {
    HttpResult r =
        client.Send({i % 2 ? "GET" : "POST", server->url() + "/n", {}, "b", Millis(2000)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(server->RequestCount(), 5);
  EXPECT_EQ(server->ConnectionCount(), 1);
  for (const RecordedRequest& r : server->Requests()) EXPECT_EQ(r.connection, 1);
}

TEST(HttpClientTest, ReconnectsAfterTheServerClosesTheConnection) {
  auto server = StartServer([](const RecordedRequest&) {
    FakeResponse r = Ok("bye");
    r.headers = {{"Connection", "close"}};
    return r;
  });
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    HttpResult r = client.Send({"GET", server->url() + "/", {}, "", Millis(2000)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r.response().body, "bye");
  }
  EXPECT_EQ(server->RequestCount(), 3);
  EXPECT_EQ(server->ConnectionCount(), 3);
}

TEST(HttpClientTest, ATimeoutAfterTheRequestWasWrittenIsUnknown) {
  auto server = StartServer([](const RecordedRequest&) {
    FakeResponse r = Ok("late");
    r.delay = Millis(5000);  // cut short by Stop()
    return r;
  });
  HttpClient client;
  auto start = std::chrono::steady_clock::now();
  HttpResult result = client.Send({"POST",
                                   server->url() + "/slow",
                                   {{"Authorization", "Bearer s3cret-token"}},
                                   "{}",
                                   Millis(200)});
  auto elapsed = std::chrono::steady_clock::now() - start;

  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.outcome(), HttpOutcome::kUnknown);
  EXPECT_TRUE(result.may_have_been_sent());
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded) << result.status().ToString();
  EXPECT_GE(elapsed, Millis(200));
  EXPECT_LT(elapsed, Millis(2000));
  EXPECT_EQ(server->RequestCount(), 1);  // it did arrive
  EXPECT_EQ(result.status().message().find("s3cret"), std::string::npos)
      << result.status().message();
}

TEST(HttpClientTest, ADroppedConnectionAfterTheRequestWasWrittenIsUnknown) {
  auto server = StartServer([](const RecordedRequest&) {
    FakeResponse r;
    r.drop_connection = true;
    return r;
  });
  HttpClient client;
  HttpResult result = client.Send({"POST", server->url() + "/drop", {}, "{}", Millis(2000)});
  EXPECT_EQ(result.outcome(), HttpOutcome::kUnknown);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status().ToString();
  EXPECT_GE(server->RequestCount(), 1);
}

TEST(HttpClientTest, ARefusedConnectionIsNotSent) {
  uint16_t port = ClosedPort();
  HttpClient client;
  HttpResult result =
      client.Send({"POST",
                   "http://127.0.0.1:" + std::to_string(port) + "/hook?token=q-secret",
                   {{"Authorization", "Bearer s3cret-token"}},
                   "{\"a\":1}",
                   Millis(500)});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.outcome(), HttpOutcome::kNotSent);
  EXPECT_FALSE(result.may_have_been_sent());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status().ToString();
  const std::string& message = result.status().message();
  EXPECT_NE(message.find("/hook"), std::string::npos) << message;
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_EQ(message.find("q-secret"), std::string::npos) << message;
}

TEST(HttpClientTest, WithoutObservingWritesOnlyAFailedConnectIsNotSent) {
  HttpClient client(HttpClient::Options{.observe_writes = false});
  HttpResult refused = client.Send(
      {"POST", "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/x", {}, "{}", Millis(500)});
  EXPECT_EQ(refused.outcome(), HttpOutcome::kNotSent) << refused.status().ToString();

  auto server = StartServer([](const RecordedRequest& r) {
    FakeResponse answer;
    answer.drop_connection = r.target == "/drop";
    answer.body = "ok";
    return answer;
  });
  HttpResult ok = client.Send({"POST", server->url() + "/ok", {}, "{}", Millis(2000)});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok.response().body, "ok");
  HttpResult dropped = client.Send({"POST", server->url() + "/drop", {}, "{}", Millis(2000)});
  EXPECT_EQ(dropped.outcome(), HttpOutcome::kUnknown) << dropped.status().ToString();
}

TEST(HttpClientTest, AnUnresolvableHostIsNotSent) {
  HttpClient client;
  HttpResult result =
      client.Send({"GET", "http://wagate-no-such-host.invalid/", {}, "", Millis(500)});
  EXPECT_EQ(result.outcome(), HttpOutcome::kNotSent) << result.status().ToString();
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
}

TEST(HttpClientTest, AnUnsendableRequestIsRejectedBeforeConnecting) {
  auto server = StartServer([](const RecordedRequest&) { return Ok(""); });
  HttpClient client;
  HttpResult result = client.Send(
      {"GET", server->url() + "/", {{"X-Bad", "line\r\nX-Injected: 1"}}, "", Millis(500)});
  EXPECT_EQ(result.outcome(), HttpOutcome::kNotSent);
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message().find("Injected"), std::string::npos);
  HttpResult scheme = client.Send({"GET", "ftp://127.0.0.1/", {}, "", Millis(500)});
  EXPECT_EQ(scheme.outcome(), HttpOutcome::kNotSent);
  EXPECT_EQ(scheme.status().code(), StatusCode::kInvalidArgument) << scheme.status().ToString();
  EXPECT_EQ(server->RequestCount(), 0);
}

TEST(HttpClientTest, AnOversizedResponseFailsAsDelivered) {
  auto server = StartServer([](const RecordedRequest&) { return Ok(std::string(64 * 1024, 'z')); });
  HttpClient::Options options;
  options.max_response_bytes = 1024;
  HttpClient client(options);
  HttpResult result = client.Send({"GET", server->url() + "/big", {}, "", Millis(2000)});
  EXPECT_EQ(result.outcome(), HttpOutcome::kUnknown);
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("1024"), std::string::npos) << result.status().message();
}

TEST(HttpClientTest, AfterTheServerStopsTheKeptConnectionIsNotReusedAndNothingIsSent) {
  auto server = StartServer([](const RecordedRequest&) { return Ok("ok"); });
  const std::string url = server->url() + "/x";
  HttpClient client;
  ASSERT_TRUE(client.Send({"GET", url, {}, "", Millis(2000)}).ok());
  server->Stop();                        // closes the idle keep-alive connection and the listener
  EXPECT_EQ(server->RequestCount(), 1);  // still readable after Stop()
  HttpResult after = client.Send({"POST", url, {}, "{}", Millis(500)});
  EXPECT_EQ(after.outcome(), HttpOutcome::kNotSent) << after.status().ToString();
  EXPECT_EQ(server->RequestCount(), 1);
}

TEST(RedactUrlTest, KeepsSchemeHostPortAndPathOnly) {
  EXPECT_EQ(RedactUrl("https://user:pw@graph.example.com:8443/v25.0/123/messages?access_token=t#x"),
            "https://graph.example.com:8443/v25.0/123/messages");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:9/hook"), "http://127.0.0.1:9/hook");
  EXPECT_EQ(RedactUrl("http://h?x=1"), "http://h");
}

TEST(HttpClientPoolTest, EightThreadsEachGetAKeepAliveConnection) {
  auto server = StartServer([](const RecordedRequest& r) { return Ok(r.body); });
  HttpClientPool pool;
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 25;
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCallsPerThread; ++i) {
          std::string body = std::to_string(t) + ":" + std::to_string(i);
          HttpResult r = pool.Send({"POST", server->url() + "/p", {}, body, Millis(5000)});
          if (!r.ok() || r.response().status != 200 || r.response().body != body) ++failures;
        }
      });
    }
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server->RequestCount(), kThreads * kCallsPerThread);
  // Connections are reused: never more than one per concurrent caller.
  EXPECT_LE(server->ConnectionCount(), kThreads);
  EXPECT_GE(pool.IdleClients(), 1u);
  EXPECT_LE(pool.IdleClients(), static_cast<size_t>(kThreads));
}

}  // namespace
}  // namespace wagate::net
