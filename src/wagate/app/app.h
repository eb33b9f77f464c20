// The composition root: the only place that names concrete backends (ARCHITECTURE.md).
//
// The CLI calls these functions; they build the configured backend and wire it to the HTTP
// server, the ingest path and the health monitor, and own the start/stop order:
//   start: store (open + migrate) → admitter → health monitor → HTTP server
//   stop:  /health 503 for DRAIN_SECONDS → stop accepting → in-flight requests answered →
//          admitter commits what it has → health monitor → exit
//
// Thread safety: functions are called from the main thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wagate/base/status.h"
#include "wagate/config/config.h"
#include "wagate/domain/record.h"

namespace wagate::app {

// "0.1.0" plus build details.
std::string VersionLine();

enum class Role {
  kAll,     // HTTP and processing
  kApi,     // HTTP only
  kWorker,  // processors and senders only
};

// Parses "all" | "api" | "worker".
bool ParseRole(std::string_view text, Role* out);
std::string_view RoleName(Role role);

struct ServeOptions {
  std::string port_file;  // when set, the bound port is written here once listening
  Role role = Role::kAll;
};

// Runs the service until SIGTERM or SIGINT, then stops gracefully. Returns OK on a clean stop.
// FailedPrecondition/InvalidArgument mean a configuration problem (exit 2); anything else is a
// runtime failure (exit 1).
Status Serve(const config::Config& config, const ServeOptions& options);

// Creates what the backend needs (sqlite: the data directory and the schema). Idempotent.
// Returns human-readable lines describing what exists.
StatusOr<std::vector<std::string>> Provision(const config::Config& config);

// One record by key: NotFound when absent.
StatusOr<domain::Record> Inspect(const config::Config& config, const std::string& key);

// A consistent online copy of the sqlite database at `destination` (SQLite's backup API; the
// service may keep running). The destination must not exist yet.
Status Backup(const config::Config& config, const std::string& destination);

struct CheckResult {
  std::string name;
  enum class Outcome { kPass, kFail, kWarn } outcome = Outcome::kPass;
  std::string detail;
};

// The pre-deployment checklist for the configured backend (SPEC §7 `check`).
std::vector<CheckResult> Check(const config::Config& config);

}  // namespace wagate::app
