// The admin dashboard and API of the real binary over loopback (SPEC §5, §8): disabled without
// ADMIN_TOKEN, the token, security headers, and a `--role api` process's empty outbound view.
#include <gtest/gtest.h>

#include "harness.h"
#include "service.h"

namespace wagate::integration {
namespace {

constexpr char kAdminToken[] = "it-admin-token-3e8d41";

class AdminTest : public ::testing::Test {
 protected:
  testing::TempDir data_;
};

TEST_F(AdminTest, WithoutAdminTokenEveryAdminPathIsNotFound) {
  WagateProcess p(BaseEnv(data_.path()));
  ASSERT_TRUE(p.started()) << p.ReadLog();
  for (const char* path : {"/admin", "/admin/app.js", "/admin/api/overview"}) {
    EXPECT_EQ(HttpRequest(p.port(), "GET", path, "", {{"Authorization", "Bearer x"}}).status, 404)
        << path;
  }
  EXPECT_EQ(HttpRequest(p.port(), "POST", "/admin/api/purge", R"({"queue":"incoming-dlq"})",
                        {{"Content-Type", "application/json"}})
                .status,
            404);
}

TEST_F(AdminTest, TheDashboardIsServedAndItsApiNeedsTheToken) {
  Env env = BaseEnv(data_.path());
  env["ADMIN_TOKEN"] = kAdminToken;
  WagateProcess p(env, "api");
  ASSERT_TRUE(p.started()) << p.ReadLog();

  HttpResult page = HttpRequest(p.port(), "GET", "/admin");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["content-security-policy"], "default-src 'self'; frame-ancestors 'none'");
  EXPECT_EQ(page.headers["x-frame-options"], "DENY");
  EXPECT_NE(page.body.find("/admin/app.js"), std::string::npos);
  EXPECT_EQ(HttpRequest(p.port(), "GET", "/admin/app.js").headers["content-type"],
            "text/javascript; charset=utf-8");

  HttpResult refused =
      HttpRequest(p.port(), "GET", "/admin/api/overview", "", {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(Json(refused).at("error").as_string(), "unauthorized");
  EXPECT_EQ(refused.headers["cache-control"], "no-store");

  const Env auth = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  HttpResult overview = HttpRequest(p.port(), "GET", "/admin/api/overview", "", auth);
  ASSERT_EQ(overview.status, 200) << overview.body;
  boost::json::object o = Json(overview);
  EXPECT_EQ(o.at("backend").as_string(), "sqlite");
  EXPECT_EQ(o.at("history").as_array().size(), 60u);
  EXPECT_TRUE(o.at("queues").at("incoming").is_object());

  // A --role api process runs no senders: its outbound view is empty, and says why.
  HttpResult outbound = HttpRequest(p.port(), "GET", "/admin/api/outbound", "", auth);
  ASSERT_EQ(outbound.status, 200);
  EXPECT_EQ(Json(outbound).at("runs_senders").as_bool(), false);
  EXPECT_TRUE(Json(outbound).at("items").as_array().empty());

  HttpResult cross =
      HttpRequest(p.port(), "POST", "/admin/api/purge", R"({"queue":"incoming-dlq"})",
                  {{"Authorization", std::string("Bearer ") + kAdminToken},
                   {"Content-Type", "application/json"},
                   {"Origin", "https://attacker.example"}});
  EXPECT_EQ(cross.status, 403);
  HttpResult form = HttpRequest(p.port(), "POST", "/admin/api/purge", "queue=incoming-dlq",
                                {{"Authorization", std::string("Bearer ") + kAdminToken},
                                 {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 403);
  HttpResult purge =
      HttpRequest(p.port(), "POST", "/admin/api/purge", R"({"queue":"incoming-dlq"})",
                  {{"Authorization", std::string("Bearer ") + kAdminToken},
                   {"Content-Type", "application/json"}});
  EXPECT_EQ(purge.status, 200) << purge.body;
  EXPECT_EQ(Json(purge).at("purged").as_int64(), 0);

  EXPECT_EQ(p.Terminate(), 0);
  EXPECT_EQ(p.ReadLog().find(kAdminToken), std::string::npos) << "the admin token was logged";
}

}  // namespace
}  // namespace wagate::integration
