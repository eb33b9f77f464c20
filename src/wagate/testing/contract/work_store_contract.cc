#include "wagate/testing/contract/work_store_contract.h"

#include <boost/json.hpp>

#include <future>
#include <thread>

namespace wagate::testing {

namespace {

using ports::ClaimOutcome;
using ports::ClaimRequest;
using ports::ClaimResult;
using ports::Fenced;

constexpr Millis kLease{30'000};

void Admit(AdmitBackend& b, const std::string& key) {
  ports::AdmitRequest r;
  r.items.push_back({key, domain::ItemKind::kMessage, "{}"});
  ASSERT_TRUE(AdmitAndWait(b.admitter(), std::move(r)).ok());
}

ClaimResult ClaimAs(AdmitBackend& b, const std::string& key, const std::string& owner,
                    const std::string& message_id) {
  StatusOr<ClaimResult> r =
      b.store().Claim(ClaimRequest{key, domain::ItemKind::kMessage, owner, message_id, kLease});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ClaimResult{};
}

std::string MessageIdOf(AdmitBackend& b, const std::string& key) {
  return b.store().Inspect(key)->queue_message_id;
}

domain::Record Record(AdmitBackend& b, const std::string& key) {
  StatusOr<domain::Record> r = b.store().Inspect(key);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : domain::Record{};
}

}  // namespace

TEST_P(WorkStoreContractTest, AClaimOfAQueuedItemWinsTheLease) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  EXPECT_EQ(won.outcome, ClaimOutcome::kWon);
  EXPECT_EQ(won.fence, 1);
  EXPECT_EQ(won.attempts, 1);
  EXPECT_EQ(won.lease_until, clock_.Now() + kLease);
  domain::Record r = Record(*b, "msg:A");
  EXPECT_EQ(r.state, domain::RecordState::kProcessing);
  EXPECT_EQ(r.owner, "w1");
  EXPECT_EQ(r.fence, 1);
  EXPECT_EQ(r.queue_message_id, mid);
}

TEST_P(WorkStoreContractTest, AMessageWithoutARecordCanBeClaimed) {
  auto b = MakeBackend();
  EXPECT_EQ(ClaimAs(*b, "msg:orphan", "w1", "m1").outcome, ClaimOutcome::kWon);
  EXPECT_EQ(Record(*b, "msg:orphan").state, domain::RecordState::kProcessing);
}

TEST_P(WorkStoreContractTest, ALiveLeaseMakesOtherClaimsBusyOrDuplicateEntries) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  ASSERT_EQ(won.outcome, ClaimOutcome::kWon);
  ClaimResult same_message = ClaimAs(*b, "msg:A", "w2", mid);
  EXPECT_EQ(same_message.outcome, ClaimOutcome::kBusy);
  EXPECT_EQ(same_message.lease_until, won.lease_until);
  EXPECT_EQ(ClaimAs(*b, "msg:A", "w3", "another-message").outcome, ClaimOutcome::kDuplicateEntry);
  EXPECT_EQ(Record(*b, "msg:A").owner, "w1") << "losing claims change nothing";
}

TEST_P(WorkStoreContractTest, ALeaseLapsesOnlyAfterLeaseUntil) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ASSERT_EQ(ClaimAs(*b, "msg:A", "w1", mid).outcome, ClaimOutcome::kWon);
  clock_.Advance(kLease);
  EXPECT_EQ(ClaimAs(*b, "msg:A", "w2", mid).outcome, ClaimOutcome::kBusy) << "lease_until is still now";
  clock_.Advance(Millis(1));
  EXPECT_EQ(ClaimAs(*b, "msg:A", "w2", mid).outcome, ClaimOutcome::kWon);
}

TEST_P(WorkStoreContractTest, ATakenOverWorkerIsFencedEverywhere) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult first = ClaimAs(*b, "msg:A", "w1", mid);
  clock_.Advance(kLease + Millis(1));
  ClaimResult second = ClaimAs(*b, "msg:A", "w2", mid);
  ASSERT_EQ(second.outcome, ClaimOutcome::kWon);
  EXPECT_EQ(second.fence, first.fence + 1);
  EXPECT_EQ(second.attempts, 2);

  Fenced stale{"msg:A", first.fence, "w1"};
  EXPECT_EQ(b->store().Heartbeat(stale, kLease).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->store().Complete(stale, "{}", {}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->store().Release(stale, "late").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->store().Kill(stale, "handler_rejected", "late").code(), StatusCode::kFailedPrecondition);
  domain::Record r = Record(*b, "msg:A");
  EXPECT_EQ(r.state, domain::RecordState::kProcessing);
  EXPECT_EQ(r.owner, "w2");

  EXPECT_TRUE(b->store().Complete({"msg:A", second.fence, "w2"}, "{}", {}).ok());
  EXPECT_EQ(Record(*b, "msg:A").state, domain::RecordState::kCompleted);
}

TEST_P(WorkStoreContractTest, HeartbeatsKeepTheLease) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(kLease / 3);
    ASSERT_TRUE(b->store().Heartbeat({"msg:A", won.fence, "w1"}, kLease).ok());
  }
  clock_.Advance(kLease - Millis(1));  // well past the first lease_until
  EXPECT_EQ(ClaimAs(*b, "msg:A", "w2", mid).outcome, ClaimOutcome::kBusy);
  EXPECT_EQ(*Record(*b, "msg:A").lease_until, clock_.Now() + Millis(1));
}

TEST_P(WorkStoreContractTest, ACompletedItemIsAlreadyDoneWithItsResultAndHistory) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  clock_.Advance(Millis(250));
  ASSERT_TRUE(b->store().Complete({"msg:A", won.fence, "w1"}, R"({"replies":0})", {}).ok());
  EXPECT_EQ(ClaimAs(*b, "msg:A", "w2", mid).outcome, ClaimOutcome::kAlreadyDone);
  domain::Record r = Record(*b, "msg:A");
  EXPECT_EQ(r.state, domain::RecordState::kCompleted);
  EXPECT_FALSE(r.lease_until.has_value());
  EXPECT_EQ(boost::json::parse(r.result), boost::json::parse(R"({"replies":0})"));
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].outcome, "completed");
  EXPECT_EQ(r.history[0].owner, "w1");
  EXPECT_EQ(r.history[0].fence, won.fence);
  EXPECT_EQ(r.history[0].at, clock_.Now());
}

TEST_P(WorkStoreContractTest, CompletingCreatesAndEnqueuesTheRepliesAtomically) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult stale = ClaimAs(*b, "msg:A", "w1", mid);
  clock_.Advance(kLease + Millis(1));
  ClaimResult won = ClaimAs(*b, "msg:A", "w2", mid);
  std::vector<domain::WorkItem> replies{{"out:h:0", domain::ItemKind::kOutgoing, R"({"n":0})"},
                                        {"out:h:1", domain::ItemKind::kOutgoing, R"({"n":1})"}};
  // A fenced worker's replies never exist.
  EXPECT_EQ(b->store().Complete({"msg:A", stale.fence, "w1"}, "{}", replies).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(b->store().Inspect("out:h:0").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(b->queues().Stats(domain::QueueName::kOutgoing)->visible, 0);

  ASSERT_TRUE(b->store().Complete({"msg:A", won.fence, "w2"}, "{}", replies).ok());
  for (const char* key : {"out:h:0", "out:h:1"}) {
    domain::Record out = Record(*b, key);
    EXPECT_EQ(out.state, domain::RecordState::kQueued) << key;
    EXPECT_EQ(out.kind, domain::ItemKind::kOutgoing) << key;
  }
  EXPECT_EQ(b->queues().Stats(domain::QueueName::kOutgoing)->visible, 2);
  domain::Record r = Record(*b, "msg:A");
  EXPECT_TRUE(r.outputs_enqueued);
  EXPECT_EQ(boost::json::parse(r.outputs), boost::json::parse(R"(["out:h:0","out:h:1"])"));
}

TEST_P(WorkStoreContractTest, AReleasedItemIsClaimableAgainAndKeepsTheError) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  ASSERT_TRUE(b->store().Release({"msg:A", won.fence, "w1"}, "handler timed out").ok());
  domain::Record r = Record(*b, "msg:A");
  EXPECT_EQ(r.state, domain::RecordState::kQueued);
  EXPECT_EQ(r.last_error, "handler timed out");
  EXPECT_TRUE(r.owner.empty());
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].outcome, "retried");
  EXPECT_EQ(r.history[0].error, "handler timed out");
  ClaimResult again = ClaimAs(*b, "msg:A", "w2", mid);
  EXPECT_EQ(again.outcome, ClaimOutcome::kWon);
  EXPECT_EQ(again.attempts, 2);
}

TEST_P(WorkStoreContractTest, AKilledItemIsDeadAndARedrivenMessageCanClaimIt) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  ASSERT_TRUE(b->store().Kill({"msg:A", won.fence, "w1"}, "handler_rejected", "HTTP 400").ok());
  domain::Record r = Record(*b, "msg:A");
  EXPECT_EQ(r.state, domain::RecordState::kDead);
  EXPECT_EQ(r.last_error, "HTTP 400");
  EXPECT_EQ(r.history.back().outcome, "handler_rejected");
  EXPECT_GT(r.expires_at, clock_.Now() + Millis(3'600'000)) << "DEAD records outlive the dedup window";
  EXPECT_EQ(ClaimAs(*b, "msg:A", "w2", "redriven").outcome, ClaimOutcome::kWon);
}

TEST_P(WorkStoreContractTest, HistoryKeepsTheLastTenAttempts) {
  auto b = MakeBackend();
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  for (int i = 1; i <= 12; ++i) {
    ClaimResult won = ClaimAs(*b, "msg:A", "w" + std::to_string(i), mid);
    ASSERT_EQ(won.outcome, ClaimOutcome::kWon);
    ASSERT_TRUE(b->store().Release({"msg:A", won.fence, ""}, "error " + std::to_string(i)).ok());
  }
  domain::Record r = Record(*b, "msg:A");
  ASSERT_EQ(r.history.size(), 10u);
  EXPECT_EQ(r.history.front().error, "error 3");
  EXPECT_EQ(r.history.back().error, "error 12");
  EXPECT_EQ(r.history.back().owner, "w12");
  EXPECT_EQ(r.attempts, 12);
}

TEST_P(WorkStoreContractTest, AClaimAfterTheDedupWindowStartsAfresh) {
  auto b = MakeBackend(/*dedup_ttl=*/Millis(60'000));
  Admit(*b, "msg:A");
  std::string mid = MessageIdOf(*b, "msg:A");
  ClaimResult won = ClaimAs(*b, "msg:A", "w1", mid);
  ASSERT_TRUE(b->store().Release({"msg:A", won.fence, "w1"}, "boom").ok());
  clock_.Advance(Millis(60'000));
  ClaimResult fresh = ClaimAs(*b, "msg:A", "w2", mid);
  EXPECT_EQ(fresh.outcome, ClaimOutcome::kWon);
  EXPECT_EQ(fresh.attempts, 1);
  EXPECT_GT(fresh.fence, won.fence) << "fences never go back";
  domain::Record r = Record(*b, "msg:A");
  EXPECT_TRUE(r.history.empty());
  EXPECT_TRUE(r.last_error.empty());
}

TEST_P(WorkStoreContractTest, ConcurrentClaimsHaveExactlyOneWinner) {
  auto b = MakeBackend();
  for (int round = 0; round < 5; ++round) {
    std::string key = "msg:R" + std::to_string(round);
    Admit(*b, key);
    std::string mid = MessageIdOf(*b, key);
    std::promise<void> go;
    std::shared_future<void> start = go.get_future().share();
    std::vector<std::future<ClaimResult>> claims;
    for (int t = 0; t < 16; ++t) {
      claims.push_back(std::async(std::launch::async, [&, start, t] {
        start.wait();
        return ClaimAs(*b, key, "w" + std::to_string(t), t % 2 ? mid : "copy-" + std::to_string(t));
      }));
    }
    go.set_value();
    int won = 0;
    for (auto& c : claims) won += c.get().outcome == ClaimOutcome::kWon;
    EXPECT_EQ(won, 1) << key;
    EXPECT_EQ(Record(*b, key).fence, 1);
  }
}

}  // namespace wagate::testing
