#include "wagate/processing/dry_run_sender.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace wagate::processing {
namespace {

TEST(DryRunSenderTest, RecordsTheRequestItWouldSend) {
  DryRunSender sender;
  StatusOr<ports::HandlerResult> r = sender.Handle(
      {"out:k:0", domain::ItemKind::kOutgoing, 1, false,
       R"({"key":"out:k:0","type":"text","text":"hola","phone_number_id":"1122","context_message_id":"wamid.A","wa_id":"5215512345678"})"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->replies.empty());
  boost::json::value result = boost::json::parse(r->result);
  EXPECT_TRUE(result.at("dry_run").as_bool());
  EXPECT_EQ(result.at("phone_number_id").as_string(), "1122");
  EXPECT_EQ(result.at("request").at("text").at("body").as_string(), "hola");
  EXPECT_EQ(result.at("request").at("to").as_string(), "+5215512345678");
}

TEST(DryRunSenderTest, AnUnsendableItemFailsPermanently) {
  DryRunSender sender;
  StatusOr<ports::HandlerResult> r = sender.Handle(
      {"out:k:0", domain::ItemKind::kOutgoing, 1, false,
       R"({"key":"out:k:0","type":"text","text":"x","phone_number_id":"1","from":"US.1349"})"});
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(ports::IsRetriable(r.status()));
}

}  // namespace
}  // namespace wagate::processing
