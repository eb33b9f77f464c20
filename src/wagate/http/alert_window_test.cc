#include "wagate/http/alert_window.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wagate/testing/fake_clock.h"

namespace wagate::http {
namespace {

using domain::ItemKind;
using std::chrono::minutes;
using std::chrono::seconds;

domain::AnalyticsEvent Event(const std::string& name, ItemKind kind = ItemKind::kMessage) {
  domain::AnalyticsEvent e;
  e.event = name;
  e.key = kind == ItemKind::kOutgoing ? "out:abc:0" : "msg:wamid.A";
  e.kind = kind;
  return e;
}

void PublishMany(AlertWindow& w, const std::string& name, int n,
                 ItemKind kind = ItemKind::kMessage) {
  for (int i = 0; i < n; ++i) w.Publish(Event(name, kind));
}

std::optional<Alert> Find(const std::vector<Alert>& alerts, const std::string& name) {
  for (const Alert& a : alerts) {
    if (a.name == name) return a;
  }
  return std::nullopt;
}

// A snapshot whose three queues were read, with `dlq` dead letters in incoming.
HealthSnapshot Queues(int64_t incoming_dlq = 0) {
  HealthSnapshot s;
  for (auto& q : s.queues) q = ports::QueueStats{};
  s.queues[0]->dlq = incoming_dlq;
  return s;
}

class AlertWindowTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  AlertWindow window_{clock_};
};

TEST_F(AlertWindowTest, NothingHappenedRaisesNothing) {
  EXPECT_TRUE(window_.Alerts(Queues()).empty());
  EXPECT_TRUE(window_.Alerts(HealthSnapshot{}).empty()) << "unread queues raise nothing";
}

TEST_F(AlertWindowTest, DuplicateRateOverFivePercentIsRaisedUntilTheWindowSlidesPast) {
  PublishMany(window_, "received", 13);
  PublishMany(window_, "duplicate", 1);
  std::optional<Alert> a = Find(window_.Alerts(Queues()), "high_duplicate_rate");
  ASSERT_TRUE(a);
  EXPECT_DOUBLE_EQ(a->value, 0.0714) << "1 of 14, to four decimals";
  EXPECT_DOUBLE_EQ(a->threshold, 0.05);

  clock_.Advance(minutes(4));
  EXPECT_TRUE(Find(window_.Alerts(Queues()), "high_duplicate_rate")) << "still in the window";
  clock_.Advance(minutes(1));
  EXPECT_TRUE(window_.Alerts(Queues()).empty()) << "5 minutes later the counts have left";
}

TEST_F(AlertWindowTest, DuplicateRateAtExactlyFivePercentIsNotRaised) {
  PublishMany(window_, "received", 19);
  PublishMany(window_, "duplicate", 1);
  EXPECT_FALSE(Find(window_.Alerts(Queues()), "high_duplicate_rate"));
  PublishMany(window_, "duplicate", 1);  // 2 of 21
  EXPECT_DOUBLE_EQ(Find(window_.Alerts(Queues()), "high_duplicate_rate")->value, 0.0952);
}

TEST_F(AlertWindowTest, TheWindowSlidesBucketByBucket) {
  PublishMany(window_, "duplicate", 10);  // at 0 s
  clock_.Advance(minutes(3));
  PublishMany(window_, "received", 10);
  PublishMany(window_, "duplicate", 1);  // at 180 s: 11 of 21
  EXPECT_DOUBLE_EQ(Find(window_.Alerts(Queues()), "high_duplicate_rate")->value, 0.5238);
  clock_.Advance(minutes(2));  // 300 s: the first ten have left, 1 of 11 remains
  EXPECT_DOUBLE_EQ(Find(window_.Alerts(Queues()), "high_duplicate_rate")->value, 0.0909);
  clock_.Advance(minutes(3));
  EXPECT_TRUE(window_.Alerts(Queues()).empty());
}

TEST_F(AlertWindowTest, ABucketReusedAWindowLaterStartsEmpty) {
  PublishMany(window_, "duplicate", 5);
  clock_.Advance(AlertWindow::kWindow);  // the same slot of the ring
  PublishMany(window_, "received", 1);
  EXPECT_TRUE(window_.Alerts(Queues()).empty()) << "old duplicates must not come back";
  clock_.Advance(minutes(60));
  EXPECT_TRUE(window_.Alerts(Queues()).empty());
}

TEST_F(AlertWindowTest, ErrorRateCountsFailedAttemptsOverFinishedOnes) {
  PublishMany(window_, "processed", 98);
  PublishMany(window_, "stale", 1);
  PublishMany(window_, "retried", 1);                     // 1 of 100: not over 1 %
  PublishMany(window_, "status", 50, ItemKind::kStatus);  // not attempts
  EXPECT_FALSE(Find(window_.Alerts(Queues()), "high_error_rate"));
  PublishMany(window_, "dead_lettered", 1);  // 2 of 101
  std::optional<Alert> a = Find(window_.Alerts(Queues()), "high_error_rate");
  ASSERT_TRUE(a);
  EXPECT_DOUBLE_EQ(a->value, 0.0198);
  EXPECT_DOUBLE_EQ(a->threshold, 0.01);
  clock_.Advance(AlertWindow::kWindow);
  EXPECT_TRUE(window_.Alerts(Queues()).empty());
}

TEST_F(AlertWindowTest, AFailedSendCountsOnceWhateverFollowsIt) {
  PublishMany(window_, "sent", 49, ItemKind::kOutgoing);
  // One failed send, then retried; another failed send, then dead-lettered: two failures.
  PublishMany(window_, "send_failed", 1, ItemKind::kOutgoing);
  PublishMany(window_, "retried", 1, ItemKind::kOutgoing);
  PublishMany(window_, "send_failed", 1, ItemKind::kOutgoing);
  PublishMany(window_, "dead_lettered", 1, ItemKind::kOutgoing);
  EXPECT_DOUBLE_EQ(Find(window_.Alerts(Queues()), "high_error_rate")->value, 0.0392) << "2 of 51";
}

TEST_F(AlertWindowTest, DeadLetterEventsRaiseDeadLetter) {
  PublishMany(window_, "dead_lettered", 2);
  std::optional<Alert> a = Find(window_.Alerts(Queues()), "dead_letter");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 2);
  EXPECT_EQ(a->threshold, 0);
  clock_.Advance(AlertWindow::kWindow);
  EXPECT_FALSE(Find(window_.Alerts(Queues()), "dead_letter"));
}

TEST_F(AlertWindowTest, DeadLetterQueueGrowthSeenByTheMonitorRaisesDeadLetter) {
  window_.Observe(Queues(/*incoming_dlq=*/2));
  EXPECT_FALSE(Find(window_.Alerts(Queues(2)), "dead_letter")) << "the first reading is a baseline";
  HealthSnapshot grown = Queues(5);
  grown.queues[1]->dlq = 1;  // outgoing too
  window_.Observe(grown);
  std::optional<Alert> a = Find(window_.Alerts(grown), "dead_letter");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 4);
  window_.Observe(Queues(0));  // a redrive empties them: nothing new
  EXPECT_EQ(Find(window_.Alerts(Queues()), "dead_letter")->value, 4);
  clock_.Advance(AlertWindow::kWindow);
  EXPECT_FALSE(Find(window_.Alerts(Queues()), "dead_letter"));
}

TEST_F(AlertWindowTest, OwnDeadLettersAreNotCountedTwice) {
  window_.Observe(Queues(0));
  PublishMany(window_, "dead_lettered", 1);
  window_.Observe(Queues(1));  // the same dead letter, seen in the queue
  EXPECT_EQ(Find(window_.Alerts(Queues(1)), "dead_letter")->value, 1);
}

TEST_F(AlertWindowTest, AnUnreadableQueueMakesTheNextReadingABaseline) {
  window_.Observe(Queues(1));
  window_.Observe(HealthSnapshot{});  // stats could not be read
  window_.Observe(Queues(4));
  EXPECT_FALSE(Find(window_.Alerts(Queues(4)), "dead_letter"));
  window_.Observe(Queues(5));
  EXPECT_EQ(Find(window_.Alerts(Queues(5)), "dead_letter")->value, 1);
}

TEST_F(AlertWindowTest, QuarantineRaisesQuarantinedNotDeadLetter) {
  window_.Observe(Queues(0));
  PublishMany(window_, "received", 100);
  PublishMany(window_, "quarantined", 1);
  window_.Observe(Queues(1));  // the quarantined payload is in the incoming DLQ
  std::vector<Alert> alerts = window_.Alerts(Queues(1));
  std::optional<Alert> q = Find(alerts, "quarantined");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->value, 1);
  EXPECT_EQ(q->threshold, 0);
  EXPECT_FALSE(Find(alerts, "dead_letter"));
  EXPECT_FALSE(Find(alerts, "high_duplicate_rate"));
  clock_.Advance(AlertWindow::kWindow);
  EXPECT_TRUE(window_.Alerts(Queues(1)).empty());
}

TEST_F(AlertWindowTest, StuckInFlightIsRaisedOverFifteenMinutes) {
  HealthSnapshot s = Queues();
  s.queues[1]->oldest_in_flight_seconds = 900;
  EXPECT_FALSE(Find(window_.Alerts(s), "stuck_in_flight")) << "15 minutes is not over 15";
  s.queues[0]->oldest_in_flight_seconds = 30;
  s.queues[1]->oldest_in_flight_seconds = 901;
  std::optional<Alert> a = Find(window_.Alerts(s), "stuck_in_flight");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 901) << "the oldest of any queue";
  EXPECT_EQ(a->threshold, 900);
}

TEST_F(AlertWindowTest, DlqExpiringIsRaisedForADeadLetterOverTenDaysOld) {
  HealthSnapshot s = Queues(1);
  s.queues[0]->oldest_dlq_age_seconds = 864'000;
  EXPECT_FALSE(Find(window_.Alerts(s), "dlq_expiring"));
  s.queues[2]->oldest_dlq_age_seconds = 864'001;
  std::optional<Alert> a = Find(window_.Alerts(s), "dlq_expiring");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 864'001);
  EXPECT_EQ(a->threshold, 864'000);
  s.queues[2]->oldest_dlq_age_seconds.reset();  // a backend that cannot tell
  s.queues[0]->oldest_dlq_age_seconds.reset();
  EXPECT_FALSE(Find(window_.Alerts(s), "dlq_expiring"));
}

TEST(AlertWindowPausedTest, SenderPausedListsThePausedNumbers) {
  testing::FakeClock clock;
  std::vector<std::string> paused;
  AlertWindow window(clock, [&paused] { return paused; });
  EXPECT_FALSE(Find(window.Alerts(Queues()), "sender_paused"));
  paused = {"106540352242922", "106540352242923"};
  std::optional<Alert> a = Find(window.Alerts(Queues()), "sender_paused");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 2);
  EXPECT_EQ(a->threshold, 0);
  paused.clear();  // resumed
  EXPECT_TRUE(window.Alerts(Queues()).empty());
}

// Events arrive on I/O threads and workers while the monitor observes and requests read.
TEST(AlertWindowConcurrencyTest, CountsFromManyThreadsAreExact) {
  testing::FakeClock clock;
  AlertWindow window(clock);
  constexpr int kPerThread = 2'000;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      window.Observe(Queues(0));
      (void)window.Alerts(Queues(0));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back(
        [&window, t] { PublishMany(window, t == 0 ? "duplicate" : "received", kPerThread); });
  }
  for (std::thread& w : writers) w.join();
  done.store(true);
  reader.join();
  EXPECT_DOUBLE_EQ(Find(window.Alerts(Queues()), "high_duplicate_rate")->value, 0.25);
}

}  // namespace
}  // namespace wagate::http
