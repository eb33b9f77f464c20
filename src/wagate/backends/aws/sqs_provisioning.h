// Creating and describing the six SQS queues of SPEC §3 (`wagate provision`, `wagate check`,
// and the tests' fresh queues).
//
// ProvisionQueues() creates, for each of incoming, outgoing and analytics, the dead-letter queue
// `<prefix><name>-dlq` and then the source queue `<prefix><name>` with the configured visibility
// timeout, retention, long-poll wait and a redrive policy to its dead-letter queue with
// `maxReceiveCount`. It is idempotent: an existing queue keeps its URL and gets the configured
// attributes (SetQueueAttributes), so running it again after a configuration change updates the
// queues in place.
//
// Thread safety: plain functions; calls block on the network.
#pragma once

#include <map>
#include <string>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/backends/aws/sqs_queue.h"

namespace wagate::aws {

struct QueueSettings {
  std::string prefix = "whatsapp-";  // SQS_QUEUE_PREFIX
  int visibility_timeout_seconds = 900;
  int64_t retention_seconds = 1'209'600;
  int receive_wait_seconds = 20;
  int max_receive_count = 3;
};

// The attributes a source queue (or, with `dead_letter`, a DLQ) must have; the redrive policy
// of a source queue names `dlq_arn`.
std::map<std::string, std::string> ExpectedQueueAttributes(const QueueSettings& settings,
                                                           bool dead_letter,
                                                           const std::string& dlq_arn);

StatusOr<SqsQueueUrls> ProvisionQueues(AwsJsonClient& sqs, const QueueSettings& settings);

// GetQueueAttributes "All" of one queue, as strings.
StatusOr<std::map<std::string, std::string>> QueueAttributes(AwsJsonClient& sqs,
                                                             const std::string& url);

}  // namespace wagate::aws
