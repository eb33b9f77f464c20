// Router: maps (method, path) to a handler. The query string is ignored for matching.
//
// Unknown paths answer 404 and known paths with another method answer 405 with an Allow header.
// Routes are added before the server starts and never change afterwards.
//
// Metrics (SetMetrics): every answer is counted by endpoint (the route path, or "other" for an
// unknown path, so the label set stays bounded), code and latency from the request's arrival;
// the server reports the answers it gives itself through CountUndispatched.
//
// Thread safety: Add() before serving; Dispatch() is then safe from any thread.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/http/types.h"
#include "wagate/ports/metrics.h"

namespace wagate::http {

class Router {
 public:
  void Add(boost::beast::http::verb method, std::string path, Handler handler);
  // `metrics` (null: none) and `clock` are borrowed and must outlive the router. Before serving.
  void SetMetrics(ports::Metrics* metrics, const Clock& clock);
  void Dispatch(const Request& request, const RequestContext& context, Respond respond) const;
  // Counts an answer the server gave without dispatching (413 for an oversize body), under the
  // endpoint of `target`, with the time since `received`.
  void CountUndispatched(std::string_view target, unsigned code,
                         std::chrono::steady_clock::time_point received) const;

 private:
  // The endpoint label of a request path: the route's own string, or "other".
  std::string_view EndpointOf(std::string_view target) const;
  // `respond`, counting its answer under `endpoint` (a string as long-lived as the router).
  Respond Counted(std::string_view endpoint, const RequestContext& context, Respond respond) const;

  ports::Metrics* metrics_ = nullptr;
  const Clock* clock_ = nullptr;
  // path → (method, handler) pairs.
  std::map<std::string, std::vector<std::pair<boost::beast::http::verb, Handler>>, std::less<>> routes_;
};

// The path part of a request target ("/webhook?x=1" → "/webhook").
std::string_view TargetPath(std::string_view target);

}  // namespace wagate::http
