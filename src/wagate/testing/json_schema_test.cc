#include "wagate/testing/json_schema.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace wagate::testing {
namespace {

namespace json = boost::json;

const json::value kSchema = json::parse(R"({
  "type": "object", "required": ["ok", "checks"], "additionalProperties": false,
  "properties": {
    "ok": {"type": "boolean"},
    "checks": {"type": "array", "items": {
      "type": "object", "required": ["name", "result"],
      "properties": {"name": {"type": "string"}, "result": {"enum": ["pass", "fail", "warn"]},
                     "count": {"type": "integer", "minimum": 0}, "age": {"type": ["integer", "null"]}}}}
  }})");

TEST(JsonSchemaTest, AcceptsAConformingDocument) {
  auto doc = json::parse(R"({"ok":true,"checks":[{"name":"a","result":"pass","count":1,"age":null}]})");
  EXPECT_TRUE(ValidateJsonSchema(kSchema, doc).empty());
}

TEST(JsonSchemaTest, ReportsEveryViolationWithItsPath) {
  auto doc = json::parse(
      R"({"ok":"yes","extra":1,"checks":[{"name":"a","result":"maybe","count":-1,"age":"x"},{"result":"pass"}]})");
  std::vector<std::string> problems = ValidateJsonSchema(kSchema, doc);
  auto has = [&](std::string_view text) {
    for (const std::string& p : problems) {
      if (p.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("$.ok: expected type")) << problems.size();
  EXPECT_TRUE(has("$.extra: not allowed"));
  EXPECT_TRUE(has("$.checks[0].result: \"maybe\" is not one of"));
  EXPECT_TRUE(has("$.checks[0].count: -1 is below the minimum"));
  EXPECT_TRUE(has("$.checks[0].age: expected type"));
  EXPECT_TRUE(has("$.checks[1]: missing required \"name\""));
  EXPECT_EQ(problems.size(), 6u);
}

TEST(JsonSchemaTest, EveryShippedSchemaParses) {
  for (const char* name : {"check.json", "inspect.json", "loadtest.json"}) {
    EXPECT_TRUE(LoadSchema(name).is_object()) << name;
  }
}

}  // namespace
}  // namespace wagate::testing
