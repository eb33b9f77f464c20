#include "wagate/app/aws_admin.h"

#include "wagate/app/aws_clients.h"
#include "wagate/backends/aws/dynamodb_records.h"

namespace wagate::app {

StatusOr<std::vector<std::string>> AwsProvision(const config::Config& config) {
  return FailedPreconditionError("wagate provision is not yet available on the aws backend");
}

std::vector<CheckResult> AwsCheck(const config::Config& config) {
  return {{"backend", CheckResult::Outcome::kFail, "wagate check is not yet available on the aws backend"}};
}

StatusOr<domain::Record> AwsInspect(const config::Config& config, const std::string& key) {
  AwsClients clients(config);
  StatusOr<boost::json::object> item = aws::GetItem(clients.dynamodb(), config.dynamodb_table_name, key);
  if (!item.ok()) return item.status();
  if (item->empty()) return NotFoundError("no record for key");
  return aws::ItemToRecord(*item);
}

}  // namespace wagate::app
