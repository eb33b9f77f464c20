// wagate loadtest: signed, WhatsApp-shaped load against a running gateway's POST /webhook.
//
// Run() opens `connections` keep-alive HTTP/1.1 connections spread over `threads` I/O threads.
// Each connection sends one request at a time and waits for its answer:
//   - closed loop (rate == 0): the next request leaves as soon as the answer arrives, so the
//     connections measure the most the gateway can do. Latency runs from the first byte
//     written to the last byte of the answer.
//   - open loop (rate > 0): requests are due on a fixed schedule of `rate` per second, and a
//     connection sends the next due request as soon as it is free. Latency runs from the
//     request's due time, so time spent waiting for a free connection counts and a slow gateway
//     cannot hide behind the client (no coordinated omission).
// Every message carries a wamid unique to the run. A `duplicates` fraction of the requests
// resend, byte for byte, a body the gateway has already acknowledged with a 2xx. A
// `concurrent_duplicates` fraction of the requests are fresh bodies sent by `concurrent_fanout`
// connections of one thread at the same moment, which exercises the gateway's race safety.
// The run stops at `duration_seconds` or after `requests` requests, whichever comes first, and
// waits for the answers still in flight.
//
// Thread safety: Run() is blocking and reentrant; it shares nothing between calls.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "wagate/base/status.h"

namespace wagate::loadtest {

struct Options {
  std::string url = "http://127.0.0.1:8080/webhook";
  double rate = 0;               // requests per second over all connections; 0 = closed loop
  double duration_seconds = 10;  // 0 = no time limit (then `requests` must be set)
  uint64_t requests = 0;         // stop after this many requests; 0 = no limit
  int connections = 32;
  int threads = 1;                   // I/O threads; connections are shared out evenly
  double duplicates = 0;             // fraction of requests that resend an acknowledged body
  double concurrent_duplicates = 0;  // fraction of requests sent as concurrent copies
  int concurrent_fanout = 4;  // copies per concurrent group (capped at a thread's connections)
  int items_per_request = 1;  // messages per body
  std::string secret;         // app secret to sign with; empty = unsigned
  std::string id_prefix = "wamid.lt";
  double timeout_seconds = 10;  // a request unanswered this long counts as an error
  uint64_t seed = 0;            // seeds which requests are duplicates; 0 = random
};

// InvalidArgument naming the first option that is out of range.
Status Validate(const Options& options);

struct Report {
  Options options;  // as run (the secret is never printed)

  uint64_t sent = 0;       // requests written, duplicates included
  uint64_t completed = 0;  // answers received, whatever their status
  uint64_t ok_2xx = 0;
  std::map<int, uint64_t> status_counts;  // by HTTP status code
  uint64_t errors = 0;                    // connect failures, resets, timeouts, unparsable answers
  std::map<std::string, uint64_t> error_counts;  // "connect" | "write" | "read" | "timeout"

  // Item counts summed from the 200 answers' bodies.
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t quarantined = 0;

  // What was injected.
  uint64_t unique_ids_sent = 0;      // distinct wamids sent
  uint64_t resent = 0;               // requests that resent an acknowledged body
  uint64_t concurrent_groups = 0;    // fresh bodies sent on several connections at once
  uint64_t concurrent_requests = 0;  // requests that were part of such a group

  double seconds = 0;      // from the start to the last answer
  double req_per_sec = 0;  // completed / seconds
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Runs the load and blocks until it is over. Fails (InvalidArgument) only on bad options or
// (Unavailable) when the host cannot be resolved; failed requests are counted in the report.
StatusOr<Report> Run(const Options& options);

// One JSON object; docs/schemas/loadtest.json describes it.
std::string ReportToJson(const Report& report);
// A few aligned lines for a terminal.
std::string ReportToText(const Report& report);

// `wagate loadtest ARGS...`; `args` are the arguments after the subcommand name. Flags: --url
// --rate --duration --requests --connections --threads --duplicates --concurrent-duplicates
// --fanout --items --secret (default: the first of the comma-separated WHATSAPP_APP_SECRET)
// --timeout --seed --json --help. Prints the report on `out` (text, or JSON with --json) and
// problems on `err`. Returns 0 when every request got a 2xx, 1 when the run failed or any
// request got another status or a transport error, 2 for a usage error.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// The same on stdout and stderr.
int RunCli(const std::vector<std::string>& args);

}  // namespace wagate::loadtest
