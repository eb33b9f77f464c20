#include "wagate/testing/json_schema.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#ifndef WAGATE_SOURCE_DIR
#error "WAGATE_SOURCE_DIR must name the source tree"
#endif

namespace wagate::testing {

namespace {

namespace json = boost::json;

bool HasType(const json::value& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  return false;
}

void Validate(const json::value& schema, const json::value& doc, const std::string& path,
              std::vector<std::string>& problems) {
  if (!schema.is_object()) return;
  const json::object& s = schema.as_object();
  if (const json::value* type = s.if_contains("type")) {
    bool ok = false;
    if (type->is_string()) {
      ok = HasType(doc, type->as_string());
    } else if (type->is_array()) {
      for (const json::value& t : type->as_array()) ok = ok || (t.is_string() && HasType(doc, t.as_string()));
    }
    if (!ok) {
      problems.push_back(path + ": expected type " + json::serialize(*type) + ", got " +
                         json::serialize(doc));
      return;
    }
  }
  if (const json::value* values = s.if_contains("enum"); values && values->is_array()) {
    bool found = false;
    for (const json::value& v : values->as_array()) found = found || v == doc;
    if (!found) problems.push_back(path + ": " + json::serialize(doc) + " is not one of " + json::serialize(*values));
  }
  if (const json::value* min = s.if_contains("minimum"); min && min->is_number() && doc.is_number()) {
    if (doc.to_number<double>() < min->to_number<double>()) {
      problems.push_back(path + ": " + json::serialize(doc) + " is below the minimum");
    }
  }
  if (doc.is_object()) {
    const json::object& o = doc.as_object();
    if (const json::value* required = s.if_contains("required"); required && required->is_array()) {
      for (const json::value& name : required->as_array()) {
        if (name.is_string() && !o.contains(name.as_string())) {
          problems.push_back(path + ": missing required \"" + std::string(name.as_string()) + "\"");
        }
      }
    }
    const json::object* properties = nullptr;
    if (const json::value* p = s.if_contains("properties"); p && p->is_object()) properties = &p->as_object();
    const json::value* additional = s.if_contains("additionalProperties");
    for (const auto& [key, value] : o) {
      std::string child = path + "." + std::string(key);
      const json::value* sub = properties ? properties->if_contains(key) : nullptr;
      if (sub) {
        Validate(*sub, value, child, problems);
      } else if (additional && additional->is_bool() && !additional->as_bool()) {
        problems.push_back(child + ": not allowed by the schema");
      }
    }
  }
  if (doc.is_array()) {
    if (const json::value* items = s.if_contains("items")) {
      const json::array& a = doc.as_array();
      for (size_t i = 0; i < a.size(); ++i) {
        Validate(*items, a[i], path + "[" + std::to_string(i) + "]", problems);
      }
    }
  }
}

}  // namespace

std::vector<std::string> ValidateJsonSchema(const json::value& schema, const json::value& doc) {
  std::vector<std::string> problems;
  Validate(schema, doc, "$", problems);
  return problems;
}

json::value LoadSchema(const std::string& name) {
  std::ifstream in(std::string(WAGATE_SOURCE_DIR) + "/docs/schemas/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  return ec ? json::value(nullptr) : v;
}

}  // namespace wagate::testing
