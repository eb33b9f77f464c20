#include "wagate/app/app.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "wagate/app/aws_admin.h"
#include "wagate/app/backend_options.h"
#include "wagate/app/pipeline.h"
#include "wagate/app/serve_backend.h"
#include "wagate/app/tls_check.h"
#include "wagate/backends/sqlite/free_disk.h"
#include "wagate/backends/sqlite/schema.h"
#include "wagate/backends/sqlite/sqlite_work_store.h"
#include "wagate/base/log.h"
#include "wagate/http/alert_window.h"
#include "wagate/http/admin_handler.h"
#include "wagate/http/health_handler.h"
#include "wagate/http/health_monitor.h"
#include "wagate/http/rate_limiter.h"
#include "wagate/http/server.h"
#include "wagate/http/webhook_handler.h"
#include "wagate/ingest/ingest_service.h"
#include "wagate/metrics/metrics_route.h"
#include "wagate/metrics/prometheus_metrics.h"
#include "wagate/processing/event_fanout.h"
#include "wagate/processing/event_publisher.h"
#include "wagate/processing/jsonl_sink.h"
#include "wagate/whatsapp/signature.h"

#ifndef WAGATE_VERSION
#define WAGATE_VERSION "0.0.0"
#endif

namespace wagate::app {

namespace {

Status RequireSqlite(const config::Config& config) {
  if (config.backend == config::Backend::kSqlite) return Status::Ok();
  return FailedPreconditionError("WAGATE_BACKEND=aws is not supported by this build; use sqlite");
}

std::string MakeProcessorId() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffff));
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + suffix;
}

Status WritePortFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return UnavailableError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return UnavailableError("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

// Waits for SIGTERM or SIGINT (blocked in every thread, see Serve) for at most `timeout`
// (forever when negative). Returns the signal, or 0 on timeout.
int WaitForSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  for (;;) {
    int sig = 0;
    if (timeout.count() < 0) {
      if (sigwait(&signals, &sig) == 0) return sig;
      continue;
    }
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>((timeout.count() % 1000) * 1000000)};
    sig = sigtimedwait(&signals, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EAGAIN) return 0;
  }
}

}  // namespace

bool ParseRole(std::string_view text, Role* out) {
  if (text == "all") *out = Role::kAll;
  else if (text == "api") *out = Role::kApi;
  else if (text == "worker") *out = Role::kWorker;
  else return false;
  return true;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAll: return "all";
    case Role::kApi: return "api";
    case Role::kWorker: return "worker";
  }
  return "all";
}

std::string VersionLine() {
  return std::string("wagate ") + WAGATE_VERSION + " (C++20, sqlite " + sqlite3_libversion() + ")";
}

Status Serve(const config::Config& config, const ServeOptions& options) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const Clock& clock = SystemClock::Instance();
  StatusOr<http::TrustedProxies> trusted_proxies =
      http::TrustedProxies::Parse(config.trusted_proxies);
  if (!trusted_proxies.ok()) return trusted_proxies.status();
  StatusOr<std::unique_ptr<ServeBackend>> opened = config.backend == config::Backend::kAws
                                                       ? OpenAwsServeBackend(config, clock)
                                                       : OpenSqliteServeBackend(config, clock);
  if (!opened.ok()) return opened.status();
  ServeBackend& backend = **opened;
  const std::string processor_id = MakeProcessorId();

  // Analytics: every outcome of this process, batched into the `analytics` queue.
  processing::EventPublisher events(backend.events_queue(), {});
  events.Start();
  // Every outcome goes to the observers that count it, then to the analytics queue. Observers are
  // added below, before the first event; the publisher is last.
  processing::EventFanout outcomes;
  // Metrics (SPEC §8): counted from the outcomes and by hooks in the modules; GET /metrics.
  metrics::PrometheusMetrics service_metrics;

  std::unique_ptr<Pipeline> pipeline;
  if (options.role != Role::kApi) {
    StatusOr<std::unique_ptr<Pipeline>> made = Pipeline::Create(
        config, [&backend](bool durable) { return backend.OpenPipelineStorage(durable); },
        processor_id, clock, &outcomes, &service_metrics);
    if (!made.ok()) return made.status();
    pipeline = std::move(*made);
  }
  backend.StartHousekeeping();

  // Alerts of /health/detailed: fed by every outcome (below) and by each monitor snapshot; made
  // before the monitor, whose thread feeds it until it stops.
  http::AlertWindow alerts(clock, [&pipeline] {
    return pipeline ? pipeline->PausedNumbers() : std::vector<std::string>{};
  });
  http::HealthMonitor monitor(backend.store(), backend.queue_stats(), clock);
  const Timestamp started_at = clock.Now();
  const std::string role_name(RoleName(options.role));
  monitor.SetWorkers(&backend.workers(), [&]() -> std::optional<ports::WorkerBeat> {
    if (!pipeline) return std::nullopt;
    PipelineView v = pipeline->View();
    return ports::WorkerBeat{processor_id, role_name, started_at, clock.Now(), v.running,
                             v.processed, v.errors};
  });
  monitor.SetListener([&alerts](const http::HealthSnapshot& s) { alerts.Observe(s); });
  monitor.Start();
  service_metrics.SetQueues([&monitor] { return monitor.Snapshot().queues; });

  whatsapp::SignatureVerifier verifier(config.app_secrets);
  ingest::IngestService ingest(verifier, backend.admitter(), &outcomes, clock, &service_metrics);
  // Rate limits per client address (SPEC §5): forged or unsigned webhook POSTs, and the
  // health endpoints.
  http::RateLimiter webhook_limit(config.rate_limit_webhook_per_minute, clock);
  http::RateLimiter health_limit(config.rate_limit_health_per_minute, clock);
  webhook_limit.CountRefusals(&service_metrics, "webhook");
  health_limit.CountRefusals(&service_metrics, "health");
  http::Router router;
  router.SetMetrics(&service_metrics, clock);
  http::WebhookHandler webhook(config.verify_token, ingest, &webhook_limit);
  webhook.AddRoutes(router);
  http::HealthHandler health(
      http::ServiceInfo{WAGATE_VERSION, std::string(config::EnvironmentName(config.environment)),
                        std::string(config::BackendName(config.backend)), processor_id,
                        backend.store_component(), backend.queue_component()},
      monitor, clock, [&pipeline, &monitor, &processor_id]() {
        // This process's own counts, live, plus every other worker's last heartbeat.
        http::ProcessorView view;
        if (pipeline) {
          PipelineView v = pipeline->View();
          view = http::ProcessorView{v.running, v.processed, v.errors};
        }
        for (const ports::WorkerBeat& w : monitor.Snapshot().workers) {
          if (w.id == processor_id) continue;
          view.running = view.running || w.running;
          view.processed += w.processed;
          view.errors += w.errors;
        }
        return view;
      },
      &alerts);
  health.AddRoutes(router, &health_limit);
  metrics::AddMetricsRoute(router, service_metrics, &health_limit);  // the health bucket too
  // The admin dashboard and API (SPEC §8); without ADMIN_TOKEN no /admin route exists (404).
  http::AdminHistory admin_history;
  http::OutboundLog admin_outbound;
  http::AdminWorker admin_worker({}, [&] { admin_history.Sample(monitor.Snapshot(), clock.Now()); });
  http::AdminOptions admin_options;
  admin_options.token = config.admin_token;
  admin_options.runs_senders = pipeline != nullptr;
  admin_options.show_personal = log::Enabled(log::Level::kDebug);
  http::AdminHandler admin(admin_options, monitor, admin_history, admin_outbound,
                           backend.queue_admin(), backend.store(), admin_worker, clock,
                           std::string(config::BackendName(config.backend)));
  admin.AddRoutes(router);
  if (admin.enabled()) {
    outcomes.Add(&admin_history);
    outcomes.Add(&admin_outbound);
    admin_worker.Start();
  }

  // The observers of outcomes are added above; the analytics publisher comes last. No event is
  // published before this point (the server and the pipeline start below).
  outcomes.Add(&service_metrics);
  outcomes.Add(&alerts);
  outcomes.Add(&events);

  http::Server::Options server_options;
  server_options.host = config.host;
  server_options.port = static_cast<uint16_t>(config.port);
  server_options.max_body_bytes = static_cast<uint64_t>(config.max_body_bytes);
  server_options.max_connections = config.max_connections;
  server_options.header_timeout = std::chrono::seconds(config.http_header_timeout_seconds);
  server_options.body_timeout = std::chrono::seconds(config.http_body_timeout_seconds);
  server_options.idle_timeout = std::chrono::seconds(config.http_idle_timeout_seconds);
  // By default one core is left to the sqlite writer, which every request waits for.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  server_options.trusted_proxies = *trusted_proxies;
  server_options.tls_cert_chain_file = config.tls_cert_file;
  server_options.tls_key_file = config.tls_key_file;
  server_options.threads = config.http_threads > 0 ? config.http_threads : std::max(1, cores - 1);
  // A worker serves no webhook; with METRICS_PORT it answers /, /health* and /metrics there, so
  // its processing and send counts can be scraped.
  http::Router worker_router;
  const http::Router* served = options.role == Role::kWorker ? nullptr : &router;
  if (options.role == Role::kWorker && config.metrics_port > 0) {
    health.AddRoutes(worker_router, &health_limit);
    metrics::AddMetricsRoute(worker_router, service_metrics, &health_limit);
    worker_router.SetMetrics(&service_metrics, clock);
    server_options.port = static_cast<uint16_t>(config.metrics_port);
    server_options.threads = 1;
    served = &worker_router;
  }
  std::unique_ptr<http::Server> server;
  if (served != nullptr) {
    StatusOr<std::unique_ptr<http::Server>> made = http::Server::Create(server_options, *served);
    if (!made.ok()) {
      monitor.Stop();
      backend.Stop();
      return made.status();
    }
    server = std::move(*made);
    server->Start();
    if (!options.port_file.empty()) {
      Status written = WritePortFile(options.port_file, server->port());
      if (!written.ok()) log::Error("port file not written", {log::F("error", written.ToString())});
    }
    const auto [where, location] = backend.Describe();
    log::Info("listening", {log::F("host", config.host), log::F("port", server->port()),
                            log::F("backend", config::BackendName(config.backend)),
                            log::F("environment", config::EnvironmentName(config.environment)),
                            log::F(where, location), log::F("http_threads", server_options.threads),
                            log::F("signature_check", verifier.enabled())});
  }
  // ANALYTICS_SINK=jsonl:<path> drains the analytics queue into a file, in processing roles.
  std::unique_ptr<ports::Queue> sink_queue;
  std::unique_ptr<processing::JsonlSink> sink;
  if (pipeline && config.analytics_sink.starts_with("jsonl:")) {
    StatusOr<std::unique_ptr<ports::Queue>> queue = backend.OpenQueue();
    if (!queue.ok()) return queue.status();
    sink_queue = std::move(*queue);
    sink = std::make_unique<processing::JsonlSink>(*sink_queue, config.analytics_sink.substr(6));
    WAGATE_RETURN_IF_ERROR(sink->Open());
    sink->Start();
  }
  if (pipeline) {
    pipeline->Start();
    log::Info("processing", {log::F("workers", config.workers), log::F("senders", config.senders),
                             log::F("handler", config.EffectiveHandler()),
                             log::F("processor_id", processor_id)});
  }

  if (!verifier.enabled()) {
    log::Warn("WHATSAPP_APP_SECRET is not set: webhook signatures are not checked and malformed "
              "payloads are answered 400 (development only)");
  }
  int sig = WaitForSignal(signals, std::chrono::milliseconds(-1));
  log::Info("stopping", {log::F("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"),
                         log::F("drain_seconds", config.drain_seconds)});
  // Load balancers see 503 on /health and stop sending; a second signal cuts the wait short.
  monitor.SetDraining();
  if (config.drain_seconds > 0) {
    WaitForSignal(signals, std::chrono::milliseconds(config.drain_seconds * 1000LL));
  }
  if (server) {
    server->StopAccepting();
    server->Join();  // every in-flight request has been answered
  }
  admin_worker.Stop();  // nothing is left to answer once the server has joined
  if (pipeline) pipeline->Stop();  // running handlers finish within SHUTDOWN_GRACE_SECONDS
  events.Stop();                   // the last events reach the queue
  if (sink) sink->Stop();
  backend.Stop();                  // housekeeping, and the admitter finishes what it holds
  monitor.Stop();
  if (pipeline) (void)backend.workers().Forget(processor_id);  // a clean stop is not a lost worker
  log::Info("stopped");
  return Status::Ok();
}

StatusOr<std::vector<std::string>> Provision(const config::Config& config) {
  if (config.backend == config::Backend::kAws) return AwsProvision(config);
  StatusOr<std::unique_ptr<sqlite::Database>> db = OpenMigratedDatabase(config);
  if (!db.ok()) return db.status();
  return std::vector<std::string>{
      "sqlite database " + (*db)->path() + " at schema version " +
          std::to_string(sqlite::kSchemaVersion),
      "queues incoming, outgoing, analytics and their dead-letter queues are tables in it"};
}

StatusOr<domain::Record> Inspect(const config::Config& config, const std::string& key) {
  if (config.backend == config::Backend::kAws) return AwsInspect(config, key);
  std::string path = sqlite::DatabasePath(config.data_dir);
  if (!std::filesystem::exists(path)) return NotFoundError("no database at " + path);
  StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(path, sqlite::Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  StatusOr<std::unique_ptr<sqlite::SqliteWorkStore>> store =
      sqlite::SqliteWorkStore::Create(std::move(*db), StoreOptions(config), SystemClock::Instance());
  if (!store.ok()) return store.status();
  return (*store)->Inspect(key);
}

Status Backup(const config::Config& config, const std::string& destination) {
  WAGATE_RETURN_IF_ERROR(RequireSqlite(config));
  std::string source_path = sqlite::DatabasePath(config.data_dir);
  if (!std::filesystem::exists(source_path)) return NotFoundError("no database at " + source_path);
  if (std::filesystem::exists(destination)) {
    return FailedPreconditionError(destination + " already exists; choose a new path");
  }
  StatusOr<std::unique_ptr<sqlite::Database>> source =
      sqlite::Database::Open(source_path, sqlite::Database::Mode::kReadOnly);
  if (!source.ok()) return source.status();
  sqlite3* target = nullptr;
  if (sqlite3_open(destination.c_str(), &target) != SQLITE_OK) {
    std::string msg = target ? sqlite3_errmsg(target) : "out of memory";
    sqlite3_close(target);
    return UnavailableError("cannot create " + destination + ": " + msg);
  }
  // One step copies every page under one read transaction, so the copy is a single snapshot.
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", (*source)->handle(), "main");
  int rc = backup ? sqlite3_backup_step(backup, -1) : sqlite3_errcode(target);
  if (backup) sqlite3_backup_finish(backup);
  Status status = rc == SQLITE_DONE ? Status::Ok()
                                    : UnavailableError(std::string("backup failed: ") + sqlite3_errstr(rc));
  sqlite3_close(target);
  if (!status.ok()) std::filesystem::remove(destination);
  return status;
}

std::vector<CheckResult> Check(const config::Config& config) {
  using Outcome = CheckResult::Outcome;
  std::vector<CheckResult> out;
  out.push_back({"configuration", Outcome::kPass,
                 std::string("valid for ") + std::string(config::EnvironmentName(config.environment))});
  if (!config.development() && config.tls_cert_file.empty() && config.trusted_proxies.empty()) {
    out.push_back({"https", Outcome::kWarn,
                   "neither TLS_CERT_FILE nor TRUSTED_PROXIES is set; Meta only calls HTTPS endpoints"});
  }
  if (!config.tls_cert_file.empty()) out.push_back(TlsCheck(config, SystemClock::Instance().Now()));
  if (config.backend == config::Backend::kAws) {
    std::vector<CheckResult> aws = AwsCheck(config);
    out.insert(out.end(), aws.begin(), aws.end());
    return out;
  }
  std::string path = sqlite::DatabasePath(config.data_dir);
  if (!std::filesystem::exists(path)) {
    out.push_back({"database", Outcome::kFail, "no database at " + path + "; run `wagate provision`"});
    return out;
  }
  StatusOr<std::unique_ptr<sqlite::Database>> db = sqlite::Database::Open(path);
  if (!db.ok()) {
    out.push_back({"database", Outcome::kFail, db.status().message()});
    return out;
  }
  out.push_back({"database", Outcome::kPass, path + " opens read-write in WAL mode"});
  StatusOr<int> version = sqlite::SchemaVersion(**db);
  if (!version.ok()) {
    out.push_back({"schema", Outcome::kFail, version.status().message()});
  } else if (*version > sqlite::kSchemaVersion) {
    out.push_back({"schema", Outcome::kFail, "version " + std::to_string(*version) +
                                                 " is newer than this binary's; upgrade wagate"});
  } else if (*version < sqlite::kSchemaVersion) {
    out.push_back({"schema", Outcome::kWarn, "version " + std::to_string(*version) +
                                                 "; `wagate serve` or `wagate provision` migrates it"});
  } else {
    out.push_back({"schema", Outcome::kPass, "version " + std::to_string(*version)});
  }
  StatusOr<uint64_t> free_bytes = sqlite::FreeDiskBytes(path);
  uint64_t min_bytes = static_cast<uint64_t>(config.min_free_disk_mb) * 1024 * 1024;
  if (!free_bytes.ok()) {
    out.push_back({"free_disk", Outcome::kFail, free_bytes.status().message()});
  } else {
    std::string detail = std::to_string(*free_bytes / (1024 * 1024)) + " MiB free, MIN_FREE_DISK_MB=" +
                         std::to_string(config.min_free_disk_mb);
    out.push_back({"free_disk", *free_bytes >= min_bytes ? Outcome::kPass : Outcome::kFail, detail});
  }
  return out;
}

}  // namespace wagate::app
