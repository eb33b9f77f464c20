#include "wagate/processing/processor.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <thread>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/handlers/echo_handler.h"
#include "wagate/testing/fake_metrics.h"
#include "wagate/testing/webhook_bodies.h"
#include "wagate/whatsapp/payload.h"

namespace wagate::processing {
namespace {

using sqlite::SqliteTestBackend;
using testing::AdmitBackendOptions;
using testing::FakeClock;

// Answers with scripted results, then with `fallback`; records what it was given.
class FakeHandler final : public ports::Handler {
 public:
  StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen.push_back(item);
    if (script.empty()) return fallback;
    StatusOr<ports::HandlerResult> next = script.front();
    script.pop_front();
    return next;
  }
  std::deque<StatusOr<ports::HandlerResult>> script;
  StatusOr<ports::HandlerResult> fallback = ports::HandlerResult{};
  std::vector<ports::HandlerItem> seen;

 private:
  std::mutex mu_;
};

using testing::FakeMetrics;
using testing::MaxRandom;
using testing::TextBody;

class ProcessorTest : public ::testing::Test {
 protected:
  ProcessorTest() : backend_(AdmitBackendOptions{&clock_, Millis(3'600'000)}) {}

  void AdmitText(const std::string& wamid, int64_t age_seconds = 10) {
    int64_t ts = ToUnixMillis(clock_.Now()) / 1000 - age_seconds;
    whatsapp::SplitResult split = whatsapp::SplitWebhook(TextBody(wamid, ts));
    ASSERT_EQ(split.items.size(), 1u);
    ASSERT_TRUE(testing::AdmitAndWait(backend_.admitter(), {std::move(split.items), {}}).ok());
  }

  std::unique_ptr<Processor> Make(ports::Handler& handler, ProcessorOptions options = {}) {
    options.worker_id = "w-test";
    options.backoff = {Millis(1'000), Millis(60'000)};
    return std::make_unique<Processor>(backend_.queue(), backend_.store(), handler, clock_,
                                       random_, options);
  }

  ports::QueueStats Stats(domain::QueueName q) { return *backend_.queues().Stats(q); }
  domain::Record Record(const std::string& key) { return *backend_.store().Inspect(key); }

  FakeClock clock_;
  MaxRandom random_;
  SqliteTestBackend backend_;
};

TEST_F(ProcessorTest, EchoCompletesTheItemEnqueuesItsRepliesAndDeletesTheMessage) {
  handlers::EchoHandler echo;
  auto p = Make(echo);
  AdmitText("wamid.E1");
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  domain::Record r = Record("msg:wamid.E1");
  EXPECT_EQ(r.state, domain::RecordState::kCompleted);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(Stats(domain::QueueName::kOutgoing).visible, 2) << "the echo and the mark-as-read";
  ports::QueueStats incoming = Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(incoming.visible + incoming.in_flight, 0);
  EXPECT_EQ(p->counters().processed.load(), 1u);
}

TEST_F(ProcessorTest, ACopyOfACompletedItemsMessageIsDeletedAsAlreadyDone) {
  FakeHandler handler;
  auto p = Make(handler);
  AdmitText("wamid.D1");
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  ASSERT_TRUE(backend_.queue().Send(domain::QueueName::kIncoming, {{"msg:wamid.D1", "{}", Millis(0)}}).ok());
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  EXPECT_EQ(handler.seen.size(), 1u) << "the handler ran once";
  EXPECT_EQ(p->counters().processed.load(), 1u);
  EXPECT_EQ(p->counters().already_done.load(), 1u);
  ports::QueueStats incoming = Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(incoming.visible + incoming.in_flight, 0);
}

TEST_F(ProcessorTest, TwoEntriesOfOneItemInOneBatchRunTheHandlerOnce) {
  FakeHandler handler;
  auto p = Make(handler);
  AdmitText("wamid.D3");
  ASSERT_TRUE(backend_.queue().Send(domain::QueueName::kIncoming, {{"msg:wamid.D3", "{}", Millis(0)}}).ok());
  ASSERT_EQ(*p->RunOnce(Millis(0)), 2);
  EXPECT_EQ(handler.seen.size(), 1u);
  EXPECT_EQ(p->counters().processed.load(), 1u);
  EXPECT_EQ(p->counters().duplicate_entry.load(), 1u);
  ports::QueueStats incoming = Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(incoming.visible + incoming.in_flight, 0);
}

TEST_F(ProcessorTest, ACopyArrivingWhileAnotherWorkerHoldsTheItemIsADuplicateEntry) {
  FakeHandler handler;
  auto p = Make(handler);
  AdmitText("wamid.D2");
  ASSERT_EQ(backend_.store().Claim({"msg:wamid.D2", domain::ItemKind::kMessage, "w-other", "copy-9", Millis(30'000)})->outcome,
            ports::ClaimOutcome::kWon);
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  EXPECT_TRUE(handler.seen.empty());
  EXPECT_EQ(p->counters().duplicate_entry.load(), 1u);
  ports::QueueStats incoming = Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(incoming.visible + incoming.in_flight, 0) << "the duplicate entry was deleted";
}

TEST_F(ProcessorTest, TheOwnersOwnMessageIsHiddenUntilTheLeaseEnds) {
  FakeHandler handler;
  auto p = Make(handler);
  AdmitText("wamid.B1");
  std::string mid = Record("msg:wamid.B1").queue_message_id;
  ASSERT_EQ(backend_.store().Claim({"msg:wamid.B1", domain::ItemKind::kMessage, "w-owner", mid, Millis(30'000)})->outcome,
            ports::ClaimOutcome::kWon);
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  EXPECT_EQ(p->counters().busy.load(), 1u);
  clock_.Advance(Millis(30'000));
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).visible, 0) << "still hidden at lease_until";
  clock_.Advance(Millis(1'000));
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).visible, 1) << "visible one second after the lease";
}

TEST_F(ProcessorTest, ARetriableFailureReleasesTheItemAndRetriesAfterTheBackoff) {
  FakeHandler handler;
  handler.script.push_back(UnavailableError("handler down"));
  auto p = Make(handler);
  AdmitText("wamid.R1");
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  domain::Record r = Record("msg:wamid.R1");
  EXPECT_EQ(r.state, domain::RecordState::kQueued);
  EXPECT_NE(r.last_error.find("handler down"), std::string::npos);
  EXPECT_EQ(p->counters().retried.load(), 1u);
  clock_.Advance(Millis(999));
  EXPECT_EQ(*p->RunOnce(Millis(0)), 0) << "hidden for the backoff (1 s for the first failure)";
  clock_.Advance(Millis(1));
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  EXPECT_EQ(Record("msg:wamid.R1").state, domain::RecordState::kCompleted);
  ASSERT_EQ(handler.seen.size(), 2u);
  EXPECT_EQ(handler.seen[1].attempt, 2);
}

TEST_F(ProcessorTest, APermanentFailureDeadLettersAtOnce) {
  FakeHandler handler;
  handler.fallback = InvalidArgumentError("HTTP 400 from handler");
  auto p = Make(handler);
  AdmitText("wamid.P1");
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  domain::Record r = Record("msg:wamid.P1");
  EXPECT_EQ(r.state, domain::RecordState::kDead);
  EXPECT_EQ(r.history.back().outcome, "handler_rejected");
  ports::QueueStats incoming = Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(incoming.dlq, 1);
  EXPECT_EQ(incoming.visible + incoming.in_flight, 0);
  EXPECT_EQ(p->counters().dead_lettered.load(), 1u);
  // The dead letter carries the reason and the attempt that failed.
  std::unique_ptr<sqlite::Database> db = backend_.OpenConnection();
  StatusOr<sqlite::Statement> row = db->Prepare(
      "SELECT reason, last_error, history FROM queue_messages WHERE queue = 'incoming-dlq'");
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row->Step());
  EXPECT_EQ(row->ColumnText(0), "handler_rejected");
  EXPECT_NE(row->ColumnText(1).find("HTTP 400"), std::string::npos);
  boost::json::value history = boost::json::parse(row->ColumnText(2));
  ASSERT_EQ(history.as_array().size(), 1u);
  EXPECT_EQ(history.at(0).at("outcome").as_string(), "handler_rejected");
  EXPECT_EQ(history.at(0).at("owner").as_string(), "w-test");
  EXPECT_EQ(history.at(0).at("fence").as_int64(), 1);
}

TEST_F(ProcessorTest, TheLastAllowedReceiveDeadLettersAFailingItem) {
  FakeHandler handler;
  handler.fallback = UnavailableError("still down");
  ProcessorOptions options;
  options.max_receive_count = 3;
  auto p = Make(handler, options);
  AdmitText("wamid.M1");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*p->RunOnce(Millis(0)), 1) << "receive " << i + 1;
    clock_.Advance(Millis(120'000));
  }
  EXPECT_EQ(p->counters().retried.load(), 2u);
  EXPECT_EQ(p->counters().dead_lettered.load(), 1u);
  domain::Record r = Record("msg:wamid.M1");
  EXPECT_EQ(r.state, domain::RecordState::kDead);
  EXPECT_EQ(r.history.back().outcome, "max_receive_count");
  EXPECT_EQ(Stats(domain::QueueName::kIncoming).dlq, 1);
}

TEST_F(ProcessorTest, StaleMessagesReachTheHandlerButSendNothing) {
  FakeHandler handler;
  handler.fallback = ports::HandlerResult{{{ports::Reply::Type::kText, "late reply", ""}}, true, ""};
  auto p = Make(handler);
  AdmitText("wamid.S1", /*age_seconds=*/25 * 3600);
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  ASSERT_EQ(handler.seen.size(), 1u);
  EXPECT_TRUE(handler.seen[0].stale);
  EXPECT_EQ(Record("msg:wamid.S1").state, domain::RecordState::kCompleted);
  EXPECT_EQ(Stats(domain::QueueName::kOutgoing).visible, 0);
  EXPECT_EQ(p->counters().stale.load(), 1u);
}

TEST_F(ProcessorTest, ClaimsWaitingBehindASlowItemAreKeptAliveByHeartbeats) {
  // The first item takes two thirds of the lease, with a heartbeat in between (the heartbeat
  // thread beats every lease/3); while the second runs, time passes its original visibility and
  // lease: neither may have lapsed.
  class SlowHandler final : public ports::Handler {
   public:
    SlowHandler(FakeClock& clock, SqliteTestBackend& backend) : clock_(clock), backend_(backend) {}
    StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override {
      if (item.key == "msg:wamid.V1") {
        clock_.Advance(Millis(20'000));
        beats = processor->heartbeats().BeatOnce();
      } else {
        clock_.Advance(Millis(15'000));
        visible_during_second = backend_.queues().Stats(domain::QueueName::kIncoming)->visible;
      }
      return ports::HandlerResult{};
    }
    int64_t visible_during_second = -1;
    int beats = 0;
    Processor* processor = nullptr;

   private:
    FakeClock& clock_;
    SqliteTestBackend& backend_;
  } handler(clock_, backend_);
  ProcessorOptions options;
  options.lease = Millis(30'000);
  auto p = Make(handler, options);
  handler.processor = p.get();
  AdmitText("wamid.V1");
  AdmitText("wamid.V2");
  ASSERT_EQ(*p->RunOnce(Millis(0)), 2);
  EXPECT_EQ(handler.beats, 2) << "both claims of the batch are kept alive";
  EXPECT_EQ(handler.visible_during_second, 0);
  EXPECT_EQ(p->counters().processed.load(), 2u);
  EXPECT_EQ(p->counters().fenced.load(), 0u);
}

TEST_F(ProcessorTest, WorkerThreadsProcessEveryItemExactlyOnce) {
  handlers::EchoHandler echo;
  ProcessorOptions options;
  options.workers = 4;
  options.wait = Millis(50);
  auto p = Make(echo, options);
  constexpr int kItems = 200;
  for (int i = 0; i < kItems; ++i) AdmitText("wamid.T" + std::to_string(i));
  p->Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (p->counters().processed.load() < kItems && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  p->Stop();
  EXPECT_EQ(p->counters().processed.load(), static_cast<uint64_t>(kItems));
  EXPECT_EQ(p->counters().already_done.load() + p->counters().busy.load() +
                p->counters().duplicate_entry.load() + p->counters().fenced.load(),
            0u);
  EXPECT_EQ(Stats(domain::QueueName::kOutgoing).visible, 2 * kItems);
  for (int i = 0; i < kItems; i += 37) {
    EXPECT_EQ(Record("msg:wamid.T" + std::to_string(i)).state, domain::RecordState::kCompleted);
  }
}

// While it runs, its lease lapses and another worker takes the item over; the heartbeat finds out.
class TakenOverHandler final : public ports::Handler {
 public:
  TakenOverHandler(FakeClock& clock, ports::WorkStore& store) : clock_(clock), store_(store) {}
  StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override {
    clock_.Advance(Millis(31'000));
    StatusOr<ports::ClaimResult> other =
        store_.Claim({item.key, item.kind, "w-other", "copy-2", Millis(30'000)});
    EXPECT_TRUE(other.ok() && other->outcome == ports::ClaimOutcome::kWon);
    if (processor != nullptr) {
      EXPECT_EQ(processor->heartbeats().BeatOnce(), 0);
    }
    return ports::HandlerResult{};
  }
  Processor* processor = nullptr;

 private:
  FakeClock& clock_;
  ports::WorkStore& store_;
};

TEST_F(ProcessorTest, ClaimOutcomesAndLostLeasesAreCountedInTheMetrics) {
  FakeMetrics metrics;
  ProcessorOptions options;
  options.metrics = &metrics;
  FakeHandler handler;
  auto p = Make(handler, options);
  AdmitText("wamid.M1");
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kWon), 1);
  ASSERT_TRUE(backend_.queue().Send(domain::QueueName::kIncoming, {{"msg:wamid.M1", "{}", Millis(0)}}).ok());
  ASSERT_EQ(*p->RunOnce(Millis(0)), 1);
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kAlreadyDone), 1);
  EXPECT_EQ(metrics.lease_expiries.load(), 0);

  TakenOverHandler slow(clock_, backend_.store());
  auto q = Make(slow, options);
  slow.processor = q.get();
  AdmitText("wamid.M2");
  ASSERT_EQ(*q->RunOnce(Millis(0)), 1);
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kWon), 2);
  EXPECT_EQ(metrics.lease_expiries.load(), 1) << "the heartbeat found the lease lost";
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kFenced), 1) << "the completion was refused";
  EXPECT_EQ(q->counters().fenced.load(), 1u);
  EXPECT_EQ(metrics.Claims(ports::ClaimMetric::kBusy) + metrics.Claims(ports::ClaimMetric::kDuplicateEntry),
            0);
}

}  // namespace
}  // namespace wagate::processing
