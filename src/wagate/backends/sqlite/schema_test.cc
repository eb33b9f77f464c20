#include "wagate/backends/sqlite/schema.h"

#include <gtest/gtest.h>

#include "wagate/testing/temp_dir.h"

namespace wagate::sqlite {
namespace {

TEST(SchemaTest, MigrateSetsUserVersionAndIsIdempotent) {
  testing::TempDir dir;
  StatusOr<std::unique_ptr<Database>> db = Database::Open(DatabasePath(dir.path()));
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*SchemaVersion(**db), 0);
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_EQ(*SchemaVersion(**db), kSchemaVersion);
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_EQ(*SchemaVersion(**db), kSchemaVersion);
}

TEST(SchemaTest, OpensInWalModeWithFullSync) {
  testing::TempDir dir;
  StatusOr<std::unique_ptr<Database>> db = Database::Open(DatabasePath(dir.path()));
  ASSERT_TRUE(db.ok());
  StatusOr<Statement> mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
  StatusOr<Statement> sync = (*db)->Prepare("PRAGMA synchronous");
  ASSERT_TRUE(*sync->Step());
  EXPECT_EQ(sync->ColumnInt(0), 2);  // FULL
}

TEST(SchemaTest, RefusesANewerSchema) {
  testing::TempDir dir;
  StatusOr<std::unique_ptr<Database>> db = Database::Open(DatabasePath(dir.path()));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion + 1)).ok());
  Status s = Migrate(**db);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("newer"), std::string::npos);
}

TEST(SchemaTest, MigratesAVersionOneFileForward) {
  testing::TempDir dir;
  StatusOr<std::unique_ptr<Database>> db = Database::Open(DatabasePath(dir.path()));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  // Make it look like a file written by a version 1 binary.
  ASSERT_TRUE((*db)->Exec("DROP INDEX queue_messages_dead_by_key; DROP TABLE workers; "
                          "PRAGMA user_version=1").ok());
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_EQ(*SchemaVersion(**db), kSchemaVersion);
  StatusOr<Statement> index = (*db)->Prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'queue_messages_dead_by_key'");
  ASSERT_TRUE(*index->Step());
  EXPECT_EQ(index->ColumnInt(0), 1);
  StatusOr<Statement> workers = (*db)->Prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'workers'");
  ASSERT_TRUE(*workers->Step());
  EXPECT_EQ(workers->ColumnInt(0), 1) << "version 3's heartbeat table";
}

TEST(SchemaTest, DeadLettersAreFoundByKeyThroughTheIndex) {
  testing::TempDir dir;
  StatusOr<std::unique_ptr<Database>> db = Database::Open(DatabasePath(dir.path()));
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  StatusOr<Statement> plan = (*db)->Prepare(
      "EXPLAIN QUERY PLAN SELECT 1 FROM queue_messages WHERE key = ?1 AND dead_at IS NOT NULL");
  ASSERT_TRUE(plan.ok());
  std::string details;
  while (*plan->Step()) details += plan->ColumnText(3) + "\n";
  EXPECT_NE(details.find("queue_messages_dead_by_key"), std::string::npos) << details;
}

}  // namespace
}  // namespace wagate::sqlite
