// AdminHistory and OutboundLog: per-minute counts and depth samples over the last hour in a fixed
// ring, and the bounded list of recent outbound messages.
#include "wagate/http/admin_history.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wagate/http/admin_outbound.h"
#include "wagate/testing/fake_clock.h"

namespace wagate::http {
namespace {

namespace json = boost::json;

json::array History(const AdminHistory& h, Timestamp now) {
  return json::parse(h.ToJson(now)).as_array();
}

domain::AnalyticsEvent Event(std::string name, Timestamp ts) {
  return {.event = std::move(name), .key = "msg:x", .ts = ts};
}

HealthSnapshot Depths(int64_t incoming, int64_t dlq) {
  HealthSnapshot s;
  s.queues[0] = ports::QueueStats{.visible = incoming, .in_flight = 1, .dlq = dlq};
  s.queues[1] = ports::QueueStats{};
  return s;  // analytics unreadable
}

TEST(AdminHistoryTest, CountsOutcomesPerMinuteOverTheLastHour) {
  testing::FakeClock clock;
  AdminHistory history;
  history.Publish(Event("received", clock.Now()));
  history.Publish(Event("received", clock.Now()));
  history.Publish(Event("processed", clock.Now()));
  history.Publish(Event("status", clock.Now()));  // not charted
  clock.Advance(Millis(60'000));
  history.Publish(Event("dead_lettered", clock.Now()));

  json::array rows = History(history, clock.Now());
  ASSERT_EQ(rows.size(), 60u);
  const json::object& earlier = rows[58].as_object();
  const json::object& last = rows[59].as_object();
  EXPECT_EQ(earlier.at("received"), 2);
  EXPECT_EQ(earlier.at("processed"), 1);
  EXPECT_EQ(last.at("received"), 0);
  EXPECT_EQ(last.at("dead_lettered"), 1);
  EXPECT_EQ(json::value_to<std::string>(last.at("t")).substr(17), "00.000Z");  // start of a minute
  EXPECT_LT(json::value_to<std::string>(earlier.at("t")),
            json::value_to<std::string>(last.at("t")));
}

TEST(AdminHistoryTest, KeepsTheLastDepthSampleOfEachMinute) {
  testing::FakeClock clock;
  AdminHistory history;
  history.Sample(Depths(5, 0), clock.Now());
  history.Sample(Depths(7, 2), clock.Now() + Millis(10'000));
  json::array rows = History(history, clock.Now());
  const json::object& last = rows.back().as_object();
  EXPECT_EQ(last.at("depth").at("incoming"), 8);  // visible + in flight
  EXPECT_EQ(last.at("dlq").at("incoming"), 2);
  EXPECT_EQ(last.at("depth").at("outgoing"), 0);
  EXPECT_TRUE(rows[58].at("depth").is_null());  // no sample: a gap, not a zero
}

TEST(AdminHistoryTest, MinutesOlderThanAnHourAreForgottenInAFixedRing) {
  testing::FakeClock clock;
  AdminHistory history;
  history.Publish(Event("received", clock.Now()));
  history.Sample(Depths(3, 0), clock.Now());
  clock.Advance(Millis(60 * 60'000));  // the same slot of the ring, one hour later
  json::array rows = History(history, clock.Now());
  for (const json::value& row : rows) {
    EXPECT_EQ(row.at("received"), 0);
    EXPECT_TRUE(row.at("depth").is_null());
  }
  history.Publish(Event("received", clock.Now()));
  EXPECT_EQ(History(history, clock.Now()).back().at("received"), 1);  // the slot starts afresh
  // A late event for a forgotten minute does not resurrect or corrupt it.
  history.Publish(Event("received", clock.Now() - Millis(2 * 60 * 60'000)));
  EXPECT_EQ(History(history, clock.Now()).back().at("received"), 1);
}

TEST(OutboundLogTest, KeepsTheNewestOutcomePerKeyWithinItsCapacity) {
  testing::FakeClock clock;
  OutboundLog log(2);
  auto out = [&](std::string key, std::string event) {
    log.Publish({.event = std::move(event),
                 .key = std::move(key),
                 .kind = domain::ItemKind::kOutgoing,
                 .ts = clock.Now(),
                 .error_code = ""});
  };
  out("out:a:0", "send_failed");
  out("out:b:0", "sent");
  out("out:a:0", "sent");  // newer outcome of a: moves to the front
  log.Publish({.event = "processed", .key = "msg:in", .kind = domain::ItemKind::kMessage});
  out("out:a:0", "received");  // admission of a reply is not an outbound outcome
  std::vector<OutboundEntry> recent = log.Recent();
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].key, "out:a:0");
  EXPECT_EQ(recent[0].event, "sent");
  EXPECT_EQ(recent[1].key, "out:b:0");
  out("out:c:0", "processed");
  recent = log.Recent();
  ASSERT_EQ(recent.size(), 2u);  // out:b:0, the oldest, is dropped
  EXPECT_EQ(recent[0].key, "out:c:0");
  EXPECT_EQ(recent[1].key, "out:a:0");
}

}  // namespace
}  // namespace wagate::http
