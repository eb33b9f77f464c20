#include "wagate/handlers/echo_handler.h"

#include <gtest/gtest.h>

namespace wagate::handlers {
namespace {

ports::HandlerItem Message(const std::string& message_json) {
  return {"msg:x", domain::ItemKind::kMessage, 1, false,
          R"({"key":"msg:x","kind":"message","message":)" + message_json + "}"};
}

TEST(EchoHandlerTest, RepliesToTextWithTheSameTextAndMarksRead) {
  EchoHandler echo;
  StatusOr<ports::HandlerResult> r =
      echo.Handle(Message(R"({"id":"wamid.1","type":"text","text":{"body":"¿hola?"}})"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->replies.size(), 1u);
  EXPECT_EQ(r->replies[0].type, ports::Reply::Type::kText);
  EXPECT_EQ(r->replies[0].text, "¿hola?");
  EXPECT_TRUE(r->mark_read);
}

TEST(EchoHandlerTest, MarksOtherMessageTypesReadWithoutReplying) {
  EchoHandler echo;
  StatusOr<ports::HandlerResult> r = echo.Handle(Message(R"({"id":"wamid.2","type":"image","image":{}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->replies.empty());
  EXPECT_TRUE(r->mark_read);
}

TEST(EchoHandlerTest, IgnoresSmokeTestsStatusesAndEvents) {
  EchoHandler echo;
  StatusOr<ports::HandlerResult> smoke = echo.Handle(
      Message(R"({"id":"wamid.wagate-smoke-123","type":"text","text":{"body":"ping"}})"));
  ASSERT_TRUE(smoke.ok());
  EXPECT_TRUE(smoke->replies.empty());
  EXPECT_FALSE(smoke->mark_read);
  StatusOr<ports::HandlerResult> status =
      echo.Handle({"st:w:read", domain::ItemKind::kStatus, 1, false, R"({"status":{}})"});
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->replies.empty());
}

TEST(EchoHandlerTest, AMalformedPayloadIsAPermanentError) {
  EchoHandler echo;
  StatusOr<ports::HandlerResult> r = echo.Handle({"msg:x", domain::ItemKind::kMessage, 1, false, "nope"});
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(ports::IsRetriable(r.status()));
}

TEST(NoneHandlerTest, CompletesWithoutReplies) {
  NoneHandler none;
  StatusOr<ports::HandlerResult> r = none.Handle(Message(R"({"id":"w","type":"text","text":{"body":"x"}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->replies.empty());
  EXPECT_FALSE(r->mark_read);
}

}  // namespace
}  // namespace wagate::handlers
