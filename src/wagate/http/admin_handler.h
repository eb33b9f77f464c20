// AdminHandler: the admin dashboard at /admin and its JSON API under /admin/api/ (SPEC §5, §8).
//
// Routes (none at all without ADMIN_TOKEN: every /admin path then answers 404):
//   GET  /admin, /admin/                the page (web/index.html); /admin/<file> its assets
//   GET  /admin/api/overview            queue stats from the HealthMonitor's snapshot and the last
//                                       hour's history (memory only: answered on the I/O thread)
//   GET  /admin/api/dead-letters?queue=incoming[&limit=N]
//                                       oldest first; each payload cut at 64 KiB
//   GET  /admin/api/dead-letter?queue=incoming&id=<message_id>    one, with its whole payload
//   POST /admin/api/redrive {"queue":"incoming"}        paced, like `wagate dlq redrive`
//   POST /admin/api/purge   {"queue":"incoming-dlq"}    any of the six queue names
//   GET  /admin/api/record?key=K        one record, as `wagate inspect --json`; 404 when absent
//   GET  /admin/api/outbound            this process's recent outbound messages (OutboundLog),
//                                       with each record's state, dry-run flag and recipient
// Calls that touch storage run on the AdminWorker, never on an I/O thread; a full worker queue
// answers 503.
//
// Security:
//   - The API authenticates only by `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant
//     time; missing or wrong → 401. Browsers never attach that header on their own, so a forged
//     cross-site request carries no credentials.
//   - CSRF, in depth: a request whose Origin is present and is not this host, or whose
//     Sec-Fetch-Site is cross-site, is refused 403; mutating requests are POST with
//     Content-Type application/json (so an HTML form cannot send them), else 403.
//   - Every admin answer carries Content-Security-Policy default-src 'self' (the page has no
//     inline script), X-Frame-Options DENY, X-Content-Type-Options nosniff and Referrer-Policy
//     no-referrer; the API adds Cache-Control no-store. JSON answers escape <, > and & as \u003c
//     etc., and the page renders every value with textContent.
//   - Phone numbers (personal data) show only their last 4 digits unless LOG_LEVEL is debug.
//   - The token never appears in logs or answers.
//
// Thread safety: routes are added before serving; handlers run on any I/O thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/http/admin_history.h"
#include "wagate/http/admin_outbound.h"
#include "wagate/http/admin_worker.h"
#include "wagate/http/health_monitor.h"
#include "wagate/http/router.h"
#include "wagate/ports/queue_admin.h"
#include "wagate/ports/work_store.h"

namespace wagate::http {

struct AdminOptions {
  std::string token;  // ADMIN_TOKEN; empty disables the dashboard and its API
  // A redrive from the dashboard moves at most this many dead letters, at the pace of
  // `wagate dlq redrive` (--rate 10), so one click holds the admin worker for about 10 s at most;
  // the page reports how many moved, and another click moves the next ones.
  int64_t redrive_max_messages = 100;
  double redrive_messages_per_second = 10;
  int64_t max_dead_letters = 100;  // per list; a ?limit= asks for fewer
  bool runs_senders = true;        // false for `--role api`: the outbound view stays empty
  bool show_personal = false;      // LOG_LEVEL=debug: whole phone numbers
};

class AdminHandler {
 public:
  // Every dependency is borrowed and must outlive the router's use of the handler.
  AdminHandler(AdminOptions options, const HealthMonitor& monitor, const AdminHistory& history,
               const OutboundLog& outbound, ports::QueueAdmin& queues, ports::WorkStore& store,
               AdminWorker& worker, const Clock& clock, std::string backend);

  bool enabled() const { return !options_.token.empty(); }
  // Adds nothing when disabled.
  void AddRoutes(Router& router);

 private:
  using Api = std::function<void(const Request&, Respond)>;
  // Wraps an API call with the CSRF and token checks and the security headers.
  Handler Guarded(bool mutating, Api api) const;
  // Runs `work` on the admin worker and answers with its response.
  void OnWorker(Respond respond, std::function<Response()> work);

  Response Overview() const;
  Response DeadLetters(const Request& request);
  Response DeadLetter(const Request& request);
  Response Redrive(const Request& request);
  Response Purge(const Request& request);
  Response Record(const Request& request);
  Response Outbound(const Request& request);  // the request carries nothing it needs

  const AdminOptions options_;
  const HealthMonitor& monitor_;
  const AdminHistory& history_;
  const OutboundLog& outbound_;
  ports::QueueAdmin& queues_;
  ports::WorkStore& store_;
  AdminWorker& worker_;
  const Clock& clock_;
  const std::string backend_;
};

// The security headers of every admin answer; `api` adds Cache-Control: no-store.
void AddAdminSecurityHeaders(Response& response, bool api);
// `json` with <, > and & written as \u003c, \u003e, \u0026 (still the same JSON value).
std::string HtmlSafeJson(std::string json);

}  // namespace wagate::http
