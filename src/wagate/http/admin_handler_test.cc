// The admin API against a real sqlite database: routing when disabled, the token, CSRF refusals,
// security headers, escaping, and redrive/purge round trips (the worker thread is real).
#include "wagate/http/admin_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <future>
#include <map>
#include <thread>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/http/embedded_files.h"
#include "wagate/testing/admit_and_wait.h"
#include "wagate/testing/fake_clock.h"

namespace wagate::http {
namespace {

namespace beast_http = boost::beast::http;
namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "admin-token-5b1c9e";
constexpr char kHostile[] = "msg:<img src=x onerror=alert(1)>&\"'";

struct Call {
  beast_http::verb method = beast_http::verb::get;
  std::string target;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool auth = true;
};

class AdminHandlerTest : public ::testing::Test {
 protected:
  explicit AdminHandlerTest(std::string token = kToken)
      : backend_(testing::AdmitBackendOptions{&clock_}),
        monitor_(backend_.store(), backend_.queues(), clock_),
        worker_({}, nullptr),
        handler_(AdminOptions{.token = std::move(token), .redrive_messages_per_second = 0},
                 monitor_, history_, outbound_, backend_.queue(), backend_.store(), worker_, clock_,
                 "sqlite") {
    handler_.AddRoutes(router_);
    worker_.Start();
  }
  ~AdminHandlerTest() override { worker_.Stop(); }

  Response Send(const Call& call) {
    Request request{call.method, call.target, 11};
    request.set(beast_http::field::host, "127.0.0.1:8080");
    if (call.auth) request.set(beast_http::field::authorization, std::string("Bearer ") + kToken);
    for (const auto& [name, value] : call.headers) request.set(name, value);
    request.body() = call.body;
    request.prepare_payload();
    std::promise<Response> answered;
    router_.Dispatch(request, RequestContext{},
                     [&](Response r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();  // the worker answers from its own thread
  }
  Response Get(const std::string& target) { return Send({.target = target}); }
  Response PostJson(const std::string& target, const std::string& body) {
    return Send({.method = beast_http::verb::post,
                 .target = target,
                 .body = body,
                 .headers = {{"Content-Type", "application/json"}}});
  }
  static json::object Body(const Response& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body(), ec);
    EXPECT_FALSE(ec) << r.body();
    return v.is_object() ? v.as_object() : json::object{};
  }
  static std::string Header(const Response& r, std::string_view name) {
    auto it = r.find(name);
    return it == r.end() ? "" : std::string(it->value());
  }

  // Sends one message to `incoming` and moves it to the dead-letter queue.
  void MakeDeadLetter(const std::string& key, const std::string& body) {
    ASSERT_TRUE(backend_.queue().Send(domain::QueueName::kIncoming, {{key, body}}).ok());
    auto received =
        backend_.queue().Receive(domain::QueueName::kIncoming, 1, Millis(30'000), Millis(0));
    ASSERT_TRUE(received.ok());
    ASSERT_EQ(received->size(), 1u);
    ASSERT_TRUE(backend_.queue()
                    .MoveToDeadLetter(domain::QueueName::kIncoming, (*received)[0],
                                      {"handler_rejected", "HTTP 400 from the handler", ""})
                    .ok());
  }
  ports::QueueStats Stats(domain::QueueName q) {
    auto stats = backend_.queue().Stats(q);
    EXPECT_TRUE(stats.ok());
    return stats.ok() ? *stats : ports::QueueStats{};
  }

  testing::FakeClock clock_;
  sqlite::SqliteTestBackend backend_;
  HealthMonitor monitor_;
  AdminHistory history_;
  OutboundLog outbound_;
  AdminWorker worker_;
  AdminHandler handler_;
  Router router_;
};

class DisabledAdminTest : public AdminHandlerTest {
 protected:
  DisabledAdminTest() : AdminHandlerTest("") {}
};

TEST_F(DisabledAdminTest, EveryAdminPathIsNotFoundWithoutAToken) {
  EXPECT_FALSE(handler_.enabled());
  for (const char* path : {"/admin", "/admin/", "/admin/app.js", "/admin/api/overview",
                           "/admin/api/dead-letters?queue=incoming", "/admin/api/record?key=k"}) {
    EXPECT_EQ(Get(path).result_int(), 404u) << path;
  }
  EXPECT_EQ(PostJson("/admin/api/redrive", R"({"queue":"incoming"})").result_int(), 404u);
}

TEST_F(AdminHandlerTest, ThePageAndItsAssetsAreServedFromTheBinaryWithSecurityHeaders) {
  for (const char* path : {"/admin", "/admin/", "/admin/index.html"}) {
    Response page = Send({.target = path, .auth = false});  // the page itself asks for the token
    ASSERT_EQ(page.result_int(), 200u) << path;
    EXPECT_EQ(Header(page, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_THAT(page.body(), HasSubstr(R"(<script src="/admin/app.js")"));
  }
  Response page = Get("/admin");
  // No inline script: every <script> loads a file of this origin, which the CSP allows.
  EXPECT_THAT(page.body(), Not(HasSubstr("<script>")));
  EXPECT_THAT(page.body(), Not(HasSubstr("http://")));  // nothing from a CDN
  EXPECT_THAT(page.body(), Not(HasSubstr("https://")));
  EXPECT_EQ(Header(page, "Content-Security-Policy"), "default-src 'self'; frame-ancestors 'none'");
  EXPECT_EQ(Header(page, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(page, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(page, "Referrer-Policy"), "no-referrer");

  Response js = Get("/admin/app.js");
  ASSERT_EQ(js.result_int(), 200u);
  EXPECT_EQ(Header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_THAT(js.body(), HasSubstr("sessionStorage"));
  // Values are rendered as text only: nothing in the script parses markup.
  for (const char* sink :
       {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("}) {
    EXPECT_THAT(js.body(), Not(HasSubstr(sink)));
  }
  Response css = Get("/admin/style.css");
  ASSERT_EQ(css.result_int(), 200u);
  EXPECT_EQ(Header(css, "Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(Get("/admin/missing.js").result_int(), 404u);
}

TEST_F(AdminHandlerTest, TheApiNeedsTheBearerToken) {
  const std::vector<std::vector<std::pair<std::string, std::string>>> refused = {
      {},
      {{"Authorization", "Bearer wrong-token"}},
      {{"Authorization", std::string("Bearer ") + kToken + "x"}},
      {{"Authorization", std::string("Basic ") + kToken}},
      {{"Authorization", std::string("bearer") + kToken}},
  };
  for (const auto& headers : refused) {
    Response r = Send({.target = "/admin/api/overview", .headers = headers, .auth = false});
    EXPECT_EQ(r.result_int(), 401u);
    EXPECT_EQ(Body(r)["error"], "unauthorized");
    EXPECT_THAT(r.body(), Not(HasSubstr(kToken)));
    EXPECT_THAT(r.body(), Not(HasSubstr("queues")));  // no data
    EXPECT_EQ(Header(r, "Cache-Control"), "no-store");
    EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY");
  }
  // A mutation with a wrong token changes nothing.
  MakeDeadLetter("msg:kept", "{}");
  Response r =
      Send({.method = beast_http::verb::post,
            .target = "/admin/api/purge",
            .body = R"({"queue":"incoming-dlq"})",
            .headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer nope"}},
            .auth = false});
  EXPECT_EQ(r.result_int(), 401u);
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).dlq, 1);

  Response ok = Get("/admin/api/overview");
  EXPECT_EQ(ok.result_int(), 200u);
  EXPECT_EQ(Header(ok, "Cache-Control"), "no-store");
  EXPECT_EQ(Header(ok, "Content-Security-Policy"), "default-src 'self'; frame-ancestors 'none'");
}

TEST_F(AdminHandlerTest, CrossSiteRequestsAndFormPostsAreRefused) {
  MakeDeadLetter("msg:csrf", "{}");
  auto post = [&](std::vector<std::pair<std::string, std::string>> headers) {
    return Send({.method = beast_http::verb::post,
                 .target = "/admin/api/purge",
                 .body = R"({"queue":"incoming-dlq"})",
                 .headers = std::move(headers)});
  };
  // Even with the token (e.g. a script on another site that stole nothing but guesses the
  // endpoint), a foreign Origin or a cross-site fetch is refused.
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"Content-Type", "application/json"}, {"Origin", "https://evil.example"}},
           {{"Content-Type", "application/json"}, {"Origin", "null"}},
           {{"Content-Type", "application/json"}, {"Origin", "http://127.0.0.1:8080.evil.example"}},
           {{"Content-Type", "application/json"}, {"Sec-Fetch-Site", "cross-site"}},
           {{"Content-Type", "application/x-www-form-urlencoded"}},
           {{"Content-Type", "text/plain"}},
           {{"Content-Type", "multipart/form-data; boundary=x"}},
           {},
       }) {
    Response r = post(headers);
    EXPECT_EQ(r.result_int(), 403u) << r.body();
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  }
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).dlq, 1);  // nothing was purged
  Response get =
      Send({.target = "/admin/api/overview", .headers = {{"Origin", "https://evil.example"}}});
  EXPECT_EQ(get.result_int(), 403u);
  EXPECT_EQ(Body(get)["error"], "cross_site_refused");

  // The page's own requests: same origin, JSON.
  Response same = post({{"Content-Type", "application/json; charset=utf-8"},
                        {"Origin", "http://127.0.0.1:8080"},
                        {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(same.result_int(), 200u) << same.body();
  EXPECT_EQ(Body(same)["purged"], 1);
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).dlq, 0);
}

TEST_F(AdminHandlerTest, RedriveMovesDeadLettersBackAndPurgeDeletesThem) {
  MakeDeadLetter("msg:a", R"({"n":1})");
  MakeDeadLetter("msg:b", R"({"n":2})");
  ASSERT_EQ(Stats(domain::QueueName::kIncoming).dlq, 2);

  Response redrive = PostJson("/admin/api/redrive", R"({"queue":"incoming"})");
  ASSERT_EQ(redrive.result_int(), 200u) << redrive.body();
  EXPECT_EQ(Body(redrive)["moved"], 2);
  EXPECT_EQ(Body(redrive)["skipped"], 0);
  ports::QueueStats after = Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(after.dlq, 0);
  EXPECT_EQ(after.visible, 2);

  MakeDeadLetter("msg:c", "{}");  // receives the oldest visible message and kills it
  Response purge = PostJson("/admin/api/purge", R"({"queue":"incoming-dlq"})");
  ASSERT_EQ(purge.result_int(), 200u) << purge.body();
  EXPECT_EQ(Body(purge)["purged"], 1);
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).dlq, 0);
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).visible, 2);  // msg:b and msg:c are untouched

  // Bad requests name the problem.
  for (const char* body :
       {R"({"queue":"nope"})", R"({"queue":"incoming-dlq"})", R"({"q":1})", "[", ""}) {
    Response r = PostJson("/admin/api/redrive", body);
    EXPECT_EQ(r.result_int(), 400u) << body;
    EXPECT_EQ(Body(r)["error"], "invalid_request");
  }
  EXPECT_EQ(PostJson("/admin/api/purge", R"({"queue":"elsewhere"})").result_int(), 400u);
  EXPECT_EQ(Get("/admin/api/dead-letters?queue=nope").result_int(), 400u);
  EXPECT_EQ(Get("/admin/api/dead-letters?queue=incoming&limit=0").result_int(), 400u);
  EXPECT_EQ(Get("/admin/api/redrive").result_int(), 405u);
}

TEST_F(AdminHandlerTest, RecordLookupEscapesAHostileKey) {
  ports::AdmitRequest admit;
  admit.items.push_back(
      {kHostile, domain::ItemKind::kMessage, R"({"text":"<b>hi</b>"})", std::nullopt});
  ASSERT_TRUE(testing::AdmitAndWait(backend_.admitter(), std::move(admit)).ok());

  std::string target =
      "/admin/api/record?key=" + boost::urls::encode(kHostile, boost::urls::unreserved_chars);
  Response r = Get(target);
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  // The JSON carries the key exactly, with no raw markup a browser could ever interpret.
  EXPECT_EQ(Body(r)["key"], kHostile);
  EXPECT_EQ(Body(r)["state"], "QUEUED");
  EXPECT_THAT(r.body(), Not(HasSubstr("<")));
  EXPECT_THAT(r.body(), Not(HasSubstr(">")));
  EXPECT_THAT(r.body(), HasSubstr("\\u003cimg"));

  Response absent = Get("/admin/api/record?key=msg%3Aabsent");
  EXPECT_EQ(absent.result_int(), 404u);
  EXPECT_EQ(Body(absent)["error"], "not_found");
  EXPECT_EQ(Get("/admin/api/record?key=").result_int(), 400u);
  EXPECT_EQ(Get("/admin/api/record?key=" + std::string(513, 'k')).result_int(), 400u);
}

TEST_F(AdminHandlerTest, DeadLettersAreListedWithReasonAttemptsAndPayloadEscaped) {
  MakeDeadLetter(kHostile, R"({"text":"<img src=x onerror=alert(2)>"})");
  MakeDeadLetter("msg:second", "{}");
  Response r = Get("/admin/api/dead-letters?queue=incoming");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  EXPECT_THAT(r.body(), Not(HasSubstr("<")));
  json::object body = Body(r);
  EXPECT_EQ(body["queue"], "incoming");
  const json::array& items = body["items"].as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("key"), kHostile);  // oldest first, exactly as stored
  EXPECT_EQ(items[0].at("reason"), "handler_rejected");
  EXPECT_EQ(items[0].at("last_error"), "HTTP 400 from the handler");
  EXPECT_EQ(items[0].at("attempts"), 1);
  EXPECT_EQ(items[0].at("payload"), R"({"text":"<img src=x onerror=alert(2)>"})");
  EXPECT_EQ(items[0].at("payload_truncated"), false);
  EXPECT_TRUE(items[0].at("history").is_array());
  EXPECT_EQ(items[1].at("key"), "msg:second");

  // One by id, with the whole payload; a payload over 64 KiB is cut in the list only.
  const std::string id(items[0].at("message_id").as_string());
  Response got = Get("/admin/api/dead-letter?queue=incoming&id=" + id);
  ASSERT_EQ(got.result_int(), 200u) << got.body();
  EXPECT_EQ(Body(got)["key"], kHostile);
  EXPECT_THAT(got.body(), Not(HasSubstr("<")));
  EXPECT_EQ(Get("/admin/api/dead-letter?queue=incoming&id=999999").result_int(), 404u);
  EXPECT_EQ(Get("/admin/api/dead-letter?queue=incoming&id=").result_int(), 400u);
  EXPECT_EQ(Get("/admin/api/dead-letter?queue=nope&id=" + id).result_int(), 400u);
  const std::string big = "\"" + std::string(70 * 1024, 'x') + "\u00e9\"";  // JSON string
  MakeDeadLetter("msg:big", big);
  Response listed = Get("/admin/api/dead-letters?queue=incoming");
  json::object listed_body = Body(listed);
  const json::value& last = listed_body["items"].as_array().back();
  EXPECT_EQ(last.at("key"), "msg:big");
  EXPECT_EQ(last.at("payload_truncated"), true);
  EXPECT_EQ(last.at("payload").as_string().size(), 64u * 1024);
  Response whole = Get("/admin/api/dead-letter?queue=incoming&id=" +
                       std::string(last.at("message_id").as_string()));
  EXPECT_EQ(Body(whole)["payload"].as_string(), big);
  EXPECT_EQ(Body(whole)["payload_truncated"], false);

  Response one = Get("/admin/api/dead-letters?queue=incoming&limit=1");
  ASSERT_EQ(one.result_int(), 200u);
  EXPECT_EQ(Body(one)["items"].as_array().size(), 1u);
  Response none = Get("/admin/api/dead-letters?queue=outgoing");
  ASSERT_EQ(none.result_int(), 200u);
  EXPECT_TRUE(Body(none)["items"].as_array().empty());
}

TEST_F(AdminHandlerTest, OverviewShowsTheMonitorsQueueStatsAndHistory) {
  MakeDeadLetter("msg:o", "{}");
  ASSERT_TRUE(backend_.queue().Send(domain::QueueName::kIncoming, {{"msg:p", "{}"}}).ok());
  monitor_.Start();  // takes a snapshot before returning
  history_.Sample(monitor_.Snapshot(), clock_.Now());
  history_.Publish({.event = "received", .key = "msg:p", .ts = clock_.Now()});
  Response r = Get("/admin/api/overview");
  monitor_.Stop();
  ASSERT_EQ(r.result_int(), 200u);
  json::object body = Body(r);
  EXPECT_EQ(body["backend"], "sqlite");
  EXPECT_EQ(body["store"], "ok");
  EXPECT_EQ(body["redrive"].at("max_messages"), 100);
  EXPECT_EQ(body["queues"].at("incoming").at("dlq"), 1);
  EXPECT_EQ(body["queues"].at("incoming").at("visible"), 1);
  const json::array& history = body["history"].as_array();
  ASSERT_EQ(history.size(), 60u);
  EXPECT_EQ(history.back().at("received"), 1);
  EXPECT_EQ(history.back().at("depth").at("incoming"), 1);
  EXPECT_EQ(history.back().at("dlq").at("incoming"), 1);
  EXPECT_TRUE(history.front().at("depth").is_null());
}

TEST_F(AdminHandlerTest, OutboundShowsRecentSendsWithTheLastDigitsOfTheRecipient) {
  const std::string key = "out:0123abcd:0";
  ports::AdmitRequest admit;
  admit.items.push_back({key, domain::ItemKind::kOutgoing, R"({"kind":"outgoing"})", std::nullopt});
  ASSERT_TRUE(testing::AdmitAndWait(backend_.admitter(), std::move(admit)).ok());
  auto record = backend_.store().Inspect(key);
  ASSERT_TRUE(record.ok());
  auto claim =
      backend_.store().Claim({key, domain::ItemKind::kOutgoing, "w1", record->queue_message_id});
  ASSERT_TRUE(claim.ok());
  ASSERT_TRUE(backend_.store()
                  .Complete({key, claim->fence, "w1"},
                            R"({"dry_run":true,"request":{"to":"15551234567","type":"text"}})", {})
                  .ok());
  outbound_.Publish({.event = "processed",
                     .key = key,
                     .kind = domain::ItemKind::kOutgoing,
                     .ts = clock_.Now(),
                     .attempt = 1});
  outbound_.Publish(
      {.event = "processed", .key = "msg:inbound", .ts = clock_.Now()});  // not outbound

  Response r = Get("/admin/api/outbound");
  ASSERT_EQ(r.result_int(), 200u) << r.body();
  json::object body = Body(r);
  EXPECT_EQ(body["runs_senders"], true);
  const json::array& items = body["items"].as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("key").as_string(), key);
  EXPECT_EQ(items[0].at("state"), "COMPLETED");
  EXPECT_EQ(items[0].at("dry_run"), true);
  EXPECT_EQ(items[0].at("to"), "***4567");  // phone numbers are personal data
  EXPECT_THAT(r.body(), Not(HasSubstr("15551234567")));
}

TEST(AdminWorkerTest, RefusesTasksBeyondItsCapacity) {
  AdminWorker worker({.capacity = 1}, nullptr);  // not started: nothing is taken off the queue
  EXPECT_TRUE(worker.Post([] {}));
  EXPECT_FALSE(worker.Post([] {}));
  worker.Start();
  std::promise<void> ran;
  while (!worker.Post([&] { ran.set_value(); })) std::this_thread::yield();
  ran.get_future().wait();
  worker.Stop();
  EXPECT_FALSE(worker.Post([] {}));
}

TEST(EmbeddedFilesTest, EveryWebFileIsEmbeddedWithItsType) {
  std::map<std::string, std::string> types;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    EXPECT_FALSE(f.bytes.empty()) << f.name;
    types[std::string(f.name)] = std::string(ContentTypeFor(f.name));
  }
  EXPECT_EQ(types["index.html"], "text/html; charset=utf-8");
  EXPECT_EQ(types["app.js"], "text/javascript; charset=utf-8");
  EXPECT_EQ(types["style.css"], "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace wagate::http
