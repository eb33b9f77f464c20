// The AWS clients of one process, built from the configuration: the credential chain, one
// keep-alive HTTP client pool shared by every call, and signed JSON-protocol clients for DynamoDB
// and SQS at the configured endpoints (SPEC §6).
//
// The credential chain reads the process environment, with the configuration's AWS_* values (which
// may come from the .env file) taking precedence.
//
// Thread safety: the clients are safe from any thread; the object outlives every user of them.
#pragma once

#include <memory>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/base/random.h"
#include "wagate/config/config.h"
#include "wagate/net/http_client_pool.h"

namespace wagate::app {

class AwsClients {
 public:
  explicit AwsClients(const config::Config& config);
  AwsClients(const AwsClients&) = delete;
  AwsClients& operator=(const AwsClients&) = delete;

  aws::AwsJsonClient& dynamodb() { return *dynamodb_; }
  aws::AwsJsonClient& sqs() { return *sqs_; }
  aws::CredentialsProvider& credentials() { return *credentials_; }

  // The six queue URLs of the configuration (INCOMING_QUEUE_URL, ..., ANALYTICS_DLQ_URL).
  static aws::SqsQueueUrls QueueUrls(const config::Config& config);

 private:
  std::unique_ptr<aws::CredentialsProvider> credentials_;
  net::HttpClientPool http_;
  SystemRandom random_;
  std::unique_ptr<aws::AwsJsonClient> dynamodb_;
  std::unique_ptr<aws::AwsJsonClient> sqs_;
};

}  // namespace wagate::app
