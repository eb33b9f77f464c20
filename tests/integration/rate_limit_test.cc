// Rate limits of the real binary over loopback (SPEC §5): the health bucket, the webhook bucket
// charged only by failing signatures, and client addresses forwarded by a trusted proxy.
#include <gtest/gtest.h>

#include "harness.h"
#include "service.h"

namespace wagate::integration {
namespace {

class RateLimitTest : public ::testing::Test {
 protected:
  testing::TempDir data_;
};

TEST_F(RateLimitTest, TheFourthHealthCheckOfThreePerMinuteIsRefused) {
  Env env = BaseEnv(data_.path());
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "3";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health").status, 200);
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/").status, 200) << "/ shares the bucket";
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health/detailed").status, 200);
  HttpResult limited = HttpRequest(p.port(), "GET", "/health");
  EXPECT_EQ(limited.status, 429) << limited.body;
  ASSERT_TRUE(limited.headers.count("retry-after")) << limited.body;
  const int retry_after = std::stoi(limited.headers["retry-after"]);
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 20);
  EXPECT_EQ(Json(limited).at("error").as_string(), "rate_limited");

  // Other endpoints are not in that bucket.
  std::string body = TextMessageBody("wamid.RL-HEALTH");
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, Signed(body)).status, 200);
}

TEST_F(RateLimitTest, ForgedPostsAreThrottledButSignedOnesFromTheSameAddressAreNot) {
  Env env = BaseEnv(data_.path());
  env["RATE_LIMIT_WEBHOOK_PER_MINUTE"] = "2";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  std::string body = TextMessageBody("wamid.RL-WEBHOOK");
  Env forged{{"X-Hub-Signature-256", "sha256=" + std::string(64, '0')}};
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, forged).status, 401);
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, {}).status, 401);
  HttpResult limited = HttpRequest(p.port(), "POST", "/webhook", body, forged);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_TRUE(limited.headers.count("retry-after"));

  HttpResult signed_post = HttpRequest(p.port(), "POST", "/webhook", body, Signed(body));
  EXPECT_EQ(signed_post.status, 200) << signed_post.body;
  EXPECT_EQ(signed_post.body, R"({"status":"ok","accepted":1,"duplicates":0,"quarantined":0})");
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/webhook", body, forged).status, 429);
}

TEST_F(RateLimitTest, ForwardedClientsOfATrustedProxyHaveTheirOwnBuckets) {
  Env env = BaseEnv(data_.path());
  env["RATE_LIMIT_HEALTH_PER_MINUTE"] = "2";
  env["TRUSTED_PROXIES"] = "127.0.0.1/32";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  auto health = [&](const std::string& forwarded_for) {
    return HttpRequest(p.port(), "GET", "/health", "", {{"X-Forwarded-For", forwarded_for}}).status;
  };
  EXPECT_EQ(health("198.51.100.1"), 200);
  EXPECT_EQ(health("198.51.100.1"), 200);
  EXPECT_EQ(health("198.51.100.1"), 429);
  // A client may prepend anything; only the hop the proxy appended counts.
  EXPECT_EQ(health("203.0.113.9, 198.51.100.1"), 429);
  EXPECT_EQ(health("198.51.100.2"), 200);
  EXPECT_EQ(health("2001:db8::2"), 200);
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/health").status, 200) << "the proxy's own bucket";
}

}  // namespace
}  // namespace wagate::integration
