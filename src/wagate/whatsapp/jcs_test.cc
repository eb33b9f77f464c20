#include "wagate/whatsapp/jcs.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>

namespace wagate::whatsapp {
namespace {

std::string NumberText(double d) {
  std::string out;
  AppendJsNumber(d, &out);
  return out;
}

// Parses `json` (which must be valid) and returns its canonical form.
std::string Canonical(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  return CanonicalJson(root);
}

std::string Compact(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  std::string out;
  AppendCompactJson(root, &out);
  return out;
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript text (checked against
// Node.js Number.prototype.toString).
TEST(JsNumberTest, Rfc8785AppendixB) {
  const struct {
    uint64_t bits;
    const char* text;
  } kCases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(NumberText(std::bit_cast<double>(c.bits)), c.text) << std::hex << c.bits;
  }
}

TEST(JsNumberTest, LayoutBoundaries) {
  EXPECT_EQ(NumberText(1), "1");
  EXPECT_EQ(NumberText(-1), "-1");
  EXPECT_EQ(NumberText(123), "123");
  EXPECT_EQ(NumberText(0.5), "0.5");
  EXPECT_EQ(NumberText(4.5), "4.5");
  EXPECT_EQ(NumberText(1e20), "100000000000000000000");
  EXPECT_EQ(NumberText(1e21), "1e+21");
  EXPECT_EQ(NumberText(1.5e21), "1.5e+21");
  EXPECT_EQ(NumberText(1e-6), "0.000001");
  EXPECT_EQ(NumberText(1e-7), "1e-7");
  EXPECT_EQ(NumberText(1.25e-7), "1.25e-7");
  EXPECT_EQ(NumberText(123.456), "123.456");
  EXPECT_EQ(NumberText(-0.0), "0");
  EXPECT_EQ(NumberText(37.4219983), "37.4219983");
}

// RFC 8785 §3.2.3: names sort by UTF-16 code units, so U+1F600 (surrogates D83D DE00) sorts
// before U+FB33 although its code point is larger.
TEST(CanonicalJsonTest, SortsNamesByUtf16CodeUnits) {
  const std::string input = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(Canonical(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\","
            "\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
            "\"\U0001F600\":\"Emoji: Grinning Face\","
            "\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
}

// RFC 8785 §3.2.2's example.
TEST(CanonicalJsonTest, Rfc8785Example) {
  const std::string input = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(Canonical(input),
            R"({"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],)"
            "\"string\":\"\u20ac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

TEST(CanonicalJsonTest, IndependentOfOrderWhitespaceAndEscaping) {
  EXPECT_EQ(Canonical(R"({"b": [1, {"y": 2, "x": "\u00e9"}], "a": "\/"})"),
            Canonical(R"({"a":"/","b":[1.0,{"x":"é","y":2e0}]})"));
  EXPECT_EQ(Canonical(R"({"a":"/","b":[1.0,{"x":"é","y":2e0}]})"),
            "{\"a\":\"/\",\"b\":[1,{\"x\":\"\u00e9\",\"y\":2}]}");
}

TEST(CanonicalJsonTest, IntegersAreReadAsDoubles) {
  // 2^53 + 1 is not a double; JavaScript reads it as 2^53.
  EXPECT_EQ(Canonical("[9007199254740993]"), "[9007199254740992]");
  EXPECT_EQ(Canonical("[18446744073709551615]"), "[18446744073709552000]");
  EXPECT_EQ(Canonical("[-0, 0.0, 1e21, 100]"), "[0,0,1e+21,100]");
}

TEST(CanonicalJsonTest, EscapesOnlyWhatJsonStringifyEscapes) {
  EXPECT_EQ(Canonical(R"(["\u0000\u0001\b\t\n\u000b\f\r\u001f \u007f\u2028<>&@/'"])"),
            "[\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \x7f\u2028<>&@/'\"]");
  EXPECT_EQ(Canonical(R"(["\"\\"])"), R"(["\"\\"])");
}

TEST(AppendJsonStringTest, EscapesAtEveryPositionOfLongStrings) {
  // The fast path scans eight bytes at a time; every offset must still be seen.
  for (size_t at = 0; at < 20; ++at) {
    for (char special : {'"', '\\', '\x1f', '\0'}) {
      std::string s(20, 'a');
      s[at] = special;
      std::string expected = "\"" + std::string(at, 'a');
      expected += special == '"'    ? "\\\""
                  : special == '\\' ? "\\\\"
                  : special == '\0' ? "\\u0000"
                                    : "\\u001f";
      expected += std::string(19 - at, 'a') + "\"";
      std::string out;
      AppendJsonString(s, &out);
      EXPECT_EQ(out, expected) << at;
    }
  }
  std::string out;
  AppendJsonString("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\U0001F600 \x7f\xef\xbf\xbf", &out);
  EXPECT_EQ(out, "\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\U0001F600 \x7f\xef\xbf\xbf\"");
}

TEST(CanonicalJsonTest, EmptyContainers) {
  EXPECT_EQ(Canonical("{ }"), "{}");
  EXPECT_EQ(Canonical("[ ]"), "[]");
  EXPECT_EQ(Canonical(R"({"a":{},"b":[[]]})"), R"({"a":{},"b":[[]]})");
}

TEST(CompactJsonTest, KeepsOrderAndExactIntegers) {
  EXPECT_EQ(Compact(R"( { "b" : 9007199254740993 , "a" : [ 1.50 , -7, "\u00e9\/" ] } )"),
            "{\"b\":9007199254740993,\"a\":[1.5,-7,\"\u00e9/\"]}");
  EXPECT_EQ(Compact("18446744073709551615"), "18446744073709551615");
  // Doubles stay doubles, even when integral or beyond 64-bit integers.
  EXPECT_EQ(Compact("[1.0, 1e20, -0.0, 2.5e-7, 1e21]"),
            "[1.0,100000000000000000000.0,0.0,2.5e-7,1e+21]");
  EXPECT_EQ(Compact("-9223372036854775808"), "-9223372036854775808");
}

TEST(Utf16LessTest, OrdersByCodeUnits) {
  EXPECT_TRUE(Utf16Less("a", "b"));
  EXPECT_FALSE(Utf16Less("b", "a"));
  EXPECT_TRUE(Utf16Less("a", "ab"));
  EXPECT_FALSE(Utf16Less("ab", "ab"));
  EXPECT_TRUE(Utf16Less("", "a"));
  EXPECT_TRUE(Utf16Less("\u00e9", "\u20ac"));
  // U+10000 (D800 DC00) sorts before U+E000 and U+FFFD, but after U+D7FF.
  EXPECT_TRUE(Utf16Less("\U00010000", "\ue000"));
  EXPECT_TRUE(Utf16Less("\U00010000", "\ufffd"));
  EXPECT_FALSE(Utf16Less("\ufffd", "\U00010000"));
  EXPECT_TRUE(Utf16Less("\ud7ff", "\U00010000"));
  EXPECT_TRUE(Utf16Less("x\U0001F600", "x\ufb33"));
  EXPECT_TRUE(Utf16Less("\U0001F600", "\U0001F601"));
}

}  // namespace
}  // namespace wagate::whatsapp
