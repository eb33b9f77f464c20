#include "wagate/backends/sqlite/sqlite_worker_registry.h"

#include <gtest/gtest.h>

#include "wagate/backends/sqlite/schema.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::sqlite {
namespace {

class WorkerRegistryTest : public ::testing::Test {
 protected:
  WorkerRegistryTest() {
    std::unique_ptr<Database> db = Database::Open(DatabasePath(dir_.path())).value();
    EXPECT_TRUE(Migrate(*db).ok());
    registry_ = std::make_unique<SqliteWorkerRegistry>(std::move(db));
  }
  testing::TempDir dir_;
  std::unique_ptr<SqliteWorkerRegistry> registry_;
};

TEST_F(WorkerRegistryTest, BeatsUpdateOneRecordPerWorkerAndOnlyRecentOnesAreLive) {
  const Timestamp t0 = FromUnixMillis(1'800'000'000'000);
  ASSERT_TRUE(registry_->Beat({"w1", "worker", t0, t0, true, 1, 0}).ok());
  ASSERT_TRUE(registry_->Beat({"w2", "all", t0, t0 + Millis(5'000), true, 7, 2}).ok());
  ASSERT_TRUE(registry_->Beat({"w1", "worker", t0, t0 + Millis(10'000), true, 5, 1}).ok());

  std::vector<ports::WorkerBeat> live = *registry_->Live(t0 + Millis(4'000));
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].id, "w1");
  EXPECT_EQ(live[0].processed, 5u) << "the latest beat wins";
  EXPECT_EQ(live[0].errors, 1u);
  EXPECT_EQ(live[0].started_at, t0);
  EXPECT_EQ(live[1].processed, 7u);

  live = *registry_->Live(t0 + Millis(8'000));
  ASSERT_EQ(live.size(), 1u) << "w2 has not beaten since";
  EXPECT_EQ(live[0].id, "w1");

  ASSERT_TRUE(registry_->Forget("w1").ok());
  EXPECT_TRUE(registry_->Live(t0)->size() == 1u);
}

}  // namespace
}  // namespace wagate::sqlite
