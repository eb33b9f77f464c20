#include "wagate/backends/aws/sqs_provisioning.h"

#include <boost/json.hpp>

#include "wagate/backends/aws/sqs_status.h"

namespace wagate::aws {

namespace {

namespace json = boost::json;

json::object ToJson(const std::map<std::string, std::string>& attributes) {
  json::object o;
  for (const auto& [name, value] : attributes) o[name] = value;
  return o;
}

// Creates the queue, or finds it and sets its attributes; returns its URL.
StatusOr<std::string> EnsureQueue(AwsJsonClient& sqs, const std::string& name,
                                  const std::map<std::string, std::string>& attributes) {
  StatusOr<AwsAnswer> created =
      sqs.Call("CreateQueue", {{"QueueName", name}, {"Attributes", ToJson(attributes)}});
  if (!created.ok()) return created.status();
  if (created->ok()) return std::string(created->body["QueueUrl"].as_string());
  if (created->error_type != "QueueAlreadyExists" && created->error_type != "QueueNameExists") {
    return SqsStatus(*created, "CreateQueue " + name);
  }
  // It exists with other attributes: find it and bring them in line.
  StatusOr<AwsAnswer> found = sqs.Call("GetQueueUrl", {{"QueueName", name}});
  if (!found.ok()) return found.status();
  if (!found->ok()) return SqsStatus(*found, "GetQueueUrl " + name);
  std::string url(found->body["QueueUrl"].as_string());
  StatusOr<AwsAnswer> set =
      sqs.Call("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", ToJson(attributes)}});
  if (!set.ok()) return set.status();
  if (!set->ok()) return SqsStatus(*set, "SetQueueAttributes " + name);
  return url;
}

}  // namespace

std::map<std::string, std::string> ExpectedQueueAttributes(const QueueSettings& s, bool dead_letter,
                                                           const std::string& dlq_arn) {
  std::map<std::string, std::string> a{
      {"VisibilityTimeout", std::to_string(s.visibility_timeout_seconds)},
      {"MessageRetentionPeriod", std::to_string(s.retention_seconds)},
      {"ReceiveMessageWaitTimeSeconds", std::to_string(s.receive_wait_seconds)}};
  if (!dead_letter) {
    a["RedrivePolicy"] = json::serialize(json::object{
        {"deadLetterTargetArn", dlq_arn}, {"maxReceiveCount", s.max_receive_count}});
  }
  return a;
}

StatusOr<std::map<std::string, std::string>> QueueAttributes(AwsJsonClient& sqs,
                                                             const std::string& url) {
  StatusOr<AwsAnswer> answer =
      sqs.Call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}});
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return SqsStatus(*answer, "GetQueueAttributes");
  std::map<std::string, std::string> out;
  if (const json::value* a = answer->body.if_contains("Attributes"); a && a->is_object()) {
    for (const auto& [name, value] : a->as_object()) {
      if (value.is_string()) out[std::string(name)] = std::string(value.as_string());
    }
  }
  return out;
}

StatusOr<SqsQueueUrls> ProvisionQueues(AwsJsonClient& sqs, const QueueSettings& settings) {
  SqsQueueUrls urls;
  for (domain::QueueName q : {domain::QueueName::kIncoming, domain::QueueName::kOutgoing,
                              domain::QueueName::kAnalytics}) {
    const ports::QueueRef dlq{q, true};
    StatusOr<std::string> dlq_url =
        EnsureQueue(sqs, settings.prefix + dlq.Name(), ExpectedQueueAttributes(settings, true, ""));
    if (!dlq_url.ok()) return dlq_url.status();
    StatusOr<std::map<std::string, std::string>> dlq_attributes = QueueAttributes(sqs, *dlq_url);
    if (!dlq_attributes.ok()) return dlq_attributes.status();
    const std::string arn = (*dlq_attributes)["QueueArn"];
    if (arn.empty()) return UnavailableError("SQS did not report the ARN of " + dlq.Name());
    const ports::QueueRef source{q, false};
    StatusOr<std::string> url = EnsureQueue(sqs, settings.prefix + source.Name(),
                                            ExpectedQueueAttributes(settings, false, arn));
    if (!url.ok()) return url.status();
    urls.Of(dlq) = *dlq_url;
    urls.Of(source) = *url;
  }
  return urls;
}

}  // namespace wagate::aws
