// The chaos test (SPEC §2, invariants 1, 2, 3 and 7): the real `wagate` binary under concurrent,
// duplicated webhook load while its processes are killed with SIGKILL at random moments and
// restarted on the same backend. The Graph API is a fake HTTP server in this process that counts
// every reply; like Meta it posts a signed `sent` status webhook, echoing
// biz_opaque_callback_data, for every message it accepts.
//
// It runs once per backend (a value-parameterised test):
//   sqlite  one data directory, its database file shared by every process;
//   aws     a fresh DynamoDB table and six fresh SQS queues on the local emulators (dynalite and
//           fauxqs, tests/emulators), shared by every process as by several machines.
// What the test reads of the backend goes through a RaceObserver (race_observer.h).
//
// At the end every unique inbound wamid must have exactly one text reply (no double send, no
// loss), no other wamid any, every msg: record must be COMPLETED with attempts >= 1, every
// reply record SENT, no more `accepted` answers than unique messages, the incoming queue must be
// empty and nothing may be dead-lettered.
//
// Where the backends differ (SPEC §2): on aws a concurrent identical delivery may be answered 503
// (the client retries it like Meta, as it does on sqlite after a kill), and one message may have
// more than one queue entry (the claim lets one through), so queue-entry counts are not compared
// with message counts there.
//
// Two phases on one backend: first one `serve --role all` process; from the middle of the load
// on, one `serve --role api` with two `serve --role worker` processes. Kills go on through the
// load and the drain after it.
//
// Environment knobs (for reproducing and for slow builds), for both backends:
//   WAGATE_RACE_SEED          the RNG seed (default: random; always printed)
//   WAGATE_RACE_MESSAGES      unique messages (default 2000 on sqlite, 250 on aws, where every
//                             step is an HTTP call to the emulators)
//   WAGATE_RACE_LOAD_SECONDS  how long the load is spread over (default 12)
//   WAGATE_RACE_WAIT_SECONDS  how long to wait for quiet after the load (default 120)
//   WAGATE_RACE_CHAOS=0       diagnostics: no kills and no second phase
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "race_observer.h"
#include "wagate/testing/fake_http_server.h"
#include "wagate/testing/temp_dir.h"
#include "wagate/testing/webhook_bodies.h"
#include "wagate/whatsapp/signature.h"

#ifndef WAGATE_BINARY
#error "WAGATE_BINARY must name the wagate executable"
#endif

namespace wagate::integration {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kSecret[] = "race-app-secret-5d1c";
constexpr char kAccessToken[] = "race-access-token-0e77";
constexpr char kBusinessNumber[] = "112233";  // the phone_number_id of webhook_bodies.h
constexpr int kMinKills = 5;
constexpr int kUncertainResendSeconds = 5;
constexpr int kGraphTimeoutSeconds = 2;  // HANDLER_TIMEOUT_SECONDS: the Graph call's timeout

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------------------------
// A `wagate serve --role R` child process that can be killed and restarted on the same data dir.

class ServeProcess {
 public:
  ServeProcess(std::string role, std::string name, Env env, std::string dir)
      : role_(std::move(role)), name_(std::move(name)), env_(std::move(env)), dir_(std::move(dir)) {
    log_path_ = dir_ + "/" + name_ + ".log";
    port_file_ = dir_ + "/" + name_ + ".port";
  }
  ~ServeProcess() { Kill(); }

  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }
  bool listens() const { return role_ != "worker"; }
  pid_t pid() const { return pid_; }

  // Spawns the process; for a listening role waits until the port file names the port.
  // Returns the port (0 for a worker), or -1 on failure.
  int Start() {
    std::error_code ec;
    std::filesystem::remove(port_file_, ec);
    std::vector<std::string> args{WAGATE_BINARY, "serve", "--role", role_};
    if (listens()) {
      args.push_back("--port-file");
      args.push_back(port_file_);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    const char* path = std::getenv("PATH");
    env_s.push_back(std::string("PATH=") + (path ? path : "/usr/bin:/bin"));
    if (const char* tsan = std::getenv("TSAN_OPTIONS"))
      env_s.push_back(std::string("TSAN_OPTIONS=") + tsan);
    for (const auto& [k, v] : env_) env_s.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    // Each start appends to the same log, after a marker line.
    {
      std::ofstream log(log_path_, std::ios::app);
      log << "==== start " << ++starts_ << " of " << name_ << "\n";
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    pid_ = pid;
    if (!listens()) return 0;
    auto deadline = Clock::now() + seconds(60);
    while (Clock::now() < deadline) {
      std::string text = ReadFile(port_file_);
      if (!text.empty() && text.back() == '\n') return std::atoi(text.c_str());
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
    return -1;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // SIGTERM and wait up to `timeout`; the exit code, or -1 (signal or timeout, then SIGKILL).
  int Terminate(seconds timeout) {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    Kill();
    return -1;
  }

 private:
  const std::string role_, name_;
  const Env env_;
  const std::string dir_;
  std::string log_path_, port_file_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The fake Graph API: accepts every message, counts replies per inbound wamid and read receipts
// separately, and hands every accepted reply to the status poster.

struct Accepted {
  int n = 0;             // wamid.OUT<n>
  std::string callback;  // biz_opaque_callback_data
  std::string text;
  std::string to;
  double at = 0;  // seconds since the test start
  int connection = 0;
  int64_t delay_ms = 0;  // how long the answer was held back
};

struct StatusJob {
  std::string out_wamid;
  std::string callback;
};

class FakeGraph {
 public:
  FakeGraph(Clock::time_point t0, uint64_t seed) : t0_(t0), rng_(seed) {}

  testing::FakeResponse Handle(const testing::RecordedRequest& r) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.body, ec);
    const std::string expected_target = std::string("/v25.0/") + kBusinessNumber + "/messages";
    std::lock_guard<std::mutex> lock(mu_);
    if (r.method != "POST" || r.target != expected_target || ec || !v.is_object() ||
        r.Header("authorization") != std::string("Bearer ") + kAccessToken) {
      unexpected_.push_back(r.method + " " + r.target + " " + r.body);
      return {.status = 400, .body = R"({"error":{"message":"unexpected request","code":100}})"};
    }
    const boost::json::object& o = v.as_object();
    if (const auto* status = o.if_contains("status"); status && status->is_string()) {
      const auto* id = o.if_contains("message_id");
      if (*status == "read" && id && id->is_string()) {
        ++reads_[std::string(id->as_string())];
        return {.status = 200, .body = R"({"success":true})"};
      }
      unexpected_.push_back("bad read receipt " + r.body);
      return {.status = 400, .body = R"({"error":{"message":"bad receipt","code":100}})"};
    }
    const boost::json::value* ctx = o.if_contains("context");
    const boost::json::value* mid =
        ctx && ctx->is_object() ? ctx->as_object().if_contains("message_id") : nullptr;
    const boost::json::value* cb = o.if_contains("biz_opaque_callback_data");
    if (!mid || !mid->is_string() || !cb || !cb->is_string()) {
      unexpected_.push_back("reply without context or callback " + r.body);
      return {.status = 400, .body = R"({"error":{"message":"bad reply","code":100}})"};
    }
    Accepted a;
    a.n = ++sent_;
    a.callback = std::string(cb->as_string());
    if (const auto* text = o.if_contains("text"); text && text->is_object()) {
      if (const auto* body = text->as_object().if_contains("body"); body && body->is_string()) {
        a.text = std::string(body->as_string());
      }
    }
    if (const auto* to = o.if_contains("to"); to && to->is_string())
      a.to = std::string(to->as_string());
    a.at = std::chrono::duration<double>(r.arrived - t0_).count();
    a.connection = r.connection;
    // A few answers are slow, to widen the window in which a kill lands mid-call, and a few
    // are slower than the Graph call's timeout: the sender cannot know whether Meta has them.
    int roll = std::uniform_int_distribution<int>(0, 999)(rng_);
    if (roll < 10)
      a.delay_ms = (kGraphTimeoutSeconds + 1) * 1000;
    else if (roll < 60)
      a.delay_ms = 800;
    replies_[std::string(mid->as_string())].push_back(a);
    statuses_.push_back({"wamid.OUT" + std::to_string(a.n), a.callback});
    status_cv_.notify_one();
    return {.status = 200,
            .body = R"({"messaging_product":"whatsapp","contacts":[{"input":")" + a.to +
                    R"(","wa_id":")" + a.to.substr(a.to.empty() ? 0 : 1) +
                    R"("}],"messages":[{"id":"wamid.OUT)" + std::to_string(a.n) + R"("}]})",
            .delay = milliseconds(a.delay_ms)};
  }

  // Blocks for the next status to post; nullopt once Close() was called and nothing is left.
  std::optional<StatusJob> NextStatus() {
    std::unique_lock<std::mutex> lock(mu_);
    status_cv_.wait(lock, [&] { return closed_ || !statuses_.empty(); });
    if (statuses_.empty()) return std::nullopt;
    StatusJob job = statuses_.front();
    statuses_.pop_front();
    ++status_in_flight_;
    return job;
  }
  void StatusDone() {
    std::lock_guard<std::mutex> lock(mu_);
    --status_in_flight_;
  }
  bool StatusesIdle() {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_.empty() && status_in_flight_ == 0;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    status_cv_.notify_all();
  }

  std::map<std::string, std::vector<Accepted>> Replies() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_;
  }
  std::map<std::string, int> Reads() {
    std::lock_guard<std::mutex> lock(mu_);
    return reads_;
  }
  std::vector<std::string> Unexpected() {
    std::lock_guard<std::mutex> lock(mu_);
    return unexpected_;
  }
  size_t RepliedCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return replies_.size();
  }

 private:
  const Clock::time_point t0_;
  std::mutex mu_;
  std::condition_variable status_cv_;
  std::mt19937_64 rng_;
  int sent_ = 0;
  std::map<std::string, std::vector<Accepted>> replies_;
  std::map<std::string, int> reads_;
  std::vector<std::string> unexpected_;
  std::deque<StatusJob> statuses_;
  int status_in_flight_ = 0;
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// The load: unique messages in batches of 1-5, and duplicates (whole batches redelivered, some
// at the same instant on a second connection, and messages mixed into other batches).

struct Message {
  std::string wamid;
  std::string from;  // the sender's wa_id
  std::string text;
};

struct Job {
  std::vector<int> messages;  // indices into the message list
  bool concurrent_copy = false;
};

std::string BatchBody(const std::vector<Message>& all, const std::vector<int>& indices,
                      int64_t ts) {
  boost::json::array contacts, messages;
  std::set<std::string> seen_contacts;
  for (int i : indices) {
    const Message& m = all[static_cast<size_t>(i)];
    if (seen_contacts.insert(m.from).second) {
      contacts.push_back({{"profile", {{"name", "User " + m.from}}}, {"wa_id", m.from}});
    }
    messages.push_back({{"from", m.from},
                        {"id", m.wamid},
                        {"timestamp", std::to_string(ts)},
                        {"type", "text"},
                        {"text", {{"body", m.text}}}});
  }
  boost::json::object value{
      {"messaging_product", "whatsapp"},
      {"metadata", {{"display_phone_number", "15551230000"}, {"phone_number_id", kBusinessNumber}}},
      {"contacts", std::move(contacts)},
      {"messages", std::move(messages)}};
  boost::json::object body{
      {"object", "whatsapp_business_account"},
      {"entry", boost::json::array{boost::json::object{
                    {"id", "301"},
                    {"changes", boost::json::array{boost::json::object{
                                    {"field", "messages"}, {"value", std::move(value)}}}}}}}};
  return boost::json::serialize(body);
}

// ---------------------------------------------------------------------------------------------

// Runs `f` when it goes out of scope (joins threads on every way out of the test).
struct AtExit {
  std::function<void()> f;
  ~AtExit() { f(); }
};

// The backends the test runs on.
struct RaceBackend {
  std::string name;      // "sqlite" | "aws"
  int default_messages;  // WAGATE_RACE_MESSAGES when unset
};

void PrintTo(const RaceBackend& b, std::ostream* os) { *os << b.name; }

// The queues' redrive backstop counts receives, and a SIGKILL uses up one receive of every
// message the killed process had received, claimed or not (each worker thread receives up to
// 10). With a kill every few seconds the default of 3 would send messages that were never
// attempted to the dead-letter queue by design; no other failure happens here, so nothing may
// reach it. On aws the backstop is the SQS queue's own redrive policy, created with this count.
constexpr int kMaxReceiveCount = 10;

class RaceTest : public ::testing::TestWithParam<RaceBackend> {};

TEST_P(RaceTest, EveryUniqueMessageGetsExactlyOneReplyThroughKillsAndDuplicates) {
  const RaceBackend& backend = GetParam();
  const uint64_t seed = static_cast<uint64_t>(
      EnvInt("WAGATE_RACE_SEED", static_cast<int>(std::random_device{}() & 0x7fffffff)));
  const int unique = EnvInt("WAGATE_RACE_MESSAGES", backend.default_messages);
  // Diagnostics only: WAGATE_RACE_CHAOS=0 runs the load on one `serve --role all` without kills.
  const bool chaos_on = EnvInt("WAGATE_RACE_CHAOS", 1) != 0;
  const double load_seconds = EnvInt("WAGATE_RACE_LOAD_SECONDS", 12);
  std::printf("[race] backend=%s seed=%llu (rerun with WAGATE_RACE_SEED=%llu) messages=%d\n",
              backend.name.c_str(), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed), unique);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  const auto t0 = Clock::now();
  const auto hard_deadline = t0 + seconds(EnvInt("WAGATE_RACE_DEADLINE_SECONDS", 400));

  // --- The fake Graph API and the status poster state.
  FakeGraph graph(t0, rng());
  auto server = testing::FakeHttpServer::Create(
      [&graph](const testing::RecordedRequest& r) { return graph.Handle(r); },
      testing::FakeHttpServer::Options{.threads = 4});
  ASSERT_TRUE(server.ok()) << server.status().ToString();

  // --- The service.
  testing::TempDir data;
  testing::TempDir logs;
  std::unique_ptr<RaceObserver> observer =
      backend.name == "aws" ? MakeAwsObserver(kMaxReceiveCount) : MakeSqliteObserver(data.path());
  ASSERT_FALSE(HasFailure()) << "the " << backend.name << " backend could not be set up";
  Env env{{"WAGATE_DATA_DIR", data.path()},
          {"WHATSAPP_APP_SECRET", kSecret},
          {"WHATSAPP_ACCESS_TOKEN", kAccessToken},
          {"WHATSAPP_API_BASE_URL", (*server)->url()},
          {"SENDER_DRY_RUN", "false"},
          {"HANDLER", "echo"},
          {"HOST", "127.0.0.1"},
          {"PORT", "0"},
          {"DRAIN_SECONDS", "0"},
          {"SHUTDOWN_GRACE_SECONDS", "2"},
          {"LOG_LEVEL", "info"},
          {"MIN_FREE_DISK_MB", "1"},
          {"HTTP_THREADS", "4"},
          {"WORKERS", "4"},
          {"SENDERS", "2"},
          {"LEASE_SECONDS", "3"},
          {"UNCERTAIN_RESEND_AFTER_SECONDS", std::to_string(kUncertainResendSeconds)},
          {"HANDLER_TIMEOUT_SECONDS", std::to_string(kGraphTimeoutSeconds)},
          {"SEND_RATE_PER_NUMBER", "100000"},
          {"SQS_WAIT_TIME_SECONDS", "2"},
          {"RETRY_MAX_DELAY_SECONDS", "2"},
          {"SQS_MAX_RECEIVE_COUNT", std::to_string(kMaxReceiveCount)},
          {"RATE_LIMIT_WEBHOOK_PER_MINUTE", "1000000"}};
  observer->AddServeEnv(env);
  // Phase 1: one `serve --role all`. Phase 2, from the middle of the load on: one
  // `serve --role api` and two `serve --role worker` on the same backend.
  std::vector<std::unique_ptr<ServeProcess>> procs;
  procs.push_back(std::make_unique<ServeProcess>("all", "all", env, logs.path()));
  procs.push_back(std::make_unique<ServeProcess>("api", "api", env, logs.path()));
  procs.push_back(std::make_unique<ServeProcess>("worker", "worker1", env, logs.path()));
  procs.push_back(std::make_unique<ServeProcess>("worker", "worker2", env, logs.path()));
  const std::vector<size_t> phase1{0}, phase2{1, 2, 3};
  std::atomic<int> api_port{0};
  {
    int port = procs[0]->Start();
    ASSERT_GT(port, 0) << "wagate did not start:\n" << ReadFile(procs[0]->log_path());
    api_port = port;
  }

  // --- Signed POSTs, retried like Meta until they get 200.
  // accepted_sum: the `accepted` of message POSTs; status_accepted: of status POSTs.
  std::atomic<int64_t> post_retries{0}, posts{0}, accepted_sum{0}, status_accepted{0};
  std::atomic<bool> gave_up{false};
  // Set once the service is being stopped: statuses still unposted then (the wait for quiet
  // ended without them) are dropped instead of being retried until the hard deadline.
  std::atomic<bool> service_stopped{false};
  auto post_until_ok = [&](const std::string& body, std::mt19937_64& local_rng,
                           std::atomic<int64_t>& accepted) {
    const Env headers{{"X-Hub-Signature-256", whatsapp::SignatureHeader(kSecret, body)}};
    for (;;) {
      int port = api_port.load();
      if (port > 0) {
        HttpResult r = HttpRequest(port, "POST", "/webhook", body, headers);
        ++posts;
        if (r.status == 200) {
          boost::system::error_code ec;
          boost::json::value v = boost::json::parse(r.body, ec);
          if (!ec && v.is_object() && v.as_object().contains("accepted")) {
            accepted += v.at("accepted").to_number<int64_t>();
          }
          return true;
        }
        if (r.status != 503 && r.status != 0) {
          ADD_FAILURE() << "webhook answered " << r.status << ": " << r.body;
        }
      }
      ++post_retries;
      if (service_stopped) return false;
      if (Clock::now() > hard_deadline) {
        gave_up = true;
        return false;
      }
      std::this_thread::sleep_for(
          milliseconds(std::uniform_int_distribution<int>(20, 150)(local_rng)));
    }
  };

  // --- Status poster: a `sent` status for every accepted reply, asynchronously, like Meta.
  std::vector<std::thread> status_threads;
  AtExit join_status{[&] {
    graph.Close();
    for (auto& t : status_threads) {
      if (t.joinable()) t.join();
    }
  }};
  for (int i = 0; i < 3; ++i) {
    status_threads.emplace_back([&, s = rng()] {
      std::mt19937_64 local(s);
      while (std::optional<StatusJob> job = graph.NextStatus()) {
        post_until_ok(
            testing::StatusBody(job->out_wamid, "sent", job->callback, std::time(nullptr)), local,
            status_accepted);
        graph.StatusDone();
      }
    });
  }

  // --- The load plan.
  std::vector<Message> messages;
  for (int i = 0; i < unique; ++i) {
    // Many senders, each with only a few messages: the pair limit (burst 45) never throttles.
    messages.push_back({"wamid.RACE" + std::to_string(seed % 100000) + "." + std::to_string(i),
                        std::to_string(5215500000000LL + (i % 500)), "race " + std::to_string(i)});
  }
  std::vector<Job> jobs;
  for (int i = 0; i < unique;) {
    int size = std::min(unique - i, std::uniform_int_distribution<int>(1, 5)(rng));
    Job job;
    for (int k = 0; k < size; ++k) job.messages.push_back(i + k);
    jobs.push_back(std::move(job));
    i += size;
  }
  const size_t original_jobs = jobs.size();
  const int64_t duplicate_target = (static_cast<int64_t>(unique) * 3 + 9) / 10;
  int64_t duplicates = 0, concurrent_duplicates = 0;
  // A third: the same POST at the same instant on a second connection.
  std::vector<size_t> order(original_jobs);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  size_t next = 0;
  while (duplicates < duplicate_target / 3 && next < order.size()) {
    Job& j = jobs[order[next++]];
    j.concurrent_copy = true;
    duplicates += static_cast<int64_t>(j.messages.size());
    concurrent_duplicates += static_cast<int64_t>(j.messages.size());
  }
  // A third: a whole POST redelivered later (or earlier) on its own.
  while (duplicates < 2 * duplicate_target / 3 && next < order.size()) {
    jobs.push_back(jobs[order[next++]]);
    jobs.back().concurrent_copy = false;
    duplicates += static_cast<int64_t>(jobs.back().messages.size());
  }
  // The rest: messages delivered again inside other batches.
  while (duplicates < duplicate_target) {
    int size = std::uniform_int_distribution<int>(1, 5)(rng);
    std::set<int> picked;
    while (static_cast<int>(picked.size()) < std::min(size, unique)) {
      picked.insert(std::uniform_int_distribution<int>(0, unique - 1)(rng));
    }
    jobs.push_back(Job{{picked.begin(), picked.end()}, false});
    duplicates += static_cast<int64_t>(picked.size());
  }
  std::shuffle(jobs.begin(), jobs.end(), rng);

  // --- Client threads: each job is released at its slot, so the load spans `load_seconds`.
  std::atomic<size_t> next_job{0};
  std::atomic<bool> load_done{false};
  const auto load_start = Clock::now();
  std::vector<std::thread> clients;
  AtExit join_clients{[&] {
    for (auto& t : clients) {
      if (t.joinable()) t.join();
    }
  }};
  constexpr int kClients = 6;
  std::atomic<int> clients_left{kClients};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, s = rng()] {
      std::mt19937_64 local(s);
      for (;;) {
        const size_t j = next_job.fetch_add(1);
        if (j >= jobs.size() || gave_up) break;
        std::this_thread::sleep_until(
            load_start +
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                load_seconds * static_cast<double>(j) / static_cast<double>(jobs.size()))));
        const std::string body = BatchBody(messages, jobs[j].messages, std::time(nullptr));
        if (jobs[j].concurrent_copy) {
          std::latch go(2);
          std::thread twin([&, s2 = local()] {
            std::mt19937_64 twin_rng(s2);
            go.arrive_and_wait();
            post_until_ok(body, twin_rng, accepted_sum);
          });
          go.arrive_and_wait();
          post_until_ok(body, local, accepted_sum);
          twin.join();
        } else {
          post_until_ok(body, local, accepted_sum);
        }
      }
      if (--clients_left == 0) load_done = true;
    });
  }

  // --- Chaos: SIGKILL at random moments, restart on the same data dir at once. It goes on
  // through the load and the drain that follows, until most messages are answered.
  std::atomic<int> kills{0};
  std::atomic<bool> stop_chaos{false};
  std::vector<std::string> kill_log;  // written by the chaos thread until it is joined
  std::string restart_failure;        // likewise
  const double load_end_s = SecondsSince(t0) + load_seconds;
  std::thread chaos([&, s = rng()] {
    if (!chaos_on) return;
    std::mt19937_64 crng(s);
    auto note = [&](const std::string& what) {
      char line[240];
      std::snprintf(line, sizeof line, "t=%.2fs %s", SecondsSince(t0), what.c_str());
      kill_log.push_back(line);
      std::printf("[race] %s\n", line);
      std::fflush(stdout);
    };
    // Kills `p` and starts it again; false when it does not come back.
    auto kill_and_restart = [&](ServeProcess& p, bool restart) {
      if (p.listens()) api_port = 0;
      const pid_t pid = p.pid();
      p.Kill();
      ++kills;
      if (!restart) {
        note("kill -9 " + p.name() + " (pid " + std::to_string(pid) + ")");
        return true;
      }
      std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 400)(crng)));
      const int port = p.Start();
      note("kill -9 " + p.name() + " (pid " + std::to_string(pid) + "), restarted (pid " +
           std::to_string(p.pid()) + ", port " + std::to_string(port) + ")");
      if (port < 0) {
        restart_failure = p.name() + " did not restart:\n" + ReadFile(p.log_path());
        return false;
      }
      if (p.listens()) api_port = port;
      return true;
    };
    bool split = false;
    std::vector<size_t> first_victims = phase2;  // each phase-2 process is killed at least once
    std::shuffle(first_victims.begin(), first_victims.end(), crng);
    size_t phase2_kills = 0;
    for (;;) {
      const bool draining = load_done.load();
      const int gap_ms = draining ? std::uniform_int_distribution<int>(1500, 4000)(crng)
                                  : std::uniform_int_distribution<int>(600, 2200)(crng);
      for (int waited = 0; waited < gap_ms && !stop_chaos; waited += 50) {
        std::this_thread::sleep_for(milliseconds(50));
      }
      if (stop_chaos || Clock::now() > hard_deadline) return;
      const bool enough = kills >= kMinKills && phase2_kills >= phase2.size() && load_done &&
                          graph.RepliedCount() * 10 >= static_cast<size_t>(unique) * 9;
      if (enough) return;
      if (!split && SecondsSince(t0) >= load_end_s - load_seconds / 2) {
        // The switch is a kill too: whatever the `all` process held is taken over by the workers.
        if (!kill_and_restart(*procs[0], false)) return;
        for (size_t i : phase2) {
          const int port = procs[i]->Start();
          if (port < 0) {
            restart_failure =
                procs[i]->name() + " did not start:\n" + ReadFile(procs[i]->log_path());
            return;
          }
          if (procs[i]->listens()) api_port = port;
        }
        note("phase 2: started api, worker1, worker2");
        split = true;
        continue;
      }
      size_t victim = 0;
      if (split) {
        victim = phase2_kills < first_victims.size()
                     ? first_victims[phase2_kills]
                     : phase2[std::uniform_int_distribution<size_t>(0, phase2.size() - 1)(crng)];
        ++phase2_kills;
      }
      if (!kill_and_restart(*procs[victim], true)) return;
    }
  });
  AtExit join_chaos{[&] {
    stop_chaos = true;
    if (chaos.joinable()) chaos.join();
  }};
  for (auto& t : clients) t.join();
  const double load_elapsed = SecondsSince(t0);
  ASSERT_FALSE(gave_up) << "POSTs were still failing at the deadline";

  // --- Wait (bounded) until every unique message is answered and nothing is left to do.
  auto quiet_deadline = Clock::now() + seconds(EnvInt("WAGATE_RACE_WAIT_SECONDS", 120));
  bool quiet = false;
  std::string left;  // the backend's description of what is left
  // Quiet means: every message answered, every status posted, nothing inbound left, and no reply
  // that could still be (re)sent (RaceObserver::Drained). Read receipts are not waited for.
  auto next_progress = Clock::now();
  while (Clock::now() < quiet_deadline && Clock::now() < hard_deadline) {
    std::this_thread::sleep_for(milliseconds(250));
    const size_t replied = graph.RepliedCount();
    const bool answered = replied >= static_cast<size_t>(unique) && graph.StatusesIdle();
    const bool drained = observer->Drained(answered, unique, &left);
    if (Clock::now() >= next_progress) {
      std::printf("[race] t=%.1fs replied %zu/%d, %s\n", SecondsSince(t0), replied, unique,
                  left.c_str());
      std::fflush(stdout);
      next_progress = Clock::now() + seconds(5);
    }
    if (answered && drained) {
      quiet = true;
      break;
    }
  }
  const double answered_at = SecondsSince(t0);
  join_chaos.f();
  ASSERT_TRUE(restart_failure.empty()) << restart_failure;

  // --- The records and queues, while the processes are still up (and idle).
  std::map<std::string, int64_t> msg_states, out_states;
  std::vector<std::string> unsettled, bad_records;
  int64_t msg_records = 0, reply_records = 0, resends = 0;
  {
    std::set<std::string> expected;
    for (const Message& m : messages) expected.insert("msg:" + m.wamid);
    for (const RaceRecord& r : observer->Records()) {
      if (r.key.starts_with("msg:")) {
        ++msg_records;
        ++msg_states[r.state];
        if (!expected.count(r.key))
          bad_records.push_back("unexpected record " + r.key);
        else if (r.state != "COMPLETED" || r.attempts < 1) {
          bad_records.push_back(r.key + " state=" + r.state +
                                " attempts=" + std::to_string(r.attempts));
        }
        continue;
      }
      ++out_states[r.state];
      if (r.result.find("\"resend\":true") != std::string::npos) ++resends;
      if (!IsReplyKey(r.key)) continue;
      ++reply_records;
      // Replies whose record did not end SENT although a `sent` status was posted for each.
      if (r.state != "SENT") {
        unsettled.push_back("key=" + r.key + " state=" + r.state +
                            " attempts=" + std::to_string(r.attempts) +
                            " lease_until=" + r.lease_until + " last_error=" + r.last_error +
                            " result=" + r.result + " history=" + r.history);
      }
    }
  }
  const RaceQueues queues = observer->Queues();

  // --- Stop everything: nothing can send after this.
  std::vector<std::string> exits;
  service_stopped = true;
  for (auto& p : procs)
    exits.push_back(p->name() + "=" + std::to_string(p->Terminate(seconds(30))));
  join_status.f();
  (*server)->Stop();

  // --- The numbers.
  std::map<std::string, std::vector<Accepted>> replies = graph.Replies();
  std::map<std::string, int> reads = graph.Reads();
  int64_t reply_total = 0, read_total = 0, repeated_reads = 0;
  double last_first_reply = 0;
  for (const auto& [w, list] : replies) {
    reply_total += static_cast<int64_t>(list.size());
    last_first_reply = std::max(last_first_reply, list.front().at);
  }
  for (const auto& [w, n] : reads) {
    read_total += n;
    if (n > 1) repeated_reads += n - 1;
  }
  std::string out_state_text, msg_state_text;
  for (const auto& [s, n] : out_states) out_state_text += s + "=" + std::to_string(n) + " ";
  for (const auto& [s, n] : msg_states) msg_state_text += s + "=" + std::to_string(n) + " ";
  // Sends whose outcome the sender could not know (a Graph call past its timeout), as logged.
  int64_t uncertain_sends = 0;
  for (auto& p : procs) {
    const std::string log = ReadFile(p->log_path());
    for (size_t at = log.find("\"msg\":\"send outcome unknown\""); at != std::string::npos;
         at = log.find("\"msg\":\"send outcome unknown\"", at + 1)) {
      ++uncertain_sends;
    }
  }
  std::string exit_text;
  for (const auto& e : exits) exit_text += e + " ";
  std::printf(
      "[race] RESULT backend=%s seed=%llu messages=%d duplicates=%lld (concurrent %lld) "
      "message_posts=%zu "
      "http_posts=%lld (incl. statuses) post_retries=%lld accepted=%lld (statuses %lld) kills=%d "
      "replies=%lld for %zu wamids, read_receipts=%lld (repeated %lld, still queued %lld) "
      "uncertain=%lld resends=%lld "
      "msg_records=%lld [%s] reply_records=%lld out_records [%s] incoming=%lld outgoing=%lld "
      "outgoing_replies=%lld incoming_dlq=%lld outgoing_dlq=%lld queue_sends=%lld load_s=%.1f "
      "last_reply_s=%.1f quiet_s=%.1f elapsed_s=%.1f exits [%s]\n",
      backend.name.c_str(), static_cast<unsigned long long>(seed), unique,
      static_cast<long long>(duplicates), static_cast<long long>(concurrent_duplicates),
      jobs.size(), static_cast<long long>(posts.load()),
      static_cast<long long>(post_retries.load()), static_cast<long long>(accepted_sum.load()),
      static_cast<long long>(status_accepted.load()), kills.load(),
      static_cast<long long>(reply_total), replies.size(), static_cast<long long>(read_total),
      static_cast<long long>(repeated_reads), static_cast<long long>(queues.pending_reads),
      static_cast<long long>(uncertain_sends), static_cast<long long>(resends),
      static_cast<long long>(msg_records), msg_state_text.c_str(),
      static_cast<long long>(reply_records), out_state_text.c_str(),
      static_cast<long long>(queues.incoming), static_cast<long long>(queues.outgoing),
      static_cast<long long>(queues.outgoing_replies), static_cast<long long>(queues.incoming_dlq),
      static_cast<long long>(queues.outgoing_dlq), static_cast<long long>(queues.queue_sends),
      load_elapsed, last_first_reply, answered_at, SecondsSince(t0), exit_text.c_str());
  std::fflush(stdout);

  for (const std::string& u : unsettled)
    std::printf("[race] reply record not SENT: %s\n", u.c_str());
  // --- The assertions.
  if (chaos_on) {
    EXPECT_GE(kills.load(), kMinKills);
  }
  EXPECT_TRUE(quiet) << "not every message was answered and drained within the wait: replied "
                     << graph.RepliedCount() << "/" << unique << ", " << left;
  EXPECT_EQ(graph.Unexpected(), std::vector<std::string>{});
  std::set<std::string> sent_wamids;
  for (const Message& m : messages) sent_wamids.insert(m.wamid);
  int missing = 0, doubled = 0;
  for (const Message& m : messages) {
    auto it = replies.find(m.wamid);
    size_t n = it == replies.end() ? 0 : it->second.size();
    if (n == 0) {
      if (++missing <= 20)
        ADD_FAILURE() << "no reply for " << m.wamid << " (msg:" << m.wamid << ")";
      continue;
    }
    if (n > 1) {
      std::string timeline;
      for (const Accepted& a : it->second) {
        char line[300];
        std::snprintf(line, sizeof line,
                      "\n  t=%.3fs wamid.OUT%d callback=%s connection=%d answer_delay=%lldms", a.at,
                      a.n, a.callback.c_str(), a.connection, static_cast<long long>(a.delay_ms));
        timeline += line;
      }
      if (++doubled <= 20) {
        ADD_FAILURE() << n << " replies for " << m.wamid << ":" << timeline << "\nkills:\n"
                      << [&] {
                           std::string k;
                           for (const auto& l : kill_log) k += "  " + l + "\n";
                           return k;
                         }();
      }
    }
    for (const Accepted& a : it->second) {
      EXPECT_EQ(a.text, m.text) << m.wamid;
      EXPECT_EQ(a.to, "+" + m.from) << m.wamid;
    }
  }
  EXPECT_EQ(missing, 0) << "messages without a reply (loss)";
  EXPECT_EQ(doubled, 0) << "messages replied to more than once (double send)";
  for (const auto& [w, list] : replies) {
    EXPECT_TRUE(sent_wamids.count(w)) << "a reply for a wamid never sent: " << w;
  }
  for (const auto& [w, n] : reads) {
    EXPECT_TRUE(sent_wamids.count(w)) << "a read receipt for a wamid never sent: " << w;
  }
  // Each key is accepted at most once (invariant 2). A 200 lost to a kill is never counted, so
  // fewer is fine.
  EXPECT_LE(accepted_sum.load(), unique) << "more `accepted` answers than unique messages";
  EXPECT_EQ(msg_records, unique);
  for (size_t i = 0; i < bad_records.size() && i < 20; ++i) ADD_FAILURE() << bad_records[i];
  EXPECT_EQ(bad_records.size(), 0u);
  EXPECT_EQ(reply_records, unique) << "one reply record per message";
  EXPECT_EQ(unsettled.size(), 0u)
      << "reply records not SENT although a `sent` status was posted for each";
  EXPECT_EQ(queues.incoming, 0) << "the incoming queue is empty";
  EXPECT_EQ(queues.incoming_dlq, 0) << "nothing inbound was dead-lettered";
  for (const std::string& d : queues.dead_letters) ADD_FAILURE() << "dead letter: " << d;
  EXPECT_EQ(queues.outgoing_dlq, 0) << "nothing outgoing was dead-lettered";

  // A sanitizer report in any of the service's processes fails the test.
  for (auto& p : procs) {
    std::string log = ReadFile(p->log_path());
    for (const char* marker :
         {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "runtime error:"}) {
      EXPECT_EQ(log.find(marker), std::string::npos) << "sanitizer report in " << p->name() << ":\n"
                                                     << log;
    }
  }
  if (HasFailure()) {
    // Keep the evidence: every process's log and the records.
    const char* tmp = std::getenv("TMPDIR");
    const std::string keep = std::string(tmp && *tmp ? tmp : "/tmp") + "/wagate-race-failure-" +
                             std::to_string(seed) + "-" + std::to_string(getpid());
    std::error_code ec;
    std::filesystem::create_directories(keep, ec);
    std::filesystem::copy(logs.path(), keep + "/logs", std::filesystem::copy_options::recursive,
                          ec);
    std::filesystem::copy(data.path(), keep + "/data", std::filesystem::copy_options::recursive,
                          ec);
    observer->KeepEvidence(keep);
    std::printf("[race] logs and %s records kept in %s\n", backend.name.c_str(), keep.c_str());
    for (auto& p : procs) {
      std::string log = ReadFile(p->log_path());
      std::printf("[race] last 3000 bytes of %s's log:\n%s\n", p->name().c_str(),
                  log.substr(log.size() > 3000 ? log.size() - 3000 : 0).c_str());
    }
  }
}

// On aws every step of every message is a call to the emulators, and their one node process is
// the bottleneck: dynalite parses each conditional write's expression anew with a backtracking
// parser (about two thirds of its CPU time here), which allows some 4-8 messages a second on two
// cores. 250 messages keep the aws run at about a minute, also under ThreadSanitizer.
INSTANTIATE_TEST_SUITE_P(Backends, RaceTest,
                         ::testing::Values(RaceBackend{"sqlite", 2000}, RaceBackend{"aws", 250}),
                         [](const ::testing::TestParamInfo<RaceBackend>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace wagate::integration
