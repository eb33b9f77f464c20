// WorkStore: the work records of SPEC §2, read side for now.
//
// Inspect returns one record by key; NotFound when there is none. Ping reports whether the store
// is reachable. The claim/heartbeat/complete/release/kill operations of SPEC §2.3–2.9 join this
// interface with the processing pipeline.
//
// Thread safety: implementations are safe to call from any thread; calls may block on storage,
// so they never run on HTTP I/O threads.
#pragma once

#include <string_view>

#include "wagate/base/status.h"
#include "wagate/domain/record.h"

namespace wagate::ports {

class WorkStore {
 public:
  virtual ~WorkStore() = default;
  virtual StatusOr<domain::Record> Inspect(std::string_view key) = 0;
  virtual Status Ping() = 0;
};

}  // namespace wagate::ports
