// Creating and describing the DynamoDB table (`wagate provision`, `wagate check`, tests).
//
// ProvisionTable() creates the table with partition key `msgid` (S) and the configured billing
// mode (PROVISIONED means 10 RCU and 10 WCU, the seed's minimum), waits until it is ACTIVE, and
// turns TTL on for `ttl`. It is idempotent: an existing table is left as it is, and TTL is turned
// on if it is not. An endpoint without the TTL API (some emulators) is reported, not an error.
//
// Thread safety: plain functions; calls block on the network.
#pragma once

#include <string>

#include "wagate/backends/aws/aws_json_client.h"

namespace wagate::aws {

struct TableSettings {
  std::string name;
  std::string billing_mode = "PAY_PER_REQUEST";  // or "PROVISIONED"
};

struct ProvisionedTable {
  bool created = false;          // false: it existed
  bool ttl_supported = true;     // false: the endpoint has no TTL API
};

StatusOr<ProvisionedTable> ProvisionTable(AwsJsonClient& dynamodb, const TableSettings& settings);

// DescribeTable's `Table`.
StatusOr<boost::json::object> DescribeTable(AwsJsonClient& dynamodb, const std::string& table);

}  // namespace wagate::aws
