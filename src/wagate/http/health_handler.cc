#include "wagate/http/health_handler.h"

#include <boost/json.hpp>

namespace wagate::http {

namespace beast_http = boost::beast::http;

namespace {

boost::json::object QueueJson(const std::optional<ports::QueueStats>& s) {
  if (!s) {
    return {{"visible", nullptr}, {"in_flight", nullptr}, {"dlq", nullptr},
            {"oldest_age_seconds", nullptr}};
  }
  boost::json::object o{{"visible", s->visible}, {"in_flight", s->in_flight}, {"dlq", s->dlq}};
  o["oldest_age_seconds"] = s->oldest_age_seconds ? boost::json::value(*s->oldest_age_seconds)
                                                  : boost::json::value(0);
  return o;
}

// Why the service cannot take traffic, or empty when it can.
bool QueuesReachable(const HealthSnapshot& snap) {
  for (const auto& q : snap.queues) {
    if (!q) return false;
  }
  return true;
}

// `separate_queues`: the queues are a service of their own (aws), so their reachability counts.
std::string UnhealthyReason(const HealthSnapshot& snap, bool draining, bool separate_queues) {
  if (draining) return "draining";
  if (!snap.store.ok()) return "store unreachable: " + snap.store.message();
  if (separate_queues && !QueuesReachable(snap)) return "queues unreachable";
  return {};
}

}  // namespace

HealthHandler::HealthHandler(ServiceInfo info, const HealthMonitor& monitor, const Clock& clock,
                             std::function<ProcessorView()> processor)
    : info_(std::move(info)),
      monitor_(monitor),
      clock_(clock),
      processor_(std::move(processor)),
      started_(clock.Steady()) {}

void HealthHandler::AddRoutes(Router& router, RateLimiter* limit) {
  auto add = [&](std::string path, Handler handler) {
    router.Add(beast_http::verb::get, std::move(path),
               limit != nullptr ? RateLimited(*limit, std::move(handler)) : std::move(handler));
  };
  add("/", [this](const Request&, const RequestContext&, Respond r) { r(Root()); });
  add("/health", [this](const Request&, const RequestContext&, Respond r) { r(Health()); });
  add("/health/detailed",
      [this](const Request&, const RequestContext&, Respond r) { r(Detailed()); });
}

Response HealthHandler::Root() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(clock_.Steady() - started_);
  boost::json::object o{{"service", "wagate"},
                        {"version", info_.version},
                        {"environment", info_.environment},
                        {"backend", info_.backend},
                        {"uptime_seconds", uptime.count()}};
  return JsonResponse(200, boost::json::serialize(o));
}

Response HealthHandler::Health() const {
  std::string reason = UnhealthyReason(monitor_.Snapshot(), monitor_.draining(), !info_.queue_component.empty());
  if (reason.empty()) return JsonResponse(200, R"({"status":"healthy"})");
  boost::json::object o{{"status", "unhealthy"}, {"reason", reason}};
  return JsonResponse(503, boost::json::serialize(o));
}

Response HealthHandler::Detailed() const {
  HealthSnapshot snap = monitor_.Snapshot();
  std::string reason = UnhealthyReason(snap, monitor_.draining(), !info_.queue_component.empty());
  boost::json::array alerts;  // the processing and operations work computes alerts
  std::string status = !reason.empty() ? "unhealthy" : alerts.empty() ? "healthy" : "degraded";

  boost::json::object components;
  components[info_.store_component.empty() ? info_.backend : info_.store_component] =
      snap.store.ok() ? "connected" : "disconnected";
  if (!info_.queue_component.empty()) {
    components[info_.queue_component] = QueuesReachable(snap) ? "connected" : "disconnected";
  }
  const ProcessorView processor = processor_();
  const char* processor_status = processor.running ? "running" : "stopped";
  components["message_processor"] = processor_status;

  boost::json::object queues{{"incoming", QueueJson(snap.queues[0])},
                             {"outgoing", QueueJson(snap.queues[1])},
                             {"analytics", QueueJson(snap.queues[2])}};
  boost::json::object o{
      {"status", status},
      {"timestamp", FormatRfc3339(clock_.Now())},
      {"backend", info_.backend},
      {"components", std::move(components)},
      {"processor", boost::json::object{{"id", info_.processor_id},
                                        {"status", processor_status},
                                        {"processed_count", processor.processed},
                                        {"errors_count", processor.errors}}},
      {"queues", std::move(queues)},
      {"alerts", std::move(alerts)},
  };
  if (!reason.empty()) o["reason"] = reason;
  return JsonResponse(reason.empty() ? 200 : 503, boost::json::serialize(o));
}

}  // namespace wagate::http
