#include "wagate/loadtest/wire.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "wagate/whatsapp/signature.h"

namespace wagate::loadtest {
namespace {

TEST(ParseTargetTest, SplitsHttpUrl) {
  StatusOr<Target> t = ParseTarget("http://127.0.0.1:8080/webhook?x=1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "8080");
  EXPECT_EQ(t->host_header, "127.0.0.1:8080");
  EXPECT_EQ(t->path, "/webhook?x=1");
}

TEST(ParseTargetTest, DefaultsPortAndPathAndStripsIpv6Brackets) {
  StatusOr<Target> t = ParseTarget("http://[::1]");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, "80");
  EXPECT_EQ(t->host_header, "[::1]");
  EXPECT_EQ(t->path, "/");
}

TEST(ParseTargetTest, RejectsOtherSchemesAndGarbage) {
  EXPECT_EQ(ParseTarget("https://example.com/webhook").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("127.0.0.1:8080/webhook").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("not a url").status().code(), StatusCode::kInvalidArgument);
}

std::string Str(const boost::json::value& v) { return std::string(v.as_string()); }

// Splits a built request into its head and body.
std::pair<std::string, std::string> Split(const std::string& request) {
  const size_t end = request.find("\r\n\r\n");
  return {request.substr(0, end + 2), request.substr(end + 4)};
}

TEST(RequestFactoryTest, BuildsSignedWhatsAppShapedRequestsWithFreshIds) {
  StatusOr<Target> target = ParseTarget("http://localhost:9000/webhook");
  ASSERT_TRUE(target.ok());
  RequestFactory factory(*target, {.items_per_request = 3,
                                   .secret = "k",
                                   .id_prefix = "wamid.t",
                                   .run_tag = "abc",
                                   .unix_seconds = 1764012345});
  std::string scratch, request;
  factory.BuildFresh(&scratch, &request);
  auto [head, body] = Split(request);
  EXPECT_TRUE(head.starts_with("POST /webhook HTTP/1.1\r\nHost: localhost:9000\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(head.find("X-Hub-Signature-256: " + whatsapp::SignatureHeader("k", body) + "\r\n"),
            std::string::npos);

  const boost::json::value doc = boost::json::parse(body);
  EXPECT_EQ(Str(doc.at("object")), "whatsapp_business_account");
  const auto& change = doc.at("entry").at(0).at("changes").at(0);
  EXPECT_EQ(Str(change.at("field")), "messages");
  const auto& messages = change.at("value").at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Str(messages[i].at("id")), "wamid.t.abc." + std::to_string(i));
    EXPECT_EQ(Str(messages[i].at("type")), "text");
    EXPECT_EQ(Str(messages[i].at("timestamp")), "1764012345");
    EXPECT_EQ(Str(messages[i].at("from")),
              Str(change.at("value").at("contacts").at(0).at("wa_id")));
  }
  EXPECT_EQ(factory.ids_issued(), 3u);

  factory.BuildFresh(&scratch, &request);
  const boost::json::value next = boost::json::parse(Split(request).second);
  EXPECT_EQ(
      Str(next.at("entry").at(0).at("changes").at(0).at("value").at("messages").at(0).at("id")),
      "wamid.t.abc.3");
}

TEST(RequestFactoryTest, UnsignedWithoutSecret) {
  RequestFactory factory(
      *ParseTarget("http://h/w"),
      {.items_per_request = 1, .secret = "", .id_prefix = "p", .run_tag = "r", .unix_seconds = 0});
  std::string scratch, request;
  factory.BuildFresh(&scratch, &request);
  EXPECT_EQ(request.find("X-Hub-Signature-256"), std::string::npos);
}

TEST(ParseAnswerCountsTest, ReadsTheThreeCounts) {
  const auto counts =
      ParseAnswerCounts(R"({"status":"ok","accepted":3,"duplicates":12, "quarantined" : 1})");
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->accepted, 3u);
  EXPECT_EQ(counts->duplicates, 12u);
  EXPECT_EQ(counts->quarantined, 1u);
}

TEST(ParseAnswerCountsTest, RejectsMissingOrNonNumericCounts) {
  EXPECT_FALSE(ParseAnswerCounts(R"({"status":"ok","accepted":3,"duplicates":0})"));
  EXPECT_FALSE(ParseAnswerCounts(R"({"accepted":"3","duplicates":0,"quarantined":0})"));
  EXPECT_FALSE(ParseAnswerCounts(R"({"accepted":-1,"duplicates":0,"quarantined":0})"));
  EXPECT_FALSE(ParseAnswerCounts(""));
}

}  // namespace
}  // namespace wagate::loadtest
