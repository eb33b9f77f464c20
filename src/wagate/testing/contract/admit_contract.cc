#include "wagate/testing/contract/admit_contract.h"

#include <future>
#include <set>
#include <thread>

namespace wagate::testing {

using domain::ItemKind;
using domain::WorkItem;
using ports::AdmitOutcome;
using ports::AdmitRequest;

namespace {

WorkItem Message(const std::string& wamid) {
  return WorkItem{"msg:" + wamid, ItemKind::kMessage,
                  R"({"key":"msg:)" + wamid + R"(","kind":"message"})"};
}

AdmitRequest Request(std::initializer_list<std::string> wamids) {
  AdmitRequest r;
  for (const std::string& w : wamids) r.items.push_back(Message(w));
  return r;
}

std::vector<AdmitOutcome> Outcomes(ports::Admitter& a, AdmitRequest r) {
  StatusOr<ports::AdmitResult> result = AdmitAndWait(a, std::move(r));
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? result->outcomes : std::vector<AdmitOutcome>{};
}

constexpr AdmitOutcome kAcc = AdmitOutcome::kAccepted;
constexpr AdmitOutcome kDup = AdmitOutcome::kDuplicate;

}  // namespace

void AdmitContractTest::SetUp() {}

std::unique_ptr<AdmitBackend> AdmitContractTest::MakeBackend(Millis dedup_ttl) {
  return GetParam()(AdmitBackendOptions{&clock_, dedup_ttl});
}

TEST_P(AdmitContractTest, NewItemsAreAcceptedQueuedAndEnqueued) {
  auto b = MakeBackend();
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A", "B"})), (std::vector{kAcc, kAcc}));
  StatusOr<domain::Record> rec = b->store().Inspect("msg:A");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->state, domain::RecordState::kQueued);
  EXPECT_EQ(rec->kind, ItemKind::kMessage);
  EXPECT_FALSE(rec->queue_message_id.empty());
  EXPECT_EQ(rec->created_at, clock_.Now());
  EXPECT_EQ(rec->expires_at, clock_.Now() + Millis(60'000));
  StatusOr<ports::QueueStats> stats = b->queues().Stats(domain::QueueName::kIncoming);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->visible, 2);
}

TEST_P(AdmitContractTest, UnknownKeyIsNotFound) {
  auto b = MakeBackend();
  EXPECT_EQ(b->store().Inspect("msg:nope").status().code(), StatusCode::kNotFound);
}

TEST_P(AdmitContractTest, RepeatedRequestIsAllDuplicates) {
  auto b = MakeBackend();
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A", "B"})), (std::vector{kAcc, kAcc}));
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A", "B"})), (std::vector{kDup, kDup}));
  EXPECT_EQ(b->queues().Stats(domain::QueueName::kIncoming)->visible, 2);
}

TEST_P(AdmitContractTest, MixedBatchAdmitsOnlyTheNewItems) {
  auto b = MakeBackend();
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A", "C"})), (std::vector{kAcc, kAcc}));
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A", "B", "C", "D"})),
            (std::vector{kDup, kAcc, kDup, kAcc}));
  EXPECT_EQ(b->queues().Stats(domain::QueueName::kIncoming)->visible, 4);
}

TEST_P(AdmitContractTest, SameKeyTwiceInOneRequestIsAdmittedOnce) {
  auto b = MakeBackend();
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A", "A"})), (std::vector{kAcc, kDup}));
}

TEST_P(AdmitContractTest, EventsGoToTheAnalyticsQueue) {
  auto b = MakeBackend();
  AdmitRequest r;
  r.items.push_back(WorkItem{"ev:abc", ItemKind::kEvent, R"({"kind":"event"})"});
  r.items.push_back(WorkItem{"st:W:read", ItemKind::kStatus, R"({"kind":"status"})"});
  EXPECT_EQ(Outcomes(b->admitter(), std::move(r)), (std::vector{kAcc, kAcc}));
  EXPECT_EQ(b->queues().Stats(domain::QueueName::kAnalytics)->visible, 1);
  EXPECT_EQ(b->queues().Stats(domain::QueueName::kIncoming)->visible, 1);
  EXPECT_EQ(b->store().Inspect("ev:abc")->kind, ItemKind::kEvent);
}

TEST_P(AdmitContractTest, RecordExpiresExactlyAtTheEndOfTheDedupWindow) {
  auto b = MakeBackend(Millis(10'000));
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A"})), (std::vector{kAcc}));
  std::string first_message = b->store().Inspect("msg:A")->queue_message_id;
  clock_.Advance(Millis(9'999));
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A"})), (std::vector{kDup}));
  clock_.Advance(Millis(1));
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A"})), (std::vector{kAcc}));
  StatusOr<domain::Record> rec = b->store().Inspect("msg:A");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->created_at, clock_.Now());
  EXPECT_EQ(rec->expires_at, clock_.Now() + Millis(10'000));
  EXPECT_NE(rec->queue_message_id, first_message);
  // The re-admitted record has a fresh window again.
  clock_.Advance(Millis(5'000));
  EXPECT_EQ(Outcomes(b->admitter(), Request({"A"})), (std::vector{kDup}));
}

TEST_P(AdmitContractTest, QuarantinedPiecesAreStoredInTheIncomingDeadLetterQueue) {
  auto b = MakeBackend();
  AdmitRequest r = Request({"A"});
  domain::QuarantinedPayload q;
  q.detail = "lacks a string id";
  q.path = "$.entry[0].changes[0].value.messages[1]";
  q.raw = R"({"from":"1"})";
  q.size = q.raw.size();
  q.sha256 = "00";
  r.quarantined.push_back(q);
  StatusOr<ports::AdmitResult> result = AdmitAndWait(b->admitter(), std::move(r));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->quarantined, 1);
  EXPECT_EQ(result->outcomes, (std::vector{kAcc}));
  StatusOr<ports::QueueStats> stats = b->queues().Stats(domain::QueueName::kIncoming);
  EXPECT_EQ(stats->dlq, 1);
  EXPECT_EQ(stats->visible, 1);
}

TEST_P(AdmitContractTest, ConcurrentIdenticalAdmitsHaveExactlyOneWinner) {
  auto b = MakeBackend();
  constexpr int kThreads = 64;
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    std::string wamid = "RACE" + std::to_string(round);
    std::vector<std::future<StatusOr<ports::AdmitResult>>> futures;
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    for (int t = 0; t < kThreads; ++t) {
      futures.push_back(std::async(std::launch::async, [&, start, t] {
        start.wait();
        const std::string own = "other" + std::to_string(round) + "-" + std::to_string(t);
        // Where a concurrent identical admit may answer 503 (aws, SPEC §2.2), Meta retries.
        for (int attempt = 0;; ++attempt) {
          StatusOr<ports::AdmitResult> r = AdmitAndWait(b->admitter(), Request({wamid, own}));
          if (r.ok() || b->single_queue_entry() || r.status().code() != StatusCode::kUnavailable ||
              attempt == 50) {
            return r;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }));
    }
    go.set_value();
    int accepted = 0;
    for (auto& f : futures) {
      StatusOr<ports::AdmitResult> r = f.get();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->outcomes.size(), 2u);
      accepted += r->outcomes[0] == kAcc;
      EXPECT_EQ(r->outcomes[1], kAcc);  // every thread's own key is new
    }
    EXPECT_EQ(accepted, 1) << "round " << round;
  }
  if (b->single_queue_entry()) {
    EXPECT_EQ(b->queues().Stats(domain::QueueName::kIncoming)->visible, kRounds * (kThreads + 1));
  }
}

}  // namespace wagate::testing
