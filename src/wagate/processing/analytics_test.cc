#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/handlers/echo_handler.h"
#include "wagate/processing/event_publisher.h"
#include "wagate/processing/jsonl_sink.h"
#include "wagate/processing/processor.h"
#include "wagate/testing/webhook_bodies.h"
#include "wagate/whatsapp/payload.h"

namespace wagate::processing {
namespace {

using domain::QueueName;

std::vector<boost::json::object> ReadLines(const std::string& path) {
  std::vector<boost::json::object> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(boost::json::parse(line).as_object());
  return out;
}

class AnalyticsTest : public ::testing::Test {
 protected:
  AnalyticsTest() : backend_(testing::AdmitBackendOptions{&clock_, Millis(3'600'000)}) {}
  testing::FakeClock clock_;
  testing::MaxRandom random_;
  sqlite::SqliteTestBackend backend_;
  testing::TempDir out_dir_;
};

TEST_F(AnalyticsTest, PublishedEventsReachTheJsonlFileOnceAndLeaveTheQueue) {
  EventPublisher publisher(backend_.queue(), {});
  for (int i = 0; i < 25; ++i) {
    publisher.Publish({"received", "msg:wamid.A" + std::to_string(i), domain::ItemKind::kMessage,
                       clock_.Now(), 0, 0, std::nullopt, ""});
  }
  ASSERT_EQ(*publisher.Flush(), 25u);
  EXPECT_EQ(publisher.published(), 25u);
  EXPECT_EQ(backend_.queues().Stats(QueueName::kAnalytics)->visible, 25);

  const std::string path = out_dir_.path() + "/events.jsonl";
  JsonlSink sink(backend_.queue(), path);
  ASSERT_TRUE(sink.Open().ok());
  int written = 0;
  while (int n = *sink.RunOnce(Millis(0))) written += n;
  EXPECT_EQ(written, 25);
  std::vector<boost::json::object> lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 25u);
  EXPECT_EQ(lines[0].at("id").as_string(), "msg:wamid.A0:received:0");
  ports::QueueStats stats = *backend_.queues().Stats(QueueName::kAnalytics);
  EXPECT_EQ(stats.visible + stats.in_flight, 0) << "written events are deleted";
}

TEST_F(AnalyticsTest, AFullBufferDropsAndCountsInsteadOfBlocking) {
  EventPublisher publisher(backend_.queue(), {.max_buffered = 3});
  for (int i = 0; i < 5; ++i) {
    publisher.Publish({"received", "msg:x" + std::to_string(i), domain::ItemKind::kMessage,
                       clock_.Now(), 0, 0, std::nullopt, ""});
  }
  EXPECT_EQ(publisher.dropped(), 2u);
  EXPECT_EQ(*publisher.Flush(), 3u);
}

TEST_F(AnalyticsTest, ProcessingPublishesProcessedAndDeadLetteredWithTheirFence) {
  EventPublisher publisher(backend_.queue(), {});
  for (const std::string wamid : {"wamid.E1", "wamid.E2"}) {
    whatsapp::SplitResult split =
        whatsapp::SplitWebhook(testing::TextBody(wamid, ToUnixMillis(clock_.Now()) / 1000));
    ASSERT_TRUE(testing::AdmitAndWait(backend_.admitter(), {std::move(split.items), {}}).ok());
  }
  // E1 is echoed; E2 is rejected by the handler.
  class Handler final : public ports::Handler {
   public:
    StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override {
      if (item.key == "msg:wamid.E2") return InvalidArgumentError("no");
      return ports::HandlerResult{};
    }
  } handler;
  ProcessorOptions options;
  options.events = &publisher;
  Processor processor(backend_.queue(), backend_.store(), handler, clock_, random_, options);
  ASSERT_EQ(*processor.RunOnce(Millis(0)), 2);
  ASSERT_EQ(*publisher.Flush(), 2u);

  std::vector<boost::json::object> events;
  std::vector<ports::ReceivedMessage> received =
      backend_.queue().Receive(QueueName::kAnalytics, 10, Millis(1'000), Millis(0)).value();
  for (const ports::ReceivedMessage& m : received) {
    events.push_back(boost::json::parse(m.body).as_object());
  }
  ASSERT_EQ(events.size(), 2u);
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return a.at("key").as_string() < b.at("key").as_string();
  });
  EXPECT_EQ(events[0].at("id").as_string(), "msg:wamid.E1:processed:1");
  EXPECT_EQ(events[0].at("attempt").as_int64(), 1);
  EXPECT_GE(events[0].at("latency_ms").as_int64(), 0);
  EXPECT_EQ(events[1].at("event").as_string(), "dead_lettered");
  EXPECT_EQ(events[1].at("error_code").as_string(), "handler_rejected");
}

}  // namespace
}  // namespace wagate::processing
