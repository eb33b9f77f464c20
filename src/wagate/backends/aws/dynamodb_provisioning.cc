#include "wagate/backends/aws/dynamodb_provisioning.h"

#include <boost/json.hpp>
#include <thread>

#include "wagate/backends/aws/dynamodb_records.h"

namespace wagate::aws {

namespace json = boost::json;

StatusOr<json::object> DescribeTable(AwsJsonClient& dynamodb, const std::string& table) {
  StatusOr<AwsAnswer> answer = dynamodb.Call("DescribeTable", {{"TableName", table}});
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return DynamoStatus(*answer, "DescribeTable " + table);
  json::value* t = answer->body.if_contains("Table");
  if (!t || !t->is_object()) return UnavailableError("DescribeTable answered without a table");
  return std::move(t->as_object());
}

StatusOr<ProvisionedTable> ProvisionTable(AwsJsonClient& dynamodb, const TableSettings& settings) {
  ProvisionedTable out;
  const bool provisioned = settings.billing_mode == "PROVISIONED" || settings.billing_mode == "provisioned";
  json::object create{
      {"TableName", settings.name},
      {"AttributeDefinitions", json::array{json::object{{"AttributeName", "msgid"}, {"AttributeType", "S"}}}},
      {"KeySchema", json::array{json::object{{"AttributeName", "msgid"}, {"KeyType", "HASH"}}}}};
  if (provisioned) {
    create["BillingMode"] = "PROVISIONED";
    create["ProvisionedThroughput"] = {{"ReadCapacityUnits", 10}, {"WriteCapacityUnits", 10}};
  } else {
    create["BillingMode"] = "PAY_PER_REQUEST";
  }
  StatusOr<AwsAnswer> created = dynamodb.Call("CreateTable", create);
  if (!created.ok()) return created.status();
  if (created->ok()) {
    out.created = true;
  } else if (created->error_type != "ResourceInUseException") {
    return DynamoStatus(*created, "CreateTable " + settings.name);
  }
  // Wait until ACTIVE (new tables take a few seconds on AWS, which may even answer "not found"
  // for a moment right after CreateTable).
  for (int i = 0;; ++i) {
    StatusOr<json::object> table = DescribeTable(dynamodb, settings.name);
    const bool not_yet = !table.ok() && out.created && table.status().code() == StatusCode::kFailedPrecondition;
    if (!table.ok() && !not_yet) return table.status();
    const json::value* status = table.ok() ? table->if_contains("TableStatus") : nullptr;
    if (status && status->is_string() && status->as_string() == "ACTIVE") break;
    if (i == 120) return UnavailableError("table " + settings.name + " did not become ACTIVE in 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  StatusOr<AwsAnswer> ttl = dynamodb.Call(
      "UpdateTimeToLive",
      {{"TableName", settings.name},
       {"TimeToLiveSpecification", {{"AttributeName", "ttl"}, {"Enabled", true}}}});
  if (!ttl.ok()) return ttl.status();
  if (!ttl->ok()) {
    const std::string& t = ttl->error_type;
    if (IsUnsupportedOperation(t)) {
      out.ttl_supported = false;
    } else if (!(t == "ValidationException" &&
                 ttl->error_message.find("already enabled") != std::string::npos)) {
      return DynamoStatus(*ttl, "UpdateTimeToLive " + settings.name);
    }
  }
  return out;
}

}  // namespace wagate::aws
