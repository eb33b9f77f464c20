#include "wagate/base/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace wagate::log {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

// A JSON string value as std::string, or a marker when it is not a string.
std::string Str(const json::value& value) {
  return value.is_string() ? std::string(value.as_string())
                           : "<not a string: " + json::serialize(value) + ">";
}

constexpr std::string_view kAppSecret = "0123456789abcdef-app-secret";
constexpr std::string_view kAccessToken = "EAAGm0PX4ZCpsBA-access-token";

// Captures every written line; restores stderr and forgets secrets afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearSecretsForTest();
    Use(Level::kInfo, Format::kJson);
  }
  void TearDown() override {
    Configure(Options{});
    ClearSecretsForTest();
  }

  void Use(Level level, Format format) {
    Configure(Options{level, format, [this](std::string_view line) { lines_.emplace_back(line); }});
  }

  // The only captured line, parsed; fails the test unless it is exactly one valid JSON object.
  json::object OnlyJsonLine() {
    EXPECT_EQ(lines_.size(), 1u);
    if (lines_.empty()) return {};
    return ParseLine(lines_.back());
  }

  static json::object ParseLine(const std::string& line) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);  // rejects invalid UTF-8 as well
    EXPECT_FALSE(ec) << ec.message() << " in " << line;
    if (ec || !value.is_object()) return {};
    return value.as_object();
  }

  std::vector<std::string> lines_;
};

TEST_F(LogTest, JsonLineHasTimestampLevelMessageAndTypedFields) {
  Info("webhook accepted",
       {F("accepted", 3), F("latency_ms", 1.5), F("key", "msg:wamid.1"),
        F("big", std::numeric_limits<uint64_t>::max()), F("neg", -7L), F("ok", true)});
  json::object line = OnlyJsonLine();
  EXPECT_TRUE(std::regex_match(std::string(line["ts"].as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(Str(line["level"]), "info");
  EXPECT_EQ(Str(line["msg"]), "webhook accepted");
  EXPECT_EQ(line["accepted"].as_int64(), 3);
  EXPECT_DOUBLE_EQ(line["latency_ms"].as_double(), 1.5);
  EXPECT_EQ(Str(line["key"]), "msg:wamid.1");
  EXPECT_EQ(line["big"].as_uint64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(line["neg"].as_int64(), -7);
  EXPECT_TRUE(line["ok"].as_bool());
  EXPECT_TRUE(lines_[0].starts_with("{\"ts\":\""));
}

TEST_F(LogTest, LevelNamesInJson) {
  Use(Level::kDebug, Format::kJson);
  Debug("d");
  Info("i");
  Warn("w");
  Error("e");
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(Str(ParseLine(lines_[0])["level"]), "debug");
  EXPECT_EQ(Str(ParseLine(lines_[1])["level"]), "info");
  EXPECT_EQ(Str(ParseLine(lines_[2])["level"]), "warn");
  EXPECT_EQ(Str(ParseLine(lines_[3])["level"]), "error");
}

TEST_F(LogTest, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string tricky =
      std::string("say \"hi\"\\ \n\r\t\b\f end\x01\x1f\x7f") + std::string(1, '\0') + "z";
  Info(tricky, {F("value", tricky), F(tricky, 1)});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["msg"]), tricky);
  EXPECT_EQ(Str(line["value"]), tricky);
  EXPECT_TRUE(line.contains(tricky));
}

TEST_F(LogTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  Info("caf\xC3\xA9 \xF0\x9F\x98\x80", {F("bad",
                                          "a\xFF"
                                          "b\xC0\xAF"
                                          "c\xED\xA0\x80"
                                          "d\xE2\x82"
                                          "e\xF4\x90\x80\x80"
                                          "f")});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["msg"]), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  // Every byte of an ill-formed sequence becomes one U+FFFD.
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(Str(line["bad"]),
            "a" + r + "b" + r + r + "c" + r + r + r + "d" + r + r + "e" + r + r + r + r + "f");
}

TEST_F(LogTest, RandomBytesAlwaysGiveOneValidJsonLine) {
  std::mt19937 random(42);
  for (int i = 0; i < 500; ++i) {
    std::string bytes(random() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(random() % 256);
    lines_.clear();
    Info(bytes, {F("v", bytes), Personal("p", bytes)});
    OnlyJsonLine();
    Use(Level::kInfo, Format::kText);
    Info(bytes, {F("v", bytes)});
    Use(Level::kInfo, Format::kJson);
    EXPECT_EQ(lines_.back().find('\n'), std::string::npos);
  }
}

TEST_F(LogTest, NonFiniteDoublesStayValidJson) {
  Info("x", {F("nan", std::numeric_limits<double>::quiet_NaN()),
             F("inf", std::numeric_limits<double>::infinity())});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["nan"]), "NaN");
  EXPECT_EQ(Str(line["inf"]), "Infinity");
}

TEST_F(LogTest, TextFormat) {
  Use(Level::kInfo, Format::kText);
  Info("webhook accepted", {F("key", "value"), F("key2", "quoted value"), F("n", 3), F("empty", ""),
                            F("q", "a\"b"), F("eq", "a=b")});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_TRUE(std::regex_match(
      lines_[0],
      std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO webhook accepted key=value )"
                 R"(key2="quoted value" n=3 empty="" q="a\\"b" eq="a=b")")))
      << lines_[0];
}

TEST_F(LogTest, TextFormatKeepsOneLine) {
  Use(Level::kDebug, Format::kText);
  Warn("line one\nline two", {F("v", "x\ny")});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], HasSubstr(" WARN line one\\nline two v=\"x\\ny\""));
}

TEST_F(LogTest, LevelFiltering) {
  Use(Level::kWarn, Format::kJson);
  EXPECT_FALSE(Enabled(Level::kDebug));
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  EXPECT_TRUE(Enabled(Level::kError));
  Debug("no");
  Info("no");
  Warn("yes");
  Error("yes");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(Str(ParseLine(lines_[0])["level"]), "warn");
  EXPECT_EQ(Str(ParseLine(lines_[1])["level"]), "error");
}

TEST_F(LogTest, PersonalFieldsHiddenUnlessDebug) {
  for (Format format : {Format::kJson, Format::kText}) {
    for (Level configured : {Level::kInfo, Level::kWarn, Level::kError}) {
      Use(configured, format);
      lines_.clear();
      Error("inbound", {Personal("text", "hello there"), Personal("from", "15551234567")});
      ASSERT_EQ(lines_.size(), 1u);
      EXPECT_THAT(lines_[0], Not(HasSubstr("hello there")));
      EXPECT_THAT(lines_[0], Not(HasSubstr("15551234567")));
      EXPECT_THAT(lines_[0], HasSubstr("[personal]"));
    }
  }
  Use(Level::kDebug, Format::kJson);
  lines_.clear();
  Debug("inbound", {Personal("text", "hello there"), Personal("from", "15551234567")});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["text"]), "hello there");
  EXPECT_EQ(Str(line["from"]), "15551234567");
}

TEST_F(LogTest, CredentialNamedFieldsAlwaysRedacted) {
  Use(Level::kDebug, Format::kJson);
  for (std::string_view name :
       {"authorization", "Authorization", "X-Hub-Signature-256", "x_hub_signature", "app_secret",
        "HANDLER_SECRET", "access_token", "refresh-token", "db_password", "aws_secret_access_key",
        "AWS_ACCESS_KEY_ID", "api_key", "set-cookie"}) {
    lines_.clear();
    Info("request", {F(name, "Bearer abc.def")});
    EXPECT_THAT(lines_[0], Not(HasSubstr("abc.def"))) << name;
    EXPECT_EQ(Str(ParseLine(lines_[0])[name]), "[redacted]") << name;
  }
  lines_.clear();
  Info("request", {F("key", "msg:1"), F("latency_ms", 2)});
  EXPECT_EQ(Str(OnlyJsonLine()["key"]), "msg:1");
}

TEST_F(LogTest, RegisteredSecretsNeverAppearAnywhere) {
  RegisterSecret(kAppSecret);
  RegisterSecret(kAccessToken);
  const std::string inside = "prefix-" + std::string(kAppSecret) + "-suffix";
  const std::string both = std::string(kAccessToken) + std::string(kAppSecret);
  for (Format format : {Format::kJson, Format::kText}) {
    for (Level configured : {Level::kDebug, Level::kInfo}) {
      Use(configured, format);
      for (Level level : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
        Write(
            level, "graph call with " + std::string(kAccessToken),
            {F("value", kAppSecret), F("inside", inside), F("both", both), Personal("text", inside),
             F(kAccessToken, 1), F("header", "Bearer " + std::string(kAccessToken))});
        Write(level, inside);
      }
    }
  }
  ASSERT_FALSE(lines_.empty());
  for (const std::string& line : lines_) {
    EXPECT_THAT(line, Not(HasSubstr(kAppSecret)));
    EXPECT_THAT(line, Not(HasSubstr(kAccessToken)));
    // No fragment of a secret survives either.
    EXPECT_THAT(line, Not(HasSubstr("app-secret")));
    EXPECT_THAT(line, Not(HasSubstr("access-token")));
  }
  EXPECT_THAT(lines_[0], HasSubstr("[redacted]"));
}

TEST_F(LogTest, SecretReplacedInsideLargerStrings) {
  RegisterSecret(kAppSecret);
  Info("x", {F("v", "a" + std::string(kAppSecret) + "b" + std::string(kAppSecret))});
  EXPECT_EQ(Str(OnlyJsonLine()["v"]), "a[redacted]b[redacted]");
}

TEST_F(LogTest, OverlappingSecretsLeaveNoFragment) {
  RegisterSecret("abcdef");
  RegisterSecret("defghi");
  Info("x", {F("v", "xxabcdefghiyy")});
  EXPECT_EQ(Str(OnlyJsonLine()["v"]), "xx[redacted]yy");
}

TEST_F(LogTest, NumericValueEqualToSecretRedacted) {
  RegisterSecret("98765432");
  Info("x", {F("n", 98765432), F("m", 1298765432u)});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["n"]), "[redacted]");
  EXPECT_EQ(Str(line["m"]), "12[redacted]");
}

TEST_F(LogTest, ShortSecretRedactedWhereAWholeValueEqualsIt) {
  RegisterSecret("k9!");  // warns: too short for substring replacement
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(Str(ParseLine(lines_[0])["level"]), "warn");
  lines_.clear();
  Info("k9!", {F("token_value_check", "k9!"), F("v", "k9!"), F("n", 1)});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["msg"]), "[redacted]");
  EXPECT_EQ(Str(line["v"]), "[redacted]");
  EXPECT_EQ(line["n"].as_int64(), 1);
}

TEST_F(LogTest, EmptySecretIgnored) {
  RegisterSecret("");
  Info("plain", {F("v", "text")});
  json::object line = OnlyJsonLine();
  EXPECT_EQ(Str(line["msg"]), "plain");
  EXPECT_EQ(Str(line["v"]), "text");
}

TEST_F(LogTest, FormatLineMatchesWrite) {
  RegisterSecret(kAppSecret);
  std::string formatted = FormatLine(Level::kInfo, "m", {F("v", kAppSecret)});
  Info("m", {F("v", kAppSecret)});
  ASSERT_EQ(lines_.size(), 1u);
  // Equal apart from the timestamp.
  EXPECT_EQ(formatted.substr(formatted.find("\"level\"")),
            lines_[0].substr(lines_[0].find("\"level\"")));
}

TEST_F(LogTest, ConcurrentWritersProduceWholeLines) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i)
        Info("concurrent", {F("thread", t), F("i", i), F("pad", std::string(100, 'x'))});
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(lines_.size(), 800u);
  for (const std::string& line : lines_) EXPECT_EQ(Str(ParseLine(line)["msg"]), "concurrent");
}

TEST(LogParseTest, Level) {
  Level level = Level::kInfo;
  EXPECT_TRUE(ParseLevel("DEBUG", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_TRUE(ParseLevel("warning", &level));
  EXPECT_EQ(level, Level::kWarn);
  EXPECT_TRUE(ParseLevel("Warn", &level));
  EXPECT_TRUE(ParseLevel("error", &level));
  EXPECT_EQ(level, Level::kError);
  EXPECT_TRUE(ParseLevel("info", &level));
  EXPECT_EQ(level, Level::kInfo);
  EXPECT_FALSE(ParseLevel("verbose", &level));
  EXPECT_FALSE(ParseLevel("", &level));
  EXPECT_EQ(level, Level::kInfo);
}

TEST(LogParseTest, Format) {
  Format format = Format::kJson;
  EXPECT_TRUE(ParseFormat("TEXT", &format));
  EXPECT_EQ(format, Format::kText);
  EXPECT_TRUE(ParseFormat("json", &format));
  EXPECT_EQ(format, Format::kJson);
  EXPECT_FALSE(ParseFormat("xml", &format));
}

}  // namespace
}  // namespace wagate::log
