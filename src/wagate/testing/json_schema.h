// A small JSON Schema validator for the documents our CLI prints (docs/schemas/*.json).
//
// It understands the subset those schemas use: "type" (a name or a list of names: object, array,
// string, integer, number, boolean, null), "required", "properties", "additionalProperties"
// (boolean), "items", "enum", "minimum" and "pattern"-free strings. Unknown keywords are ignored.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace wagate::testing {

// Every way `doc` breaks `schema`, each as "<json path>: <problem>"; empty when it conforms.
std::vector<std::string> ValidateJsonSchema(const boost::json::value& schema,
                                            const boost::json::value& doc);

// Reads and parses docs/schemas/<name> from the source tree (WAGATE_SOURCE_DIR).
boost::json::value LoadSchema(const std::string& name);

}  // namespace wagate::testing
