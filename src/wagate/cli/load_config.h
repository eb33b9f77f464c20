// Loading the configuration for a subcommand and setting up logging from it.
//
// Thread safety: called once from the main thread.
#pragma once

#include <optional>

#include "wagate/base/status.h"
#include "wagate/cli/commands.h"
#include "wagate/config/config.h"

namespace wagate::cli {

// Loads and validates the configuration, configures logging and registers every secret with
// the log redactor. On failure prints every problem to stderr and returns nullopt. `options` says
// what the command needs validated beyond the defaults (serve: the TLS files).
std::optional<config::Config> LoadOrReport(const CommonFlags& flags,
                                           const config::ValidateOptions& options = {});

}  // namespace wagate::cli
