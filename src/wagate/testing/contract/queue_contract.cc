#include "wagate/testing/contract/queue_contract.h"

#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace wagate::testing {

namespace {

using domain::QueueName;
using ports::OutgoingMessage;
using ports::ReceivedMessage;

constexpr QueueName kQ = QueueName::kIncoming;
constexpr Millis kVisibility{30'000};

std::vector<ReceivedMessage> ReceiveNow(ports::Queue& q, int max = 10, Millis vis = kVisibility) {
  StatusOr<std::vector<ReceivedMessage>> got = q.Receive(kQ, max, vis, Millis(0));
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  return got.ok() ? *got : std::vector<ReceivedMessage>{};
}

void SendKeys(ports::Queue& q, std::initializer_list<std::string> keys, Millis delay = Millis(0)) {
  std::vector<OutgoingMessage> messages;
  for (const std::string& k : keys) messages.push_back({k, "body of " + k, delay});
  ASSERT_TRUE(q.Send(kQ, std::move(messages)).ok());
}

// Sends `keys` and moves each to the dead-letter queue after one receive, with `reason`.
void DeadLetter(ports::Queue& q, const std::vector<std::string>& keys, const std::string& reason) {
  std::vector<OutgoingMessage> messages;
  for (const std::string& k : keys) messages.push_back({k, "body of " + k, Millis(0)});
  ASSERT_TRUE(q.Send(kQ, std::move(messages)).ok());
  size_t moved = 0;
  while (moved < keys.size()) {
    std::vector<ReceivedMessage> got = ReceiveNow(q);
    ASSERT_FALSE(got.empty()) << "the messages to dead-letter did not arrive";
    for (const ReceivedMessage& m : got) {
      ASSERT_TRUE(q.MoveToDeadLetter(kQ, m, {reason, "failed: " + m.key, ""}).ok());
      ++moved;
    }
  }
}

std::vector<std::string> Keys(int n, const std::string& prefix) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(prefix + std::to_string(i));
  return keys;
}

std::multiset<std::string> KeysOf(const std::vector<ReceivedMessage>& messages) {
  std::multiset<std::string> keys;
  for (const ReceivedMessage& m : messages) keys.insert(m.key);
  return keys;
}

}  // namespace

TEST_P(QueueContractTest, SentMessagesAreReceivedOldestFirstWithTheirKeyAndBody) {
  auto b = MakeBackend();
  SendKeys(b->queue(), {"msg:A", "msg:B"});
  std::vector<ReceivedMessage> got = ReceiveNow(b->queue());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].key, "msg:A");
  EXPECT_EQ(got[0].body, "body of msg:A");
  EXPECT_EQ(got[1].key, "msg:B");
  EXPECT_EQ(got[0].receive_count, 1);
  EXPECT_EQ(got[0].sent_at, clock_.Now());
  EXPECT_EQ(got[0].first_received_at, clock_.Now());
  EXPECT_NE(got[0].receipt, got[1].receipt);
  ports::QueueStats stats = *b->stats().Stats(kQ);
  EXPECT_EQ(stats.visible, 0);
  EXPECT_EQ(stats.in_flight, 2);
  EXPECT_TRUE(ReceiveNow(b->queue()).empty()) << "in flight messages are invisible";
}

TEST_P(QueueContractTest, AnUndeletedMessageReappearsExactlyWhenItsVisibilityEnds) {
  auto b = MakeBackend();
  SendKeys(b->queue(), {"msg:A"});
  std::vector<ReceivedMessage> first = ReceiveNow(b->queue());
  ASSERT_EQ(first.size(), 1u);
  clock_.Advance(kVisibility - Millis(1));
  EXPECT_TRUE(ReceiveNow(b->queue()).empty());
  clock_.Advance(Millis(1));
  std::vector<ReceivedMessage> second = ReceiveNow(b->queue());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, first[0].id);
  EXPECT_EQ(second[0].receive_count, 2);
  EXPECT_NE(second[0].receipt, first[0].receipt);
  EXPECT_EQ(second[0].first_received_at, first[0].first_received_at);
}

TEST_P(QueueContractTest, OnlyTheCurrentReceiptDeletesOrChangesVisibility) {
  auto b = MakeBackend();
  SendKeys(b->queue(), {"msg:A"});
  std::string old_receipt = ReceiveNow(b->queue())[0].receipt;
  clock_.Advance(kVisibility);
  std::string current = ReceiveNow(b->queue())[0].receipt;
  const StatusCode stale_delete = b->stale_receipts_fail_deletes() ? StatusCode::kNotFound : StatusCode::kOk;
  EXPECT_EQ(b->queue().Delete(kQ, old_receipt).code(), stale_delete);
  EXPECT_EQ(b->queue().ChangeVisibility(kQ, old_receipt, Millis(0)).code(), StatusCode::kNotFound);
  EXPECT_EQ(b->stats().Stats(kQ)->in_flight, 1) << "a stale receipt deleted nothing";
  EXPECT_TRUE(b->queue().Delete(kQ, current).ok());
  EXPECT_EQ(b->queue().Delete(kQ, current).code(), stale_delete) << "already deleted";
  clock_.Advance(kVisibility);
  EXPECT_TRUE(ReceiveNow(b->queue()).empty());
  EXPECT_EQ(b->stats().Stats(kQ)->in_flight, 0);
}

TEST_P(QueueContractTest, ChangeVisibilityMovesTheReappearanceTime) {
  auto b = MakeBackend();
  SendKeys(b->queue(), {"msg:A"});
  std::string receipt = ReceiveNow(b->queue())[0].receipt;
  ASSERT_TRUE(b->queue().ChangeVisibility(kQ, receipt, Millis(0)).ok());
  std::vector<ReceivedMessage> again = ReceiveNow(b->queue());
  ASSERT_EQ(again.size(), 1u) << "visibility 0 releases the message at once";
  ASSERT_TRUE(b->queue().ChangeVisibility(kQ, again[0].receipt, Millis(120'000)).ok());
  clock_.Advance(kVisibility);
  EXPECT_TRUE(ReceiveNow(b->queue()).empty()) << "extended past the original visibility";
  clock_.Advance(Millis(120'000) - kVisibility);
  EXPECT_EQ(ReceiveNow(b->queue()).size(), 1u);
}

TEST_P(QueueContractTest, DelayedMessagesStayInvisibleUntilTheirDelayPasses) {
  auto b = MakeBackend();
  SendKeys(b->queue(), {"msg:A"}, Millis(5'000));
  EXPECT_EQ(b->stats().Stats(kQ)->delayed, 1);
  EXPECT_TRUE(ReceiveNow(b->queue()).empty());
  clock_.Advance(Millis(5'000));
  EXPECT_EQ(ReceiveNow(b->queue()).size(), 1u);
}

TEST_P(QueueContractTest, ReceiveHandsOutAtMostTenMessages) {
  auto b = MakeBackend();
  std::vector<OutgoingMessage> messages;
  for (int i = 0; i < 15; ++i) messages.push_back({"msg:" + std::to_string(i), "x", Millis(0)});
  ASSERT_TRUE(b->queue().Send(kQ, std::move(messages)).ok());
  EXPECT_EQ(ReceiveNow(b->queue(), 50).size(), 10u);
  EXPECT_EQ(ReceiveNow(b->queue(), 3).size(), 3u);
  EXPECT_EQ(ReceiveNow(b->queue(), 10).size(), 2u);
}

TEST_P(QueueContractTest, AMessageReceivedMaxReceiveCountTimesGoesToTheDeadLetterQueue) {
  auto b = MakeBackend(/*max_receive_count=*/3);
  SendKeys(b->queue(), {"msg:A"});
  for (int i = 1; i <= 3; ++i) {
    std::vector<ReceivedMessage> got = ReceiveNow(b->queue());
    ASSERT_EQ(got.size(), 1u) << "receive " << i;
    EXPECT_EQ(got[0].receive_count, i);
    clock_.Advance(kVisibility);
  }
  EXPECT_TRUE(ReceiveNow(b->queue()).empty()) << "a fourth receive is not allowed";
  ports::QueueStats stats = *b->stats().Stats(kQ);
  EXPECT_EQ(stats.dlq, 1);
  EXPECT_EQ(stats.visible + stats.in_flight + stats.delayed, 0);
}

TEST_P(QueueContractTest, MoveToDeadLetterNeedsTheCurrentReceipt) {
  auto b = MakeBackend();
  SendKeys(b->queue(), {"msg:A"});
  ReceivedMessage old_receipt = ReceiveNow(b->queue())[0];
  clock_.Advance(kVisibility);
  ReceivedMessage current = ReceiveNow(b->queue())[0];
  ports::DeadLetterReason why{"handler_rejected", "HTTP 400 from handler", R"([{"outcome":"rejected"}])"};
  EXPECT_EQ(b->queue().MoveToDeadLetter(kQ, old_receipt, why).code(), StatusCode::kNotFound);
  EXPECT_TRUE(b->queue().MoveToDeadLetter(kQ, current, why).ok());
  EXPECT_EQ(b->stats().Stats(kQ)->dlq, 1);
  clock_.Advance(kVisibility);
  EXPECT_TRUE(ReceiveNow(b->queue()).empty());
}

TEST_P(QueueContractTest, ConcurrentReceiversNeverShareAMessage) {
  auto b = MakeBackend();
  constexpr int kMessages = 300;
  std::vector<OutgoingMessage> messages;
  for (int i = 0; i < kMessages; ++i) messages.push_back({"msg:" + std::to_string(i), "x", Millis(0)});
  ASSERT_TRUE(b->queue().Send(kQ, std::move(messages)).ok());
  std::vector<std::unique_ptr<ports::Queue>> handles;
  for (int t = 0; t < 4; ++t) handles.push_back(b->OpenAnother());
  std::mutex mu;
  std::multiset<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    ports::Queue& q = t % 2 == 0 ? b->queue() : *handles[static_cast<size_t>(t / 2)];
    threads.emplace_back([&q, &mu, &seen] {
      for (;;) {
        StatusOr<std::vector<ReceivedMessage>> got = q.Receive(kQ, 10, Millis(600'000), Millis(0));
        if (!got.ok() || got->empty()) return;
        std::lock_guard<std::mutex> lock(mu);
        for (const ReceivedMessage& m : *got) seen.insert(m.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), static_cast<size_t>(kMessages))
      << "a message was handed to two receivers";
}

TEST_P(QueueContractTest, ALongPollReturnsAsSoonAsAMessageIsSent) {
  auto b = MakeBackend();
  auto waiting = std::async(std::launch::async, [&] {
    return b->queue().Receive(kQ, 10, kVisibility, Millis(20'000));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  SendKeys(b->queue(), {"msg:late"});
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the poll did not wake up";
  StatusOr<std::vector<ReceivedMessage>> got = waiting.get();
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].key, "msg:late");
}

TEST_P(QueueContractTest, ALongPollSeesMessagesSentThroughAnotherHandle) {
  auto b = MakeBackend();
  std::unique_ptr<ports::Queue> other = b->OpenAnother();
  auto waiting = std::async(std::launch::async, [&] {
    return b->queue().Receive(kQ, 10, kVisibility, Millis(20'000));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(other->Send(kQ, {{"msg:elsewhere", "x", Millis(0)}}).ok());
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  StatusOr<std::vector<ReceivedMessage>> got = waiting.get();
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
}

TEST_P(QueueContractTest, RedriveMovesDeadLettersBackWithTheirReceiveCountReset) {
  auto b = MakeBackend(/*max_receive_count=*/3);
  SendKeys(b->queue(), {"msg:A"});
  for (int i = 1; i <= 2; ++i) {  // received twice, then dead-lettered
    std::vector<ReceivedMessage> got = ReceiveNow(b->queue());
    ASSERT_EQ(got.size(), 1u);
    if (i == 2) {
      ASSERT_TRUE(b->queue().MoveToDeadLetter(kQ, got[0], {"handler_rejected", "400", ""}).ok());
    }
    clock_.Advance(kVisibility);
  }
  DeadLetter(b->queue(), {"msg:B"}, "max_receive_count");
  DeadLetter(b->queue(), {"msg:bad"}, "invalid_payload");
  ASSERT_EQ(b->stats().Stats(kQ)->dlq, 3);

  StatusOr<ports::RedriveResult> result = b->admin().Redrive(kQ, 100, 0);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->moved, 2);
  EXPECT_EQ(result->skipped, 1) << "invalid_payload dead letters are never redriven";
  ports::QueueStats stats = *b->stats().Stats(kQ);
  EXPECT_EQ(stats.dlq, 1);
  EXPECT_EQ(stats.visible, 2);

  std::vector<ReceivedMessage> again = ReceiveNow(b->queue());
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(KeysOf(again), (std::multiset<std::string>{"msg:A", "msg:B"}));
  for (const ReceivedMessage& m : again) {
    EXPECT_EQ(m.receive_count, 1) << m.key << ": the receive count starts again";
    EXPECT_EQ(m.body, "body of " + m.key);
    EXPECT_EQ(m.first_received_at, clock_.Now());
  }
  // A redriven message gets its full allowance of receives again before the backstop applies.
  for (int i = 2; i <= 3; ++i) {
    clock_.Advance(kVisibility);
    std::vector<ReceivedMessage> got = ReceiveNow(b->queue());
    ASSERT_EQ(got.size(), 2u) << "receive " << i;
    EXPECT_EQ(got[0].receive_count, i);
  }
  clock_.Advance(kVisibility);
  EXPECT_TRUE(ReceiveNow(b->queue()).empty()) << "a fourth receive is not allowed";
  EXPECT_EQ(b->stats().Stats(kQ)->dlq, 3);
  StatusOr<ports::RedriveResult> second = b->admin().Redrive(kQ, 100, 0);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->moved, 2);
  EXPECT_EQ(second->skipped, 1);
}

TEST_P(QueueContractTest, RedriveHonoursItsLimitOldestFirst) {
  auto b = MakeBackend();
  DeadLetter(b->queue(), Keys(5, "msg:"), "handler_rejected");
  StatusOr<ports::RedriveResult> first = b->admin().Redrive(kQ, 2, 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->moved, 2);
  EXPECT_EQ(b->stats().Stats(kQ)->dlq, 3);
  std::vector<ReceivedMessage> got = ReceiveNow(b->queue());
  EXPECT_EQ(KeysOf(got), (std::multiset<std::string>{"msg:0", "msg:1"}));
  StatusOr<ports::RedriveResult> rest = b->admin().Redrive(kQ, 10, 0);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->moved, 3);
  EXPECT_EQ(b->stats().Stats(kQ)->dlq, 0);
  EXPECT_EQ(KeysOf(ReceiveNow(b->queue())), (std::multiset<std::string>{"msg:2", "msg:3", "msg:4"}));
}

TEST_P(QueueContractTest, RedriveIsPacedToItsRate) {
  auto b = MakeBackend();
  DeadLetter(b->queue(), Keys(12, "msg:"), "handler_rejected");
  slept_.clear();
  const Timestamp started = clock_.Now();
  StatusOr<ports::RedriveResult> result = b->admin().Redrive(kQ, 12, /*messages_per_second=*/4);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->moved, 12);
  // 12 messages at 4 per second: the last ones may not move before 2 s have passed.
  EXPECT_GE(clock_.Now() - started, Millis(2'000));
  EXPECT_LE(clock_.Now() - started, Millis(3'000)) << "paced slower than asked";
  EXPECT_FALSE(slept_.empty());
  EXPECT_EQ(b->stats().Stats(kQ)->visible, 12);
}

TEST_P(QueueContractTest, RedriveRejectsABadLimitOrRate) {
  auto b = MakeBackend();
  EXPECT_EQ(b->admin().Redrive(kQ, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b->admin().Redrive(kQ, 10, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(QueueContractTest, PurgeEmptiesOnlyTheNamedQueue) {
  auto b = MakeBackend();
  DeadLetter(b->queue(), {"msg:dead1", "msg:dead2"}, "handler_rejected");
  SendKeys(b->queue(), {"msg:A", "msg:B", "msg:C"});
  ASSERT_EQ(ReceiveNow(b->queue(), 1).size(), 1u);  // one of them in flight
  ASSERT_TRUE(b->queue().Send(QueueName::kOutgoing, {{"out:x:0", "x", Millis(0)}}).ok());

  StatusOr<int64_t> dead = b->admin().Purge(ports::QueueRef{kQ, /*dead_letter=*/true});
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  EXPECT_EQ(*dead, 2);
  ports::QueueStats stats = *b->stats().Stats(kQ);
  EXPECT_EQ(stats.dlq, 0);
  EXPECT_EQ(stats.visible + stats.in_flight, 3) << "purging the DLQ leaves the source queue alone";

  StatusOr<int64_t> source = b->admin().Purge(ports::QueueRef{kQ, false});
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(*source, 3) << "in-flight messages are purged too";
  stats = *b->stats().Stats(kQ);
  EXPECT_EQ(stats.visible + stats.in_flight + stats.delayed, 0);
  EXPECT_EQ(b->stats().Stats(QueueName::kOutgoing)->visible, 1) << "other queues are untouched";
  EXPECT_EQ(*b->admin().Purge(ports::QueueRef{kQ, false}), 0);
}

namespace {

// Sends `key`, receives it `receives` times and moves it to the dead-letter queue with `why`.
void DeadLetterAfter(ports::Queue& q, FakeClock& clock, const std::string& key, int receives,
                     const ports::DeadLetterReason& why) {
  ASSERT_TRUE(q.Send(kQ, {{key, "body of " + key, Millis(0)}}).ok());
  for (int i = 1; i <= receives; ++i) {
    std::vector<ReceivedMessage> got = ReceiveNow(q);
    ASSERT_EQ(got.size(), 1u) << key << ", receive " << i;
    if (i == receives) {
      ASSERT_TRUE(q.MoveToDeadLetter(kQ, got[0], why).ok());
    } else {
      clock.Advance(kVisibility);
    }
  }
}

std::vector<std::string> KeysOf(const std::vector<ports::DeadLetter>& letters) {
  std::vector<std::string> keys;
  for (const ports::DeadLetter& d : letters) keys.push_back(d.key);
  return keys;
}

}  // namespace

TEST_P(QueueContractTest, ListDeadLettersShowsWhatMoveToDeadLetterRecorded) {
  auto b = MakeBackend();
  const std::string history =
      R"([{"attempt":1,"outcome":"retry"},{"attempt":2,"outcome":"rejected"}])";
  DeadLetterAfter(b->queue(), clock_, "msg:A", 2,
                  {"handler_rejected", "HTTP 400 from handler", history});
  const Timestamp dead_at = clock_.Now();
  clock_.Advance(Millis(5'000));
  ASSERT_TRUE(b->queue().Send(QueueName::kOutgoing, {{"out:x:0", "x", Millis(0)}}).ok());

  StatusOr<std::vector<ports::DeadLetter>> list = b->admin().ListDeadLetters(kQ, 10);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  const ports::DeadLetter& d = list->front();
  EXPECT_FALSE(d.message_id.empty());
  EXPECT_EQ(d.key, "msg:A");
  EXPECT_EQ(d.reason, "handler_rejected");
  EXPECT_EQ(d.last_error, "HTTP 400 from handler");
  EXPECT_EQ(d.history, history);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(ToUnixMillis(d.dead_at), ToUnixMillis(dead_at));
  EXPECT_EQ(d.body, "body of msg:A");
  EXPECT_EQ(d.bytes, static_cast<int64_t>(d.body.size()));
  EXPECT_TRUE(b->admin().ListDeadLetters(QueueName::kOutgoing, 10)->empty())
      << "another source's dead letters are listed apart";
}

TEST_P(QueueContractTest, ListDeadLettersIsOldestFirstAndHonoursItsLimit) {
  auto b = MakeBackend();
  for (const std::string& key : Keys(4, "msg:")) {
    DeadLetterAfter(b->queue(), clock_, key, 1, {"handler_rejected", "failed: " + key, ""});
    clock_.Advance(Millis(1'000));
  }
  StatusOr<std::vector<ports::DeadLetter>> two = b->admin().ListDeadLetters(kQ, 2);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(KeysOf(*two), (std::vector<std::string>{"msg:0", "msg:1"}));
  StatusOr<std::vector<ports::DeadLetter>> all = b->admin().ListDeadLetters(kQ, 10);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(KeysOf(*all), (std::vector<std::string>{"msg:0", "msg:1", "msg:2", "msg:3"}));
  EXPECT_EQ(all->at(2).last_error, "failed: msg:2");
  EXPECT_EQ(b->admin().ListDeadLetters(kQ, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(QueueContractTest, GetDeadLetterFindsOneByItsIdAndOnlyADeadLetter) {
  auto b = MakeBackend();
  DeadLetter(b->queue(), {"msg:A"}, "handler_rejected");
  clock_.Advance(Millis(1'000));
  DeadLetter(b->queue(), {"msg:B"}, "invalid_payload");
  StatusOr<std::vector<std::string>> live = b->queue().Send(kQ, {{"msg:live", "live", Millis(0)}});
  ASSERT_TRUE(live.ok());
  StatusOr<std::vector<ports::DeadLetter>> list = b->admin().ListDeadLetters(kQ, 10);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);

  StatusOr<ports::DeadLetter> got = b->admin().GetDeadLetter(kQ, list->at(1).message_id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->message_id, list->at(1).message_id);
  EXPECT_EQ(got->key, "msg:B");
  EXPECT_EQ(got->reason, "invalid_payload");
  EXPECT_EQ(got->last_error, "failed: msg:B");
  EXPECT_EQ(got->body, "body of msg:B");

  EXPECT_EQ(b->admin().GetDeadLetter(kQ, "no-such-message").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(b->admin().GetDeadLetter(kQ, "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(b->admin().GetDeadLetter(kQ, live->front()).status().code(), StatusCode::kNotFound)
      << "a message of the source queue is not a dead letter";
  EXPECT_EQ(b->admin().GetDeadLetter(QueueName::kOutgoing, list->at(0).message_id).status().code(),
            StatusCode::kNotFound)
      << "a dead letter of another source";
}

TEST_P(QueueContractTest, BrowsingDeadLettersRemovesAndRedrivesNothing) {
  auto b = MakeBackend();
  DeadLetter(b->queue(), {"msg:A", "msg:B"}, "handler_rejected");
  DeadLetter(b->queue(), {"msg:bad"}, "invalid_payload");
  for (int i = 0; i < 2; ++i) {  // the second browse sees everything the first one saw
    StatusOr<std::vector<ports::DeadLetter>> list = b->admin().ListDeadLetters(kQ, 10);
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    ASSERT_EQ(list->size(), 3u) << "browse " << i;
    ASSERT_TRUE(b->admin().GetDeadLetter(kQ, list->front().message_id).ok());
  }
  ports::QueueStats stats = *b->stats().Stats(kQ);
  EXPECT_EQ(stats.dlq, 3);
  EXPECT_EQ(stats.visible + stats.in_flight + stats.delayed, 0) << "nothing was redriven";

  StatusOr<ports::RedriveResult> result = b->admin().Redrive(kQ, 100, 0);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->moved, 2) << "browsed dead letters are still there to redrive";
  EXPECT_EQ(result->skipped, 1);
  EXPECT_EQ(b->stats().Stats(kQ)->visible, 2);
  StatusOr<std::vector<ports::DeadLetter>> left = b->admin().ListDeadLetters(kQ, 10);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(KeysOf(*left), (std::vector<std::string>{"msg:bad"}));
}

TEST(QueueRefTest, NamesAndParsesEveryQueue) {
  EXPECT_EQ((ports::QueueRef{QueueName::kOutgoing, true}.Name()), "outgoing-dlq");
  EXPECT_EQ(ports::QueueRef::Parse("analytics"), (ports::QueueRef{QueueName::kAnalytics, false}));
  EXPECT_EQ(ports::QueueRef::Parse("incoming-dlq"), (ports::QueueRef{QueueName::kIncoming, true}));
  EXPECT_EQ(ports::QueueRef::Parse("incoming-dlq-dlq"), std::nullopt);
  EXPECT_EQ(ports::QueueRef::Parse(""), std::nullopt);
}

}  // namespace wagate::testing
