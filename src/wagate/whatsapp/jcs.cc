#include "wagate/whatsapp/jcs.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace wagate::whatsapp {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class Form { kCanonical, kCompact };

// Escape sequences for the control characters, as JSON.stringify writes them.
constexpr std::string_view kControlEscapes[32] = {
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
    "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
    "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
    "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};

bool NeedsEscape(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\'; }

// The length of the prefix of `s` that needs no escaping. Strings are mostly plain text, so this
// tests eight bytes at a time ("Bit Twiddling Hacks": a word x has a byte below n, for n <= 0x80,
// iff (x - n * 0x01..01) & ~x & 0x80..80 is non-zero; a byte equal to c iff x ^ c * 0x01..01 has
// a byte below 1). A hit may be a false positive in a later byte; the byte loop then decides.
size_t PlainPrefixLength(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighs = 0x8080808080808080;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const uint64_t quote = x ^ (kOnes * '"');
    const uint64_t backslash = x ^ (kOnes * '\\');
    const uint64_t special =
        ((x - kOnes * 0x20) & ~x) | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
    if ((special & kHighs) != 0) break;
  }
  while (i < s.size() && !NeedsEscape(s[i])) ++i;
  return i;
}

template <typename Int>
void AppendInteger(Int v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end);
}

void AppendValue(element value, Form form, std::string* out);

void AppendArray(simdjson::dom::array array, Form form, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (element item : array) {
    if (!first) out->push_back(',');
    first = false;
    AppendValue(item, form, out);
  }
  out->push_back(']');
}

void AppendMember(std::string_view key, element value, Form form, bool first, std::string* out) {
  if (!first) out->push_back(',');
  AppendJsonString(key, out);
  out->push_back(':');
  AppendValue(value, form, out);
}

void AppendObject(simdjson::dom::object object, Form form, std::string* out) {
  out->push_back('{');
  if (form == Form::kCompact) {
    bool first = true;
    for (auto [key, value] : object) {
      AppendMember(key, value, form, first, out);
      first = false;
    }
  } else {
    std::vector<std::pair<std::string_view, element>> members;
    members.reserve(object.size());
    for (auto [key, value] : object) members.emplace_back(key, value);
    // Names are unique in the documents we canonicalise (duplicates are rejected earlier), so
    // a plain sort is deterministic.
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return Utf16Less(a.first, b.first); });
    bool first = true;
    for (const auto& [key, value] : members) {
      AppendMember(key, value, form, first, out);
      first = false;
    }
  }
  out->push_back('}');
}

void AppendValue(element value, Form form, std::string* out) {
  switch (value.type()) {
    case element_type::OBJECT: AppendObject(value.get_object().value_unsafe(), form, out); return;
    case element_type::ARRAY: AppendArray(value.get_array().value_unsafe(), form, out); return;
    case element_type::STRING: AppendJsonString(value.get_string().value_unsafe(), out); return;
    case element_type::INT64: {
      int64_t v = value.get_int64().value_unsafe();
      if (form == Form::kCanonical) {
        AppendJsNumber(static_cast<double>(v), out);
      } else {
        AppendInteger(v, out);
      }
      return;
    }
    case element_type::UINT64: {
      uint64_t v = value.get_uint64().value_unsafe();
      if (form == Form::kCanonical) {
        AppendJsNumber(static_cast<double>(v), out);
      } else {
        AppendInteger(v, out);
      }
      return;
    }
    case element_type::DOUBLE: {
      const size_t start = out->size();
      AppendJsNumber(value.get_double().value_unsafe(), out);
      // The compact form keeps a double a double for every reader: printed as an integer, 1e20
      // would be a literal that no 64-bit integer holds, which some parsers reject.
      if (form == Form::kCompact && out->find_first_of(".e", start) == std::string::npos) {
        out->append(".0");
      }
      return;
    }
    case element_type::BOOL:
      out->append(value.get_bool().value_unsafe() ? "true" : "false");
      return;
    case element_type::NULL_VALUE: out->append("null"); return;
  }
}

}  // namespace

std::string CanonicalJson(element value) {
  std::string out;
  AppendCanonicalJson(value, &out);
  return out;
}

void AppendCanonicalJson(element value, std::string* out) {
  AppendValue(value, Form::kCanonical, out);
}

void AppendCompactJson(element value, std::string* out) { AppendValue(value, Form::kCompact, out); }

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const size_t plain = PlainPrefixLength(s);
  if (plain == s.size()) {
    out->append(s);
    out->push_back('"');
    return;
  }
  size_t run_start = 0;
  for (size_t i = plain; i < s.size(); ++i) {
    if (!NeedsEscape(s[i])) continue;
    out->append(s.data() + run_start, i - run_start);
    if (s[i] == '"') {
      out->append("\\\"");
    } else if (s[i] == '\\') {
      out->append("\\\\");
    } else {
      out->append(kControlEscapes[static_cast<unsigned char>(s[i])]);
    }
    run_start = i + 1;
  }
  out->append(s.data() + run_start, s.size() - run_start);
  out->push_back('"');
}

void AppendJsNumber(double d, std::string* out) {
  if (d == 0) {  // both +0 and -0
    out->push_back('0');
    return;
  }
  if (d < 0) {
    out->push_back('-');
    d = -d;
  }
  // std::to_chars without a precision gives the shortest digits that round-trip, and of those
  // the closest to `d`: exactly the digits ECMAScript's Number::toString calls s (k digits).
  // Only the layout differs, so the scientific form "D[.DDD]e±XX" is taken apart and re-laid.
  char sci[32];
  char* sci_end = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific).ptr;
  char digits[24];
  int k = 0;
  const char* p = sci;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[k++] = *p;
  }
  ++p;  // 'e'
  const bool negative_exponent = *p == '-';
  ++p;  // sign
  int exponent = 0;
  std::from_chars(p, sci_end, exponent);
  if (negative_exponent) exponent = -exponent;
  const int n = exponent + 1;  // d = 0.digits × 10^n

  if (k <= n && n <= 21) {  // an integer: the digits, then zeros
    out->append(digits, k);
    out->append(n - k, '0');
  } else if (0 < n && n <= 21) {  // a decimal point inside the digits
    out->append(digits, n);
    out->push_back('.');
    out->append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {  // a small fraction: 0.000ddd
    out->append("0.");
    out->append(-n, '0');
    out->append(digits, k);
  } else {  // exponent form: d[.ddd]e±x
    out->push_back(digits[0]);
    if (k > 1) {
      out->push_back('.');
      out->append(digits + 1, k - 1);
    }
    out->push_back('e');
    out->push_back(n - 1 >= 0 ? '+' : '-');
    AppendInteger(std::abs(n - 1), out);
  }
}

bool Utf16Less(std::string_view a, std::string_view b) {
  const size_t common = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < common && a[i] == b[i]) ++i;
  if (i == common) return a.size() < b.size();
  // UTF-8 byte order is code point order. UTF-16 code unit order differs from it only between
  // U+E000..U+FFFF (lead byte 0xEE or 0xEF) and U+10000 and above (lead byte 0xF0..0xF4, encoded
  // as surrogates 0xD800..0xDFFF, which sort first). Continuation bytes are below 0xC0, so these
  // tests only fire when the first difference is at a lead byte.
  const auto x = static_cast<unsigned char>(a[i]);
  const auto y = static_cast<unsigned char>(b[i]);
  const bool x_high_bmp = x == 0xEE || x == 0xEF;
  const bool y_high_bmp = y == 0xEE || y == 0xEF;
  if (x_high_bmp && y >= 0xF0) return false;
  if (y_high_bmp && x >= 0xF0) return true;
  return x < y;
}

}  // namespace wagate::whatsapp
