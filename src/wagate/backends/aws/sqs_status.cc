#include "wagate/backends/aws/sqs_status.h"

namespace wagate::aws {

namespace {

bool StaleReceipt(std::string_view code, std::string_view message) {
  return code == "MessageNotInflight" || code == "ReceiptHandleIsInvalid" ||
         code == "AWS.SimpleQueueService.MessageNotInflight" ||
         (code == "InvalidParameterValue" && message.find("ReceiptHandle") != std::string_view::npos);
}

}  // namespace

Status SqsEntryStatus(std::string_view code, std::string_view message) {
  const std::string what = std::string(code) + ": " + std::string(message);
  if (StaleReceipt(code, message)) return NotFoundError("receipt is no longer current: " + what);
  if (code == "QueueDoesNotExist" || code == "AWS.SimpleQueueService.NonExistentQueue") {
    return FailedPreconditionError("queue does not exist (run `wagate provision`): " + what);
  }
  if (code == "AccessDenied" || code == "AccessDeniedException") return PermissionDeniedError(what);
  return UnavailableError(what);
}

Status SqsStatus(const AwsAnswer& refused, std::string_view operation) {
  Status s = SqsEntryStatus(refused.error_type, refused.error_message);
  return Status(s.code(), "SQS " + std::string(operation) + ": " + s.message());
}

}  // namespace wagate::aws
