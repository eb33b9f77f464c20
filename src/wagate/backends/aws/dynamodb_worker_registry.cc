#include "wagate/backends/aws/dynamodb_worker_registry.h"

#include "wagate/backends/aws/dynamodb_records.h"
#include "wagate/backends/aws/dynamodb_update.h"

namespace wagate::aws {

namespace json = boost::json;

namespace {

constexpr int64_t kForgetAfterMs = 24 * 3600 * 1000;

json::object BeatValue(const ports::WorkerBeat& b) {
  return M({{"role", S(b.role.empty() ? "all" : b.role)},
            {"started_at", N(ToUnixMillis(b.started_at))},
            {"seen_at", N(ToUnixMillis(b.seen_at))},
            {"running", Bool(b.running)},
            {"processed", N(static_cast<int64_t>(b.processed))},
            {"errors", N(static_cast<int64_t>(b.errors))}});
}

}  // namespace

Status DynamoDbWorkerRegistry::Beat(const ports::WorkerBeat& beat) {
  for (int round = 0; round < 2; ++round) {
    DynamoUpdate u(table_, std::string(kWorkersItemKey));
    // "#w" stands for the worker id, which need not be a valid placeholder name.
    const std::string path = u.Name("workers") + ".#w";
    u.Condition("attribute_exists(" + u.Name("workers") + ")");
    u.SetPath(path, BeatValue(beat));
    u.NameAs("w", beat.id);
    StatusOr<WriteResult> set = RunUpdate(dynamodb_, table_, u);
    if (!set.ok()) return set.status();
    if (set->applied) return Status::Ok();
    // The first beat ever: create the map (unless another worker just did), then set again.
    DynamoUpdate create(table_, std::string(kWorkersItemKey));
    create.SetIfAbsent("workers", M({}));
    StatusOr<WriteResult> created = RunUpdate(dynamodb_, table_, create);
    if (!created.ok()) return created.status();
  }
  return UnavailableError("worker registry item could not be created");
}

StatusOr<std::vector<ports::WorkerBeat>> DynamoDbWorkerRegistry::Live(Timestamp since) {
  StatusOr<json::object> item = GetItem(dynamodb_, table_, kWorkersItemKey);
  if (!item.ok()) return item.status();
  std::vector<ports::WorkerBeat> out;
  const json::value* workers = item->if_contains("workers");
  const json::value* map = workers && workers->is_object() ? workers->as_object().if_contains("M") : nullptr;
  if (!map || !map->is_object()) return out;
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  for (const auto& [id, value] : map->as_object()) {
    const json::value* fields = value.is_object() ? value.as_object().if_contains("M") : nullptr;
    if (!fields || !fields->is_object()) continue;
    const json::object& f = fields->as_object();
    ports::WorkerBeat b;
    b.id = std::string(id);
    b.role = GetS(f, "role");
    b.started_at = FromUnixMillis(GetN(f, "started_at").value_or(0));
    b.seen_at = FromUnixMillis(GetN(f, "seen_at").value_or(0));
    b.running = GetBool(f, "running");
    b.processed = static_cast<uint64_t>(GetN(f, "processed").value_or(0));
    b.errors = static_cast<uint64_t>(GetN(f, "errors").value_or(0));
    if (ToUnixMillis(b.seen_at) < now_ms - kForgetAfterMs) {
      (void)Forget(b.id);
      continue;
    }
    if (b.seen_at >= since) out.push_back(std::move(b));
  }
  return out;
}

Status DynamoDbWorkerRegistry::Forget(const std::string& id) {
  DynamoUpdate u(table_, std::string(kWorkersItemKey));
  u.RemovePath(u.Name("workers") + ".#w");
  u.NameAs("w", id);
  u.Condition("attribute_exists(" + u.Name("workers") + ")");
  StatusOr<WriteResult> w = RunUpdate(dynamodb_, table_, u);
  return w.ok() ? Status::Ok() : w.status();
}

}  // namespace wagate::aws
