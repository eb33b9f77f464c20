// Building DynamoDB requests: typed attribute values, and one conditional UpdateItem with its
// expression attribute names and values.
//
// Every attribute is referred to by a name placeholder (`#state`), so reserved words (STATE,
// OWNER, RESULT, TTL, ...) need no special care, and every value by a value placeholder (`:v3`).
//
//   DynamoUpdate u(table, key);
//   u.Set("state", S("PROCESSING")).Add("fence", 1).Remove("owner");
//   u.Condition(u.Name("fence") + " = " + u.Value(N(7)));
//   boost::json::object request = u.Request();
//
// Thread safety: plain values.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wagate::aws {

// DynamoDB attribute values.
boost::json::object S(std::string_view s);
boost::json::object N(int64_t n);
boost::json::object Bool(bool b);
boost::json::object L(boost::json::array items);
boost::json::object M(boost::json::object fields);

// Reading an item's attributes; the fallback when the attribute is absent or of another type.
std::string GetS(const boost::json::object& item, std::string_view name);
std::optional<int64_t> GetN(const boost::json::object& item, std::string_view name);
bool GetBool(const boost::json::object& item, std::string_view name);
bool Has(const boost::json::object& item, std::string_view name);

class DynamoUpdate {
 public:
  DynamoUpdate(std::string table, std::string key);

  // "#name", registered as a name placeholder.
  std::string Name(std::string_view attribute);
  // ":vN", registered as a value placeholder.
  std::string Value(boost::json::object value);

  DynamoUpdate& Set(std::string_view attribute, boost::json::object value);
  // SET <path> = :value, for a path built with Name() ("#a.#b").
  DynamoUpdate& SetPath(const std::string& path, boost::json::object value);
  // Registers "#placeholder" for an attribute name that is not a valid placeholder itself (a
  // map key such as a worker id).
  DynamoUpdate& NameAs(std::string_view placeholder, std::string_view attribute);
  // SET #a = #a + :n (the attribute must exist; see SetAdd for counters that may not).
  DynamoUpdate& Increment(std::string_view attribute, int64_t n);
  // SET #a = if_not_exists(#a, :start) + :n.
  DynamoUpdate& IncrementFrom(std::string_view attribute, int64_t start, int64_t n);
  // SET #a = list_append(if_not_exists(#a, :empty), :items).
  DynamoUpdate& Append(std::string_view attribute, boost::json::array items);
  // SET #a = if_not_exists(#a, :value).
  DynamoUpdate& SetIfAbsent(std::string_view attribute, boost::json::object value);
  DynamoUpdate& Remove(std::string_view attribute);
  // A raw REMOVE path such as "#history[0]" (built with Name()).
  DynamoUpdate& RemovePath(std::string path);
  // Return the item as it was before the write (default: as it is after).
  DynamoUpdate& ReturnOld() {
    return_old_ = true;
    return *this;
  }
  // ANDed with any condition set before.
  DynamoUpdate& Condition(const std::string& expression);

  // The UpdateItem request, returning the new (or, after ReturnOld(), the old) item on success
  // and the old one when the condition fails.
  boost::json::object Request() const;
  const std::string& key() const { return key_; }

 private:
  std::string table_;
  std::string key_;
  std::vector<std::string> sets_;
  std::vector<std::string> removes_;
  std::string condition_;
  bool return_old_ = false;
  boost::json::object names_;
  boost::json::object values_;
};

}  // namespace wagate::aws
