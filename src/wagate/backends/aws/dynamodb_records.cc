#include "wagate/backends/aws/dynamodb_records.h"

#include <boost/json.hpp>

namespace wagate::aws {

namespace json = boost::json;

Status DynamoStatus(const AwsAnswer& refused, std::string_view operation) {
  const std::string what = "DynamoDB " + std::string(operation) + ": " + refused.error_type + ": " +
                           refused.error_message;
  if (refused.error_type == "ResourceNotFoundException") {
    return FailedPreconditionError(what + " (run `wagate provision`)");
  }
  if (refused.error_type == "AccessDeniedException") return PermissionDeniedError(what);
  if (refused.error_type == "ValidationException" || refused.error_type == "SerializationException") {
    return InternalError(what);
  }
  return UnavailableError(what);
}

StatusOr<json::object> GetItem(AwsJsonClient& dynamodb, const std::string& table, std::string_view key,
                               Deadline deadline) {
  StatusOr<AwsAnswer> answer = dynamodb.Call(
      "GetItem", {{"TableName", table}, {"Key", {{"msgid", S(key)}}}, {"ConsistentRead", true}},
      Millis(0), deadline);
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return DynamoStatus(*answer, "GetItem");
  json::value* item = answer->body.if_contains("Item");
  if (!item || !item->is_object()) return json::object();
  return std::move(item->as_object());
}

StatusOr<WriteResult> RunUpdate(AwsJsonClient& dynamodb, const std::string& table,
                                const DynamoUpdate& update, Deadline deadline) {
  StatusOr<AwsAnswer> answer = dynamodb.Call("UpdateItem", update.Request(), Millis(0), deadline);
  if (!answer.ok()) return answer.status();
  WriteResult result;
  if (answer->ok()) {
    result.applied = true;
    if (json::value* a = answer->body.if_contains("Attributes"); a && a->is_object()) {
      result.item = std::move(a->as_object());
    }
    return result;
  }
  if (answer->error_type != "ConditionalCheckFailedException") {
    return DynamoStatus(*answer, "UpdateItem");
  }
  if (json::value* item = answer->body.if_contains("Item"); item && item->is_object()) {
    result.item = std::move(item->as_object());
    return result;
  }
  // The service did not return the old item (ReturnValuesOnConditionCheckFailure unsupported).
  StatusOr<json::object> current = GetItem(dynamodb, table, update.key(), deadline);
  if (!current.ok()) return current.status();
  result.item = std::move(*current);
  return result;
}

size_t HistoryLength(const json::object& item) {
  const json::value* h = item.if_contains("history");
  if (!h || !h->is_object()) return 0;
  const json::value* l = h->as_object().if_contains("L");
  return l && l->is_array() ? l->as_array().size() : 0;
}

int DeliveryRank(std::string_view status) {
  if (status == "sent") return 1;
  if (status == "delivered") return 2;
  if (status == "read") return 3;
  if (status == "played") return 4;
  if (status == "failed") return 5;
  return 0;
}

namespace {

std::vector<domain::Attempt> History(const json::object& item) {
  std::vector<domain::Attempt> out;
  const json::value* h = item.if_contains("history");
  if (!h || !h->is_object()) return out;
  const json::value* l = h->as_object().if_contains("L");
  if (!l || !l->is_array()) return out;
  for (const json::value& e : l->as_array()) {
    const json::value* m = e.is_object() ? e.as_object().if_contains("M") : nullptr;
    if (!m || !m->is_object()) continue;
    const json::object& fields = m->as_object();
    domain::Attempt a;
    a.at = FromUnixMillis(GetN(fields, "at").value_or(0));
    a.owner = GetS(fields, "owner");
    a.fence = GetN(fields, "fence").value_or(0);
    a.outcome = GetS(fields, "outcome");
    a.error = GetS(fields, "error");
    out.push_back(std::move(a));
  }
  if (out.size() > domain::kMaxHistory) out.erase(out.begin(), out.end() - domain::kMaxHistory);
  return out;
}

// The record's result with the delivery status folded in, as the sqlite store keeps it.
std::string Result(const json::object& item) {
  std::string result = GetS(item, "result");
  const std::string delivery = GetS(item, "delivery");
  if (delivery.empty()) return result;
  json::object o;
  boost::system::error_code ec;
  if (!result.empty()) {
    json::value parsed = json::parse(result, ec);
    if (!ec && parsed.is_object()) o = std::move(parsed.as_object());
  }
  o["delivery"] = delivery;
  const std::string wamid = GetS(item, "status_wamid");
  if (!o.contains("wamid") && !wamid.empty()) o["wamid"] = wamid;
  return json::serialize(o);
}

}  // namespace

domain::Record ItemToRecord(const json::object& item) {
  domain::Record r;
  r.key = GetS(item, "msgid");
  domain::ParseItemKind(GetS(item, "kind"), &r.kind);
  domain::ParseRecordState(GetS(item, "state"), &r.state);
  r.created_at = FromUnixMillis(GetN(item, "created_at").value_or(0));
  r.updated_at = FromUnixMillis(GetN(item, "updated_at").value_or(0));
  r.expires_at = FromUnixMillis(GetN(item, "expires_at").value_or(0));
  r.attempts = GetN(item, "attempts").value_or(0);
  r.owner = GetS(item, "owner");
  if (std::optional<int64_t> lease = GetN(item, "lease_until")) r.lease_until = FromUnixMillis(*lease);
  r.fence = GetN(item, "fence").value_or(0);
  r.queue_message_id = GetS(item, "qmid");
  r.last_error = GetS(item, "last_error");
  r.history = History(item);
  r.outputs = GetS(item, "outputs");
  r.outputs_enqueued = GetBool(item, "outputs_enqueued");
  r.result = Result(item);
  return r;
}

}  // namespace wagate::aws
