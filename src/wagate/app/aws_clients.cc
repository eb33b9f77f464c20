#include "wagate/app/aws_clients.h"

namespace wagate::app {

namespace {

aws::Environment CredentialEnvironment(const config::Config& config) {
  aws::Environment env = config::ProcessEnvironment();
  auto overlay = [&env](const char* name, const std::string& value) {
    if (!value.empty()) env[name] = value;
  };
  overlay("AWS_ACCESS_KEY_ID", config.aws_access_key_id);
  overlay("AWS_SECRET_ACCESS_KEY", config.aws_secret_access_key);
  overlay("AWS_SESSION_TOKEN", config.aws_session_token);
  overlay("AWS_PROFILE", config.aws_profile);
  return env;
}

}  // namespace

AwsClients::AwsClients(const config::Config& config)
    : credentials_(aws::MakeCredentialChain(CredentialEnvironment(config), SystemClock::Instance())),
      // AWS calls are repeated after any failure, so they need not observe request writes.
      http_(net::HttpClientPool::Options{.client = {.observe_writes = false}, .max_idle = 128}) {
  auto make = [&](std::string service, std::string prefix, const std::string& service_endpoint) {
    aws::AwsJsonClient::Options options;
    options.endpoint = aws::ResolveEndpoint(service, config.aws_region, config.aws_endpoint_url,
                                            service_endpoint);
    options.region = config.aws_region;
    options.service = std::move(service);
    options.target_prefix = std::move(prefix);
    return std::make_unique<aws::AwsJsonClient>(options, *credentials_, http_, SystemClock::Instance(),
                                                random_);
  };
  dynamodb_ = make("dynamodb", "DynamoDB_20120810", config.aws_endpoint_url_dynamodb);
  sqs_ = make("sqs", "AmazonSQS", config.aws_endpoint_url_sqs);
}

aws::SqsQueueUrls AwsClients::QueueUrls(const config::Config& config) {
  aws::SqsQueueUrls urls;
  using domain::QueueName;
  urls.Of({QueueName::kIncoming, false}) = config.incoming_queue_url;
  urls.Of({QueueName::kIncoming, true}) = config.incoming_dlq_url;
  urls.Of({QueueName::kOutgoing, false}) = config.outgoing_queue_url;
  urls.Of({QueueName::kOutgoing, true}) = config.outgoing_dlq_url;
  urls.Of({QueueName::kAnalytics, false}) = config.analytics_queue_url;
  urls.Of({QueueName::kAnalytics, true}) = config.analytics_dlq_url;
  return urls;
}

}  // namespace wagate::app
