#include "harness.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef WAGATE_BINARY
#error "WAGATE_BINARY must name the wagate executable"
#endif

namespace wagate::integration {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `wagate <args…>` as argv and its environment as envp: exactly `env` plus PATH (and TSAN_OPTIONS
// when set). Built before a fork, so the child only has to exec.
struct ExecArgs {
  ExecArgs(const std::vector<std::string>& args, const Env& env) {
    argv_s.push_back(WAGATE_BINARY);
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    const char* path = std::getenv("PATH");
    env_s.push_back(std::string("PATH=") + (path ? path : "/usr/bin:/bin"));
    const char* tsan = std::getenv("TSAN_OPTIONS");
    if (tsan) env_s.push_back(std::string("TSAN_OPTIONS=") + tsan);
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, envp;
};

// Spawns wagate with stdout/stderr sent to files; returns the pid.
pid_t Spawn(const std::vector<std::string>& args, const Env& env, const std::string& out_path,
            const std::string& err_path) {
  ExecArgs exec(args, env);
  std::vector<char*>& argv = exec.argv;
  std::vector<char*>& envp = exec.envp;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits for `pid` up to `timeout`; returns its exit code, or -1 for a signal or a timeout.
int WaitPid(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

CommandResult RunWagateOnTerminal(const std::vector<std::string>& args, const Env& env,
                                  const std::string& input) {
  CommandResult result;
  int master = -1, terminal = -1;
  if (openpty(&master, &terminal, nullptr, nullptr, nullptr) != 0) {
    ADD_FAILURE() << "openpty failed";
    return result;
  }
  // Close-on-exec, so that no other child inherits them; the dup2 in the child clears the flag
  // on the copies it keeps.
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(terminal, F_SETFD, FD_CLOEXEC);
  ExecArgs exec(args, env);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd : {0, 1, 2}) posix_spawn_file_actions_adddup2(&actions, terminal, fd);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, exec.argv[0], &actions, nullptr, exec.argv.data(), exec.envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(terminal);
  if (rc != 0) {
    close(master);
    return result;
  }
  // The terminal queues the input until wagate reads it.
  if (write(master, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    ADD_FAILURE() << "cannot write to the terminal";
  }
  // Everything wagate writes, until it exits and the terminal's last copy closes (EIO).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;
    result.out.append(buf, static_cast<size_t>(n));
  }
  close(master);
  result.exit_code = WaitPid(pid, std::chrono::seconds(10));
  return result;
}

CommandResult RunWagate(const std::vector<std::string>& args, const Env& env) {
  testing::TempDir dir;
  std::string out_path = dir.path() + "/out", err_path = dir.path() + "/err";
  pid_t pid = Spawn(args, env, out_path, err_path);
  CommandResult result;
  if (pid < 0) return result;
  result.exit_code = WaitPid(pid, std::chrono::seconds(120));
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

WagateProcess::WagateProcess(Env env, const std::string& role) {
  log_path_ = dir_.path() + "/wagate.log";
  std::string port_file = dir_.path() + "/port";
  env["PORT"] = "0";
  env.emplace("HOST", "127.0.0.1");
  env.emplace("DRAIN_SECONDS", "0");
  pid_ = Spawn({"serve", "--role", role, "--port-file", port_file}, env, log_path_, log_path_);
  if (pid_ < 0) return;
  const bool worker = role == "worker";
  // Starting takes milliseconds; allow for sanitizer builds and a loaded machine.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (worker) {
      if (ReadFile(log_path_).find("\"msg\":\"processing\"") != std::string::npos) {
        port_ = -1;
        return;
      }
    } else if (std::string text = ReadFile(port_file); !text.empty()) {
      port_ = std::atoi(text.c_str());
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

WagateProcess::~WagateProcess() {
  Kill();
  // A sanitizer report in the service fails the test that ran it, even when the report came
  // too late to change an answer.
  std::string log = ReadLog();
  for (const char* marker : {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "runtime error:"}) {
    if (log.find(marker) != std::string::npos) ADD_FAILURE() << "sanitizer report in wagate:\n" << log;
  }
}

std::string WagateProcess::ReadLog() const { return ReadFile(log_path_); }

void WagateProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitPid(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

void WagateProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int WagateProcess::Wait(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  int code = WaitPid(pid_, timeout);
  if (code != -1) pid_ = -1;
  return code;
}

int WagateProcess::Terminate(std::chrono::seconds timeout) {
  Signal(SIGTERM);
  return Wait(timeout);
}

namespace {

beast_http::request<beast_http::string_body> MakeRequest(const std::string& method,
                                                         const std::string& target,
                                                         const std::string& body,
                                                         const Env& headers) {
  beast_http::request<beast_http::string_body> req{beast_http::string_to_verb(method), target, 11};
  req.set(beast_http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    if (headers.find("Content-Type") == headers.end()) req.set(beast_http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  req.keep_alive(true);
  return req;
}

HttpResult ToResult(const beast_http::response<beast_http::string_body>& res) {
  HttpResult r;
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  return r;
}

}  // namespace

std::vector<HttpResult> HttpRequestsOnOneConnection(int port, const std::string& target,
                                                    const std::vector<std::string>& bodies,
                                                    const std::vector<Env>& headers) {
  std::vector<HttpResult> results;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(60));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) {
    results.push_back(HttpResult{0, "", {}, ec.message()});
    return results;
  }
  beast::flat_buffer buffer;
  for (size_t i = 0; i < bodies.size(); ++i) {
    auto req = MakeRequest(bodies[i].empty() ? "GET" : "POST", target, bodies[i],
                           i < headers.size() ? headers[i] : Env{});
    beast_http::write(stream, req, ec);
    beast_http::response_parser<beast_http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (!ec) beast_http::read(stream, buffer, parser, ec);
    if (ec) {
      results.push_back(HttpResult{0, "", {}, ec.message()});
      break;
    }
    results.push_back(ToResult(parser.get()));
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return results;
}

// One request and its answer on a connected stream (plain or TLS).
template <typename Stream>
HttpResult Exchange(Stream& stream, const std::string& method, const std::string& target,
                    const std::string& body, const Env& headers) {
  beast::error_code ec;
  auto req = MakeRequest(method, target, body, headers);
  beast_http::write(stream, req, ec);
  beast::flat_buffer buffer;
  beast_http::response_parser<beast_http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (!ec) beast_http::read(stream, buffer, parser, ec);
  if (ec) return HttpResult{0, "", {}, ec.message()};
  return ToResult(parser.get());
}

HttpResult HttpRequest(int port, const std::string& method, const std::string& target,
                       const std::string& body, const Env& headers) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(60));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return HttpResult{0, "", {}, ec.message()};
  return Exchange(stream, method, target, body, headers);
}

HttpResult HttpsRequest(int port, const std::string& ca_file, const std::string& method,
                        const std::string& target, const std::string& body, const Env& headers,
                        std::string* alpn) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  beast::error_code ec;
  tls.load_verify_file(ca_file, ec);
  if (ec) return HttpResult{0, "", {}, "load_verify_file: " + ec.message()};
  tls.set_verify_mode(asio::ssl::verify_peer);
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(tls.native_handle(), kAlpn, sizeof kAlpn);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  // The certificate must name the address connected to.
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.native_handle()), "127.0.0.1");
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return HttpResult{0, "", {}, ec.message()};
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return HttpResult{0, "", {}, "handshake: " + ec.message()};
  if (alpn != nullptr) {
    const unsigned char* selected = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(stream.native_handle(), &selected, &length);
    alpn->assign(reinterpret_cast<const char*>(selected), length);
  }
  HttpResult result = Exchange(stream, method, target, body, headers);
  if (result.status != 0) stream.shutdown(ec);  // close_notify; the server answers it
  return result;
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ClosedByPeerWithin(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

std::string TextMessageBody(const std::string& wamid, const std::string& text) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"301234567890123","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15551230000","phone_number_id":"112233445566778"},"contacts":[{"profile":{"name":"Maria Lopez"},"wa_id":"5215512345678"}],"messages":[{"from":"5215512345678","id":")" +
         wamid + R"(","timestamp":")" + std::to_string(std::time(nullptr)) +
         R"(","type":"text","text":{"body":")" + text +
         R"("}}]}}]}]})";
}

}  // namespace wagate::integration
