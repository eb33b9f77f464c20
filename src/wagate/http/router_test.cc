#include "wagate/http/router.h"

#include <gtest/gtest.h>

namespace wagate::http {
namespace {

namespace beast_http = boost::beast::http;

Response DispatchTo(const Router& router, beast_http::verb method, std::string target) {
  Request req{method, target, 11};
  Response out;
  bool answered = false;
  router.Dispatch(req, RequestContext{}, [&](Response r) {
    out = std::move(r);
    answered = true;
  });
  EXPECT_TRUE(answered);
  return out;
}

TEST(RouterTest, MatchesPathIgnoringQueryAndMethod) {
  Router router;
  router.Add(beast_http::verb::get, "/webhook",
             [](const Request&, const RequestContext&, Respond r) { r(TextResponse(200, "get")); });
  router.Add(beast_http::verb::post, "/webhook",
             [](const Request&, const RequestContext&, Respond r) { r(TextResponse(200, "post")); });
  EXPECT_EQ(DispatchTo(router, beast_http::verb::get, "/webhook?hub.mode=subscribe").body(), "get");
  EXPECT_EQ(DispatchTo(router, beast_http::verb::post, "/webhook").body(), "post");
  EXPECT_EQ(DispatchTo(router, beast_http::verb::head, "/webhook").body(), "get");
  Response not_found = DispatchTo(router, beast_http::verb::get, "/webhooks");
  EXPECT_EQ(not_found.result_int(), 404u);
  Response wrong_method = DispatchTo(router, beast_http::verb::put, "/webhook");
  EXPECT_EQ(wrong_method.result_int(), 405u);
  EXPECT_EQ(wrong_method[beast_http::field::allow], "GET, POST");
}

TEST(RouterTest, TargetPathStripsTheQuery) {
  EXPECT_EQ(TargetPath("/a?b=c"), "/a");
  EXPECT_EQ(TargetPath("/a"), "/a");
  EXPECT_EQ(TargetPath("?x"), "");
}

}  // namespace
}  // namespace wagate::http
