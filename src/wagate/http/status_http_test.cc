#include "wagate/http/status_http.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace wagate::http {
namespace {

TEST(StatusHttpTest, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPayloadTooLarge), 413u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500u);
}

TEST(StatusHttpTest, RetriableFailuresCarryRetryAfter) {
  Response r = ErrorResponse(UnavailableError("store down"));
  EXPECT_EQ(r.result_int(), 503u);
  EXPECT_EQ(r[boost::beast::http::field::retry_after], std::to_string(kRetryAfterSeconds));
  boost::json::value body = boost::json::parse(r.body());
  EXPECT_EQ(body.at("error").as_string(), "unavailable");
  EXPECT_EQ(body.at("detail").as_string(), "store down");
  EXPECT_EQ(r[boost::beast::http::field::content_type], "application/json");
}

TEST(StatusHttpTest, ClientErrorsHaveNoRetryAfterAndTakeANamedError) {
  Response r = ErrorResponse(InvalidArgumentError("bad \"json\""), "invalid_payload");
  EXPECT_EQ(r.result_int(), 400u);
  EXPECT_TRUE(r[boost::beast::http::field::retry_after].empty());
  boost::json::value body = boost::json::parse(r.body());
  EXPECT_EQ(body.at("error").as_string(), "invalid_payload");
  EXPECT_EQ(body.at("detail").as_string(), "bad \"json\"");
}

}  // namespace
}  // namespace wagate::http
