// The subcommands of the `wagate` binary. main.cc parses argv with CLI11 and calls one of these;
// each returns the process exit code (SPEC §7):
//   serve: 0 clean stop, 1 runtime failure, 2 configuration or usage error;
//   check: 1 when any check fails (a missing variable included), ⚠ leaves the code unchanged;
//   others: 0 success, 1 the operation failed, 2 usage or configuration error.
//
// Thread safety: called once from the main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wagate/app/smoke.h"

namespace wagate::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct CommonFlags {
  std::string env_file;  // --env-file; empty means ./.env when present
  bool json = false;     // --json
};

int Serve(const CommonFlags& flags, const std::string& port_file, const std::string& role);
int Provision(const CommonFlags& flags);
int Check(const CommonFlags& flags);
// `wagate check` with the smoke test of `--smoke` after the checklist.
int CheckWithSmoke(const CommonFlags& flags, const app::SmokeOptions& smoke);
int Inspect(const CommonFlags& flags, const std::string& key);
int Version(const CommonFlags& flags);
int Backup(const CommonFlags& flags, const std::string& destination);
// `wagate queues` and `wagate dlq ...` (queues.cc). QUEUE is a source queue name, except for
// `queues purge`, which takes any of the six; purges ask on a terminal unless `yes`.
int Queues(const CommonFlags& flags);
int QueuesPurge(const CommonFlags& flags, const std::string& queue, bool yes);
int DlqList(const CommonFlags& flags, const std::string& queue, int64_t limit);
int DlqShow(const CommonFlags& flags, const std::string& queue, const std::string& message_id);
int DlqRedrive(const CommonFlags& flags, const std::string& queue, int64_t limit, double rate);
int DlqPurge(const CommonFlags& flags, const std::string& queue, bool yes);

}  // namespace wagate::cli
