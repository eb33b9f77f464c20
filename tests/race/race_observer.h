// RaceObserver: what the chaos test (race_test.cc) reads of the service's backend, and the
// environment that points `wagate serve` at it. One implementation per backend:
//
//   sqlite  the data directory's database file, read-only through the sqlite3 C API
//           (sqlite_observer.cc);
//   aws     a fresh DynamoDB table and six fresh SQS queues on the local emulators, read with a
//           Scan of the table (test code only: production never scans) and the queues' counts
//           (aws_observer.cc).
//
// The test's assertions on records and queues are written once against these views. Where the
// backends differ (SPEC §2: duplicate queue entries are allowed on aws, so there is no "one queue
// entry per message" figure; SQS counts cannot tell a reply from a read receipt), a field is -1
// for "this backend cannot say", and the test asserts on it only where it is known.
//
// Thread safety: one test thread drives an observer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace wagate::integration {

// One work record (an msg: or out: key), with the fields the assertions and failure messages use.
struct RaceRecord {
  std::string key;
  std::string state;  // "COMPLETED", "SENT", ...
  int64_t attempts = 0;
  std::string lease_until;  // as the backend stores it; "" when none
  std::string last_error;
  std::string result;   // JSON text, "" when none
  std::string history;  // JSON text
};

// Whether a record key is a reply (`out:<h>:<n>`), not a read receipt (`out:<h>:read`).
inline bool IsReplyKey(const std::string& key) {
  return key.starts_with("out:") && !key.ends_with(":read");
}

// The queues as the end of the test sees them. -1: the backend cannot say.
struct RaceQueues {
  int64_t incoming = -1;          // messages in `incoming`: visible, in flight or delayed
  int64_t outgoing = -1;          // messages in `outgoing`, replies and read receipts
  int64_t outgoing_replies = -1;  // of them, replies
  int64_t pending_reads = -1;     // of them, read receipts
  int64_t incoming_dlq = -1;
  int64_t outgoing_dlq = -1;
  int64_t queue_sends = -1;  // every message ever sent to any queue (sqlite's sequence)
  // One line per dead letter of any queue, with its record's state and history.
  std::vector<std::string> dead_letters;
};

class RaceObserver {
 public:
  virtual ~RaceObserver() = default;

  // "sqlite" | "aws".
  virtual std::string backend() const = 0;

  // Adds what points `wagate serve` at this backend to `env`.
  virtual void AddServeEnv(Env& env) = 0;

  // Called every 250 ms while the test waits for the service to go quiet. `answered`: the fake
  // Graph API has a reply for every one of the `unique` messages and every `sent` status was
  // posted (an implementation may skip expensive reads until then). True when nothing is left
  // to do: no inbound message left to process and no reply left that could still be (re)sent.
  // `progress` gets a short description of what is left, for the log.
  virtual bool Drained(bool answered, int unique, std::string* progress) = 0;

  // Every msg: and out: record. Test failures (ADD_FAILURE) when the backend cannot be read.
  virtual std::vector<RaceRecord> Records() = 0;

  // The queues, with the dead letters described.
  virtual RaceQueues Queues() = 0;

  // Writes what a failure investigation needs into `dir` (which exists): the database file, or a
  // dump of every record and queue count.
  virtual void KeepEvidence(const std::string& dir) = 0;
};

// The sqlite backend in `data_dir` (WAGATE_DATA_DIR; the database is `data_dir`/wagate.db).
std::unique_ptr<RaceObserver> MakeSqliteObserver(const std::string& data_dir);

// A fresh table and fresh queues on the test binary's emulators. The queues' redrive policy
// backstop moves a message to its DLQ after `max_receive_count` receives; it must equal the
// service's SQS_MAX_RECEIVE_COUNT.
std::unique_ptr<RaceObserver> MakeAwsObserver(int max_receive_count);

}  // namespace wagate::integration
