// How SQS's refusals map to the queue port's outcomes.
//
//   - a receipt that is no longer current (MessageNotInflight, ReceiptHandleIsInvalid, or
//     InvalidParameterValue about the receipt handle) → NotFound: the caller lost the message;
//   - a queue that does not exist → FailedPrecondition (run `wagate provision`);
//   - AccessDenied → PermissionDenied, naming the operation (the IAM policy lacks it);
//   - anything else → Unavailable.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/base/status.h"

namespace wagate::aws {

Status SqsStatus(const AwsAnswer& refused, std::string_view operation);
// One failed entry of a batch call: its `Code` and `Message`.
Status SqsEntryStatus(std::string_view code, std::string_view message);

}  // namespace wagate::aws
