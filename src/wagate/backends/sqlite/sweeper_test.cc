#include "wagate/backends/sqlite/sweeper.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <thread>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/testing/admit_and_wait.h"

namespace wagate::sqlite {
namespace {

using domain::QueueName;
using ports::ReceivedMessage;

constexpr Millis kHour{3'600'000};
constexpr Millis kDay{24 * kHour};

std::unique_ptr<Database> Open(const std::string& path) {
  StatusOr<std::unique_ptr<Database>> db = Database::Open(path);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

std::unique_ptr<Sweeper> MakeSweeper(const std::string& path, const Clock& clock, Millis retention,
                                     int64_t batch_rows = 500, int64_t truncate_above = 0) {
  Sweeper::Options options;
  options.retention = retention;
  options.batch_rows = batch_rows;
  options.truncate_wal_above_bytes = truncate_above;
  StatusOr<std::unique_ptr<Sweeper>> sweeper = Sweeper::Create(Open(path), options, clock);
  EXPECT_TRUE(sweeper.ok()) << sweeper.status().ToString();
  return sweeper.ok() ? std::move(*sweeper) : nullptr;
}

Sweeper::Counts Sweep(Sweeper& sweeper) {
  StatusOr<Sweeper::Counts> counts = sweeper.RunOnce();
  EXPECT_TRUE(counts.ok()) << counts.status().ToString();
  return counts.ok() ? *counts : Sweeper::Counts{};
}

int64_t Count(Database& db, const std::string& sql) {
  StatusOr<Statement> stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
  if (!stmt.ok()) return -1;
  StatusOr<bool> row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row);
  return stmt->ColumnInt(0);
}

bool HasRecord(Database& db, const std::string& key) {
  return Count(db, "SELECT count(*) FROM records WHERE key = '" + key + "'") == 1;
}

std::vector<ReceivedMessage> ReceiveNow(ports::Queue& q, QueueName name, int max = 10) {
  StatusOr<std::vector<ReceivedMessage>> got = q.Receive(name, max, Millis(30'000), Millis(0));
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  return got.ok() ? *got : std::vector<ReceivedMessage>{};
}

TEST(SweeperTest, MessagesPastRetentionMoveToTheirDeadLetterQueueAndNothingIsLost) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  ports::Queue& q = backend.queue();
  std::vector<ports::OutgoingMessage> old;
  for (int i = 0; i < 5; ++i) old.push_back({"msg:old" + std::to_string(i), "body " + std::to_string(i), Millis(0)});
  ASSERT_TRUE(q.Send(QueueName::kIncoming, old).ok());
  ASSERT_TRUE(q.Send(QueueName::kAnalytics, {{"ev:old", "event", Millis(0)}}).ok());
  std::vector<ReceivedMessage> in_flight = ReceiveNow(q, QueueName::kIncoming, 1);
  ASSERT_EQ(in_flight.size(), 1u);
  clock.Advance(kHour / 2);
  ASSERT_TRUE(q.Send(QueueName::kIncoming, {{"msg:young", "young", Millis(0)}}).ok());

  // Batches of 2 rows: the 5 old incoming messages take three transactions.
  std::unique_ptr<Sweeper> sweeper = MakeSweeper(backend.db_path(), clock, kHour, /*batch_rows=*/2);
  clock.Advance(kHour / 2 - Millis(1));
  EXPECT_EQ(Sweep(*sweeper).retention.moved_to_dead_letter.Total(), 0) << "not yet past retention";
  clock.Advance(Millis(1));
  Sweeper::Counts counts = Sweep(*sweeper);
  EXPECT_EQ(counts.retention.moved_to_dead_letter.incoming, 5) << "in flight or not";
  EXPECT_EQ(counts.retention.moved_to_dead_letter.analytics, 1);
  EXPECT_EQ(counts.retention.moved_to_dead_letter.outgoing, 0);
  EXPECT_EQ(counts.retention.dead_letters_deleted.Total(), 0);

  std::unique_ptr<Database> db = Open(backend.db_path());
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages"), 7) << "nothing was dropped";
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE queue = 'incoming-dlq' AND "
                       "reason = 'retention_expired' AND source_queue = 'incoming' AND "
                       "key LIKE 'msg:old%' AND CAST(body AS TEXT) LIKE 'body %' AND dead_at = " +
                       std::to_string(ToUnixMillis(clock.Now()))),
            5);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE queue = 'analytics-dlq' AND "
                       "reason = 'retention_expired' AND key = 'ev:old'"),
            1);
  EXPECT_EQ(backend.stats().Stats(QueueName::kIncoming)->dlq, 5);
  EXPECT_EQ(q.Delete(QueueName::kIncoming, in_flight[0].receipt).code(), StatusCode::kNotFound)
      << "the moved message's receipt no longer works";
  std::vector<ReceivedMessage> left = ReceiveNow(q, QueueName::kIncoming);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key, "msg:young");
  EXPECT_EQ(Sweep(*sweeper).retention.moved_to_dead_letter.Total(), 0);
}

TEST(SweeperTest, DeadLettersAreDeletedAndCountedRetentionAfterTheyDied) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  ports::Queue& q = backend.queue();
  std::unique_ptr<Sweeper> sweeper = MakeSweeper(backend.db_path(), clock, kHour);
  ASSERT_TRUE(q.Send(QueueName::kOutgoing, {{"out:a:0", "a", Millis(0)}, {"out:b:0", "b", Millis(0)}}).ok());
  clock.Advance(Millis(50 * 60'000));
  std::vector<ReceivedMessage> a = ReceiveNow(q, QueueName::kOutgoing, 1);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].key, "out:a:0");
  ASSERT_TRUE(q.MoveToDeadLetter(QueueName::kOutgoing, a[0], {"recipient_unsupported", "x", ""}).ok());

  clock.Advance(Millis(10 * 60'000));  // 1 h after the send: out:b:0 moves, out:a:0 stays
  Sweeper::Counts at_1h = Sweep(*sweeper);
  EXPECT_EQ(at_1h.retention.moved_to_dead_letter.outgoing, 1);
  EXPECT_EQ(at_1h.retention.dead_letters_deleted.Total(), 0) << "retention counts from dead_at";
  EXPECT_EQ(backend.stats().Stats(QueueName::kOutgoing)->dlq, 2);

  clock.Advance(Millis(50 * 60'000));  // out:a:0 died 1 h ago; out:b:0 only 50 min ago
  Sweeper::Counts at_1h50 = Sweep(*sweeper);
  EXPECT_EQ(at_1h50.retention.dead_letters_deleted.outgoing, 1);
  EXPECT_EQ(backend.stats().Stats(QueueName::kOutgoing)->dlq, 1);
  std::unique_ptr<Database> db = Open(backend.db_path());
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE key = 'out:b:0'"), 1);

  clock.Advance(Millis(10 * 60'000));
  EXPECT_EQ(Sweep(*sweeper).retention.dead_letters_deleted.outgoing, 1);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages"), 0);
}

class SweeperRecordsTest : public ::testing::Test {
 protected:
  // Records live 2 days after their last change; the queues keep messages 1 day.
  SweeperRecordsTest() : backend_(testing::AdmitBackendOptions{&clock_, 2 * kDay}) {}

  void Admit(const std::string& key) {
    domain::WorkItem item;
    item.key = key;
    item.kind = domain::ItemKind::kMessage;
    item.payload = "{}";
    ports::AdmitRequest request;
    request.items.push_back(std::move(item));
    StatusOr<ports::AdmitResult> result = testing::AdmitAndWait(backend_.admitter(), std::move(request));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ASSERT_EQ(result->outcomes.at(0), ports::AdmitOutcome::kAccepted);
  }

  // Receives the message of `key` and claims it with `lease`; other messages stay visible.
  std::pair<ReceivedMessage, ports::Fenced> Claim(const std::string& key, Millis lease) {
    std::optional<ReceivedMessage> mine;
    for (const ReceivedMessage& m : ReceiveNow(backend_.queue(), QueueName::kIncoming)) {
      if (m.key == key) {
        mine = m;
      } else {
        EXPECT_TRUE(backend_.queue().ChangeVisibility(QueueName::kIncoming, m.receipt, Millis(0)).ok());
      }
    }
    if (!mine) {
      ADD_FAILURE() << "no message for " << key;
      return {};
    }
    ports::ClaimRequest claim;
    claim.key = key;
    claim.kind = domain::ItemKind::kMessage;
    claim.owner = "worker-1";
    claim.queue_message_id = mine->id;
    claim.lease = lease;
    StatusOr<ports::ClaimResult> won = backend_.store().Claim(claim);
    EXPECT_TRUE(won.ok() && won->outcome == ports::ClaimOutcome::kWon);
    return {*mine, ports::Fenced{key, won.ok() ? won->fence : 0, "worker-1"}};
  }

  testing::FakeClock clock_;
  SqliteTestBackend backend_;
};

TEST_F(SweeperRecordsTest, ExpiredRecordsAreDeletedOnlyWhenNoMessageCanClaimThem) {
  std::unique_ptr<Sweeper> sweeper = MakeSweeper(backend_.db_path(), clock_, kDay);
  std::unique_ptr<Database> db = Open(backend_.db_path());
  const Timestamp t0 = clock_.Now();
  Admit("msg:redriven");
  Admit("msg:waiting");
  Admit("msg:done");
  Admit("msg:leased");
  {
    auto [m, claim] = Claim("msg:done", Millis(30'000));
    ASSERT_TRUE(backend_.store().Complete(claim, "{}", {}).ok());
    ASSERT_TRUE(backend_.queue().Delete(QueueName::kIncoming, m.receipt).ok());
  }
  {
    // A lease that outlives the record's window; the message is gone.
    auto [m, claim] = Claim("msg:leased", 3 * kDay);
    ASSERT_TRUE(backend_.queue().Delete(QueueName::kIncoming, m.receipt).ok());
  }

  clock_.Set(t0 + kDay + kDay / 2);  // 1.5 d: the two unprocessed messages pass retention
  Sweeper::Counts at_1_5 = Sweep(*sweeper);
  EXPECT_EQ(at_1_5.retention.moved_to_dead_letter.incoming, 2);
  EXPECT_EQ(at_1_5.records.deleted + at_1_5.records.kept, 0) << "nothing has expired yet";

  clock_.Set(t0 + kDay + kDay * 6 / 10);  // 1.6 d: the oldest dead letter goes back to incoming
  StatusOr<ports::RedriveResult> redriven = backend_.queue().Redrive(QueueName::kIncoming, 1, 0);
  ASSERT_TRUE(redriven.ok());
  ASSERT_EQ(redriven->moved, 1);

  clock_.Set(t0 + 2 * kDay + Millis(1));
  Sweeper::Counts at_2 = Sweep(*sweeper);
  EXPECT_EQ(at_2.records.deleted, 1);
  EXPECT_EQ(at_2.records.kept, 3);
  EXPECT_FALSE(HasRecord(*db, "msg:done")) << "expired, and no message is left";
  EXPECT_TRUE(HasRecord(*db, "msg:leased")) << "its lease is still live";
  EXPECT_TRUE(HasRecord(*db, "msg:waiting")) << "its dead letter can still be redriven";
  EXPECT_TRUE(HasRecord(*db, "msg:redriven")) << "its redriven message can still be claimed";

  clock_.Set(t0 + 2 * kDay + kDay / 2 + Millis(1));  // msg:waiting's dead letter (dead at 1.5 d) expires
  Sweeper::Counts at_2_5 = Sweep(*sweeper);
  EXPECT_EQ(at_2_5.retention.dead_letters_deleted.incoming, 1);
  EXPECT_FALSE(HasRecord(*db, "msg:waiting"));
  EXPECT_TRUE(HasRecord(*db, "msg:leased"));
  EXPECT_TRUE(HasRecord(*db, "msg:redriven"));

  clock_.Set(t0 + 3 * kDay + Millis(1));  // the lease has lapsed
  Sweep(*sweeper);
  EXPECT_FALSE(HasRecord(*db, "msg:leased"));
  EXPECT_TRUE(HasRecord(*db, "msg:redriven")) << "back in a dead-letter queue, still redrivable";
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE key = 'msg:redriven'"), 1);
}

TEST_F(SweeperRecordsTest, AnExpiredRecordIsKeptWhileItsOwnMessageIsQueued) {
  // Retention longer than the dedup window (a configuration Validate() refuses): the message
  // outlives its record's window without being dead-lettered, and still protects it.
  std::unique_ptr<Sweeper> sweeper = MakeSweeper(backend_.db_path(), clock_, 3 * kDay);
  std::unique_ptr<Database> db = Open(backend_.db_path());
  Admit("msg:queued");
  clock_.Advance(2 * kDay);
  Sweeper::Counts counts = Sweep(*sweeper);
  EXPECT_EQ(counts.records.kept, 1);
  EXPECT_TRUE(HasRecord(*db, "msg:queued"));
  std::vector<ReceivedMessage> got = ReceiveNow(backend_.queue(), QueueName::kIncoming);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(backend_.queue().Delete(QueueName::kIncoming, got[0].receipt).ok());
  EXPECT_EQ(Sweep(*sweeper).records.deleted, 1);
  EXPECT_FALSE(HasRecord(*db, "msg:queued"));
}

TEST_F(SweeperRecordsTest, ManyExpiredRecordsAreDeletedInBatches) {
  std::unique_ptr<Sweeper> sweeper = MakeSweeper(backend_.db_path(), clock_, kDay, /*batch_rows=*/3);
  std::unique_ptr<Database> db = Open(backend_.db_path());
  for (int i = 0; i < 10; ++i) Admit("msg:" + std::to_string(i));
  StatusOr<int64_t> purged = backend_.queue().Purge(ports::QueueRef{QueueName::kIncoming, false});
  ASSERT_TRUE(purged.ok());
  ASSERT_EQ(*purged, 10);
  clock_.Advance(2 * kDay);
  Sweeper::Counts counts = Sweep(*sweeper);
  EXPECT_EQ(counts.records.deleted, 10);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM records"), 0);
}

TEST(SweeperTest, CheckpointsPassivelyAndTruncatesOnlyAboveTheThreshold) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(backend.queue().Send(QueueName::kIncoming, {{"msg:" + std::to_string(i), std::string(4096, 'x'), Millis(0)}}).ok());
  }
  const std::string wal = backend.db_path() + "-wal";
  std::unique_ptr<Sweeper> passive = MakeSweeper(backend.db_path(), clock, kDay, 500, /*truncate_above=*/0);
  Sweeper::Counts counts = Sweep(*passive);
  EXPECT_GT(counts.checkpoint.wal_frames, 0);
  EXPECT_EQ(counts.checkpoint.checkpointed_frames, counts.checkpoint.wal_frames);
  EXPECT_FALSE(counts.checkpoint.truncated);
  EXPECT_GT(std::filesystem::file_size(wal), 0u) << "PASSIVE never truncates";

  std::unique_ptr<Sweeper> truncating = MakeSweeper(backend.db_path(), clock, kDay, 500, /*truncate_above=*/1024);
  counts = Sweep(*truncating);
  EXPECT_TRUE(counts.checkpoint.truncated);
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
  EXPECT_EQ(backend.stats().Stats(QueueName::kIncoming)->visible, 20);
}

TEST(SweeperTest, StartSweepsOnItsOwnThreadUntilStopped) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  ASSERT_TRUE(backend.queue().Send(QueueName::kIncoming, {{"msg:old", "x", Millis(0)}}).ok());
  clock.Advance(kDay);
  Sweeper::Options options;
  options.retention = kDay;
  options.interval = Millis(20);
  StatusOr<std::unique_ptr<Sweeper>> sweeper = Sweeper::Create(Open(backend.db_path()), options, clock);
  ASSERT_TRUE(sweeper.ok());
  (*sweeper)->Start();
  // The thread's first sweep moves the old message; wait for it (bounded), not for a time.
  for (int i = 0; i < 1000 && backend.stats().Stats(QueueName::kIncoming)->dlq == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(backend.stats().Stats(QueueName::kIncoming)->dlq, 1);
  EXPECT_TRUE((*sweeper)->RunOnce().ok()) << "RunOnce works beside the thread";
  (*sweeper)->Stop();
  (*sweeper)->Stop();
}

TEST(SweeperTest, CreateRejectsBatchesAboveTheSpecLimit) {
  testing::FakeClock clock;
  SqliteQueueTestBackend backend(testing::QueueBackendOptions{&clock, 3, nullptr});
  Sweeper::Options options;
  options.batch_rows = 1001;
  EXPECT_EQ(Sweeper::Create(Open(backend.db_path()), options, clock).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace wagate::sqlite
