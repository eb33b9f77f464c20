#include <boost/json.hpp>

#include <cstdio>
#include <sstream>

#include "wagate/app/app.h"
#include "wagate/cli/commands.h"
#include "wagate/cli/load_config.h"

namespace wagate::cli {

namespace {

using Outcome = app::CheckResult::Outcome;

std::string_view OutcomeWord(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "pass";
    case Outcome::kFail: return "fail";
    case Outcome::kWarn: return "warn";
  }
  return "fail";
}

std::string_view OutcomeMark(Outcome o) {
  switch (o) {
    case Outcome::kPass: return "✅";
    case Outcome::kFail: return "❌";
    case Outcome::kWarn: return "⚠";
  }
  return "❌";
}

// Prints the checks (one line each, or the JSON document of docs/schemas/check.json) and
// returns the exit code: 1 when any check failed.
int Report(const std::vector<app::CheckResult>& checks, bool json) {
  bool ok = true;
  for (const app::CheckResult& c : checks) ok = ok && c.outcome != Outcome::kFail;
  if (json) {
    boost::json::array items;
    for (const app::CheckResult& c : checks) {
      items.push_back({{"name", c.name}, {"result", OutcomeWord(c.outcome)}, {"detail", c.detail}});
    }
    boost::json::object doc{{"ok", ok}, {"checks", std::move(items)}};
    std::printf("%s\n", boost::json::serialize(doc).c_str());
  } else {
    for (const app::CheckResult& c : checks) {
      std::printf("%s %s: %s\n", std::string(OutcomeMark(c.outcome)).c_str(), c.name.c_str(),
                  c.detail.c_str());
    }
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

int Check(const CommonFlags& flags) {
  StatusOr<config::Config> config = config::LoadConfig(config::ProcessEnvironment(), flags.env_file);
  if (!config.ok()) {
    // Every configuration problem is a failed check of its own.
    std::vector<app::CheckResult> checks;
    std::istringstream problems(config.status().message());
    for (std::string line; std::getline(problems, line);) {
      if (!line.empty()) checks.push_back({"configuration", Outcome::kFail, line});
    }
    return Report(checks, flags.json);
  }
  return Report(app::Check(*config), flags.json);
}

int Provision(const CommonFlags& flags) {
  std::optional<config::Config> config = LoadOrReport(flags);
  if (!config) return kExitUsage;
  StatusOr<std::vector<std::string>> lines = app::Provision(*config);
  if (!lines.ok()) {
    std::fprintf(stderr, "wagate provision: %s\n", lines.status().message().c_str());
    return lines.status().code() == StatusCode::kFailedPrecondition ? kExitUsage : kExitFailure;
  }
  if (flags.json) {
    boost::json::array resources;
    for (const std::string& line : *lines) resources.push_back(boost::json::string(line));
    boost::json::object doc{{"ok", true},
                            {"backend", config::BackendName(config->backend)},
                            {"resources", std::move(resources)}};
    std::printf("%s\n", boost::json::serialize(doc).c_str());
  } else {
    for (const std::string& line : *lines) std::printf("%s\n", line.c_str());
  }
  return kExitOk;
}

}  // namespace wagate::cli
