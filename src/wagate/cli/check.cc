#include <boost/json.hpp>

#include <cstdio>
#include <sstream>

#include "wagate/app/app.h"
#include "wagate/app/aws_admin.h"
#include "wagate/app/smoke.h"
#include "wagate/base/log.h"
#include "wagate/cli/commands.h"

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

// Sets up logging as every subcommand does, with every secret registered with the redactor.
void ConfigureLogging(const config::Config& config) {
  log::Configure(log::Options{config.log_level, config.log_format, nullptr});
  for (const std::string& secret : config.SecretValues()) log::RegisterSecret(secret);
}

// The name of a failed check for one configuration problem: a missing required variable is
// `required_variables` (as on the aws checklist when they are all set), anything else
// `configuration`.
std::string ProblemName(const std::string& problem) {
  return problem.find(" is required") != std::string::npos ? "required_variables" : "configuration";
}

// `wagate provision --json` on aws (docs/schemas/provision.json).
boost::json::object ProvisionDocument(const app::AwsProvisioned& p) {
  boost::json::array queues;
  for (const app::AwsProvisioned::Queue& q : p.queues) {
    queues.push_back({{"name", q.name},
                      {"variable", q.variable},
                      {"url", q.url},
                      {"dead_letter", q.dead_letter}});
  }
  boost::json::array warnings;
  for (const std::string& w : p.warnings) warnings.push_back(boost::json::string(w));
  return {{"ok", true},
          {"backend", "aws"},
          {"table",
           {{"name", p.table.name},
            {"created", p.table.created},
            {"billing_mode", p.table.billing_mode},
            {"ttl", p.table.ttl_enabled ? "enabled" : "unsupported"}}},
          {"queues", std::move(queues)},
          {"warnings", std::move(warnings)}};
}

int ProvisionAws(const config::Config& config, bool json) {
  StatusOr<app::AwsProvisioned> provisioned = app::AwsProvisionResources(config);
  if (!provisioned.ok()) {
    std::fprintf(stderr, "wagate provision: %s\n", provisioned.status().message().c_str());
    return kExitFailure;
  }
  // Warnings also go to stderr, where they stay visible when stdout is appended to .env.
  for (const std::string& w : provisioned->warnings) {
    std::fprintf(stderr, "wagate provision: warning: %s\n", w.c_str());
  }
  if (json) {
    std::printf("%s\n", boost::json::serialize(ProvisionDocument(*provisioned)).c_str());
  } else {
    for (const std::string& line : provisioned->EnvLines()) std::printf("%s\n", line.c_str());
  }
  return kExitOk;
}

// The checklist, then the smoke test when `smoke` is set (without a valid configuration there
// is no service to post to, so only the configuration problems are reported).
int RunChecks(const CommonFlags& flags, const app::SmokeOptions* smoke) {
  StatusOr<config::Config> config = config::LoadConfig(config::ProcessEnvironment(), flags.env_file);
  if (!config.ok()) {
    // Every configuration problem, a missing variable included, is a failed check of its own.
    std::vector<app::CheckResult> checks;
    std::istringstream problems(config.status().message());
    for (std::string line; std::getline(problems, line);) {
      if (!line.empty()) checks.push_back({ProblemName(line), Outcome::kFail, line});
    }
    return Report(checks, flags.json);
  }
  ConfigureLogging(*config);
  std::vector<app::CheckResult> checks = app::Check(*config);
  if (smoke != nullptr) checks.push_back(app::RunSmoke(*config, *smoke));
  return Report(checks, flags.json);
}

}  // namespace

int Check(const CommonFlags& flags) { return RunChecks(flags, nullptr); }

int CheckWithSmoke(const CommonFlags& flags, const app::SmokeOptions& smoke) {
  return RunChecks(flags, &smoke);
}

int Provision(const CommonFlags& flags) {
  // Provision creates the queues, so their URLs need not be configured yet.
  StatusOr<config::Config> config =
      config::LoadConfig(config::ProcessEnvironment(), flags.env_file,
                         config::ValidateOptions{.require_queue_urls = false});
  if (!config.ok()) {
    std::fprintf(stderr, "wagate: invalid configuration:\n%s\n", config.status().message().c_str());
    return kExitUsage;
  }
  ConfigureLogging(*config);
  if (config->backend == config::Backend::kAws) return ProvisionAws(*config, flags.json);
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
                            {"resources", std::move(resources)},
                            {"warnings", boost::json::array()}};
    std::printf("%s\n", boost::json::serialize(doc).c_str());
  } else {
    for (const std::string& line : *lines) std::printf("%s\n", line.c_str());
  }
  return kExitOk;
}

}  // namespace wagate::cli
