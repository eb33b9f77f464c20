#include "wagate/domain/analytics_event.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace wagate::domain {
namespace {

TEST(AnalyticsEventTest, HasTheSpecFieldsAndAStableId) {
  AnalyticsEvent e{"sent", "out:abc:0", ItemKind::kOutgoing, FromUnixMillis(1'800'000'000'123),
                   2, 5, 340, "131047"};
  boost::json::object o = boost::json::parse(AnalyticsEventToJson(e)).as_object();
  EXPECT_EQ(o.at("id").as_string(), "out:abc:0:sent:5");
  EXPECT_EQ(o.at("event").as_string(), "sent");
  EXPECT_EQ(o.at("key").as_string(), "out:abc:0");
  EXPECT_EQ(o.at("kind").as_string(), "outgoing");
  EXPECT_EQ(o.at("ts").as_string(), "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(o.at("attempt").as_int64(), 2);
  EXPECT_EQ(o.at("latency_ms").as_int64(), 340);
  EXPECT_EQ(o.at("error_code").as_string(), "131047");
  EXPECT_EQ(o.size(), 8u);
}

TEST(AnalyticsEventTest, MissingLatencyAndErrorAreNull) {
  AnalyticsEvent e{"received", "msg:wamid.A", ItemKind::kMessage, FromUnixMillis(0), 0, 0, {}, ""};
  boost::json::object o = boost::json::parse(AnalyticsEventToJson(e)).as_object();
  EXPECT_TRUE(o.at("latency_ms").is_null());
  EXPECT_TRUE(o.at("error_code").is_null());
  EXPECT_EQ(o.at("id").as_string(), "msg:wamid.A:received:0");
}

}  // namespace
}  // namespace wagate::domain
