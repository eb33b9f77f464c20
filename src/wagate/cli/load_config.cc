#include "wagate/cli/load_config.h"

#include <cstdio>

#include "wagate/base/log.h"

namespace wagate::cli {

std::optional<config::Config> LoadOrReport(const CommonFlags& flags,
                                           const config::ValidateOptions& options) {
  StatusOr<config::Config> config =
      config::LoadConfig(config::ProcessEnvironment(), flags.env_file, options);
  if (!config.ok()) {
    std::fprintf(stderr, "wagate: invalid configuration:\n%s\n", config.status().message().c_str());
    return std::nullopt;
  }
  log::Configure(log::Options{config->log_level, config->log_format, nullptr});
  for (const std::string& secret : config->SecretValues()) log::RegisterSecret(secret);
  return std::move(*config);
}

}  // namespace wagate::cli
