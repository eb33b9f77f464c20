// `wagate loadtest`: flags → Options → Run → report → exit code.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "wagate/loadtest/loadtest.h"

namespace wagate::loadtest {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// The first non-empty secret of a comma-separated WHATSAPP_APP_SECRET, as the gateway reads it.
std::string SecretFromEnvironment() {
  const char* value = std::getenv("WHATSAPP_APP_SECRET");
  std::string_view rest = value == nullptr ? "" : value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view secret = rest.substr(0, comma);
    while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
    while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
    if (!secret.empty()) return std::string(secret);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  return "";
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Options options;
  bool json = false;
  CLI::App app(
      "Signed, WhatsApp-shaped load against POST /webhook, with duplicate and concurrent-duplicate "
      "injection. Prints throughput, latency percentiles and status counts.",
      "wagate loadtest");
  app.add_option("--url", options.url, "Webhook URL (http only)")->capture_default_str();
  app.add_option("--rate", options.rate,
                 "Requests per second over all connections; 0 = as fast as possible")
      ->capture_default_str();
  app.add_option("--duration", options.duration_seconds, "Seconds to run; 0 = until --requests")
      ->capture_default_str();
  app.add_option("--requests", options.requests, "Stop after this many requests; 0 = no limit")
      ->capture_default_str();
  app.add_option("--connections", options.connections, "Keep-alive connections")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "Client I/O threads")->capture_default_str();
  app.add_option("--duplicates", options.duplicates,
                 "Fraction of requests that resend an already acknowledged body, byte for byte")
      ->capture_default_str();
  app.add_option(
         "--concurrent-duplicates", options.concurrent_duplicates,
         "Fraction of requests sent as copies of one fresh body on several connections at once")
      ->capture_default_str();
  app.add_option("--fanout", options.concurrent_fanout, "Connections per concurrent duplicate")
      ->capture_default_str();
  app.add_option("--items", options.items_per_request, "Messages per request (1..1000)")
      ->capture_default_str();
  app.add_option(
      "--secret", options.secret,
      "App secret to sign with (default: first of WHATSAPP_APP_SECRET; none = unsigned)");
  app.add_option("--timeout", options.timeout_seconds,
                 "Seconds before an unanswered request counts as an error")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seeds which requests are duplicates; 0 = random")
      ->capture_default_str();
  app.add_flag("--json", json, "Print one JSON document (docs/schemas/loadtest.json)");

  // CLI11 reports parse errors and --help by throwing; this is the boundary that catches them.
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "wagate loadtest: " << e.what() << "\nRun 'wagate loadtest --help' for usage.\n";
    return kExitUsage;
  }
  if (app.count("--secret") == 0) options.secret = SecretFromEnvironment();
  if (Status valid = Validate(options); !valid.ok()) {
    err << "wagate loadtest: " << valid.message() << "\n";
    return kExitUsage;
  }

  StatusOr<Report> report = Run(options);
  if (!report.ok()) {
    err << "wagate loadtest: " << report.status().ToString() << "\n";
    return kExitFailed;
  }
  out << (json ? ReportToJson(*report) + "\n" : ReportToText(*report));
  const uint64_t failed = report->errors + (report->completed - report->ok_2xx);
  if (report->completed == 0) {
    err << "wagate loadtest: no request was answered\n";
    return kExitFailed;
  }
  if (failed > 0) {
    err << "wagate loadtest: " << failed
        << " requests failed (non-2xx status or transport error)\n";
    return kExitFailed;
  }
  return kExitOk;
}

int RunCli(const std::vector<std::string>& args) { return RunCli(args, std::cout, std::cerr); }

}  // namespace wagate::loadtest
