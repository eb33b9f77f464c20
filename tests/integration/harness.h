// Test harness for integration tests: the real `wagate` binary as a child process, and a small
// blocking HTTP client over loopback.
//
// Thread safety: HttpClient calls are independent and may run on many threads; a WagateProcess
// is driven by one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "wagate/testing/temp_dir.h"

namespace wagate::integration {

using Env = std::map<std::string, std::string>;

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `wagate <args…>` to completion with exactly `env` (plus PATH) as its environment.
CommandResult RunWagate(const std::vector<std::string>& args, const Env& env);
// The same with a terminal as stdin, stdout and stderr, on which `input` is typed; `out` is
// everything wagate wrote to it (the typed input echoed included), `err` is empty.
CommandResult RunWagateOnTerminal(const std::vector<std::string>& args, const Env& env,
                                  const std::string& input);

// A running `wagate serve`.
class WagateProcess {
 public:
  // Starts `serve --role <role>` with `env` (PORT=0 and a port file are added) and waits until
  // it listens, or, for role "worker" (no HTTP server), until it logs that processing started.
  explicit WagateProcess(Env env, const std::string& role = "all");
  ~WagateProcess();

  bool started() const { return port_ != 0; }  // port() is -1 for a worker
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

  // SIGKILL, and reap.
  void Kill();
  // Sends SIGTERM and waits up to `timeout` for the exit; returns the exit code (-1 on a signal
  // or timeout).
  int Terminate(std::chrono::seconds timeout = std::chrono::seconds(30));
  void Signal(int sig);
  // Waits for the exit after a signal was sent; returns the exit code (-1 on signal/timeout).
  int Wait(std::chrono::seconds timeout);

 private:
  testing::TempDir dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

struct HttpResult {
  int status = 0;  // 0 when the request failed at the transport level
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;
};

// One request on a fresh connection.
HttpResult HttpRequest(int port, const std::string& method, const std::string& target,
                       const std::string& body = "", const Env& headers = {});

// Several requests on one keep-alive connection; stops at the first transport error.
std::vector<HttpResult> HttpRequestsOnOneConnection(int port, const std::string& target,
                                                    const std::vector<std::string>& bodies,
                                                    const std::vector<Env>& headers);

// A WhatsApp text-message webhook body carrying `wamid`, timestamped now.
std::string TextMessageBody(const std::string& wamid, const std::string& text = "hola");

}  // namespace wagate::integration
