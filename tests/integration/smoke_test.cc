// `wagate check --smoke` against the real binary: a smoke message through a running service on
// sqlite, a service that processes nothing, and no service at all.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "harness.h"
#include "service.h"
#include "wagate/testing/json_schema.h"

namespace wagate::integration {
namespace {

namespace json = boost::json;

// A loopback port nothing listens on (bound, read back and released).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The `check --json` document, validated against docs/schemas/check.json.
json::object CheckDocument(const CommandResult& r) {
  json::error_code ec;
  json::value doc = json::parse(r.out, ec);
  EXPECT_FALSE(ec) << r.out << r.err;
  if (ec || !doc.is_object()) return {};
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema("check.json"), doc),
            std::vector<std::string>{});
  return doc.as_object();
}

// The entry named `name` of a check document (empty, with a failure, when absent).
json::object Entry(const json::object& doc, std::string_view name) {
  if (const json::value* checks = doc.if_contains("checks")) {
    for (const json::value& c : checks->as_array()) {
      if (c.at("name").as_string() == name) return c.as_object();
    }
  }
  ADD_FAILURE() << "no check named " << name << " in " << json::serialize(doc);
  return {};
}

std::string Detail(const json::object& entry) {
  const json::value* d = entry.if_contains("detail");
  return d != nullptr && d->is_string() ? std::string(d->as_string()) : "";
}

std::string Result(const json::object& entry) {
  const json::value* r = entry.if_contains("result");
  return r != nullptr && r->is_string() ? std::string(r->as_string()) : "";
}

// The smoke wamid a detail names.
std::string WamidIn(const std::string& detail) {
  std::smatch m;
  static const std::regex kWamid(
      "wamid\\.wagate-smoke-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_search(detail, m, kWamid) ? m.str() : "";
}

class SmokeTest : public ::testing::Test {
 protected:
  testing::TempDir data_;
};

TEST_F(SmokeTest, PassesWhenTheServiceCompletesTheMessageWithoutReplying) {
  Env env = BaseEnv(data_.path());
  env["WORKERS"] = "1";
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  // No --url: the default is http://127.0.0.1:PORT/webhook from the configuration (HOST 0.0.0.0).
  env["PORT"] = std::to_string(p.port());

  CommandResult r = RunWagate({"check", "--smoke", "--json"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  json::object doc = CheckDocument(r);
  EXPECT_EQ(doc["ok"], json::value(true)) << r.out;
  ASSERT_FALSE(doc["checks"].as_array().empty()) << r.out;
  json::object smoke = doc["checks"].as_array().back().as_object();
  EXPECT_EQ(smoke["name"], json::value("smoke"));
  EXPECT_EQ(Result(smoke), "pass") << Detail(smoke);
  EXPECT_NE(Detail(smoke).find("COMPLETED"), std::string::npos) << Detail(smoke);
  EXPECT_NE(Detail(smoke).find(" s after POST http://127.0.0.1:" + std::to_string(p.port())),
            std::string::npos)
      << Detail(smoke);

  // The record the smoke test created is COMPLETED and the echo handler made no reply.
  std::string wamid = WamidIn(Detail(smoke));
  ASSERT_FALSE(wamid.empty()) << Detail(smoke);
  CommandResult inspect = RunWagate({"inspect", "msg:" + wamid, "--json"}, env);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.out << inspect.err;
  json::object record = json::parse(inspect.out).as_object();
  EXPECT_EQ(record["state"], json::value("COMPLETED"));
  const json::value& outputs = record["outputs"];
  EXPECT_TRUE(outputs.is_null() || (outputs.is_array() && outputs.as_array().empty()))
      << inspect.out;
  ASSERT_TRUE(record["result"].is_object()) << inspect.out;
  EXPECT_EQ(record["result"].at("replies"), json::value(0)) << inspect.out;
  EXPECT_EQ(record["result"].at("mark_read"), json::value(false)) << inspect.out;

  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  EXPECT_EQ(r.err.find(kSecret), std::string::npos);
}

TEST_F(SmokeTest, FailsNamingTheStateWhenNothingProcessesTheMessage) {
  Env env = BaseEnv(data_.path());  // WORKERS=0: the record stays QUEUED
  WagateProcess p(env);
  ASSERT_TRUE(p.started()) << p.ReadLog();
  env["PORT"] = std::to_string(p.port());

  auto start = std::chrono::steady_clock::now();
  CommandResult r = RunWagate({"check", "--smoke", "--smoke-timeout", "2"}, env);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_GE(took, std::chrono::seconds(2));
  EXPECT_LT(took, std::chrono::seconds(20));
  // The checklist itself passes; the smoke line is the one failure.
  EXPECT_NE(r.out.find("✅ database:"), std::string::npos) << r.out;
  size_t line = r.out.find("❌ smoke: ");
  ASSERT_NE(line, std::string::npos) << r.out;
  std::string smoke = r.out.substr(line, r.out.find('\n', line) - line);
  EXPECT_NE(smoke.find("not COMPLETED within 2 s"), std::string::npos) << smoke;
  EXPECT_NE(smoke.find("last state QUEUED"), std::string::npos) << smoke;
  EXPECT_NE(smoke.find("last_error"), std::string::npos) << smoke;
  EXPECT_FALSE(WamidIn(smoke).empty()) << smoke;

  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  EXPECT_EQ(r.err.find(kSecret), std::string::npos);
}

TEST_F(SmokeTest, FailsFastNamingTheUrlWhenNoServiceListens) {
  Env env = BaseEnv(data_.path());
  ASSERT_EQ(RunWagate({"provision"}, env).exit_code, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(FreePort()) + "/webhook";

  auto start = std::chrono::steady_clock::now();
  CommandResult r = RunWagate({"check", "--smoke", "--url", url, "--json"}, env);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_LT(took, std::chrono::seconds(10));
  json::object doc = CheckDocument(r);
  EXPECT_EQ(doc["ok"], json::value(false)) << r.out;
  json::object smoke = Entry(doc, "smoke");
  EXPECT_EQ(Result(smoke), "fail");
  EXPECT_NE(Detail(smoke).find("no service answers at " + url), std::string::npos) << Detail(smoke);
  EXPECT_NE(Detail(smoke).find("wagate serve"), std::string::npos) << Detail(smoke);
  // Only the smoke test failed.
  for (const json::value& c : doc["checks"].as_array()) {
    if (c.at("name") != json::value("smoke")) {
      EXPECT_NE(Result(c.as_object()), "fail") << json::serialize(c);
    }
  }

  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  EXPECT_EQ(r.err.find(kSecret), std::string::npos);
}

TEST_F(SmokeTest, SmokeOptionsNeedSmoke) {
  Env env = BaseEnv(data_.path());
  EXPECT_EQ(RunWagate({"check", "--url", "http://127.0.0.1:1/webhook"}, env).exit_code, 2);
  EXPECT_EQ(RunWagate({"check", "--smoke-timeout", "2"}, env).exit_code, 2);
}

}  // namespace
}  // namespace wagate::integration
