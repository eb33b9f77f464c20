// The sqlite backend of `wagate serve`: one database file in WAGATE_DATA_DIR.
#include <filesystem>

#include "wagate/app/backend_options.h"
#include "wagate/app/serve_backend.h"
#include "wagate/backends/sqlite/connection.h"
#include "wagate/backends/sqlite/schema.h"
#include "wagate/backends/sqlite/sqlite_admitter.h"
#include "wagate/backends/sqlite/sqlite_queue.h"
#include "wagate/backends/sqlite/sqlite_work_store.h"
#include "wagate/backends/sqlite/sqlite_worker_registry.h"
#include "wagate/backends/sqlite/sweeper.h"

namespace wagate::app {

namespace {

class SqliteServeBackend final : public ServeBackend {
 public:
  SqliteServeBackend(const config::Config& config, const Clock& clock) : config_(config), clock_(clock) {}

  Status Open(std::unique_ptr<sqlite::Database> writer_db) {
    db_path_ = writer_db->path();
    // Analytics may lose their last batch: their connection is not fsync'd.
    StatusOr<std::unique_ptr<sqlite::Database>> events_db = OpenConnection();
    if (!events_db.ok()) return events_db.status();
    WAGATE_RETURN_IF_ERROR((*events_db)->RelaxDurability());
    events_queue_ = std::make_unique<sqlite::SqliteQueue>(std::move(*events_db),
                                                          QueueOptions(config_, signal_), clock_);
    sqlite::SqliteAdmitter::Options admit_options;
    admit_options.dedup_ttl = std::chrono::seconds(config_.dedup_ttl_seconds);
    admit_options.min_free_disk_bytes = static_cast<uint64_t>(config_.min_free_disk_mb) * 1024 * 1024;
    admit_options.max_items_per_commit = static_cast<size_t>(config_.group_commit_max_items);
    admit_options.signal = signal_;
    StatusOr<std::unique_ptr<sqlite::SqliteAdmitter>> admitter =
        sqlite::SqliteAdmitter::Create(std::move(writer_db), admit_options, clock_);
    if (!admitter.ok()) return admitter.status();
    admitter_ = std::move(*admitter);
    StatusOr<std::unique_ptr<sqlite::Database>> store_db = OpenConnection();
    if (!store_db.ok()) return store_db.status();
    StatusOr<std::unique_ptr<sqlite::SqliteWorkStore>> store =
        sqlite::SqliteWorkStore::Create(std::move(*store_db), StoreOptions(config_), clock_);
    if (!store.ok()) return store.status();
    store_ = std::move(*store);
    StatusOr<std::unique_ptr<sqlite::Database>> stats_db = OpenConnection();
    if (!stats_db.ok()) return stats_db.status();
    stats_ = std::make_unique<sqlite::SqliteQueue>(std::move(*stats_db), QueueOptions(config_, signal_), clock_);
    StatusOr<std::unique_ptr<sqlite::Database>> sweeper_db = OpenConnection();
    if (!sweeper_db.ok()) return sweeper_db.status();
    sqlite::Sweeper::Options sweeper_options;
    sweeper_options.retention = std::chrono::seconds(config_.sqs_message_retention_seconds);
    StatusOr<std::unique_ptr<sqlite::Sweeper>> sweeper =
        sqlite::Sweeper::Create(std::move(*sweeper_db), sweeper_options, clock_);
    if (!sweeper.ok()) return sweeper.status();
    sweeper_ = std::move(*sweeper);
    StatusOr<std::unique_ptr<sqlite::Database>> workers_db = OpenConnection();
    if (!workers_db.ok()) return workers_db.status();
    workers_ = std::make_unique<sqlite::SqliteWorkerRegistry>(std::move(*workers_db));
    // The admin API's own connection: a paced redrive holds it for as long as it runs.
    StatusOr<std::unique_ptr<sqlite::Database>> admin_db = OpenConnection();
    if (!admin_db.ok()) return admin_db.status();
    admin_ = std::make_unique<sqlite::SqliteQueue>(std::move(*admin_db), QueueOptions(config_, signal_), clock_);
    return Status::Ok();
  }

  ports::Admitter& admitter() override { return *admitter_; }
  ports::WorkStore& store() override { return *store_; }
  ports::QueueStatsSource& queue_stats() override { return *stats_; }
  ports::Queue& events_queue() override { return *events_queue_; }
  ports::WorkerRegistry& workers() override { return *workers_; }
  ports::QueueAdmin& queue_admin() override { return *admin_; }

  StatusOr<PipelineStorage> OpenPipelineStorage(bool durable) override {
    // The half's queue and work store share one connection (see sqlite/connection.h).
    StatusOr<std::unique_ptr<sqlite::Database>> db = OpenConnection();
    if (!db.ok()) return db.status();
    if (!durable) WAGATE_RETURN_IF_ERROR((*db)->RelaxDurability());
    auto connection = std::make_shared<sqlite::Connection>(std::move(*db));
    PipelineStorage storage;
    storage.queue = std::make_unique<sqlite::SqliteQueue>(connection, QueueOptions(config_, signal_), clock_);
    storage.store = sqlite::SqliteWorkStore::Create(connection, StoreOptions(config_, signal_), clock_);
    return storage;
  }

  StatusOr<std::unique_ptr<ports::Queue>> OpenQueue() override {
    StatusOr<std::unique_ptr<sqlite::Database>> db = OpenConnection();
    if (!db.ok()) return db.status();
    return std::unique_ptr<ports::Queue>(
        new sqlite::SqliteQueue(std::move(*db), QueueOptions(config_, signal_), clock_));
  }

  std::string store_component() const override { return "sqlite"; }
  std::string queue_component() const override { return ""; }
  std::pair<std::string, std::string> Describe() const override { return {"database", db_path_}; }

  void StartHousekeeping() override { sweeper_->Start(); }
  void Stop() override {
    sweeper_->Stop();
    admitter_->Stop();
  }

 private:
  StatusOr<std::unique_ptr<sqlite::Database>> OpenConnection() { return sqlite::Database::Open(db_path_); }

  const config::Config& config_;
  const Clock& clock_;
  std::string db_path_;
  // Commits in this process wake this process's long polls at once.
  std::shared_ptr<sqlite::QueueSignal> signal_ = std::make_shared<sqlite::QueueSignal>();
  std::unique_ptr<sqlite::SqliteQueue> events_queue_;
  std::unique_ptr<sqlite::SqliteAdmitter> admitter_;
  std::unique_ptr<sqlite::SqliteWorkStore> store_;
  std::unique_ptr<sqlite::SqliteQueue> stats_;
  std::unique_ptr<sqlite::Sweeper> sweeper_;
  std::unique_ptr<sqlite::SqliteWorkerRegistry> workers_;
  std::unique_ptr<sqlite::SqliteQueue> admin_;
};

}  // namespace

StatusOr<std::unique_ptr<sqlite::Database>> OpenMigratedDatabase(const config::Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return UnavailableError("cannot create WAGATE_DATA_DIR " + config.data_dir + ": " + ec.message());
  StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(sqlite::DatabasePath(config.data_dir));
  if (!db.ok()) return db.status();
  WAGATE_RETURN_IF_ERROR(sqlite::Migrate(**db));
  return db;
}

StatusOr<std::unique_ptr<ServeBackend>> OpenSqliteServeBackend(const config::Config& config,
                                                               const Clock& clock) {
  StatusOr<std::unique_ptr<sqlite::Database>> db = OpenMigratedDatabase(config);
  if (!db.ok()) return db.status();
  auto backend = std::make_unique<SqliteServeBackend>(config, clock);
  WAGATE_RETURN_IF_ERROR(backend->Open(std::move(*db)));
  return std::unique_ptr<ServeBackend>(std::move(backend));
}

}  // namespace wagate::app
