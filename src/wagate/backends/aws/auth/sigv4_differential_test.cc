// Differential test: SignRequest() against the AWS SDK for JavaScript's signer
// (@smithy/signature-v4, run by tests/emulators/sign.mjs) on a few hundred random requests.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "wagate/backends/aws/auth/sigv4.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::aws {
namespace {

constexpr int kCases = 300;

class Generator {
 public:
  explicit Generator(uint64_t seed) : engine_(seed) {}

  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(engine_); }
  bool OneIn(size_t n) { return Below(n) == 0; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

  // Text of 0..max pieces, each an ASCII character or a multi-byte UTF-8 one.
  std::string Text(size_t max) {
    static const std::vector<std::string> kPieces = {"a",
                                                     "Z",
                                                     "0",
                                                     "9",
                                                     "-",
                                                     "_",
                                                     ".",
                                                     "~",
                                                     " ",
                                                     "+",
                                                     "%",
                                                     "=",
                                                     "&",
                                                     "/",
                                                     "?",
                                                     "#",
                                                     "!",
                                                     "*",
                                                     "'",
                                                     "(",
                                                     ")",
                                                     ",",
                                                     ";",
                                                     ":",
                                                     "@",
                                                     "$",
                                                     "\"",
                                                     "\xC3\xA9",
                                                     "\xE2\x82\xAC",
                                                     "\xE1\x88\xB4",
                                                     "\xF0\x9F\x98\x80",
                                                     "x",
                                                     "y",
                                                     "k"};
    std::string out;
    for (size_t n = Below(max + 1); n > 0; --n) out += Pick(kPieces);
    return out;
  }

  // `text` percent-encoded for a URL: always what must be, and sometimes also what may be left.
  std::string Encode(std::string_view text, std::string_view may_stay_raw) {
    bool minimal = OneIn(2);
    std::string out;
    for (char c : text) {
      bool raw = minimal && may_stay_raw.find(c) != std::string_view::npos;
      out += raw ? std::string(1, c) : UriEncode(std::string(1, c), true);
    }
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

struct Case {
  net::HttpRequest request;  // what the C++ signer gets
  Credentials credentials;
  SigningScope scope;
  Timestamp time;
  boost::json::object sdk_input;  // the same request for sign.mjs
};

Case MakeCase(Generator& g) {
  struct Origin {
    std::string prefix, protocol, hostname;
    int port;  // 0: none in the host header
  };
  static const std::vector<Origin> kOrigins = {
      {"https://dynamodb.us-east-1.amazonaws.com", "https:", "dynamodb.us-east-1.amazonaws.com", 0},
      {"https://sqs.eu-west-1.amazonaws.com:443", "https:", "sqs.eu-west-1.amazonaws.com", 0},
      {"http://127.0.0.1:8000", "http:", "127.0.0.1", 8000},
      {"http://localhost:4566", "http:", "localhost", 4566},
      {"http://example.com:80", "http:", "example.com", 0}};
  static const std::vector<std::string> kMethods = {"GET", "POST", "PUT", "DELETE"};
  static const std::vector<std::string> kHeaderNames = {
      "X-Custom",   "x-amz-target",  "Content-Type",    "X-Amz-Meta-Note",
      "User-Agent", "Accept",        "X-Amzn-Trace-Id", "My-Header",
      "Expect",     "Cache-Control", "X-Forwarded-For"};
  static const std::vector<SigningScope> kScopes = {
      {"us-east-1", "dynamodb"}, {"eu-west-1", "sqs"}, {"ap-southeast-2", "service"}};

  Case c;
  const Origin& origin = g.Pick(kOrigins);
  c.scope = g.Pick(kScopes);
  c.time = FromUnixMillis(1420070400000 + static_cast<int64_t>(g.Below(630720000)) * 1000 +
                          static_cast<int64_t>(g.Below(1000)));
  c.credentials.access_key_id = "AKID" + std::to_string(g.Below(1000000));
  c.credentials.secret_access_key = "secret/" + std::to_string(g.Below(1000000)) + "+Key=";
  if (g.OneIn(2)) c.credentials.session_token = "token/" + std::to_string(g.Below(1000000)) + "==";

  // Path: segments of any text, empty ones, "." and "..", maybe a trailing slash.
  std::string path;
  for (size_t n = g.Below(5); n > 0; --n) {
    if (g.OneIn(8)) {
      path += "/" + std::string(g.OneIn(2) ? "." : "..");
    } else {
      path += "/" + g.Encode(g.Text(6), "~+=!*'(),;:@$&");
    }
  }
  if (path.empty() || g.OneIn(3)) path += "/";

  // Query: repeated keys, empty values, keys without "=", characters needing encoding.
  std::string raw_query;
  boost::json::array query;
  static const std::vector<std::string> kKeys = {"a",        "b", "Key", "key", "x y",
                                                 "\xC3\xBC", "+", "%",   "~",   "Action"};
  for (size_t n = g.Below(6); n > 0; --n) {
    std::string key = g.OneIn(3) ? g.Text(4) : g.Pick(kKeys);
    std::string value = g.OneIn(4) ? "" : g.Text(8);
    if (!raw_query.empty()) raw_query += "&";
    raw_query += g.Encode(key, "~!*'(),;:@$/?");
    // A piece without "=" is a key with an empty value; an empty piece is nothing at all.
    if (!value.empty() || key.empty() || !g.OneIn(2))
      raw_query += "=" + g.Encode(value, "~!*'(),;:@$/?=+");
    query.push_back(boost::json::array{boost::json::string(key), boost::json::string(value)});
  }

  c.request.method = g.Pick(kMethods);
  c.request.url = origin.prefix + path + (raw_query.empty() && g.OneIn(2) ? "" : "?" + raw_query);
  if (g.OneIn(3)) c.request.url += "#fragment";
  std::string host = origin.hostname + (origin.port ? ":" + std::to_string(origin.port) : "");
  boost::json::array headers;
  if (g.OneIn(4)) c.request.headers.emplace_back("Host", host);  // else the signer adds it
  headers.push_back(boost::json::array{"host", boost::json::string(host)});
  std::vector<std::string> names = kHeaderNames;
  for (size_t n = g.Below(5); n > 0 && !names.empty(); --n) {
    size_t i = g.Below(names.size());
    std::string name = names[i];
    names.erase(names.begin() + static_cast<long>(i));
    for (char& ch : name) {
      if (g.OneIn(3)) ch = static_cast<char>(g.OneIn(2) ? std::toupper(ch) : std::tolower(ch));
    }
    std::string value = (g.OneIn(3) ? "  " : "") + g.Text(4) + (g.OneIn(2) ? "   \t " : " ") +
                        g.Text(4) + (g.OneIn(3) ? " " : "");
    c.request.headers.emplace_back(name, value);
    headers.push_back(boost::json::array{boost::json::string(name), boost::json::string(value)});
  }
  if (c.request.method != "GET" || g.OneIn(4)) {
    for (size_t n = g.Below(64); n > 0; --n)
      c.request.body.push_back(static_cast<char>(g.Below(256)));
  }

  boost::json::object credentials{{"accessKeyId", c.credentials.access_key_id},
                                  {"secretAccessKey", c.credentials.secret_access_key}};
  if (!c.credentials.session_token.empty()) {
    credentials["sessionToken"] = c.credentials.session_token;
  }
  c.sdk_input = {{"method", c.request.method},
                 {"protocol", origin.protocol},
                 {"hostname", origin.hostname},
                 {"path", path},
                 {"query", std::move(query)},
                 {"headers", std::move(headers)},
                 {"body_hex", HexEncode(c.request.body)},
                 {"credentials", std::move(credentials)},
                 {"region", c.scope.region},
                 {"service", c.scope.service},
                 {"time_ms", ToUnixMillis(c.time)}};
  if (origin.port) c.sdk_input["port"] = origin.port;
  return c;
}

std::string Authorization(const net::HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (name == "authorization") return value;
  }
  return "";
}

TEST(SigV4DifferentialTest, MatchesTheAwsSdkSignerOnRandomRequests) {
  const std::filesystem::path emulators =
      std::filesystem::path(WAGATE_SOURCE_DIR) / "tests/emulators";
  ASSERT_EQ(std::system("command -v node >/dev/null 2>&1"), 0)
      << "node is not installed; run scripts/bootstrap (Debian package nodejs)";
  ASSERT_TRUE(std::filesystem::exists(emulators / "node_modules/@smithy/signature-v4/package.json"))
      << "the AWS SDK signer is missing from " << emulators.string()
      << "/node_modules: run `make emulators` or `npm ci --prefix tests/emulators`";

  Generator g(20150830);
  std::vector<Case> cases;
  testing::TempDir dir;
  const std::string input_path = dir.path() + "/requests.jsonl";
  {
    std::ofstream input(input_path);
    for (int i = 0; i < kCases; ++i) {
      cases.push_back(MakeCase(g));
      input << boost::json::serialize(cases.back().sdk_input) << "\n";
    }
  }
  const std::string command =
      "node '" + (emulators / "sign.mjs").string() + "' < '" + input_path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << command;
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << "sign.mjs failed:\n" << output;

  std::istringstream lines(output);
  std::string line;
  int matched = 0;
  for (Case& c : cases) {
    ASSERT_TRUE(std::getline(lines, line)) << "sign.mjs answered only " << matched << " lines";
    boost::json::object answer = boost::json::parse(line).as_object();
    ASSERT_TRUE(answer.contains("authorization")) << line << "\n" << c.sdk_input;
    const std::string expected(answer["authorization"].as_string());
    ASSERT_TRUE(SignRequest(c.request, c.credentials, c.scope, c.time).ok()) << c.request.url;
    EXPECT_EQ(Authorization(c.request), expected)
        << "request " << c.request.method << " " << c.request.url << "\nSDK input " << c.sdk_input;
    if (Authorization(c.request) == expected) ++matched;
  }
  EXPECT_EQ(matched, kCases);
  std::printf("[ DIFF     ] %d of %d random requests signed as the AWS SDK signs them\n", matched,
              kCases);
}

}  // namespace
}  // namespace wagate::aws
