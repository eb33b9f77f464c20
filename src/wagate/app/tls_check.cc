#include "wagate/app/tls_check.h"

#include "wagate/config/tls_files.h"

namespace wagate::app {

CheckResult TlsCheck(const config::Config& config, Timestamp now) {
  using Outcome = CheckResult::Outcome;
  config::TlsFilesReport report =
      config::InspectTlsFiles(config.tls_cert_file, config.tls_key_file);
  if (!report.problems.empty()) {
    std::string detail;
    for (const std::string& problem : report.problems) {
      detail += (detail.empty() ? "" : "; ") + problem;
    }
    return {"tls", Outcome::kFail, detail};
  }
  if (!report.not_after) {
    return {"tls", Outcome::kFail, "TLS_CERT_FILE " + config.tls_cert_file + ": no expiry date"};
  }
  const auto left = *report.not_after - now;
  const int64_t days = std::chrono::duration_cast<std::chrono::hours>(left).count() / 24;
  const std::string expiry = FormatRfc3339(*report.not_after);
  if (left <= Millis(0)) {
    return {"tls", Outcome::kFail, report.subject + " expired at " + expiry};
  }
  std::string detail = report.subject + ", key matches, expires " + expiry + " (in " +
                       std::to_string(days) + " days)";
  return {"tls", left <= kTlsExpiryWarning ? Outcome::kWarn : Outcome::kPass, detail};
}

}  // namespace wagate::app
