#include "wagate/http/health_handler.h"

#include <boost/json.hpp>

#include <cmath>

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

// Whether the last refresh could read the stats of every queue.
bool QueuesReachable(const HealthSnapshot& snap) {
  for (const auto& q : snap.queues) {
    if (!q) return false;
  }
  return true;
}

// Counts are shown as integers, rates as they are.
boost::json::value Number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
}

}  // namespace

HealthVerdict JudgeHealth(const HealthSnapshot& snap, bool draining, bool separate_queues,
                          bool alerts_raised) {
  if (draining) return {"unhealthy", "draining"};
  if (!snap.store.ok()) return {"unhealthy", "store unreachable: " + snap.store.message()};
  if (separate_queues && !QueuesReachable(snap)) return {"unhealthy", "queues unreachable"};
  return {alerts_raised ? "degraded" : "healthy", ""};
}

HealthHandler::HealthHandler(ServiceInfo info, const HealthMonitor& monitor, const Clock& clock,
                             std::function<ProcessorView()> processor, const AlertWindow* alerts)
    : info_(std::move(info)),
      monitor_(monitor),
      clock_(clock),
      processor_(std::move(processor)),
      alerts_(alerts),
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
  // Alerts do not matter to load balancers: a degraded service still takes traffic.
  HealthVerdict verdict = JudgeHealth(monitor_.Snapshot(), monitor_.draining(),
                                      !info_.queue_component.empty(), false);
  if (verdict.reason.empty()) return JsonResponse(200, R"({"status":"healthy"})");
  boost::json::object o{{"status", "unhealthy"}, {"reason", verdict.reason}};
  return JsonResponse(503, boost::json::serialize(o));
}

Response HealthHandler::Detailed() const {
  HealthSnapshot snap = monitor_.Snapshot();
  boost::json::array alerts;
  if (alerts_ != nullptr) {
    for (const Alert& a : alerts_->Alerts(snap)) {
      alerts.push_back(boost::json::object{
          {"name", a.name}, {"value", Number(a.value)}, {"threshold", Number(a.threshold)}});
    }
  }
  HealthVerdict verdict =
      JudgeHealth(snap, monitor_.draining(), !info_.queue_component.empty(), !alerts.empty());
  const std::string& reason = verdict.reason;
  const std::string& status = verdict.status;

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
