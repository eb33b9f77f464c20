#include "wagate/http/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wagate/http/client_ip.h"
#include "wagate/http/webhook_handler.h"
#include "wagate/ingest/ingest_service.h"
#include "wagate/testing/fake_clock.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::http {
namespace {

namespace ip = boost::asio::ip;
namespace beast_http = boost::beast::http;
using std::chrono::seconds;

ip::address Addr(const std::string& text) { return ip::make_address(text); }

// Takes `n` tokens and returns how many were allowed.
int TakeMany(RateLimiter& limiter, const ip::address& client, int n) {
  int allowed = 0;
  for (int i = 0; i < n; ++i) allowed += limiter.Take(client).allowed ? 1 : 0;
  return allowed;
}

TEST(RateLimiterTest, HundredPerMinuteAllowsHundredThenRefusesWithRetryAfter) {
  testing::FakeClock clock;
  RateLimiter limiter(100, clock);
  const ip::address a = Addr("192.0.2.1");
  EXPECT_EQ(TakeMany(limiter, a, 100), 100);
  RateLimiter::Verdict refused = limiter.Take(a);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(1)) << "a token comes back every 0.6 s";
  EXPECT_FALSE(limiter.Take(a).allowed) << "a refused request takes nothing, but gets nothing";
}

TEST(RateLimiterTest, RetryAfterIsTheWholeSecondsUntilATokenIsAvailable) {
  testing::FakeClock clock;
  RateLimiter limiter(3, clock);
  const ip::address a = Addr("192.0.2.1");
  EXPECT_EQ(TakeMany(limiter, a, 3), 3);
  EXPECT_EQ(limiter.Take(a).retry_after, seconds(20));
  clock.Advance(Millis(19'500));
  RateLimiter::Verdict almost = limiter.Take(a);
  EXPECT_FALSE(almost.allowed);
  EXPECT_EQ(almost.retry_after, seconds(1)) << "rounded up, never 0";
  clock.Advance(Millis(500));
  EXPECT_TRUE(limiter.Take(a).allowed);
  EXPECT_EQ(limiter.Take(a).retry_after, seconds(20));
}

TEST(RateLimiterTest, RefillsOverTime) {
  testing::FakeClock clock;
  RateLimiter limiter(60, clock);
  const ip::address a = Addr("2001:db8::1");
  EXPECT_EQ(TakeMany(limiter, a, 61), 60);
  clock.Advance(seconds(1));
  EXPECT_EQ(TakeMany(limiter, a, 5), 1) << "one token per second";
  clock.Advance(seconds(10));
  EXPECT_EQ(TakeMany(limiter, a, 20), 10);
  clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(TakeMany(limiter, a, 100), 60) << "a bucket never holds more than a minute's worth";
}

TEST(RateLimiterTest, SeparateAddressesHaveSeparateBuckets) {
  testing::FakeClock clock;
  RateLimiter limiter(2, clock);
  EXPECT_EQ(TakeMany(limiter, Addr("192.0.2.1"), 5), 2);
  EXPECT_EQ(TakeMany(limiter, Addr("192.0.2.2"), 5), 2);
  EXPECT_EQ(TakeMany(limiter, Addr("2001:db8::1"), 5), 2);
  EXPECT_EQ(TakeMany(limiter, Addr("2001:db8::2"), 5), 2);
  // An IPv4-mapped IPv6 peer (dual-stack listener) is the same client as its IPv4 address.
  EXPECT_FALSE(limiter.Take(Addr("::ffff:192.0.2.1")).allowed);
  EXPECT_EQ(limiter.tracked(), 4u);
}

TEST(RateLimiterTest, ZeroDisablesTheLimit) {
  testing::FakeClock clock;
  RateLimiter limiter(0, clock);
  EXPECT_FALSE(limiter.enabled());
  EXPECT_EQ(TakeMany(limiter, Addr("192.0.2.1"), 10'000), 10'000);
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(RateLimiterTest, TooManyRequestsIsA429WithRetryAfterAndAReason) {
  Response res = TooManyRequests(seconds(7));
  EXPECT_EQ(res.result_int(), 429u);
  EXPECT_EQ(res[beast_http::field::retry_after], "7");
  EXPECT_EQ(res[beast_http::field::content_type], "application/json");
  EXPECT_NE(res.body().find(R"("error":"rate_limited")"), std::string::npos) << res.body();
}

// Calls `handler` as the server would: the client address resolved through `proxies`.
Response Call(const Handler& handler, const TrustedProxies& proxies, const std::string& peer,
              const std::string& forwarded_for = "",
              beast_http::verb method = beast_http::verb::get, std::string body = "",
              std::string signature = "") {
  Request request{method, "/", 11};
  if (!forwarded_for.empty()) request.set("X-Forwarded-For", forwarded_for);
  if (!signature.empty()) request.set("X-Hub-Signature-256", signature);
  request.body() = std::move(body);
  RequestContext context;
  context.peer = Addr(peer);
  context.client = proxies.ClientAddress(context.peer, request);
  Response out;
  bool answered = false;
  handler(request, context, [&](Response r) {
    out = std::move(r);
    answered = true;
  });
  EXPECT_TRUE(answered);
  return out;
}

Handler Ok() {
  return [](const Request&, const RequestContext&, Respond r) { r(JsonResponse(200, "{}")); };
}

TEST(RateLimiterTest, RateLimitedHandlerAnswers429OnceTheBucketIsEmpty) {
  testing::FakeClock clock;
  RateLimiter limiter(3, clock);
  Handler handler = RateLimited(limiter, Ok());
  TrustedProxies none;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call(handler, none, "192.0.2.1").result_int(), 200u);
  Response limited = Call(handler, none, "192.0.2.1");
  EXPECT_EQ(limited.result_int(), 429u);
  EXPECT_EQ(limited[beast_http::field::retry_after], "20");
  EXPECT_EQ(Call(handler, none, "192.0.2.2").result_int(), 200u);
  // The header of an untrusted peer names nobody.
  EXPECT_EQ(Call(handler, none, "192.0.2.1", "198.51.100.9").result_int(), 429u);
}

// --- The webhook rule -----------------------------------------------------------------------

constexpr char kSecret[] = "rate-limit-test-secret";
constexpr char kEmptyBody[] = R"({"object":"whatsapp_business_account","entry":[]})";

class AcceptAllAdmitter final : public ports::Admitter {
 public:
  void Admit(ports::AdmitRequest request, Callback done) override {
    done(ports::AdmitResult{
        std::vector<ports::AdmitOutcome>(request.items.size(), ports::AdmitOutcome::kAccepted),
        static_cast<int>(request.quarantined.size())});
  }
};

class WebhookRateLimitTest : public ::testing::Test {
 protected:
  Response Post(WebhookHandler& handler, const std::string& peer, const std::string& signature) {
    Router router;
    handler.AddRoutes(router);
    Request request{beast_http::verb::post, "/webhook", 11};
    if (!signature.empty()) request.set("X-Hub-Signature-256", signature);
    request.body() = kEmptyBody;
    RequestContext context;
    context.peer = context.client = Addr(peer);
    Response out;
    router.Dispatch(request, context, [&](Response r) { out = std::move(r); });
    return out;
  }

  testing::FakeClock clock_;
  AcceptAllAdmitter admitter_;
  const std::string good_ = whatsapp::SignatureHeader(kSecret, kEmptyBody);
  const std::string bad_ = whatsapp::SignatureHeader("not-the-secret", kEmptyBody);
};

TEST_F(WebhookRateLimitTest, FailingSignaturesAreChargedAndValidOnesNeverAre) {
  whatsapp::SignatureVerifier verifier({kSecret});
  ingest::IngestService ingest(verifier, admitter_, nullptr, clock_);
  RateLimiter limiter(2, clock_);
  WebhookHandler handler("token", ingest, &limiter);

  // Valid signatures take nothing, however many.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Post(handler, "192.0.2.1", good_).result_int(), 200u);
  EXPECT_EQ(limiter.tracked(), 0u);

  EXPECT_EQ(Post(handler, "192.0.2.1", bad_).result_int(), 401u);
  EXPECT_EQ(Post(handler, "192.0.2.1", "").result_int(), 401u) << "a missing signature fails too";
  Response limited = Post(handler, "192.0.2.1", bad_);
  EXPECT_EQ(limited.result_int(), 429u);
  EXPECT_EQ(limited[beast_http::field::retry_after], "30");

  // The address's bucket is empty, yet Meta's signed traffic from it goes through.
  EXPECT_EQ(Post(handler, "192.0.2.1", good_).result_int(), 200u);
  EXPECT_EQ(Post(handler, "192.0.2.1", bad_).result_int(), 429u);
  // Another address has its own bucket.
  EXPECT_EQ(Post(handler, "192.0.2.2", bad_).result_int(), 401u);
  clock_.Advance(seconds(30));
  EXPECT_EQ(Post(handler, "192.0.2.1", bad_).result_int(), 401u);
}

TEST_F(WebhookRateLimitTest, WithoutASecretEveryPostIsCharged) {
  whatsapp::SignatureVerifier verifier({});
  ingest::IngestService ingest(verifier, admitter_, nullptr, clock_);
  RateLimiter limiter(2, clock_);
  WebhookHandler handler("token", ingest, &limiter);
  EXPECT_EQ(Post(handler, "192.0.2.1", "").result_int(), 200u);
  EXPECT_EQ(Post(handler, "192.0.2.1", good_).result_int(), 200u) << "a signature proves nothing";
  EXPECT_EQ(Post(handler, "192.0.2.1", "").result_int(), 429u);
  EXPECT_EQ(Post(handler, "192.0.2.2", "").result_int(), 200u);
}

TEST_F(WebhookRateLimitTest, ZeroDisablesTheWebhookLimit) {
  whatsapp::SignatureVerifier verifier({kSecret});
  ingest::IngestService ingest(verifier, admitter_, nullptr, clock_);
  RateLimiter limiter(0, clock_);
  WebhookHandler handler("token", ingest, &limiter);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Post(handler, "192.0.2.1", bad_).result_int(), 401u);
}

// --- Client address behind trusted proxies --------------------------------------------------

TrustedProxies Proxies(const std::vector<std::string>& cidrs) {
  StatusOr<TrustedProxies> parsed = TrustedProxies::Parse(cidrs);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : TrustedProxies();
}

std::string Client(const TrustedProxies& proxies, const std::string& peer, std::string_view xff) {
  return proxies.ClientAddress(Addr(peer), xff).to_string();
}

TEST(TrustedProxiesTest, ParsesIpv4AndIpv6Cidrs) {
  TrustedProxies p = Proxies({"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"});
  EXPECT_TRUE(p.Contains(Addr("10.255.1.2")));
  EXPECT_TRUE(p.Contains(Addr("::ffff:10.1.1.1")));
  EXPECT_FALSE(p.Contains(Addr("11.0.0.1")));
  EXPECT_TRUE(p.Contains(Addr("192.0.2.7")));
  EXPECT_FALSE(p.Contains(Addr("192.0.2.8")));
  EXPECT_TRUE(p.Contains(Addr("2001:db8:ffff::1")));
  EXPECT_FALSE(p.Contains(Addr("2001:db9::1")));
  EXPECT_TRUE(p.Contains(Addr("::1")));
  EXPECT_FALSE(p.Contains(Addr("::2")));
  EXPECT_TRUE(Proxies({"172.16.0.0/12"}).Contains(Addr("172.31.255.255")));
  EXPECT_FALSE(Proxies({"172.16.0.0/12"}).Contains(Addr("172.32.0.0")));
  EXPECT_TRUE(Proxies({"0.0.0.0/0"}).Contains(Addr("203.0.113.1")));
  EXPECT_FALSE(Proxies({"0.0.0.0/0"}).Contains(Addr("2001:db8::1")))
      << "IPv4 CIDRs cover IPv4 only";

  for (std::string bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0/8", "x",
                          "10.0.0.0/-1", "10.0.0.0/8a", ""}) {
    EXPECT_FALSE(TrustedProxies::Parse({bad}).ok()) << bad;
  }
}

TEST(TrustedProxiesTest, UntrustedPeerIgnoresTheHeader) {
  TrustedProxies p = Proxies({"10.0.0.0/8"});
  EXPECT_EQ(Client(p, "203.0.113.5", "198.51.100.1"), "203.0.113.5");
  EXPECT_EQ(Client(TrustedProxies(), "10.0.0.1", "198.51.100.1"), "10.0.0.1");
}

TEST(TrustedProxiesTest, TrustedPeerTakesTheRightMostUntrustedHop) {
  TrustedProxies p = Proxies({"10.0.0.0/8", "2001:db8:1::/48"});
  EXPECT_EQ(Client(p, "10.0.0.1", "198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(Client(p, "10.0.0.1", " 198.51.100.1 "), "198.51.100.1");
  // Several hops: the client wrote the left part, so only hops after it count.
  EXPECT_EQ(Client(p, "10.0.0.1", "1.1.1.1, 198.51.100.1, 10.2.2.2, 10.3.3.3"), "198.51.100.1");
  EXPECT_EQ(Client(p, "10.0.0.1", "spoofed, 198.51.100.1"), "198.51.100.1");
  // Every hop trusted: the left-most.
  EXPECT_EQ(Client(p, "10.0.0.1", "10.9.9.9, 10.8.8.8"), "10.9.9.9");
  // No header at all: the proxy itself.
  EXPECT_EQ(Client(p, "10.0.0.1", ""), "10.0.0.1");
  EXPECT_EQ(Client(p, "::ffff:10.0.0.1", "198.51.100.1"), "198.51.100.1");
}

TEST(TrustedProxiesTest, Ipv6Hops) {
  TrustedProxies p = Proxies({"2001:db8:1::/48", "10.0.0.0/8"});
  EXPECT_EQ(Client(p, "2001:db8:1::5", "2001:db8:2::7"), "2001:db8:2::7");
  EXPECT_EQ(Client(p, "2001:db8:1::5", "2001:db8:2::7, 2001:db8:1::9"), "2001:db8:2::7");
  EXPECT_EQ(Client(p, "2001:db8:1::5", "[2001:db8:2::8]:4711"), "2001:db8:2::8");
  EXPECT_EQ(Client(p, "2001:db8:1::5", "[2001:db8:2::8]"), "2001:db8:2::8");
  EXPECT_EQ(Client(p, "10.0.0.1", "198.51.100.1:1234"), "198.51.100.1");
  EXPECT_EQ(Client(p, "10.0.0.1", "::ffff:198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(Client(p, "2001:db8:1::5", "198.51.100.1, 10.0.0.3"), "198.51.100.1");
}

TEST(TrustedProxiesTest, MalformedHopsStopTheWalkAtTheLastAttributableHop) {
  TrustedProxies p = Proxies({"10.0.0.0/8"});
  for (std::string bad : {"not-an-ip", "300.1.1.1", "1.2.3.4:", "1.2.3.4:x", "[1.2.3.4]",
                          "[2001:db8::1", "[2001:db8::1]x", "unknown", "1.2.3.4 5.6.7.8"}) {
    EXPECT_EQ(Client(p, "10.0.0.1", bad), "10.0.0.1") << bad;
    EXPECT_EQ(Client(p, "10.0.0.1", "198.51.100.1, " + bad + ", 10.0.0.2"), "10.0.0.2") << bad;
  }
  // Empty list elements mean nothing.
  EXPECT_EQ(Client(p, "10.0.0.1", "198.51.100.1, ,"), "198.51.100.1");
  EXPECT_EQ(Client(p, "10.0.0.1", " , "), "10.0.0.1");
}

TEST(TrustedProxiesTest, ReadsEveryForwardedForFieldInOrder) {
  TrustedProxies p = Proxies({"10.0.0.0/8"});
  Request request{beast_http::verb::get, "/health", 11};
  request.insert("X-Forwarded-For", "198.51.100.1");
  request.insert("X-Forwarded-For", "198.51.100.2, 10.0.0.9");
  EXPECT_EQ(p.ClientAddress(Addr("10.0.0.1"), request).to_string(), "198.51.100.2");
}

// --- Bounded memory -------------------------------------------------------------------------

TEST(RateLimiterTest, MemoryStaysBoundedAndAFloodedAddressStaysLimited) {
  testing::FakeClock clock;
  RateLimiter limiter(100, clock);
  Handler handler = RateLimited(limiter, Ok());
  TrustedProxies proxies = Proxies({"10.0.0.0/8"});
  const std::string proxy = "10.0.0.1";

  // A heavy address empties its bucket.
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(Call(handler, proxies, proxy, "203.0.113.7").result_int(), 200u);
  ASSERT_EQ(Call(handler, proxies, proxy, "203.0.113.7").result_int(), 429u);

  // 100,000 distinct addresses, half IPv4 and half IPv6, forwarded by the trusted proxy (one of
  // them through a second trusted hop). The flood takes no time, as an attack would.
  for (uint32_t i = 0; i < 100'000; ++i) {
    ip::address_v6::bytes_type v6{0x20, 0x01, 0x0d, 0xb8};
    v6[12] = static_cast<uint8_t>(i >> 24), v6[13] = static_cast<uint8_t>(i >> 16);
    v6[14] = static_cast<uint8_t>(i >> 8), v6[15] = static_cast<uint8_t>(i);
    std::string forwarded = i % 2 == 0 ? ip::address_v4(0x64400000u + i).to_string() + ", 10.1.1.1"
                                       : ip::address_v6(v6).to_string();
    ASSERT_EQ(Call(handler, proxies, proxy, forwarded).result_int(), 200u) << forwarded;
    ASSERT_LE(limiter.tracked(), RateLimiter::kDefaultCapacity) << "after " << i + 1;
  }
  EXPECT_GT(limiter.tracked(), RateLimiter::kDefaultCapacity / 2) << "the table is used";

  // The heavy address still carries its information: it is limited right after the flood.
  Response limited = Call(handler, proxies, proxy, "203.0.113.7");
  EXPECT_EQ(limited.result_int(), 429u);
}

TEST(RateLimiterTest, FullBucketsAreEvictedFirst) {
  testing::FakeClock clock;
  RateLimiter limiter(2, clock, /*capacity=*/1);
  const ip::address heavy = Addr("192.0.2.1");
  EXPECT_EQ(TakeMany(limiter, heavy, 3), 2);
  clock.Advance(seconds(60));  // full again: it carries nothing
  EXPECT_TRUE(limiter.Take(Addr("192.0.2.2")).allowed);
  EXPECT_EQ(limiter.tracked(), 1u);
  EXPECT_EQ(TakeMany(limiter, heavy, 3), 2) << "a dropped full bucket is the same as a full one";
}

}  // namespace
}  // namespace wagate::http
