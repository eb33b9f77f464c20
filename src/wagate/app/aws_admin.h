// The operator commands on the aws backend: `provision`, `check` and `inspect` (SPEC §7).
//
// app.cc dispatches to these when WAGATE_BACKEND=aws; they have the same contracts as the
// functions of the same names in app.h. `wagate provision` on aws also prints a structured
// report (its --json document), which AwsProvisionResources() returns.
//
// IAM: provision needs dynamodb:CreateTable, dynamodb:DescribeTable, dynamodb:UpdateTimeToLive,
// sqs:CreateQueue, sqs:GetQueueUrl, sqs:GetQueueAttributes and sqs:SetQueueAttributes; check
// needs the seed's policy (the permissions `serve` uses, which it exercises) plus
// dynamodb:DescribeTimeToLive (SPEC §6).
//
// Thread safety: called from the main thread.
#pragma once

#include <string>
#include <vector>

#include "wagate/app/app.h"

namespace wagate::app {

// What `wagate provision` made (or found) on aws.
struct AwsProvisioned {
  struct Table {
    std::string name;          // DYNAMODB_TABLE_NAME
    bool created = false;      // false: it existed already
    std::string billing_mode;  // as the table has it: PAY_PER_REQUEST | PROVISIONED
    bool ttl_enabled = false;  // false only when the endpoint has no TTL API (a warning says so)
  };
  struct Queue {
    std::string name;      // the SQS queue name, e.g. "whatsapp-incoming-dlq"
    std::string variable;  // the configuration variable of its URL, e.g. "INCOMING_DLQ_URL"
    std::string url;
    bool dead_letter = false;
  };
  Table table;
  // INCOMING_QUEUE_URL, OUTGOING_QUEUE_URL, ANALYTICS_QUEUE_URL, then the three DLQs.
  std::vector<Queue> queues;
  // What provision could not do and did not treat as a failure (e.g. no TTL API).
  std::vector<std::string> warnings;

  // The text output: `# ` comment lines (what was made, warnings), then the six `VAR=url` lines,
  // so that the whole output can be appended to a .env file as it is.
  std::vector<std::string> EnvLines() const;
};

// Creates the table and the six queues as configured, idempotently (SPEC §7 `provision`). Needs
// DYNAMODB_TABLE_NAME and AWS_REGION; the queue URLs need not be configured yet. An endpoint
// without the TTL API is a warning, not an error. Errors name the AWS operation that failed.
StatusOr<AwsProvisioned> AwsProvisionResources(const config::Config& config);

// AwsProvisionResources(config)->EnvLines().
StatusOr<std::vector<std::string>> AwsProvision(const config::Config& config);

// The seed's checklist on aws, one result per check (names are stable, snake_case):
//   required_variables, aws_credentials, clock_skew, dynamodb_table, dynamodb_ttl,
//   dynamodb_capacity, queue_<name> for each of the six queues (e.g. queue_incoming_dlq), and
//   iam_<service>_<action> for each permission `serve` uses, exercised harmlessly on the probe
//   key `check:probe` and a probe message in the analytics dead-letter queue.
// Implemented in aws_check.cc.
std::vector<CheckResult> AwsCheck(const config::Config& config);

StatusOr<domain::Record> AwsInspect(const config::Config& config, const std::string& key);

}  // namespace wagate::app
