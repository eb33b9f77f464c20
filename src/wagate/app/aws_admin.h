// The operator commands on the aws backend: `provision`, `check` and `inspect` (SPEC §7).
//
// app.cc dispatches to these when WAGATE_BACKEND=aws; they have the same contracts as the
// functions of the same names in app.h.
//
// Thread safety: called from the main thread.
#pragma once

#include <string>
#include <vector>

#include "wagate/app/app.h"

namespace wagate::app {

StatusOr<std::vector<std::string>> AwsProvision(const config::Config& config);
std::vector<CheckResult> AwsCheck(const config::Config& config);
StatusOr<domain::Record> AwsInspect(const config::Config& config, const std::string& key);

}  // namespace wagate::app
