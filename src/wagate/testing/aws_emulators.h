// AwsEmulators: local DynamoDB (dynalite) and SQS (fauxqs) for tests, with a clock tests control.
//
// Start() runs `node tests/emulators/emulators.mjs` as a child process. It listens on 127.0.0.1
// on ports the OS chooses, speaks the real AWS JSON protocols (any syntactically valid SigV4
// Authorization header is accepted; dynalite also wants an X-Amz-Date header) and keeps
// everything in memory. tests/emulators/README.md lists what each emulator supports.
//
// SetClock() freezes the emulators' Date.now() at a test's FakeClock time, so SQS visibility
// deadlines, delays and timestamps follow the test's clock exactly: a message received with
// VisibilityTimeout 30 at T is invisible at T+29999 and visible again at T+30000. Long polls
// still end in real time.
//
// Usage:
//   AwsEmulators& aws = SharedAwsEmulators();
//   std::string queue_name = UniqueAwsPrefix() + "work";   // fresh resources per test
//   ... create the queue at aws.sqs_endpoint() ...
//   ASSERT_TRUE(aws.SetClock(clock.Now()).ok());
//
// The child dies with this object (stdin closed, SIGTERM, SIGKILL after 5 s) and also when this
// process dies in any way, SIGKILL included: it exits when its stdin reaches EOF. Its pipes are
// close-on-exec here, so other children (a `wagate` under test) never hold them open.
//
// Thread safety: every method may be called from any thread. The clock is one per emulator
// process: tests sharing SharedAwsEmulators() must not set it concurrently, and a test that
// froze it returns it with UseRealClock().
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"

namespace wagate::testing {

class AwsEmulators {
 public:
  // Starts the emulators and waits (up to 20 s) until they listen. FailedPrecondition when node
  // or tests/emulators/node_modules is missing (the message says to run `make emulators`);
  // Unavailable or DeadlineExceeded when the process fails or does not get ready in time (its
  // stderr shows why).
  static StatusOr<std::unique_ptr<AwsEmulators>> Start();
  // Closes the child's stdin, sends SIGTERM and reaps it; SIGKILL if it lingers 5 s.
  ~AwsEmulators();
  AwsEmulators(const AwsEmulators&) = delete;
  AwsEmulators& operator=(const AwsEmulators&) = delete;

  // "http://127.0.0.1:<port>", without a trailing slash.
  const std::string& dynamodb_endpoint() const { return dynamodb_endpoint_; }
  // "http://127.0.0.1:<port>". Queue URLs are "<sqs_endpoint>/000000000000/<queue name>".
  const std::string& sqs_endpoint() const { return sqs_endpoint_; }
  // The node process, for tests of this fixture.
  pid_t pid() const { return pid_; }

  // Freezes the emulators' clock at `now`: Date.now() returns exactly that until the next call.
  Status SetClock(Timestamp now);
  // Returns the emulators to the real clock.
  Status UseRealClock();

 private:
  AwsEmulators(pid_t pid, int stdin_fd, int stdout_fd);

  // POSTs `body` to the control server's /clock.
  Status PostClock(const std::string& body);

  const pid_t pid_;
  const int stdin_fd_;   // our end of the child's stdin; closing it tells the child to exit
  const int stdout_fd_;  // kept open so that a late write by the child cannot fail
  std::string dynamodb_endpoint_;  // set by Start(), then constant
  std::string sqs_endpoint_;       // set by Start(), then constant
  std::string control_endpoint_;   // set by Start(), then constant
};

// The emulators shared by every test of this test binary: started on first use, stopped at exit.
// Tests keep apart by naming their tables and queues with UniqueAwsPrefix(), not by restarting.
// When they cannot start, prints why (with the command that fixes it) and aborts the binary.
AwsEmulators& SharedAwsEmulators();

// A name prefix no other call in this process returns, e.g. "t1-4821-" (a counter and the pid):
// valid at the start of both DynamoDB table names and SQS queue names.
std::string UniqueAwsPrefix();

}  // namespace wagate::testing
