#include "wagate/backends/sqlite/sqlite_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/testing/admit_and_wait.h"

namespace wagate::sqlite {
namespace {

using testing::QueueContractTest;
INSTANTIATE_TEST_SUITE_P(Sqlite, QueueContractTest, ::testing::Values(MakeSqliteQueueBackend));

TEST(SqliteQueueTest, DeadLettersKeepTheirKeyBodyReasonAndSource) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  ASSERT_TRUE(backend.queue().Send(domain::QueueName::kOutgoing, {{"out:abc:0", "{\"x\":1}", Millis(0)}}).ok());
  StatusOr<std::vector<ports::ReceivedMessage>> got =
      backend.queue().Receive(domain::QueueName::kOutgoing, 1, Millis(1000), Millis(0));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_TRUE(backend.queue()
                  .MoveToDeadLetter(domain::QueueName::kOutgoing, (*got)[0],
                                    {"recipient_unsupported", "from is not a phone number", ""})
                  .ok());
  EXPECT_EQ(backend.stats().Stats(domain::QueueName::kOutgoing)->dlq, 1);
  StatusOr<std::unique_ptr<Database>> db = Database::Open(backend.db_path());
  ASSERT_TRUE(db.ok());
  StatusOr<Statement> row = (*db)->Prepare(
      "SELECT queue, key, body, reason, last_error, source_queue, dead_at, history "
      "FROM queue_messages WHERE id = " + (*got)[0].id);
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row->Step());
  EXPECT_EQ(row->ColumnText(0), "outgoing-dlq");
  EXPECT_EQ(row->ColumnText(1), "out:abc:0");
  EXPECT_EQ(row->ColumnText(2), "{\"x\":1}");
  EXPECT_EQ(row->ColumnText(3), "recipient_unsupported");
  EXPECT_EQ(row->ColumnText(4), "from is not a phone number");
  EXPECT_EQ(row->ColumnText(5), "outgoing");
  EXPECT_EQ(row->ColumnInt(6), ToUnixMillis(clock.Now()));
  EXPECT_EQ(row->ColumnText(7), "[]");
}

TEST(SqliteQueueTest, AnAdmitWakesALongPollThatSharesTheAdmittersSignal) {
  testing::FakeClock clock;
  SqliteTestBackend backend(testing::AdmitBackendOptions{&clock, Millis(60'000)});
  // Polling the table alone would not see the message before the 5 s wait ends.
  SqliteQueue::Options options;
  options.poll_interval = Millis(60'000);
  options.signal = backend.signal();
  SqliteQueue queue(backend.OpenConnection(), options, clock);
  auto waiting = std::async(std::launch::async, [&] {
    return queue.Receive(domain::QueueName::kIncoming, 10, Millis(30'000), Millis(5'000));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the poll start waiting
  domain::WorkItem item;
  item.key = "msg:wake";
  item.kind = domain::ItemKind::kMessage;
  item.payload = "{}";
  ports::AdmitRequest request;
  request.items.push_back(item);
  StatusOr<ports::AdmitResult> admitted = testing::AdmitAndWait(backend.admitter(), std::move(request));
  ASSERT_TRUE(admitted.ok()) << admitted.status().ToString();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(4)), std::future_status::ready)
      << "the long poll was not woken by the admit";
  StatusOr<std::vector<ports::ReceivedMessage>> got = waiting.get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].key, "msg:wake");
}

TEST(SqliteQueueTest, ReceiversOnTwoConnectionsDuringARedriveGetEachMessageOnce) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  constexpr int kMessages = 400;
  std::vector<ports::OutgoingMessage> messages;
  for (int i = 0; i < kMessages; ++i) messages.push_back({"msg:" + std::to_string(i), "x", Millis(0)});
  for (int i = 0; i < 20; ++i) messages.push_back({"", "malformed", Millis(0)});
  ASSERT_TRUE(backend.queue().Send(domain::QueueName::kIncoming, std::move(messages)).ok());
  // Dead-letter them all at once; the keyless ones as quarantined payloads.
  StatusOr<std::unique_ptr<Database>> setup = Database::Open(backend.db_path());
  ASSERT_TRUE(setup.ok());
  ASSERT_TRUE((*setup)->Exec("UPDATE queue_messages SET queue = 'incoming-dlq', source_queue = 'incoming', "
                          "dead_at = sent_at, reason = CASE WHEN key = '' THEN 'invalid_payload' "
                          "ELSE 'handler_rejected' END").ok());

  std::unique_ptr<SqliteQueue> first = backend.OpenQueue();
  std::unique_ptr<SqliteQueue> second = backend.OpenQueue();
  std::atomic<bool> redrive_done{false};
  std::mutex mu;
  std::multiset<std::string> seen;
  auto receive_all = [&](SqliteQueue& q) {
    for (;;) {
      const bool was_done = redrive_done.load();
      StatusOr<std::vector<ports::ReceivedMessage>> got =
          q.Receive(domain::QueueName::kIncoming, 10, Millis(600'000), Millis(10));
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      if (got->empty() && was_done) return;
      std::lock_guard<std::mutex> lock(mu);
      for (const ports::ReceivedMessage& m : *got) seen.insert(m.key);
    }
  };
  std::thread a([&] { receive_all(*first); });
  std::thread b([&] { receive_all(*second); });
  StatusOr<ports::RedriveResult> result = backend.admin().Redrive(domain::QueueName::kIncoming, 1'000, 0);
  redrive_done = true;
  a.join();
  b.join();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->moved, kMessages);
  EXPECT_EQ(result->skipped, 20);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages)) << "every redriven message was delivered";
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), static_cast<size_t>(kMessages))
      << "a message was delivered twice";
  EXPECT_EQ(seen.count(""), 0u) << "invalid payloads are never redriven";
}

}  // namespace
}  // namespace wagate::sqlite

namespace wagate::sqlite {
namespace {

TEST(SqliteQueueBackstopTest, AnOverReceivedMessageIsDeadLetteredAndItsRecordMarkedDead) {
  testing::FakeClock clock;
  SqliteTestBackend backend(testing::AdmitBackendOptions{&clock, Millis(3'600'000)});
  ASSERT_TRUE(testing::AdmitAndWait(backend.admitter(),
                                    {{{"msg:wamid.BS", domain::ItemKind::kMessage, "{}"}}, {}}).ok());
  // Three receives that each die before claiming (e.g. the worker was killed holding a batch).
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(backend.queue().Receive(domain::QueueName::kIncoming, 10, Millis(1'000), Millis(0))->size(), 1u);
    clock.Advance(Millis(1'001));
  }
  EXPECT_TRUE(backend.queue().Receive(domain::QueueName::kIncoming, 10, Millis(1'000), Millis(0))->empty());
  EXPECT_EQ(backend.queues().Stats(domain::QueueName::kIncoming)->dlq, 1);
  domain::Record r = *backend.store().Inspect("msg:wamid.BS");
  EXPECT_EQ(r.state, domain::RecordState::kDead) << "the record agrees with the dead-letter queue";
  ASSERT_FALSE(r.history.empty());
  EXPECT_EQ(r.history.back().outcome, "max_receive_count");
  EXPECT_NE(r.last_error.find("received 3 times"), std::string::npos) << r.last_error;
}

TEST(SqliteQueueBackstopTest, ARecordHeldByALiveLeaseIsNotMarkedDead) {
  testing::FakeClock clock;
  SqliteTestBackend backend(testing::AdmitBackendOptions{&clock, Millis(3'600'000)});
  ASSERT_TRUE(testing::AdmitAndWait(backend.admitter(),
                                    {{{"msg:wamid.BL", domain::ItemKind::kMessage, "{}"}}, {}}).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(backend.queue().Receive(domain::QueueName::kIncoming, 10, Millis(1'000), Millis(0))->size(), 1u);
    clock.Advance(Millis(1'001));
  }
  ASSERT_EQ(backend.store().Claim({"msg:wamid.BL", domain::ItemKind::kMessage, "w", "other", Millis(60'000)})->outcome,
            ports::ClaimOutcome::kWon);
  EXPECT_TRUE(backend.queue().Receive(domain::QueueName::kIncoming, 10, Millis(1'000), Millis(0))->empty());
  EXPECT_EQ(backend.store().Inspect("msg:wamid.BL")->state, domain::RecordState::kProcessing);
}

}  // namespace
}  // namespace wagate::sqlite
