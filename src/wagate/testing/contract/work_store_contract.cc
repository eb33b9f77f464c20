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

void AdmitOutgoing(AdmitBackend& b, const std::string& key) {
  ports::AdmitRequest r;
  r.items.push_back({key, domain::ItemKind::kOutgoing, "{}"});
  ASSERT_TRUE(AdmitAndWait(b.admitter(), std::move(r)).ok());
}

ClaimResult ClaimOutgoing(AdmitBackend& b, const std::string& key, const std::string& owner,
                          const std::string& message_id) {
  StatusOr<ClaimResult> r =
      b.store().Claim(ClaimRequest{key, domain::ItemKind::kOutgoing, owner, message_id, kLease});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ClaimResult{};
}

std::string DeliveryOf(AdmitBackend& b, const std::string& key) {
  std::string result = Record(b, key).result;
  if (result.empty()) return "";
  const boost::json::value parsed = boost::json::parse(result);
  const boost::json::value* d = parsed.as_object().if_contains("delivery");
  return d && d->is_string() ? std::string(d->as_string()) : "";
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
    const std::string owner = "w" + std::to_string(i);
    ClaimResult won = ClaimAs(*b, "msg:A", owner, mid);
    ASSERT_EQ(won.outcome, ClaimOutcome::kWon);
    ASSERT_TRUE(b->store().Release({"msg:A", won.fence, owner}, "error " + std::to_string(i)).ok());
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

TEST_P(WorkStoreContractTest, ASenderThatDiedAroundTheCallLeavesTheItemUncertainAndFenced) {
  auto b = MakeBackend();
  AdmitOutgoing(*b, "out:S:0");
  std::string mid = MessageIdOf(*b, "out:S:0");
  ClaimResult first = ClaimOutgoing(*b, "out:S:0", "s1", mid);
  ASSERT_EQ(first.outcome, ClaimOutcome::kWon);
  ASSERT_TRUE(b->store().MarkSending({"out:S:0", first.fence, "s1"}).ok());
  EXPECT_EQ(Record(*b, "out:S:0").state, domain::RecordState::kSending);
  EXPECT_EQ(ClaimOutgoing(*b, "out:S:0", "s2", mid).outcome, ClaimOutcome::kBusy) << "a live send";

  clock_.Advance(kLease + Millis(1));
  ClaimResult after = ClaimOutgoing(*b, "out:S:0", "s2", mid);
  EXPECT_EQ(after.outcome, ClaimOutcome::kUncertain) << "never resent blindly";
  EXPECT_EQ(Record(*b, "out:S:0").state, domain::RecordState::kSentUncertain);
  EXPECT_EQ(b->store().MarkSent({"out:S:0", first.fence, "s1"}, "{}").code(),
            StatusCode::kFailedPrecondition) << "the dead sender's late answer is fenced";

  // With no status for the resend delay, a claim resends, and says so.
  clock_.Advance(Millis(120'000));
  ClaimResult resend = ClaimOutgoing(*b, "out:S:0", "s2", mid);
  ASSERT_EQ(resend.outcome, ClaimOutcome::kWon);
  EXPECT_TRUE(resend.resend);
  EXPECT_GT(resend.fence, first.fence);
}

TEST_P(WorkStoreContractTest, AStatusSettlesAnUncertainItemSoItIsNeverResent) {
  auto b = MakeBackend();
  AdmitOutgoing(*b, "out:U:0");
  std::string mid = MessageIdOf(*b, "out:U:0");
  ClaimResult c = ClaimOutgoing(*b, "out:U:0", "s1", mid);
  ASSERT_TRUE(b->store().MarkSending({"out:U:0", c.fence, "s1"}).ok());
  ASSERT_TRUE(b->store().MarkUncertain({"out:U:0", c.fence, "s1"}, "timed out").ok());
  EXPECT_EQ(Record(*b, "out:U:0").state, domain::RecordState::kSentUncertain);
  ASSERT_TRUE(b->store().MergeStatus({"out:U:0", "sent", "wamid.M"}).ok());
  domain::Record r = Record(*b, "out:U:0");
  EXPECT_EQ(r.state, domain::RecordState::kSent);
  EXPECT_NE(r.result.find("wamid.M"), std::string::npos) << r.result;
  clock_.Advance(Millis(200'000));
  EXPECT_EQ(ClaimOutgoing(*b, "out:U:0", "s2", mid).outcome, ClaimOutcome::kAlreadyDone);
}

TEST_P(WorkStoreContractTest, AStatusArrivingBeforeTheSendMeansNothingIsSent) {
  auto b = MakeBackend();
  AdmitOutgoing(*b, "out:E:0");
  ClaimResult c = ClaimOutgoing(*b, "out:E:0", "s1", MessageIdOf(*b, "out:E:0"));
  ASSERT_TRUE(b->store().MergeStatus({"out:E:0", "delivered", "wamid.E"}).ok());
  EXPECT_EQ(b->store().MarkSending({"out:E:0", c.fence, "s1"}).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(b->store().MarkSent({"out:E:0", c.fence, "s1"}, "").ok());
  EXPECT_EQ(Record(*b, "out:E:0").state, domain::RecordState::kSent);
  EXPECT_EQ(DeliveryOf(*b, "out:E:0"), "delivered");
}

TEST_P(WorkStoreContractTest, StatusesMergeMonotonicallyAndFailedIsTerminal) {
  auto b = MakeBackend();
  AdmitOutgoing(*b, "out:M:0");
  ClaimResult c = ClaimOutgoing(*b, "out:M:0", "s1", MessageIdOf(*b, "out:M:0"));
  ASSERT_TRUE(b->store().MarkSending({"out:M:0", c.fence, "s1"}).ok());
  ASSERT_TRUE(b->store().MarkSent({"out:M:0", c.fence, "s1"}, R"({"wamid":"wamid.M2"})").ok());
  for (const char* status : {"read", "delivered", "sent", "unknown-future-status"}) {
    ASSERT_TRUE(b->store().MergeStatus({"out:M:0", status, "wamid.M2"}).ok());
  }
  EXPECT_EQ(DeliveryOf(*b, "out:M:0"), "read") << "a late delivered never downgrades read";
  ASSERT_TRUE(b->store().MergeStatus({"out:M:0", "played", "wamid.M2"}).ok());
  EXPECT_EQ(DeliveryOf(*b, "out:M:0"), "played");
  ASSERT_TRUE(b->store().MergeStatus({"out:M:0", "failed", "wamid.M2"}).ok());
  ASSERT_TRUE(b->store().MergeStatus({"out:M:0", "read", "wamid.M2"}).ok());
  EXPECT_EQ(DeliveryOf(*b, "out:M:0"), "failed");
  EXPECT_EQ(b->store().MergeStatus({"out:unknown:0", "sent", "wamid.X"}).code(), StatusCode::kOk)
      << "statuses for messages this gateway did not send are normal";
}

TEST_P(WorkStoreContractTest, AFailedSendIsClaimableAgainForTheRetry) {
  auto b = MakeBackend();
  AdmitOutgoing(*b, "out:F:0");
  std::string mid = MessageIdOf(*b, "out:F:0");
  ClaimResult c = ClaimOutgoing(*b, "out:F:0", "s1", mid);
  ASSERT_TRUE(b->store().MarkSending({"out:F:0", c.fence, "s1"}).ok());
  ASSERT_TRUE(b->store().Release({"out:F:0", c.fence, "s1"}, "Graph API answered 503").ok());
  EXPECT_EQ(Record(*b, "out:F:0").state, domain::RecordState::kFailed);
  ClaimResult retry = ClaimOutgoing(*b, "out:F:0", "s2", mid);
  EXPECT_EQ(retry.outcome, ClaimOutcome::kWon);
  EXPECT_FALSE(retry.resend);
}

TEST_P(WorkStoreContractTest, BatchClaimsAndCompletionsBehaveLikeSingleOnes) {
  auto b = MakeBackend();
  Admit(*b, "msg:B1");
  Admit(*b, "msg:B2");
  std::string m1 = MessageIdOf(*b, "msg:B1");
  std::vector<StatusOr<ClaimResult>> claims = b->store().ClaimMany(
      {ClaimRequest{"msg:B1", domain::ItemKind::kMessage, "w1", m1, kLease},
       ClaimRequest{"msg:B1", domain::ItemKind::kMessage, "w1", "copy-1", kLease},
       ClaimRequest{"msg:B2", domain::ItemKind::kMessage, "w1", MessageIdOf(*b, "msg:B2"), kLease}});
  ASSERT_EQ(claims.size(), 3u);
  EXPECT_EQ(claims[0]->outcome, ClaimOutcome::kWon);
  EXPECT_EQ(claims[1]->outcome, ClaimOutcome::kDuplicateEntry) << "the second entry of one item";
  EXPECT_EQ(claims[2]->outcome, ClaimOutcome::kWon);
  std::vector<Status> done = b->store().CompleteMany(
      {ports::Completion{{"msg:B1", claims[0]->fence, "w1"}, "", {}},
       ports::Completion{{"msg:B2", claims[2]->fence + 7, "w1"}, "", {}}});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_TRUE(done[0].ok());
  EXPECT_EQ(done[1].code(), StatusCode::kFailedPrecondition) << "a stale fence fails alone";
  EXPECT_EQ(Record(*b, "msg:B1").state, domain::RecordState::kCompleted);
  EXPECT_EQ(Record(*b, "msg:B2").state, domain::RecordState::kProcessing);
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
