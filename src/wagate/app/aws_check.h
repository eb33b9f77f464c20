// What `wagate provision` and `wagate check` on aws share (internal to the app module): the six
// queues with the variables that hold their URLs, and the queue and table settings the
// configuration asks for.
//
// Thread safety: pure functions and constants.
#pragma once

#include <array>
#include <string>

#include "wagate/backends/aws/dynamodb_provisioning.h"
#include "wagate/backends/aws/sqs_provisioning.h"
#include "wagate/config/config.h"
#include "wagate/ports/queue_admin.h"

namespace wagate::app {

struct AwsQueueSlot {
  ports::QueueRef ref;
  const char* variable;              // "INCOMING_QUEUE_URL"
  std::string config::Config::*url;  // the member holding that variable's value
};

// In the order of the seed's variable list: the source queues, then their dead-letter queues.
inline const std::array<AwsQueueSlot, 6> kAwsQueueSlots{{
    {{domain::QueueName::kIncoming, false},
     "INCOMING_QUEUE_URL",
     &config::Config::incoming_queue_url},
    {{domain::QueueName::kOutgoing, false},
     "OUTGOING_QUEUE_URL",
     &config::Config::outgoing_queue_url},
    {{domain::QueueName::kAnalytics, false},
     "ANALYTICS_QUEUE_URL",
     &config::Config::analytics_queue_url},
    {{domain::QueueName::kIncoming, true}, "INCOMING_DLQ_URL", &config::Config::incoming_dlq_url},
    {{domain::QueueName::kOutgoing, true}, "OUTGOING_DLQ_URL", &config::Config::outgoing_dlq_url},
    {{domain::QueueName::kAnalytics, true},
     "ANALYTICS_DLQ_URL",
     &config::Config::analytics_dlq_url},
}};

// SQS_QUEUE_PREFIX, SQS_VISIBILITY_TIMEOUT, SQS_MESSAGE_RETENTION_SECONDS, SQS_WAIT_TIME_SECONDS
// and SQS_MAX_RECEIVE_COUNT.
aws::QueueSettings AwsQueueSettings(const config::Config& config);

// DYNAMODB_TABLE_NAME and DYNAMODB_BILLING_MODE.
aws::TableSettings AwsTableSettings(const config::Config& config);

}  // namespace wagate::app
