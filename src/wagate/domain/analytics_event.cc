#include "wagate/domain/analytics_event.h"

#include <boost/json.hpp>

namespace wagate::domain {

std::string AnalyticsEventToJson(const AnalyticsEvent& e) {
  boost::json::object o{
      {"id", e.key + ":" + e.event + ":" + std::to_string(e.fence)},
      {"event", e.event},
      {"key", e.key},
      {"kind", ItemKindName(e.kind)},
      {"ts", FormatRfc3339(e.ts)},
      {"attempt", e.attempt},
      {"latency_ms", e.latency_ms ? boost::json::value(*e.latency_ms) : boost::json::value(nullptr)},
      {"error_code", e.error_code.empty() ? boost::json::value(nullptr) : boost::json::value(e.error_code)},
  };
  return boost::json::serialize(o);
}

}  // namespace wagate::domain
