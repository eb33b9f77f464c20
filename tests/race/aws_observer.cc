// The chaos test's view of the aws backend: a fresh DynamoDB table and six fresh SQS queues on
// the emulators this test binary started (dynalite and fauxqs, tests/emulators/README.md).
//
// Records are read with a consistent Scan of the whole table. Only test code scans; production
// reads one key at a time.
//
// Queue depth is the sum of SQS's three counts (visible, in flight, delayed). fauxqs refreshes
// the split between them only at the next ReceiveMessage on that queue (an expired visibility or
// an elapsed delay moves a message from "in flight"/"delayed" to "visible" then), so a single
// count can be stale. The sum cannot: only a send, a delete or a move to the dead-letter queue
// changes it, and fauxqs applies those at once. "Empty" is therefore read from the sum, without
// a refreshing ReceiveMessage. (Such a receive, even with VisibilityTimeout 0, would use up one
// receive of a message a worker is about to take, counting towards the redrive backstop, and
// would replace the worker's receipt handle; the test must not perturb the service it observes.)
//
// Dead letters are read at the end with ReceiveMessage on the dead-letter queues, which nothing
// else reads during the test (they have no redrive policy, so receiving uses nothing up).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "race_observer.h"
#include "wagate/backends/aws/aws_test_backend.h"
#include "wagate/backends/aws/dynamodb_records.h"
#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/base/clock.h"
#include "wagate/domain/record.h"

namespace wagate::integration {
namespace {

namespace json = boost::json;
using domain::QueueName;

constexpr char kAwsSecretKey[] = "race-aws-secret-key-7a3f";
// PENDING_GRACE_SECONDS: a POST that meets a PENDING record younger than this is answered 503
// (SPEC §2.5). A SIGKILL during an admit leaves PENDING records behind, and Meta's retries of
// those messages get 503 until the grace ends and a retry takes them over; the default of 30 s
// would stretch the test, while 6 s still leaves an admit (deadline: half the grace) time on a
// loaded machine and under ThreadSanitizer.
constexpr int kPendingGraceSeconds = 6;

std::string S(const json::object& item, std::string_view name) {
  const json::value* v = item.if_contains(name);
  if (!v || !v->is_object()) return "";
  const json::value* s = v->as_object().if_contains("S");
  return s && s->is_string() ? std::string(s->as_string()) : "";
}

std::string Attribute(const json::object& message, std::string_view name) {
  const json::value* attributes = message.if_contains("MessageAttributes");
  if (!attributes || !attributes->is_object()) return "";
  const json::value* a = attributes->as_object().if_contains(name);
  if (!a || !a->is_object()) return "";
  const json::value* s = a->as_object().if_contains("StringValue");
  return s && s->is_string() ? std::string(s->as_string()) : "";
}

class AwsObserver final : public RaceObserver {
 public:
  explicit AwsObserver(int max_receive_count)
      : table_(aws::FreshTable(clients_.dynamodb())),
        urls_(aws::FreshQueues(clients_.sqs(), max_receive_count)),
        queue_(clients_.sqs(), aws::SqsQueue::Options{.urls = urls_}, SystemClock::Instance()) {}

  std::string backend() const override { return "aws"; }

  void AddServeEnv(Env& env) override {
    for (auto& [name, value] : aws::ServeEnvironment(clients_, table_, urls_, kAwsSecretKey)) {
      env[name] = value;
    }
    env["PENDING_GRACE_SECONDS"] = std::to_string(kPendingGraceSeconds);
  }

  // Drained: no message left in `incoming`, every msg: record COMPLETED and every reply record
  // SENT. A reply whose record is SENT is never sent again, whatever copies of it are still in
  // `outgoing` (duplicate entries are allowed on aws; the claim deletes them), and SQS's counts
  // cannot tell replies from read receipts, so the records, not `outgoing`, say that no reply is
  // left to (re)send. The table is scanned only once the fake Graph API has every reply.
  bool Drained(bool answered, int unique, std::string* progress) override {
    // A failed count is retried at the next poll (the emulators may be slow under load).
    const int64_t incoming = Depth({QueueName::kIncoming, false}, /*must=*/false);
    const int64_t outgoing = Depth({QueueName::kOutgoing, false}, /*must=*/false);
    *progress = "incoming " + std::to_string(incoming) + ", outgoing " + std::to_string(outgoing) +
                " (replies and read receipts)";
    if (!answered || incoming != 0) return false;
    StatusOr<std::vector<json::object>> items = Scan(
        {{"ProjectionExpression", "msgid, #s"}, {"ExpressionAttributeNames", {{"#s", "state"}}}});
    if (!items.ok()) {
      *progress += ", scan failed: " + items.status().ToString();
      return false;
    }
    int64_t msgs = 0, completed = 0, replies = 0, sent = 0;
    for (const json::object& item : *items) {
      const std::string key = S(item, "msgid");
      const std::string state = S(item, "state");
      if (key.starts_with("msg:")) {
        ++msgs;
        completed += state == "COMPLETED";
      } else if (IsReplyKey(key)) {
        ++replies;
        sent += state == "SENT";
      }
    }
    *progress += ", msg: records COMPLETED " + std::to_string(completed) + "/" +
                 std::to_string(msgs) + ", reply records SENT " + std::to_string(sent) + "/" +
                 std::to_string(replies);
    return msgs == unique && completed == msgs && replies >= unique && sent == replies;
  }

  std::vector<RaceRecord> Records() override {
    std::vector<RaceRecord> records;
    StatusOr<std::vector<json::object>> items = Scan({});
    if (!items.ok()) {
      ADD_FAILURE() << "Scan of " << table_ << ": " << items.status().ToString();
      return records;
    }
    for (const json::object& item : *items) {
      const std::string key = S(item, "msgid");
      if (!key.starts_with("msg:") && !key.starts_with("out:")) continue;
      records.push_back(ToRaceRecord(item));
    }
    return records;
  }

  RaceQueues Queues() override {
    RaceQueues q;
    q.incoming = Depth({QueueName::kIncoming, false});
    q.outgoing = Depth({QueueName::kOutgoing, false});
    q.incoming_dlq = Depth({QueueName::kIncoming, true});
    q.outgoing_dlq = Depth({QueueName::kOutgoing, true});
    for (QueueName source : {QueueName::kIncoming, QueueName::kOutgoing, QueueName::kAnalytics}) {
      const ports::QueueRef dlq{source, true};
      if (Depth(dlq) == 0) continue;
      DescribeDeadLetters(dlq, q.dead_letters);
    }
    return q;
  }

  void KeepEvidence(const std::string& dir) override {
    std::ofstream out(dir + "/aws-records.jsonl");
    out << "# table " << table_ << "\n";
    for (QueueName source : {QueueName::kIncoming, QueueName::kOutgoing, QueueName::kAnalytics}) {
      for (bool dead : {false, true}) {
        const ports::QueueRef ref{source, dead};
        out << "# queue " << ref.Name() << " " << urls_.Of(ref) << " depth " << Depth(ref, false)
            << "\n";
      }
    }
    StatusOr<std::vector<json::object>> items = Scan({});
    if (!items.ok()) {
      out << "# scan failed: " << items.status().ToString() << "\n";
      return;
    }
    for (const json::object& item : *items) out << json::serialize(item) << "\n";
    std::printf("[race] every record of %s written to %s/aws-records.jsonl\n", table_.c_str(),
                dir.c_str());
  }

 private:
  // Every item of the table, page by page, read consistently.
  StatusOr<std::vector<json::object>> Scan(json::object request) {
    request["TableName"] = table_;
    request["ConsistentRead"] = true;
    std::vector<json::object> items;
    for (;;) {
      StatusOr<aws::AwsAnswer> answer = clients_.dynamodb().Call("Scan", request);
      if (!answer.ok()) return answer.status();
      if (!answer->ok()) return aws::DynamoStatus(*answer, "Scan");
      if (const json::value* page = answer->body.if_contains("Items"); page && page->is_array()) {
        for (const json::value& v : page->as_array()) {
          if (v.is_object()) items.push_back(v.as_object());
        }
      }
      const json::value* last = answer->body.if_contains("LastEvaluatedKey");
      if (!last || !last->is_object() || last->as_object().empty()) return items;
      request["ExclusiveStartKey"] = *last;
    }
  }

  // Messages in a queue: visible + in flight + delayed (exact on fauxqs, see the top); -1 when
  // SQS does not answer, which fails the test when `must`.
  int64_t Depth(ports::QueueRef ref, bool must = true) {
    StatusOr<ports::QueueStats> counts = queue_.Counts(ref);
    if (!counts.ok()) {
      if (must)
        ADD_FAILURE() << "GetQueueAttributes " << ref.Name() << ": " << counts.status().ToString();
      return -1;
    }
    return counts->visible + counts->in_flight + counts->delayed;
  }

  static RaceRecord ToRaceRecord(const json::object& item) {
    const domain::Record r = aws::ItemToRecord(item);
    RaceRecord out;
    out.key = r.key;
    out.state = S(item, "state");  // raw: ItemToRecord maps a missing or unknown state to QUEUED
    if (ToUnixMillis(r.expires_at) <= ToUnixMillis(SystemClock::Instance().Now()))
      out.state += "(expired)";
    out.attempts = r.attempts;
    out.lease_until = r.lease_until ? std::to_string(ToUnixMillis(*r.lease_until)) : "";
    out.last_error = r.last_error;
    out.result = r.result;
    out.history = domain::HistoryToJson(r.history);
    return out;
  }

  // Receives every message of a dead-letter queue (hiding them for the rest of the test) and
  // describes each with its record.
  void DescribeDeadLetters(ports::QueueRef dlq, std::vector<std::string>& lines) {
    for (int round = 0; round < 20; ++round) {
      StatusOr<aws::AwsAnswer> answer = clients_.sqs().Call(
          "ReceiveMessage",
          {{"QueueUrl", urls_.Of(dlq)},
           {"MaxNumberOfMessages", 10},
           {"VisibilityTimeout", 600},
           {"WaitTimeSeconds", 0},
           {"MessageAttributeNames", json::array{"All"}},
           {"MessageSystemAttributeNames", json::array{"ApproximateReceiveCount"}}});
      if (!answer.ok() || !answer->ok()) {
        lines.push_back("queue=" + dlq.Name() + " (dead letters not readable: " +
                        (answer.ok() ? answer->error_type : answer.status().ToString()) + ")");
        return;
      }
      const json::value* messages = answer->body.if_contains("Messages");
      if (!messages || !messages->is_array() || messages->as_array().empty()) return;
      for (const json::value& v : messages->as_array()) {
        const json::object& m = v.as_object();
        const std::string key = Attribute(m, "key");
        std::string receives;
        if (const json::value* a = m.if_contains("Attributes"); a && a->is_object()) {
          if (const json::value* n = a->as_object().if_contains("ApproximateReceiveCount");
              n && n->is_string()) {
            receives = std::string(n->as_string());
          }
        }
        std::string line = "queue=" + dlq.Name() + " key=" + key +
                           " reason=" + Attribute(m, "reason") +
                           " last_error=" + Attribute(m, "last_error") +
                           " receive_count=" + receives + " dlq_history=" + Attribute(m, "history");
        if (!key.empty()) {
          StatusOr<json::object> item = aws::GetItem(clients_.dynamodb(), table_, key);
          if (item.ok() && !item->empty()) {
            const RaceRecord r = ToRaceRecord(*item);
            line += " record_state=" + r.state + " record_attempts=" + std::to_string(r.attempts) +
                    " record_history=" + r.history;
          } else {
            line += " record=" + (item.ok() ? std::string("ABSENT") : item.status().ToString());
          }
        }
        lines.push_back(line);
      }
    }
  }

  aws::EmulatorClients clients_;
  const std::string table_;
  const aws::SqsQueueUrls urls_;
  aws::SqsQueue queue_;
};

}  // namespace

std::unique_ptr<RaceObserver> MakeAwsObserver(int max_receive_count) {
  return std::make_unique<AwsObserver>(max_receive_count);
}

}  // namespace wagate::integration
