#include "wagate/backends/sqlite/sqlite_admitter.h"

#include <gtest/gtest.h>

#include <future>

#include "wagate/backends/sqlite/sqlite_test_backend.h"
#include "wagate/testing/contract/work_store_contract.h"

namespace wagate::sqlite {
namespace {

using testing::AdmitAndWait;
using testing::AdmitBackendOptions;
using testing::FakeClock;

using testing::AdmitContractTest;
using testing::WorkStoreContractTest;
INSTANTIATE_TEST_SUITE_P(Sqlite, AdmitContractTest, ::testing::Values(MakeSqliteTestBackend));
INSTANTIATE_TEST_SUITE_P(Sqlite, WorkStoreContractTest, ::testing::Values(MakeSqliteTestBackend));

ports::AdmitRequest Request(std::initializer_list<std::string> keys) {
  ports::AdmitRequest r;
  for (const std::string& k : keys) r.items.push_back({k, domain::ItemKind::kMessage, "{}"});
  return r;
}

int64_t Count(Database& db, const std::string& sql) {
  StatusOr<Statement> stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok());
  EXPECT_TRUE(*stmt->Step());
  return stmt->ColumnInt(0);
}

TEST(SqliteAdmitterTest, AFailingItemLeavesNothingOfItsRequestAndSparesItsNeighbours) {
  FakeClock clock;
  SqliteTestBackend backend(AdmitBackendOptions{&clock});
  std::unique_ptr<Database> db = backend.OpenConnection();
  // A real failure inside the transaction, after the first item of the request was written.
  ASSERT_TRUE(db->Exec(R"sql(
      CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.key = 'msg:poison'
      BEGIN SELECT RAISE(ABORT, 'poisoned'); END)sql").ok());

  // Submit a healthy request and a poisoned one together so that they can share a batch.
  std::promise<StatusOr<ports::AdmitResult>> good, bad;
  backend.admitter().Admit(Request({"msg:good"}), [&](auto r) { good.set_value(std::move(r)); });
  backend.admitter().Admit(Request({"msg:first", "msg:poison"}),
                           [&](auto r) { bad.set_value(std::move(r)); });
  StatusOr<ports::AdmitResult> bad_result = bad.get_future().get();
  StatusOr<ports::AdmitResult> good_result = good.get_future().get();

  EXPECT_EQ(bad_result.status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(good_result.ok()) << good_result.status().ToString();
  EXPECT_EQ(good_result->Count(ports::AdmitOutcome::kAccepted), 1);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM records WHERE key = 'msg:first'"), 0);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE key = 'msg:first'"), 0);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM records WHERE key = 'msg:good'"), 1);

  // Meta's retry after the fault is repaired finds the item again.
  ASSERT_TRUE(db->Exec("DROP TRIGGER poison").ok());
  StatusOr<ports::AdmitResult> retry = AdmitAndWait(backend.admitter(), Request({"msg:first", "msg:poison"}));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->Count(ports::AdmitOutcome::kAccepted), 2);
}

TEST(SqliteAdmitterTest, LowFreeDiskFailsWithoutWriting) {
  FakeClock clock;
  SqliteTestBackend backend(AdmitBackendOptions{&clock}, /*min_free_disk_bytes=*/UINT64_MAX / 2);
  StatusOr<ports::AdmitResult> r = AdmitAndWait(backend.admitter(), Request({"msg:A"}));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("MIN_FREE_DISK_MB"), std::string::npos);
  std::unique_ptr<Database> db = backend.OpenConnection();
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM records"), 0);
}

TEST(SqliteAdmitterTest, ConcurrentRequestsShareCommits) {
  FakeClock clock;
  SqliteTestBackend backend(AdmitBackendOptions{&clock});
  constexpr int kRequests = 2000;
  std::vector<std::promise<StatusOr<ports::AdmitResult>>> promises(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    backend.admitter().Admit(Request({"msg:" + std::to_string(i)}),
                             [&promises, i](auto r) { promises[i].set_value(std::move(r)); });
  }
  for (auto& p : promises) {
    StatusOr<ports::AdmitResult> r = p.get_future().get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->Count(ports::AdmitOutcome::kAccepted), 1);
  }
  std::unique_ptr<Database> db = backend.OpenConnection();
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM records"), kRequests);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE queue = 'incoming'"), kRequests);
  // Every record points at its own queue message.
  EXPECT_EQ(Count(*db, R"sql(SELECT count(*) FROM records r JOIN queue_messages m
                             ON m.id = CAST(r.queue_message_id AS INTEGER) AND m.key = r.key)sql"),
            kRequests);
}

TEST(SqliteAdmitterTest, StopCommitsWhatWasSubmittedAndRefusesTheRest) {
  FakeClock clock;
  SqliteTestBackend backend(AdmitBackendOptions{&clock});
  std::promise<StatusOr<ports::AdmitResult>> before;
  backend.admitter().Admit(Request({"msg:A"}), [&](auto r) { before.set_value(std::move(r)); });
  backend.sqlite_admitter().Stop();
  EXPECT_TRUE(before.get_future().get().ok());
  StatusOr<ports::AdmitResult> after = AdmitAndWait(backend.admitter(), Request({"msg:B"}));
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace wagate::sqlite

namespace wagate::sqlite {
namespace {

TEST(SqliteAdmitterTest, MessageIdsAreNeverReusedAfterTheNewestIsDeleted) {
  testing::FakeClock clock;
  SqliteTestBackend backend(testing::AdmitBackendOptions{&clock});
  ASSERT_TRUE(testing::AdmitAndWait(backend.admitter(), Request({"msg:A"})).ok());
  std::string first = backend.store().Inspect("msg:A")->queue_message_id;
  std::unique_ptr<Database> db = backend.OpenConnection();
  ASSERT_TRUE(db->Exec("DELETE FROM queue_messages").ok());  // e.g. processed and swept
  ASSERT_TRUE(testing::AdmitAndWait(backend.admitter(), Request({"msg:B"})).ok());
  std::string second = backend.store().Inspect("msg:B")->queue_message_id;
  EXPECT_GT(std::stoll(second), std::stoll(first));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM queue_messages WHERE id = " + second + " AND key = 'msg:B'"), 1);
}

}  // namespace
}  // namespace wagate::sqlite
