#include <cstdio>

#include "wagate/app/app.h"
#include "wagate/base/log.h"
#include "wagate/cli/commands.h"
#include "wagate/cli/load_config.h"

namespace wagate::cli {

int Serve(const CommonFlags& flags, const std::string& port_file) {
  std::optional<config::Config> config = LoadOrReport(flags);
  if (!config) return kExitUsage;
  Status s = app::Serve(*config, app::ServeOptions{port_file});
  if (s.ok()) return kExitOk;
  log::Error("serve failed", {log::F("error", s.ToString())});
  bool config_problem = s.code() == StatusCode::kFailedPrecondition ||
                        s.code() == StatusCode::kInvalidArgument;
  return config_problem ? kExitUsage : kExitFailure;
}

int Version(const CommonFlags& flags) {
  if (flags.json) {
    std::printf("{\"version\":\"%s\"}\n", app::VersionLine().c_str());
  } else {
    std::printf("%s\n", app::VersionLine().c_str());
  }
  return kExitOk;
}

}  // namespace wagate::cli
