// JSON text output for parsed webhook values: the RFC 8785 canonical form (JCS) that event keys
// are hashed from, and the compact form that work-item payloads are built from.
//
// Canonical form (RFC 8785): no whitespace; object members sorted by their names compared as
// UTF-16 code units; strings with the minimal escaping of ECMAScript JSON.stringify (\b \t \n \f
// \r \" \\ and \u00xx in lowercase hex for the other control characters, everything else as raw
// UTF-8); numbers as ECMAScript Number.prototype.toString of the value as an IEEE 754 double
// (integers that simdjson parsed as int64/uint64 are converted to double first, as a JavaScript
// reader would). The same value thus always yields the same bytes, whatever the member order,
// whitespace or escaping of the text it was parsed from.
//
// Compact form: no whitespace, members in document order, strings escaped as above, integers
// printed exactly, other numbers as in the canonical form but always with a fraction or an
// exponent (1.0, 100000000000000000000.0, 1e+21), so that every reader takes them as doubles.
//
// The input is a simdjson DOM element, so it is valid JSON with valid UTF-8 strings. Recursion
// depth follows the element's nesting, which the parser's max_depth bounds.
//
// Thread safety: pure functions.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace wagate::whatsapp {

// The canonical (RFC 8785) form of `value`.
std::string CanonicalJson(simdjson::dom::element value);
// Appends the canonical (RFC 8785) form of `value` to `out`.
void AppendCanonicalJson(simdjson::dom::element value, std::string* out);

// Appends the compact form of `value` to `out`.
void AppendCompactJson(simdjson::dom::element value, std::string* out);

// Appends `s` (valid UTF-8) as a JSON string literal, quotes included, escaped per RFC 8785.
void AppendJsonString(std::string_view s, std::string* out);

// Appends ECMAScript Number.prototype.toString(`d`), e.g. 1e+21, 1e-7, 0.000001, 123; -0 gives
// "0". `d` must be finite (JSON has no NaN or Infinity).
void AppendJsNumber(double d, std::string* out);

// True when UTF-8 string `a` sorts before `b` by UTF-16 code units (RFC 8785 §3.2.3).
bool Utf16Less(std::string_view a, std::string_view b);

}  // namespace wagate::whatsapp
