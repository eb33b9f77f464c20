#include <boost/json.hpp>

#include <cstdio>

#include "wagate/app/app.h"
#include "wagate/cli/commands.h"
#include "wagate/cli/load_config.h"

namespace wagate::cli {

int Inspect(const CommonFlags& flags, const std::string& key) {
  std::optional<config::Config> config = LoadOrReport(flags);
  if (!config) return kExitUsage;
  StatusOr<domain::Record> record = app::Inspect(*config, key);
  if (!record.ok() && record.status().code() != StatusCode::kNotFound) {
    std::fprintf(stderr, "wagate inspect: %s\n", record.status().ToString().c_str());
    return record.status().code() == StatusCode::kFailedPrecondition ? kExitUsage : kExitFailure;
  }
  if (!record.ok()) {
    if (flags.json) {
      boost::json::object absent{{"key", key}, {"state", "ABSENT"}};
      std::printf("%s\n", boost::json::serialize(absent).c_str());
    } else {
      std::printf("%s: ABSENT\n", key.c_str());
    }
    return kExitFailure;
  }
  std::string json = domain::RecordToJson(*record);
  if (flags.json) {
    std::printf("%s\n", json.c_str());
    return kExitOk;
  }
  // One "field: value" line per field, in the record's order.
  boost::json::object o = boost::json::parse(json).as_object();
  for (const auto& field : o) {
    std::string value = field.value().is_string() ? std::string(field.value().as_string())
                                                  : boost::json::serialize(field.value());
    std::printf("%-17s %s\n", (std::string(field.key()) + ":").c_str(), value.c_str());
  }
  return kExitOk;
}

int Backup(const CommonFlags& flags, const std::string& destination) {
  std::optional<config::Config> config = LoadOrReport(flags);
  if (!config) return kExitUsage;
  Status s = app::Backup(*config, destination);
  if (!s.ok()) {
    std::fprintf(stderr, "wagate backup: %s\n", s.message().c_str());
    return s.code() == StatusCode::kFailedPrecondition ? kExitUsage : kExitFailure;
  }
  std::printf("backed up to %s\n", destination.c_str());
  return kExitOk;
}

}  // namespace wagate::cli
