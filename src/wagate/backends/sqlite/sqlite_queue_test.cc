#include "wagate/backends/sqlite/sqlite_queue.h"

#include <gtest/gtest.h>

#include "wagate/backends/sqlite/sqlite_test_backend.h"

namespace wagate::sqlite {
namespace {

using testing::QueueContractTest;
INSTANTIATE_TEST_SUITE_P(Sqlite, QueueContractTest, ::testing::Values(MakeSqliteQueueBackend));

TEST(SqliteQueueTest, DeadLettersKeepTheirKeyBodyReasonAndSource) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3});
  ASSERT_TRUE(backend.queue().Send(domain::QueueName::kOutgoing, {{"out:abc:0", "{\"x\":1}", Millis(0)}}).ok());
  StatusOr<std::vector<ports::ReceivedMessage>> got =
      backend.queue().Receive(domain::QueueName::kOutgoing, 1, Millis(1000), Millis(0));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  ASSERT_TRUE(backend.queue()
                  .MoveToDeadLetter(domain::QueueName::kOutgoing, (*got)[0].receipt,
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

}  // namespace
}  // namespace wagate::sqlite
