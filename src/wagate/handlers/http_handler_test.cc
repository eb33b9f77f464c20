#include "wagate/handlers/http_handler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wagate/testing/fake_http_server.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::handlers {
namespace {

namespace json = boost::json;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordedRequest;

constexpr char kSecret[] = "handler-s3cret-value";
constexpr char kMessage[] =
    R"({"id":"wamid.HBg1","from":"34600000001","timestamp":"1767225600","type":"text","text":{"body":"¿hola?"}})";
constexpr char kStatus[] =
    R"({"id":"wamid.OUT1","status":"read","timestamp":"1767225601","recipient_id":"34600000001"})";

std::string Payload(const std::string& key, const char* kind, const char* field,
                    const char* value) {
  return R"({"key":")" + key + R"(","kind":")" + kind +
         R"(","entry_id":"WABA1","phone_number_id":"1234","display_phone_number":"+1 555 0100",)"
         R"("contact":{"wa_id":"34600000001","profile":{"name":"Ana"}},")" +
         field + "\":" + value + "}";
}

ports::HandlerItem MessageItem(int64_t attempt = 1) {
  ports::HandlerItem item;
  item.key = "msg:wamid.HBg1";
  item.kind = domain::ItemKind::kMessage;
  item.attempt = attempt;
  item.payload = Payload(item.key, "message", "message", kMessage);
  item.received_at = FromUnixMillis(1767225600123);  // 2026-01-01T00:00:00.123Z
  return item;
}

FakeResponse Answer(int status, std::string body = "") {
  FakeResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}};
  return r;
}

class HttpHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<FakeHttpServer>> server =
        FakeHttpServer::Create([this](const RecordedRequest&) {
          MutexLock lock(mu_);
          return answer_;
        });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  void AnswerWith(FakeResponse answer) {
    MutexLock lock(mu_);
    answer_ = std::move(answer);
  }

  HttpHandler MakeHandler(Millis timeout = Millis(2000), std::string secret = kSecret) {
    return HttpHandler({server_->url() + "/hook", std::move(secret), timeout});
  }

  // Handles `item` with the server answering `answer`; expects a permanent or retriable error.
  Status HandleExpectingError(FakeResponse answer, const ports::HandlerItem& item = MessageItem()) {
    AnswerWith(std::move(answer));
    HttpHandler handler = MakeHandler();
    StatusOr<ports::HandlerResult> r = handler.Handle(item);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return Status::Ok();
    EXPECT_EQ(r.status().message().find(kSecret), std::string::npos) << r.status().message();
    return r.status();
  }

  Mutex mu_;
  FakeResponse answer_ WAGATE_GUARDED_BY(mu_) = Answer(200, "{}");
  std::unique_ptr<FakeHttpServer> server_;
};

TEST_F(HttpHandlerTest, PostsTheItemSignedWithIdempotencyKeyAndAttempt) {
  HttpHandler handler = MakeHandler();
  StatusOr<ports::HandlerResult> r = handler.Handle(MessageItem(3));
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  std::vector<RecordedRequest> seen = server_->Requests();
  ASSERT_EQ(seen.size(), 1u);
  const RecordedRequest& request = seen[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hook");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("idempotency-key"), "msg:wamid.HBg1");
  EXPECT_EQ(request.Header("x-wagate-attempt"), "3");
  // The signature is the HMAC of exactly the bytes received, keyed with the secret.
  std::optional<std::string> signature = request.Header("x-wagate-signature-256");
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(*signature, "sha256=" + whatsapp::HmacSha256Hex(kSecret, request.body));
  EXPECT_EQ(whatsapp::SignatureVerifier({kSecret}).Verify(request.body, *signature),
            whatsapp::SignatureResult::kValid);
  EXPECT_NE(*signature, "sha256=" + whatsapp::HmacSha256Hex("another secret", request.body));

  json::object body = json::parse(request.body).as_object();
  EXPECT_EQ(body.at("key"), "msg:wamid.HBg1");
  EXPECT_EQ(body.at("kind"), "message");
  EXPECT_EQ(body.at("received_at"), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(body.at("phone_number_id"), "1234");
  EXPECT_EQ(body.at("display_phone_number"), "+1 555 0100");
  EXPECT_EQ(body.at("contact"), json::parse(R"({"wa_id":"34600000001","profile":{"name":"Ana"}})"));
  EXPECT_EQ(body.at("stale"), false);
  EXPECT_EQ(body.at("message"), json::parse(kMessage));
  EXPECT_FALSE(body.contains("status"));
  EXPECT_FALSE(body.contains("entry_id"));
  EXPECT_EQ(request.body.find(kSecret), std::string::npos);
}

TEST_F(HttpHandlerTest, AStaleStatusIsPostedWithItsStatus) {
  ports::HandlerItem item;
  item.key = "st:wamid.OUT1:read";
  item.kind = domain::ItemKind::kStatus;
  item.stale = true;
  item.payload = Payload(item.key, "status", "status", kStatus);
  HttpHandler handler = MakeHandler();
  ASSERT_TRUE(handler.Handle(item).ok());
  std::vector<RecordedRequest> seen = server_->Requests();
  ASSERT_EQ(seen.size(), 1u);
  json::object body = json::parse(seen[0].body).as_object();
  EXPECT_EQ(body.at("kind"), "status");
  EXPECT_EQ(body.at("stale"), true);
  EXPECT_EQ(body.at("status"), json::parse(kStatus));
  EXPECT_FALSE(body.contains("message"));
  EXPECT_EQ(seen[0].Header("idempotency-key"), "st:wamid.OUT1:read");
}

TEST_F(HttpHandlerTest, WithoutASecretRequestsAreNotSigned) {
  HttpHandler handler = MakeHandler(Millis(2000), "");
  ASSERT_TRUE(handler.Handle(MessageItem()).ok());
  ASSERT_EQ(server_->RequestCount(), 1);
  EXPECT_FALSE(server_->Requests()[0].Header("x-wagate-signature-256").has_value());
}

TEST_F(HttpHandlerTest, RepliesAndMarkReadComeFromTheAnswer) {
  AnswerWith(Answer(200, R"({"replies":[{"type":"text","text":"¡hola!"},
      {"type":"raw","body":{"type":"image","image":{"link":"https://example.com/a.png"}}}],
      "mark_read":true,"extra":"ignored"})"));
  HttpHandler handler = MakeHandler();
  StatusOr<ports::HandlerResult> r = handler.Handle(MessageItem());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->replies.size(), 2u);
  EXPECT_EQ(r->replies[0].type, ports::Reply::Type::kText);
  EXPECT_EQ(r->replies[0].text, "¡hola!");
  EXPECT_EQ(r->replies[1].type, ports::Reply::Type::kRaw);
  EXPECT_EQ(json::parse(r->replies[1].raw_body),
            json::parse(R"({"type":"image","image":{"link":"https://example.com/a.png"}})"));
  EXPECT_TRUE(r->mark_read);
}

TEST_F(HttpHandlerTest, AnEmptyAnswerMeansNoReplies) {
  HttpHandler handler = MakeHandler();
  for (FakeResponse answer :
       {Answer(200, ""), Answer(204), Answer(200, "{}"), Answer(202, " {\"replies\":[]} \n")}) {
    AnswerWith(answer);
    StatusOr<ports::HandlerResult> r = handler.Handle(MessageItem());
    ASSERT_TRUE(r.ok()) << answer.status << " " << answer.body << ": " << r.status().ToString();
    EXPECT_TRUE(r->replies.empty());
    EXPECT_FALSE(r->mark_read);
  }
  EXPECT_EQ(server_->RequestCount(), 4);
}

TEST_F(HttpHandlerTest, AnInvalidSuccessAnswerIsPermanent) {
  for (const char* body :
       {"not json", "[]", R"({"replies":"hi"})", R"({"replies":[{"type":"video"}]})",
        R"({"replies":[{"type":"text"}]})", R"({"replies":[{"type":"raw","body":"x"}]})",
        R"({"mark_read":"yes"})"}) {
    Status s = HandleExpectingError(Answer(200, body));
    EXPECT_FALSE(ports::IsRetriable(s)) << body << ": " << s.ToString();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(s.message().find("handler answered 200 with an invalid body"), std::string::npos)
        << s.message();
  }
}

TEST_F(HttpHandlerTest, ServerErrorsAndThrottlingAreRetriable) {
  for (int status : {500, 502, 503, 408, 429}) {
    Status s = HandleExpectingError(Answer(status, "busy"));
    EXPECT_TRUE(ports::IsRetriable(s)) << status << ": " << s.ToString();
    EXPECT_NE(s.message().find("handler answered " + std::to_string(status)), std::string::npos)
        << s.message();
  }
}

TEST_F(HttpHandlerTest, OtherClientErrorsArePermanentAndQuoteTheAnswer) {
  Status bad = HandleExpectingError(Answer(400, R"({"error":"unknown field"})"));
  EXPECT_FALSE(ports::IsRetriable(bad));
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), R"(handler answered 400: {"error":"unknown field"})");

  Status long_answer = HandleExpectingError(Answer(404, std::string(1000, 'n')));
  EXPECT_FALSE(ports::IsRetriable(long_answer));
  EXPECT_NE(long_answer.message().find(std::string(200, 'n')), std::string::npos);
  EXPECT_EQ(long_answer.message().find(std::string(201, 'n')), std::string::npos);

  Status redirect = HandleExpectingError(Answer(302));
  EXPECT_FALSE(ports::IsRetriable(redirect)) << redirect.ToString();
}

TEST_F(HttpHandlerTest, ATimeoutIsRetriable) {
  FakeResponse slow = Answer(200, "{}");
  slow.delay = Millis(5000);  // cut short when the server stops
  AnswerWith(slow);
  HttpHandler handler = MakeHandler(Millis(200));
  auto start = std::chrono::steady_clock::now();
  StatusOr<ports::HandlerResult> r = handler.Handle(MessageItem());
  ASSERT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, Millis(2000));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_TRUE(ports::IsRetriable(r.status()));
}

TEST_F(HttpHandlerTest, ARefusedConnectionIsRetriable) {
  std::string url = server_->url() + "/hook";
  server_->Stop();
  server_.reset();  // nothing listens on the port any more
  HttpHandler handler({url, kSecret, Millis(500)});
  StatusOr<ports::HandlerResult> r = handler.Handle(MessageItem());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(ports::IsRetriable(r.status()));
  EXPECT_EQ(r.status().message().find(kSecret), std::string::npos);
}

TEST_F(HttpHandlerTest, SmokeTestMessagesAreNotForwarded) {
  ports::HandlerItem item = MessageItem();
  item.payload = Payload("msg:wamid.wagate-smoke-1", "message", "message",
                         R"({"id":"wamid.wagate-smoke-1","type":"text","text":{"body":"ping"}})");
  HttpHandler handler = MakeHandler();
  StatusOr<ports::HandlerResult> r = handler.Handle(item);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->replies.empty());
  EXPECT_EQ(server_->RequestCount(), 0);
}

TEST_F(HttpHandlerTest, AMalformedItemIsPermanentAndNotSent) {
  ports::HandlerItem item = MessageItem();
  item.payload = "nope";
  Status s = HandleExpectingError(Answer(200, "{}"), item);
  EXPECT_FALSE(ports::IsRetriable(s));
  ports::HandlerItem event = MessageItem();
  event.kind = domain::ItemKind::kEvent;
  Status e = HandleExpectingError(Answer(200, "{}"), event);
  EXPECT_FALSE(ports::IsRetriable(e));
  EXPECT_EQ(server_->RequestCount(), 0);
}

}  // namespace
}  // namespace wagate::handlers
