#include "wagate/whatsapp/graph_message.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace wagate::whatsapp {
namespace {

namespace json = boost::json;

std::string Payload(const std::string& extra, const std::string& wa_id = "5215512345678",
                    const std::string& from = "5215512345678") {
  return R"({"key":"out:abc:0","kind":"outgoing","phone_number_id":"1122","context_message_id":"wamid.IN",)"
         R"("wa_id":")" + wa_id + R"(","from":")" + from + R"(",)" + extra + "}";
}

TEST(GraphMessageTest, TextRepliesQuoteTheInboundMessageAndCarryTheKey) {
  StatusOr<GraphMessage> m = GraphMessageFor(Payload(R"("type":"text","text":"¡Sí!")"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->phone_number_id, "1122");
  json::value b = json::parse(m->body);
  EXPECT_EQ(b.at("messaging_product").as_string(), "whatsapp");
  EXPECT_EQ(b.at("recipient_type").as_string(), "individual");
  EXPECT_EQ(b.at("to").as_string(), "+5215512345678");
  EXPECT_EQ(b.at("type").as_string(), "text");
  EXPECT_EQ(b.at("text").at("body").as_string(), "¡Sí!");
  EXPECT_FALSE(b.at("text").at("preview_url").as_bool());
  EXPECT_EQ(b.at("context").at("message_id").as_string(), "wamid.IN");
  EXPECT_EQ(b.at("biz_opaque_callback_data").as_string(), "out:abc:0");
}

TEST(GraphMessageTest, MarkAsReadIsTheStatusBody) {
  StatusOr<GraphMessage> m = GraphMessageFor(Payload(R"("type":"read")"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(json::parse(m->body), json::parse(R"({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN"})"));
}

TEST(GraphMessageTest, RawBodiesKeepTheirFieldsAndGainTheMissingOnes) {
  StatusOr<GraphMessage> m =
      GraphMessageFor(Payload(R"("type":"raw","body":{"type":"image","image":{"id":"42"},"to":"+1555"})"));
  ASSERT_TRUE(m.ok());
  json::value b = json::parse(m->body);
  EXPECT_EQ(b.at("to").as_string(), "+1555") << "the handler's recipient wins";
  EXPECT_EQ(b.at("image").at("id").as_string(), "42");
  EXPECT_EQ(b.at("messaging_product").as_string(), "whatsapp");
  EXPECT_EQ(b.at("biz_opaque_callback_data").as_string(), "out:abc:0");
}

TEST(GraphMessageTest, TheRecipientFallsBackToADigitsOnlyFromAndRefusesUserIds) {
  StatusOr<GraphMessage> from = GraphMessageFor(Payload(R"("type":"text","text":"x")", "", "4915112345678"));
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(json::parse(from->body).at("to").as_string(), "+4915112345678");
  StatusOr<GraphMessage> bsuid =
      GraphMessageFor(Payload(R"("type":"text","text":"x")", "", "US.13491208655302741918"));
  EXPECT_EQ(bsuid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bsuid.status().message().find("recipient_unsupported"), std::string::npos);
}

TEST(GraphMessageTest, MalformedPayloadsAreRejected) {
  EXPECT_FALSE(GraphMessageFor("nope").ok());
  EXPECT_FALSE(GraphMessageFor(R"({"type":"text"})").ok()) << "no phone_number_id";
  EXPECT_FALSE(GraphMessageFor(Payload(R"("type":"video")")).ok());
}

}  // namespace
}  // namespace wagate::whatsapp
