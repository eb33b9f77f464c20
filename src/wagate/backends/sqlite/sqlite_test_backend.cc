#include "wagate/backends/sqlite/sqlite_test_backend.h"

#include <cstdlib>
#include <cstdio>

namespace wagate::sqlite {

namespace {
// Setup failures end the test binary with the reason: nothing can be tested without a store.
void Check(const Status& s) {
  if (s.ok()) return;
  std::fprintf(stderr, "test backend setup failed: %s\n", s.ToString().c_str());
  std::abort();
}
template <typename T>
T Must(StatusOr<T> v) {
  Check(v.status());
  return std::move(*v);
}
}  // namespace

SqliteTestBackend::SqliteTestBackend(const testing::AdmitBackendOptions& options,
                                     uint64_t min_free_disk_bytes) {
  std::unique_ptr<Database> writer = OpenConnection();
  Check(Migrate(*writer));
  SqliteAdmitter::Options admit_options;
  admit_options.dedup_ttl = options.dedup_ttl;
  admit_options.min_free_disk_bytes = min_free_disk_bytes;
  admit_options.signal = signal_;
  admitter_ = Must(SqliteAdmitter::Create(std::move(writer), admit_options, *options.clock));
  SqliteWorkStore::Options store_options;
  store_options.dedup_ttl = options.dedup_ttl;
  store_options.dead_ttl = 2 * options.dedup_ttl;
  store_ = Must(SqliteWorkStore::Create(OpenConnection(), store_options, *options.clock));
  SqliteQueue::Options queue_options;
  queue_options.signal = signal_;
  queues_ = std::make_unique<SqliteQueue>(OpenConnection(), queue_options, *options.clock);
}

std::unique_ptr<Database> SqliteTestBackend::OpenConnection() const {
  return Must(Database::Open(db_path()));
}

std::unique_ptr<testing::AdmitBackend> MakeSqliteTestBackend(const testing::AdmitBackendOptions& o) {
  return std::make_unique<SqliteTestBackend>(o);
}

SqliteQueueTestBackend::SqliteQueueTestBackend(const testing::QueueBackendOptions& options)
    : options_(options) {
  std::unique_ptr<Database> db = Must(Database::Open(DatabasePath(dir_.path())));
  Check(Migrate(*db));
  queue_ = Open();
}

std::unique_ptr<SqliteQueue> SqliteQueueTestBackend::Open() {
  SqliteQueue::Options queue_options;
  queue_options.max_receive_count = options_.max_receive_count;
  queue_options.poll_interval = Millis(20);
  queue_options.sleep_for = options_.sleep_for;
  return std::make_unique<SqliteQueue>(Must(Database::Open(DatabasePath(dir_.path()))),
                                       queue_options, *options_.clock);
}

std::unique_ptr<ports::Queue> SqliteQueueTestBackend::OpenAnother() { return Open(); }

std::unique_ptr<testing::QueueBackend> MakeSqliteQueueBackend(const testing::QueueBackendOptions& o) {
  return std::make_unique<SqliteQueueTestBackend>(o);
}

}  // namespace wagate::sqlite
