#include "wagate/app/aws_admin.h"

#include <boost/json.hpp>

#include "wagate/app/aws_check.h"
#include "wagate/app/aws_clients.h"
#include "wagate/backends/aws/dynamodb_provisioning.h"
#include "wagate/backends/aws/dynamodb_records.h"
#include "wagate/backends/aws/sqs_provisioning.h"

namespace wagate::app {

namespace json = boost::json;

aws::QueueSettings AwsQueueSettings(const config::Config& config) {
  aws::QueueSettings s;
  s.prefix = config.sqs_queue_prefix;
  s.visibility_timeout_seconds = config.sqs_visibility_timeout;
  s.retention_seconds = config.sqs_message_retention_seconds;
  s.receive_wait_seconds = config.sqs_wait_time_seconds;
  s.max_receive_count = config.sqs_max_receive_count;
  return s;
}

aws::TableSettings AwsTableSettings(const config::Config& config) {
  return aws::TableSettings{config.dynamodb_table_name, config.dynamodb_billing_mode};
}

namespace {

// The billing mode DescribeTable reports; tables created before on-demand existed have no
// BillingModeSummary and are PROVISIONED.
std::string BillingMode(const json::object& table) {
  if (const json::value* summary = table.if_contains("BillingModeSummary");
      summary && summary->is_object()) {
    if (const json::value* mode = summary->as_object().if_contains("BillingMode");
        mode && mode->is_string()) {
      return std::string(mode->as_string());
    }
  }
  return "PROVISIONED";
}

}  // namespace

std::vector<std::string> AwsProvisioned::EnvLines() const {
  std::vector<std::string> lines;
  lines.push_back("# wagate provision: DynamoDB table " + table.name + " " +
                  (table.created ? "created" : "exists") + " (key msgid S, " + table.billing_mode +
                  (table.ttl_enabled ? ", TTL on ttl)" : ")"));
  for (const std::string& warning : warnings) lines.push_back("# warning: " + warning);
  lines.push_back("# SQS queues and their URLs for .env:");
  for (const Queue& q : queues) lines.push_back(q.variable + "=" + q.url);
  return lines;
}

StatusOr<AwsProvisioned> AwsProvisionResources(const config::Config& config) {
  AwsClients clients(config);
  AwsProvisioned out;
  const aws::TableSettings table_settings = AwsTableSettings(config);
  StatusOr<aws::ProvisionedTable> table = aws::ProvisionTable(clients.dynamodb(), table_settings);
  if (!table.ok()) return table.status();
  out.table.name = table_settings.name;
  out.table.created = table->created;
  out.table.ttl_enabled = table->ttl_supported;
  if (!table->ttl_supported) {
    out.warnings.push_back(
        "the DynamoDB endpoint has no TTL API (UpdateTimeToLive), so TTL on `ttl` is not "
        "enabled and records are never deleted there; on AWS, provision enables it");
  }
  // An existing table keeps its billing mode: say so when it is not the configured one.
  StatusOr<json::object> described = aws::DescribeTable(clients.dynamodb(), table_settings.name);
  if (!described.ok()) return described.status();
  out.table.billing_mode = BillingMode(*described);
  if (out.table.billing_mode != config.dynamodb_billing_mode) {
    out.warnings.push_back(
        "table " + table_settings.name + " existed with billing mode " + out.table.billing_mode +
        "; DYNAMODB_BILLING_MODE=" + config.dynamodb_billing_mode + " was not applied to it");
  }

  const aws::QueueSettings queue_settings = AwsQueueSettings(config);
  StatusOr<aws::SqsQueueUrls> urls = aws::ProvisionQueues(clients.sqs(), queue_settings);
  if (!urls.ok()) return urls.status();
  for (const AwsQueueSlot& slot : kAwsQueueSlots) {
    out.queues.push_back({queue_settings.prefix + slot.ref.Name(), slot.variable,
                          urls->Of(slot.ref), slot.ref.dead_letter});
  }
  return out;
}

StatusOr<std::vector<std::string>> AwsProvision(const config::Config& config) {
  StatusOr<AwsProvisioned> provisioned = AwsProvisionResources(config);
  if (!provisioned.ok()) return provisioned.status();
  return provisioned->EnvLines();
}

StatusOr<domain::Record> AwsInspect(const config::Config& config, const std::string& key) {
  AwsClients clients(config);
  StatusOr<boost::json::object> item =
      aws::GetItem(clients.dynamodb(), config.dynamodb_table_name, key);
  if (!item.ok()) return item.status();
  if (item->empty()) return NotFoundError("no record for key");
  return aws::ItemToRecord(*item);
}

}  // namespace wagate::app
