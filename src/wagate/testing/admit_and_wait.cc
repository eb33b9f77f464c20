#include "wagate/testing/admit_and_wait.h"

#include <future>

namespace wagate::testing {

StatusOr<ports::AdmitResult> AdmitAndWait(ports::Admitter& admitter, ports::AdmitRequest request) {
  std::promise<StatusOr<ports::AdmitResult>> promise;
  auto future = promise.get_future();
  admitter.Admit(std::move(request),
                 [&promise](StatusOr<ports::AdmitResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace wagate::testing
