#include "wagate/loadtest/loadtest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "wagate/whatsapp/signature.h"

namespace wagate::loadtest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using ::testing::Key;
using ::testing::UnorderedElementsAre;

struct Behaviour {
  bool answer = true;   // false: read requests and never answer
  int close_every = 0;  // > 0: every Nth answer on a connection says Connection: close
};

// What the gateway saw.
struct Seen {
  int requests = 0;
  int bad_signatures = 0;
  int unsigned_requests = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::map<std::string, int> ids;  // wamid → times received
};

// A stand-in gateway on 127.0.0.1:0: one thread per connection, checks signatures, dedups
// wamids and answers as POST /webhook does.
class FakeGateway {
 public:
  explicit FakeGateway(std::string secret, Behaviour behaviour = {})
      : verifier_({std::move(secret)}), behaviour_(behaviour) {
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~FakeGateway() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocked accept()
    accept_thread_.join();
    for (auto& socket : sockets_) ::shutdown(socket->native_handle(), SHUT_RDWR);
    for (auto& thread : threads_) thread.join();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/webhook";
  }
  Seen seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) return;
      sockets_.push_back(socket);  // kept open until the destructor, so no fd is reused
      threads_.emplace_back([this, socket] { Serve(*socket); });
    }
  }

  void Serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    for (int n = 1;; ++n) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) break;
      if (!behaviour_.answer) continue;
      http::response<http::string_body> response(http::status::ok, 11);
      response.body() = Admit(request, &response);
      response.keep_alive(behaviour_.close_every == 0 || n % behaviour_.close_every != 0);
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec || !response.keep_alive()) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }

  std::string Admit(const http::request<http::string_body>& request,
                    http::response<http::string_body>* response) {
    const auto signature = request["X-Hub-Signature-256"];
    std::lock_guard lock(mu_);
    ++seen_.requests;
    if (signature.empty()) ++seen_.unsigned_requests;
    if (verifier_.enabled() &&
        verifier_.Verify(request.body(), std::string_view(signature.data(), signature.size())) !=
            whatsapp::SignatureResult::kValid) {
      ++seen_.bad_signatures;
      response->result(http::status::unauthorized);
      return R"({"error":"invalid_signature"})";
    }
    uint64_t accepted = 0, duplicates = 0;
    const boost::json::value doc = boost::json::parse(request.body());
    for (const auto& message :
         doc.at("entry").at(0).at("changes").at(0).at("value").at("messages").as_array()) {
      int& times = seen_.ids[std::string(message.at("id").as_string())];
      ++(times == 0 ? accepted : duplicates);
      ++times;
    }
    seen_.accepted += accepted;
    seen_.duplicates += duplicates;
    return R"({"status":"ok","accepted":)" + std::to_string(accepted) + R"(,"duplicates":)" +
           std::to_string(duplicates) + R"(,"quarantined":0})";
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
  whatsapp::SignatureVerifier verifier_;
  const Behaviour behaviour_;
  std::thread accept_thread_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;  // accept thread only, until joined
  std::vector<std::thread> threads_;                   // likewise
  std::mutex mu_;
  Seen seen_;
};

Options Base(const FakeGateway& gateway) {
  Options o;
  o.url = gateway.url();
  o.duration_seconds = 30;  // a backstop; the tests end by request count
  o.connections = 4;
  o.secret = "s3cret";
  o.seed = 42;
  return o;
}

TEST(LoadtestTest, SendsSignedRequestsWithUniqueIdsAndSumsTheAnswers) {
  FakeGateway gateway("s3cret");
  Options o = Base(gateway);
  o.requests = 300;
  o.threads = 2;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  const Seen seen = gateway.seen();
  EXPECT_EQ(seen.requests, 300);
  EXPECT_EQ(seen.bad_signatures, 0);
  EXPECT_EQ(seen.unsigned_requests, 0);
  EXPECT_EQ(seen.ids.size(), 300u);
  for (const auto& [id, times] : seen.ids) {
    EXPECT_EQ(times, 1) << id;
    EXPECT_THAT(id, ::testing::MatchesRegex(R"(wamid\.lt\.[0-9a-f]{16}\.[0-9]+)"));
  }
  EXPECT_EQ(report->sent, 300u);
  EXPECT_EQ(report->completed, 300u);
  EXPECT_EQ(report->ok_2xx, 300u);
  EXPECT_THAT(report->status_counts, UnorderedElementsAre(std::pair(200, 300u)));
  EXPECT_EQ(report->errors, 0u);
  EXPECT_EQ(report->accepted, 300u);
  EXPECT_EQ(report->duplicates, 0u);
  EXPECT_EQ(report->quarantined, 0u);
  EXPECT_EQ(report->unique_ids_sent, 300u);
  EXPECT_EQ(report->resent, 0u);
  EXPECT_GT(report->seconds, 0);
  EXPECT_GT(report->req_per_sec, 0);
  EXPECT_GT(report->p50_ms, 0);
  EXPECT_LE(report->p50_ms, report->p99_ms);
  EXPECT_LE(report->p99_ms, report->max_ms);
}

TEST(LoadtestTest, ResendsTheRequestedFractionOfAcknowledgedBodies) {
  FakeGateway gateway("s3cret");
  Options o = Base(gateway);
  o.requests = 2000;
  o.duplicates = 0.3;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  const Seen seen = gateway.seen();
  EXPECT_EQ(seen.requests, 2000);
  EXPECT_EQ(seen.bad_signatures, 0);  // a resend carries its original signature
  EXPECT_EQ(report->sent, 2000u);
  EXPECT_NEAR(static_cast<double>(report->resent) / 2000, 0.3, 0.05);
  // Only acknowledged bodies are resent, so every resend is a duplicate to the gateway.
  EXPECT_EQ(report->duplicates, report->resent);
  EXPECT_EQ(report->duplicates, seen.duplicates);
  EXPECT_EQ(report->accepted, seen.ids.size());
  EXPECT_EQ(report->unique_ids_sent, seen.ids.size());
  EXPECT_EQ(report->accepted + report->duplicates, 2000u);
}

TEST(LoadtestTest, SendsConcurrentDuplicatesAsGroupsOfFanoutCopies) {
  FakeGateway gateway("s3cret");
  Options o = Base(gateway);
  o.connections = 8;
  o.requests = 1000;
  o.concurrent_duplicates = 0.4;
  o.concurrent_fanout = 4;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  const Seen seen = gateway.seen();
  EXPECT_EQ(report->sent, 1000u);
  EXPECT_NEAR(static_cast<double>(report->concurrent_requests) / 1000, 0.4, 0.08);
  EXPECT_EQ(report->concurrent_requests, 4 * report->concurrent_groups);
  int ids_seen_four_times = 0;
  for (const auto& [id, times] : seen.ids) {
    EXPECT_TRUE(times == 1 || times == 4) << id << " seen " << times << " times";
    ids_seen_four_times += times == 4;
  }
  EXPECT_EQ(static_cast<uint64_t>(ids_seen_four_times), report->concurrent_groups);
  EXPECT_EQ(report->duplicates, 3 * report->concurrent_groups);
  EXPECT_EQ(report->accepted, seen.ids.size());
}

TEST(LoadtestTest, PutsSeveralItemsInOneRequest) {
  FakeGateway gateway("s3cret");
  Options o = Base(gateway);
  o.requests = 40;
  o.items_per_request = 5;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(gateway.seen().ids.size(), 200u);
  EXPECT_EQ(report->unique_ids_sent, 200u);
  EXPECT_EQ(report->accepted, 200u);
}

TEST(LoadtestTest, SendsUnsignedWithoutSecret) {
  FakeGateway gateway("");
  Options o = Base(gateway);
  o.secret.clear();
  o.requests = 20;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(gateway.seen().unsigned_requests, 20);
  EXPECT_EQ(report->ok_2xx, 20u);
}

TEST(LoadtestTest, CountsRejectedRequestsByStatus) {
  FakeGateway gateway("another-secret");
  Options o = Base(gateway);
  o.requests = 25;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(gateway.seen().bad_signatures, 25);
  EXPECT_EQ(report->ok_2xx, 0u);
  EXPECT_THAT(report->status_counts, UnorderedElementsAre(std::pair(401, 25u)));
  EXPECT_EQ(report->accepted, 0u);
}

TEST(LoadtestTest, ReconnectsWhenTheGatewayClosesWithoutCountingErrors) {
  FakeGateway gateway("s3cret", Behaviour{.close_every = 3});
  Options o = Base(gateway);
  o.requests = 60;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->ok_2xx, 60u);
  EXPECT_EQ(report->errors, 0u);
}

TEST(LoadtestTest, CountsUnansweredRequestsAsTimeouts) {
  FakeGateway gateway("s3cret", Behaviour{.answer = false});
  Options o = Base(gateway);
  o.connections = 2;
  o.requests = 2;
  o.timeout_seconds = 0.2;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sent, 2u);
  EXPECT_EQ(report->completed, 0u);
  EXPECT_THAT(report->error_counts, UnorderedElementsAre(std::pair(std::string("timeout"), 2u)));
}

TEST(LoadtestTest, CountsRefusedConnectionsAndStopsAtTheDeadline) {
  std::string url;
  {
    FakeGateway gone("s3cret");
    url = gone.url();
  }  // the port is closed now
  Options o;
  o.url = url;
  o.connections = 2;
  o.duration_seconds = 0.3;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sent, 0u);
  EXPECT_GE(report->error_counts["connect"], 2u);
  EXPECT_EQ(report->errors, report->error_counts["connect"]);
}

TEST(LoadtestTest, OpenLoopSendsAtMostTheScheduledRequests) {
  FakeGateway gateway("s3cret");
  Options o = Base(gateway);
  o.rate = 100;
  o.duration_seconds = 0.5;
  StatusOr<Report> report = loadtest::Run(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_LE(report->sent, 50u);  // due times start + i / rate before the deadline
  EXPECT_GE(report->sent, 25u);  // loose: a busy machine may fall behind the schedule
  EXPECT_EQ(report->ok_2xx, report->sent);
}

TEST(LoadtestTest, ValidateNamesTheBadOption) {
  Options o;
  EXPECT_TRUE(Validate(o).ok());
  auto invalid = [](auto mutate) {
    Options bad;
    mutate(bad);
    return Validate(bad).code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](Options& b) { b.url = "https://x/webhook"; }));
  EXPECT_TRUE(invalid([](Options& b) { b.rate = -1; }));
  EXPECT_TRUE(invalid([](Options& b) { b.duration_seconds = 0; }));
  EXPECT_TRUE(invalid([](Options& b) { b.connections = 0; }));
  EXPECT_TRUE(invalid([](Options& b) { b.threads = 33; }));
  EXPECT_TRUE(invalid([](Options& b) { b.duplicates = 1.5; }));
  EXPECT_TRUE(invalid([](Options& b) { b.duplicates = 0.6, b.concurrent_duplicates = 0.6; }));
  EXPECT_TRUE(invalid([](Options& b) { b.concurrent_fanout = 1; }));
  EXPECT_TRUE(invalid([](Options& b) { b.connections = 1, b.concurrent_duplicates = 0.1; }));
  EXPECT_TRUE(invalid([](Options& b) { b.items_per_request = 1001; }));
  EXPECT_TRUE(invalid([](Options& b) { b.timeout_seconds = 0; }));
}

TEST(RunCliTest, PrintsJsonAndExitsZeroWhenEveryRequestSucceeded) {
  FakeGateway gateway("s3cret");
  std::ostringstream out, err;
  const int code = RunCli({"--url", gateway.url(), "--requests", "30", "--connections", "3",
                           "--secret", "s3cret", "--duplicates", "0.2", "--json"},
                          out, err);
  EXPECT_EQ(code, 0) << err.str();
  const boost::json::value doc = boost::json::parse(out.str());
  EXPECT_EQ(doc.at("sent"), 30);
  EXPECT_EQ(doc.at("ok_2xx"), 30);
  EXPECT_EQ(doc.at("status_counts").at("200"), 30);
  EXPECT_EQ(doc.at("options").at("signed"), true);
  EXPECT_EQ(doc.at("options").at("mode"), "closed");
  EXPECT_EQ(doc.at("accepted").as_int64() + doc.at("duplicates").as_int64(), 30);
  for (const char* key :
       {"p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "req_per_sec", "seconds"}) {
    EXPECT_TRUE(doc.at(key).is_number()) << key;
  }
}

std::set<std::string> Keys(const boost::json::object& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object) keys.emplace(key);
  return keys;
}

std::set<std::string> Strings(const boost::json::array& array) {
  std::set<std::string> strings;
  for (const auto& value : array) strings.emplace(value.as_string());
  return strings;
}

TEST(ReportToJsonTest, MatchesItsSchema) {
  std::ifstream file(WAGATE_SCHEMA_DIR "/loadtest.json");
  ASSERT_TRUE(file) << "cannot read " WAGATE_SCHEMA_DIR "/loadtest.json";
  const boost::json::value schema =
      boost::json::parse(std::string(std::istreambuf_iterator<char>(file), {}));
  Report report;
  report.status_counts[200] = 7;
  report.error_counts["timeout"] = 1;
  const boost::json::value doc = boost::json::parse(ReportToJson(report));

  // Every property is required and no other is allowed, so the key sets must be equal.
  EXPECT_EQ(Keys(doc.as_object()), Strings(schema.at("required").as_array()));
  EXPECT_EQ(Keys(doc.as_object()), Keys(schema.at("properties").as_object()));
  const auto& options = schema.at("properties").at("options");
  EXPECT_EQ(Keys(doc.at("options").as_object()), Strings(options.at("required").as_array()));
  EXPECT_EQ(Keys(doc.at("options").as_object()), Keys(options.at("properties").as_object()));
  EXPECT_EQ(doc.at("status_counts").at("200"), 7);
  EXPECT_EQ(doc.at("error_counts").at("timeout"), 1);
}

TEST(RunCliTest, ReadsTheSecretFromTheEnvironmentAndExitsOneOnFailures) {
  FakeGateway gateway("right");
  ::setenv("WHATSAPP_APP_SECRET", " ,right,old", 1);
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"--url", gateway.url(), "--requests", "5"}, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), ::testing::HasSubstr("200: 5"));

  ::setenv("WHATSAPP_APP_SECRET", "wrong", 1);
  EXPECT_EQ(RunCli({"--url", gateway.url(), "--requests", "5"}, out, err), 1);
  EXPECT_THAT(err.str(), ::testing::HasSubstr("5 requests failed"));
  ::unsetenv("WHATSAPP_APP_SECRET");
}

TEST(RunCliTest, UsageErrorsExitTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"--rate", "fast"}, out, err), 2);
  EXPECT_EQ(RunCli({"--bogus"}, out, err), 2);
  EXPECT_EQ(RunCli({"--duplicates", "2"}, out, err), 2);
  EXPECT_THAT(err.str(), ::testing::HasSubstr("--duplicates must be between 0 and 1"));
  EXPECT_TRUE(out.str().empty());
  EXPECT_EQ(RunCli({"--help"}, out, err), 0);
  EXPECT_THAT(out.str(), ::testing::HasSubstr("--concurrent-duplicates"));
}

}  // namespace
}  // namespace wagate::loadtest
