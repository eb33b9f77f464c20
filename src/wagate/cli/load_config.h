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
// the log redactor. On failure prints every problem to stderr and returns nullopt.
std::optional<config::Config> LoadOrReport(const CommonFlags& flags);

}  // namespace wagate::cli
