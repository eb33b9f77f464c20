// DynamoDbWorkerRegistry: worker heartbeats (ports/worker_registry.h) in the work table, as one
// item `wagate:workers` whose map attribute `workers` holds a beat per worker id. One item keeps
// Live() to one GetItem, with only the permissions `serve` already has (no Scan or Query); the
// key cannot collide with work item keys, which all start with msg:, st:, ev: or out:.
//
// Beat() sets the worker's entry (creating the map on the first beat); Forget() removes it.
// Live() also removes, best effort, entries not seen for a day, so killed workers do not
// accumulate.
//
// Thread safety: safe from any thread; calls block on the network.
#pragma once

#include <string>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/base/clock.h"
#include "wagate/ports/worker_registry.h"

namespace wagate::aws {

inline constexpr std::string_view kWorkersItemKey = "wagate:workers";

class DynamoDbWorkerRegistry final : public ports::WorkerRegistry {
 public:
  // `dynamodb` and `clock` must outlive the registry.
  DynamoDbWorkerRegistry(AwsJsonClient& dynamodb, std::string table, const Clock& clock)
      : dynamodb_(dynamodb), table_(std::move(table)), clock_(clock) {}

  Status Beat(const ports::WorkerBeat& beat) override;
  StatusOr<std::vector<ports::WorkerBeat>> Live(Timestamp since) override;
  Status Forget(const std::string& id) override;

 private:
  AwsJsonClient& dynamodb_;
  const std::string table_;
  const Clock& clock_;
};

}  // namespace wagate::aws
