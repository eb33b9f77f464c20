// Admitter: the durable step of the accept path (SPEC §2 invariants 1, 2, 4, 5).
//
// Admit() takes every work item of one webhook POST (and any quarantined pieces of it) and makes
// them durable: each item whose record is absent or expired gets a new record and one queue
// message; an item whose record exists and has not expired is a duplicate. Quarantined pieces go
// to the incoming dead-letter queue with reason "invalid_payload".
//
// Backends:
//   - sqlite does it in one transaction, batching concurrent requests into one fsync'd commit
//     (group commit) on a dedicated writer thread;
//   - aws does it as the two-phase PENDING → send → QUEUED protocol of SPEC §2.5.
//
// Outcomes: `done` receives one AdmitOutcome per item, in request order, only after everything
// is durable. Any failure yields a non-OK status (Unavailable: the caller answers 503 with
// Retry-After and Meta redelivers); then no item of the request may be counted as acknowledged.
// Items that another request admitted concurrently are duplicates, never both accepted.
//
// Thread safety: Admit() may be called from any thread and never blocks on storage. `done` is
// called exactly once, on a backend-owned thread; it must not block.
#pragma once

#include <functional>
#include <vector>

#include "wagate/base/status.h"
#include "wagate/domain/work_item.h"

namespace wagate::ports {

struct AdmitRequest {
  std::vector<domain::WorkItem> items;
  std::vector<domain::QuarantinedPayload> quarantined;
};

enum class AdmitOutcome {
  kAccepted,   // a new record was created (or an expired one replaced) and enqueued
  kDuplicate,  // a live record already exists for the key
};

struct AdmitResult {
  std::vector<AdmitOutcome> outcomes;  // one per AdmitRequest::items entry, same order
  int quarantined = 0;                 // quarantined pieces stored

  int Count(AdmitOutcome o) const {
    int n = 0;
    for (AdmitOutcome x : outcomes) n += (x == o);
    return n;
  }
};

class Admitter {
 public:
  using Callback = std::function<void(StatusOr<AdmitResult>)>;

  virtual ~Admitter() = default;
  virtual void Admit(AdmitRequest request, Callback done) = 0;
};

}  // namespace wagate::ports
