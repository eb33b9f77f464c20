#include "wagate/processing/reply_items.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "wagate/whatsapp/signature.h"

namespace wagate::processing {
namespace {

constexpr char kInbound[] =
    R"({"key":"msg:wamid.A","kind":"message","phone_number_id":"1122","contact":{"wa_id":"5215512345678"},)"
    R"("message":{"id":"wamid.A","from":"5215512345678","type":"text","text":{"body":"hi"}}})";

TEST(ReplyItemsTest, RepliesAndMarkReadGetStableKeysAndTheSendersFields) {
  ports::HandlerResult result;
  result.replies.push_back({ports::Reply::Type::kText, "one", ""});
  result.replies.push_back({ports::Reply::Type::kRaw, "", R"({"type":"image"})"});
  result.mark_read = true;
  std::vector<domain::WorkItem> items = ReplyItems("msg:wamid.A", kInbound, result);
  ASSERT_EQ(items.size(), 3u);
  std::string prefix = "out:" + whatsapp::Sha256Hex("msg:wamid.A") + ":";
  EXPECT_EQ(items[0].key, prefix + "0");
  EXPECT_EQ(items[1].key, prefix + "1");
  EXPECT_EQ(items[2].key, prefix + "read");
  for (const auto& item : items) EXPECT_EQ(item.kind, domain::ItemKind::kOutgoing);
  boost::json::value first = boost::json::parse(items[0].payload);
  EXPECT_EQ(first.at("key").as_string(), prefix + "0");
  EXPECT_EQ(first.at("type").as_string(), "text");
  EXPECT_EQ(first.at("text").as_string(), "one");
  EXPECT_EQ(first.at("n").as_int64(), 0);
  EXPECT_EQ(first.at("phone_number_id").as_string(), "1122");
  EXPECT_EQ(first.at("context_message_id").as_string(), "wamid.A");
  EXPECT_EQ(first.at("wa_id").as_string(), "5215512345678");
  EXPECT_EQ(first.at("inbound_key").as_string(), "msg:wamid.A");
  EXPECT_EQ(boost::json::parse(items[1].payload).at("body").at("type").as_string(), "image");
  EXPECT_EQ(boost::json::parse(items[2].payload).at("type").as_string(), "read");
  // The same inbound item always yields the same keys.
  EXPECT_EQ(ReplyItems("msg:wamid.A", kInbound, result)[1].key, items[1].key);
}

TEST(ReplyItemsTest, NothingToSendMakesNoItems) {
  EXPECT_TRUE(ReplyItems("msg:wamid.A", kInbound, ports::HandlerResult{}).empty());
}

}  // namespace
}  // namespace wagate::processing
