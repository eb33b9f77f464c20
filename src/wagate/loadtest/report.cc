#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <string>

#include "wagate/loadtest/loadtest.h"

namespace wagate::loadtest {
namespace {

// Rounds to microseconds, so the JSON carries no false precision.
double RoundMs(double ms) {
  return static_cast<double>(static_cast<int64_t>(ms * 1000 + 0.5)) / 1000;
}

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

std::string ReportToJson(const Report& r) {
  const Options& o = r.options;
  boost::json::object options;
  options["url"] = o.url;
  options["mode"] = o.rate > 0 ? "open" : "closed";
  options["rate"] = o.rate;
  options["duration_seconds"] = o.duration_seconds;
  options["requests"] = o.requests;
  options["connections"] = o.connections;
  options["threads"] = o.threads;
  options["duplicates"] = o.duplicates;
  options["concurrent_duplicates"] = o.concurrent_duplicates;
  options["concurrent_fanout"] = o.concurrent_fanout;
  options["items_per_request"] = o.items_per_request;
  options["signed"] = !o.secret.empty();

  boost::json::object status_counts;
  for (const auto& [code, count] : r.status_counts) status_counts[std::to_string(code)] = count;
  boost::json::object error_counts;
  for (const auto& [kind, count] : r.error_counts) error_counts[kind] = count;

  boost::json::object doc;
  doc["options"] = std::move(options);
  doc["sent"] = r.sent;
  doc["completed"] = r.completed;
  doc["ok_2xx"] = r.ok_2xx;
  doc["status_counts"] = std::move(status_counts);
  doc["errors"] = r.errors;
  doc["error_counts"] = std::move(error_counts);
  doc["accepted"] = r.accepted;
  doc["duplicates"] = r.duplicates;
  doc["quarantined"] = r.quarantined;
  doc["unique_ids_sent"] = r.unique_ids_sent;
  doc["resent"] = r.resent;
  doc["concurrent_groups"] = r.concurrent_groups;
  doc["concurrent_requests"] = r.concurrent_requests;
  doc["seconds"] = RoundMs(r.seconds * 1000) / 1000;
  doc["req_per_sec"] = static_cast<double>(static_cast<int64_t>(r.req_per_sec * 10 + 0.5)) / 10;
  doc["latency_from"] = o.rate > 0 ? "schedule" : "send";
  doc["mean_ms"] = RoundMs(r.mean_ms);
  doc["p50_ms"] = RoundMs(r.p50_ms);
  doc["p90_ms"] = RoundMs(r.p90_ms);
  doc["p99_ms"] = RoundMs(r.p99_ms);
  doc["p999_ms"] = RoundMs(r.p999_ms);
  doc["max_ms"] = RoundMs(r.max_ms);
  return boost::json::serialize(doc);
}

std::string ReportToText(const Report& r) {
  const Options& o = r.options;
  std::string text = "wagate loadtest  " + o.url + "\n";
  text += "  load        " + std::to_string(o.connections) + " connections on " +
          std::to_string(o.threads) + (o.threads == 1 ? " thread, " : " threads, ") +
          (o.rate > 0 ? "open loop at " + Format("%.0f", o.rate) + " req/s"
                      : std::string("closed loop")) +
          (o.secret.empty() ? ", unsigned" : ", signed") + "\n";
  text += "  requests    " + std::to_string(r.sent) + " sent, " + std::to_string(r.completed) +
          " answered in " + Format("%.2f", r.seconds) + " s = " + Format("%.1f", r.req_per_sec) +
          " req/s\n";
  text += "  latency     p50 " + Format("%.3f", r.p50_ms) + " ms  p90 " + Format("%.3f", r.p90_ms) +
          " ms  p99 " + Format("%.3f", r.p99_ms) + " ms  p99.9 " + Format("%.3f", r.p999_ms) +
          " ms  max " + Format("%.3f", r.max_ms) + " ms  (from " +
          (o.rate > 0 ? "schedule" : "send") + ")\n";
  text += "  status     ";
  for (const auto& [code, count] : r.status_counts)
    text += " " + std::to_string(code) + ": " + std::to_string(count);
  if (r.status_counts.empty()) text += " none";
  text += "\n  errors      " + std::to_string(r.errors);
  for (const auto& [kind, count] : r.error_counts)
    text += "  " + kind + ": " + std::to_string(count);
  text += "\n  items       accepted " + std::to_string(r.accepted) + "  duplicates " +
          std::to_string(r.duplicates) + "  quarantined " + std::to_string(r.quarantined) + "\n";
  text += "  injected    " + std::to_string(r.unique_ids_sent) + " unique ids, " +
          std::to_string(r.resent) + " resent requests, " + std::to_string(r.concurrent_groups) +
          " concurrent groups (" + std::to_string(r.concurrent_requests) + " requests)\n";
  return text;
}

}  // namespace wagate::loadtest
