#include "wagate/backends/aws/dynamodb_update.h"

namespace wagate::aws {

namespace json = boost::json;

json::object S(std::string_view s) { return {{"S", s}}; }
json::object N(int64_t n) { return {{"N", std::to_string(n)}}; }
json::object Bool(bool b) { return {{"BOOL", b}}; }
json::object L(json::array items) { return {{"L", std::move(items)}}; }
json::object M(json::object fields) { return {{"M", std::move(fields)}}; }

namespace {

const json::object* Attribute(const json::object& item, std::string_view name) {
  const json::value* v = item.if_contains(name);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

std::string GetS(const json::object& item, std::string_view name) {
  const json::object* a = Attribute(item, name);
  if (!a) return "";
  const json::value* s = a->if_contains("S");
  return s && s->is_string() ? std::string(s->as_string()) : "";
}

std::optional<int64_t> GetN(const json::object& item, std::string_view name) {
  const json::object* a = Attribute(item, name);
  if (!a) return std::nullopt;
  const json::value* n = a->if_contains("N");
  if (!n || !n->is_string()) return std::nullopt;
  try {
    return std::stoll(std::string(n->as_string()));
  } catch (...) {
    return std::nullopt;
  }
}

bool GetBool(const json::object& item, std::string_view name) {
  const json::object* a = Attribute(item, name);
  if (!a) return false;
  const json::value* b = a->if_contains("BOOL");
  return b && b->is_bool() && b->as_bool();
}

bool Has(const json::object& item, std::string_view name) { return Attribute(item, name) != nullptr; }

DynamoUpdate::DynamoUpdate(std::string table, std::string key)
    : table_(std::move(table)), key_(std::move(key)) {}

std::string DynamoUpdate::Name(std::string_view attribute) {
  std::string placeholder = "#" + std::string(attribute);
  names_[placeholder] = attribute;
  return placeholder;
}

std::string DynamoUpdate::Value(json::object value) {
  std::string placeholder = ":v" + std::to_string(values_.size());
  values_[placeholder] = std::move(value);
  return placeholder;
}

DynamoUpdate& DynamoUpdate::Set(std::string_view attribute, json::object value) {
  sets_.push_back(Name(attribute) + " = " + Value(std::move(value)));
  return *this;
}

DynamoUpdate& DynamoUpdate::SetPath(const std::string& path, json::object value) {
  sets_.push_back(path + " = " + Value(std::move(value)));
  return *this;
}

DynamoUpdate& DynamoUpdate::NameAs(std::string_view placeholder, std::string_view attribute) {
  names_["#" + std::string(placeholder)] = attribute;
  return *this;
}

DynamoUpdate& DynamoUpdate::Increment(std::string_view attribute, int64_t n) {
  const std::string a = Name(attribute);
  sets_.push_back(a + " = " + a + " + " + Value(N(n)));
  return *this;
}

DynamoUpdate& DynamoUpdate::IncrementFrom(std::string_view attribute, int64_t start, int64_t n) {
  const std::string a = Name(attribute);
  sets_.push_back(a + " = if_not_exists(" + a + ", " + Value(N(start)) + ") + " + Value(N(n)));
  return *this;
}

DynamoUpdate& DynamoUpdate::Append(std::string_view attribute, json::array items) {
  const std::string a = Name(attribute);
  sets_.push_back(a + " = list_append(if_not_exists(" + a + ", " + Value(L({})) + "), " +
                  Value(L(std::move(items))) + ")");
  return *this;
}

DynamoUpdate& DynamoUpdate::SetIfAbsent(std::string_view attribute, json::object value) {
  const std::string a = Name(attribute);
  sets_.push_back(a + " = if_not_exists(" + a + ", " + Value(std::move(value)) + ")");
  return *this;
}

DynamoUpdate& DynamoUpdate::Remove(std::string_view attribute) {
  removes_.push_back(Name(attribute));
  return *this;
}

DynamoUpdate& DynamoUpdate::RemovePath(std::string path) {
  removes_.push_back(std::move(path));
  return *this;
}

DynamoUpdate& DynamoUpdate::Condition(const std::string& expression) {
  condition_ = condition_.empty() ? "(" + expression + ")" : condition_ + " AND (" + expression + ")";
  return *this;
}

json::object DynamoUpdate::Request() const {
  std::string expression;
  auto join = [](const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
  };
  if (!sets_.empty()) expression = "SET " + join(sets_);
  if (!removes_.empty()) expression += (expression.empty() ? "REMOVE " : " REMOVE ") + join(removes_);
  json::object request{{"TableName", table_},
                       {"Key", {{"msgid", S(key_)}}},
                       {"UpdateExpression", expression},
                       {"ReturnValues", return_old_ ? "ALL_OLD" : "ALL_NEW"},
                       {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}};
  if (!condition_.empty()) request["ConditionExpression"] = condition_;
  if (!names_.empty()) request["ExpressionAttributeNames"] = names_;
  if (!values_.empty()) request["ExpressionAttributeValues"] = values_;
  return request;
}

}  // namespace wagate::aws
