#include <cstdio>

#include "wagate/app/app.h"
#include "wagate/app/tls_check.h"
#include "wagate/base/log.h"
#include "wagate/cli/commands.h"
#include "wagate/cli/load_config.h"

namespace wagate::cli {

int Serve(const CommonFlags& flags, const std::string& port_file, const std::string& role) {
  app::ServeOptions options{port_file, app::Role::kAll};
  if (!app::ParseRole(role, &options.role)) {
    std::fprintf(stderr, "wagate serve: --role must be all, api or worker, not \"%s\"\n", role.c_str());
    return kExitUsage;
  }
  // The server reads TLS_CERT_FILE and TLS_KEY_FILE, so their problems are configuration problems.
  std::optional<config::Config> config =
      LoadOrReport(flags, config::ValidateOptions{.check_tls_files = true});
  if (!config) return kExitUsage;
  // A certificate that is about to expire (or has) is served anyway, but said loudly.
  if (!config->tls_cert_file.empty()) {
    app::CheckResult tls = app::TlsCheck(*config, SystemClock::Instance().Now());
    if (tls.outcome != app::CheckResult::Outcome::kPass) {
      log::Warn("tls certificate expires soon or has expired", {log::F("detail", tls.detail)});
    }
  }
  Status s = app::Serve(*config, options);
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
