#include "wagate/testing/aws_emulators.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "wagate/net/http_client.h"

#ifndef WAGATE_SOURCE_DIR
#error "WAGATE_SOURCE_DIR must name the source tree"
#endif

extern char** environ;

namespace wagate::testing {

namespace {

constexpr Millis kStartTimeout{20000};
constexpr Millis kStopGrace{5000};
constexpr size_t kMaxReadyLine = 4096;
constexpr const char* kInstallHint =
    "run `make emulators` (or `npm ci --prefix tests/emulators`) in the source tree";

std::string EmulatorsDir() { return std::string(WAGATE_SOURCE_DIR) + "/tests/emulators"; }

std::string ErrnoText(int err) { return std::strerror(err); }

// Waits up to `grace` for `pid` to exit and reaps it; true when it did.
bool ReapWithin(pid_t pid, Millis grace) {
  // A pidfd becomes readable when the process exits, so the wait needs no polling loop.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{.fd = pidfd, .events = POLLIN, .revents = 0};
    int ready;
    do {
      ready = poll(&p, 1, static_cast<int>(grace.count()));
    } while (ready < 0 && errno == EINTR);
    close(pidfd);
    if (ready <= 0) return false;
    return waitpid(pid, nullptr, 0) == pid || errno == ECHILD;
  }
  // Kernels without pidfd_open (before 5.3).
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (true) {
    pid_t r = waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Millis(10));
  }
}

// Ends a child that did not get ready and reaps it.
void KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// "exited with status 1", "was killed by signal 9".
std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

// Reads the child's first stdout line, waiting up to kStartTimeout. On failure the child has
// been reaped.
StatusOr<std::string> ReadReadyLine(pid_t pid, int fd) {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string line;
  while (true) {
    size_t newline = line.find('\n');
    if (newline != std::string::npos) return line.substr(0, newline);
    if (line.size() > kMaxReadyLine) {
      KillAndReap(pid);
      return InternalError("emulators: stdout did not start with a JSON line: " +
                           line.substr(0, 200));
    }
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      KillAndReap(pid);
      return DeadlineExceededError("emulators: not ready after " +
                                   std::to_string(kStartTimeout.count()) +
                                   " ms (their stderr, above, may say why)");
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      int err = errno;
      KillAndReap(pid);
      return InternalError("emulators: poll: " + ErrnoText(err));
    }
    if (ready == 0) continue;  // the deadline check above ends the wait
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // EOF: the child exited (or closed stdout) before it was ready.
      int status = 0;
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return UnavailableError("emulators: node " + DescribeWaitStatus(status) +
                              " before it was ready (its stderr, above, says why; if a module is "
                              "missing, " +
                              std::string(kInstallHint) + ")");
    }
    line.append(buf, static_cast<size_t>(n));
  }
}

StatusOr<std::string> JsonString(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return InternalError("emulators: ready line lacks \"" + std::string(key) + "\"");
  }
  return std::string(v->as_string());
}

}  // namespace

AwsEmulators::AwsEmulators(pid_t pid, int stdin_fd, int stdout_fd)
    : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd) {}

StatusOr<std::unique_ptr<AwsEmulators>> AwsEmulators::Start() {
  const std::string dir = EmulatorsDir();
  const std::string script = dir + "/emulators.mjs";
  std::error_code ec;
  if (!std::filesystem::exists(script, ec)) {
    return FailedPreconditionError("emulators: " + script + " is missing");
  }
  for (const char* module : {"dynalite", "fauxqs"}) {
    if (!std::filesystem::exists(dir + "/node_modules/" + module + "/package.json", ec)) {
      return FailedPreconditionError("emulators: " + dir + "/node_modules/" + module +
                                     " is not installed; " + kInstallHint);
    }
  }

  // Created close-on-exec, so that no other child spawned meanwhile by another thread (a wagate
  // under test) inherits them: a stray copy of the stdin pipe's write end would keep the
  // emulators alive after this process dies. The dup2 onto 0 and 1 in the child clears the flag
  // on the copies it keeps.
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) {
    return InternalError("emulators: pipe2: " + ErrnoText(errno));
  }
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    int err = errno;
    close(to_child[0]);
    close(to_child[1]);
    return InternalError("emulators: pipe2: " + ErrnoText(err));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  // The child starts with no signals blocked and default dispositions for the ones that stop it,
  // whatever this process (gtest, a test's signal-handling thread) has set.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  // No PR_SET_PDEATHSIG: it fires when the *thread* that spawned the child exits, which would
  // kill the shared emulators when the first test to use them ran on a short-lived thread.
  // Stdin EOF covers the parent's death instead.

  std::string node = "node";
  std::vector<char*> argv = {node.data(), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, node.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    if (rc == ENOENT) {
      return FailedPreconditionError(
          "emulators: `node` is not on PATH; install Node >= 20 (scripts/bootstrap) and " +
          std::string(kInstallHint));
    }
    return InternalError("emulators: cannot start node: " + ErrnoText(rc));
  }

  StatusOr<std::string> line = ReadReadyLine(pid, from_child[0]);
  if (!line.ok()) {
    close(to_child[1]);
    close(from_child[0]);
    return line.status();
  }
  // From here the child is owned by the object, whose destructor stops it.
  std::unique_ptr<AwsEmulators> emulators(new AwsEmulators(pid, to_child[1], from_child[0]));

  boost::system::error_code json_ec;
  boost::json::value ready = boost::json::parse(*line, json_ec);
  if (json_ec || !ready.is_object()) {
    return InternalError("emulators: ready line is not a JSON object: " + line->substr(0, 200));
  }
  const boost::json::object& o = ready.as_object();
  StatusOr<std::string> dynamodb = JsonString(o, "dynamodb");
  StatusOr<std::string> sqs = JsonString(o, "sqs");
  StatusOr<std::string> control = JsonString(o, "control");
  for (const Status* s : {&dynamodb.status(), &sqs.status(), &control.status()}) {
    if (!s->ok()) return *s;
  }
  emulators->dynamodb_endpoint_ = *dynamodb;
  emulators->sqs_endpoint_ = *sqs;
  emulators->control_endpoint_ = *control;
  return emulators;
}

AwsEmulators::~AwsEmulators() {
  // EOF on stdin alone ends the child; SIGTERM makes sure of it even if node's event loop is
  // busy, and SIGKILL ends one that still lingers.
  close(stdin_fd_);
  kill(pid_, SIGTERM);
  if (!ReapWithin(pid_, kStopGrace)) KillAndReap(pid_);
  close(stdout_fd_);
}

Status AwsEmulators::SetClock(Timestamp now) {
  return PostClock("{\"now_ms\":" + std::to_string(ToUnixMillis(now)) + "}");
}

Status AwsEmulators::UseRealClock() { return PostClock("{\"real\":true}"); }

Status AwsEmulators::PostClock(const std::string& body) {
  // A client per call: HttpClient is not thread-safe, and the calls are rare.
  net::HttpClient client;
  net::HttpRequest request;
  request.method = "POST";
  request.url = control_endpoint_ + "/clock";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = Millis(5000);
  net::HttpResult result = client.Send(request);
  if (!result.ok()) return result.status();
  if (result.response().status != 200) {
    return InternalError("emulators: POST /clock " + body + " answered " +
                         std::to_string(result.response().status) + ": " + result.response().body);
  }
  return Status::Ok();
}

AwsEmulators& SharedAwsEmulators() {
  // Destroyed at exit, which stops the process; if this process dies first, the child sees EOF.
  static const std::unique_ptr<AwsEmulators> shared = [] {
    StatusOr<std::unique_ptr<AwsEmulators>> started = AwsEmulators::Start();
    if (!started.ok()) {
      // There is no emulator to hand back, so the binary cannot go on; say why first.
      std::fprintf(stderr, "SharedAwsEmulators: %s\n", started.status().ToString().c_str());
      std::fflush(stderr);
      ADD_FAILURE() << "SharedAwsEmulators: " << started.status().ToString();
      std::abort();
    }
    return std::move(*started);
  }();
  return *shared;
}

std::string UniqueAwsPrefix() {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(++counter) + "-" + std::to_string(getpid()) + "-";
}

}  // namespace wagate::testing
