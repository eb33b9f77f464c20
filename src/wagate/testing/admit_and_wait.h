// AdmitAndWait: a blocking call of the asynchronous Admitter, for tests.
//
// Thread safety: safe from any thread.
#pragma once

#include "wagate/ports/admitter.h"

namespace wagate::testing {

StatusOr<ports::AdmitResult> AdmitAndWait(ports::Admitter& admitter, ports::AdmitRequest request);

}  // namespace wagate::testing
