// `wagate queues` and `wagate dlq list|show|redrive|purge` on the sqlite backend: the real binary
// on a real data directory whose dead letters were made by SqliteQueue::MoveToDeadLetter, the
// way the processors make them. Every --json document is checked against docs/schemas/.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "service.h"
#include "wagate/backends/sqlite/database.h"
#include "wagate/backends/sqlite/schema.h"
#include "wagate/backends/sqlite/sqlite_queue.h"
#include "wagate/testing/json_schema.h"
#include "wagate/testing/temp_dir.h"

namespace wagate::integration {
namespace {

namespace json = boost::json;
using domain::QueueName;

constexpr char kHistory[] =
    R"([{"attempt":1,"outcome":"retry","error":"HTTP 503"},{"attempt":2,"outcome":"rejected","error":"HTTP 400"}])";

// The one JSON document of a --json command, checked against docs/schemas/<schema>.
json::object Document(const CommandResult& r, const std::string& schema) {
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  json::error_code ec;
  json::value doc = json::parse(r.out, ec);
  EXPECT_FALSE(ec) << "not one JSON document: " << r.out << r.err;
  if (ec || !doc.is_object()) return {};
  EXPECT_EQ(testing::ValidateJsonSchema(testing::LoadSchema(schema), doc),
            std::vector<std::string>{})
      << r.out;
  return doc.as_object();
}

std::vector<std::string> Keys(const json::object& list) {
  std::vector<std::string> keys;
  for (const json::value& item : list.at("items").as_array()) {
    keys.emplace_back(item.at("key").as_string());
  }
  return keys;
}

json::object QueueEntry(const json::object& queues, std::string_view name) {
  for (const json::value& q : queues.at("queues").as_array()) {
    if (q.at("queue").as_string() == name) return q.as_object();
  }
  ADD_FAILURE() << "no queue " << name;
  return {};
}

class DlqCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = BaseEnv(dir_.path());
    CommandResult provision = RunWagate({"provision"}, env_);
    ASSERT_EQ(provision.exit_code, 0) << provision.err;
  }

  // Opens the data directory's queues as a processor does.
  std::unique_ptr<sqlite::SqliteQueue> OpenQueue() {
    StatusOr<std::unique_ptr<sqlite::Database>> db =
        sqlite::Database::Open(sqlite::DatabasePath(dir_.path()));
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return nullptr;
    return std::make_unique<sqlite::SqliteQueue>(std::move(*db), sqlite::SqliteQueue::Options{},
                                                 SystemClock::Instance());
  }

  // Sends `key` to incoming, receives it and moves it to the dead-letter queue.
  void DeadLetter(sqlite::SqliteQueue& q, const std::string& key,
                  const ports::DeadLetterReason& why) {
    ASSERT_TRUE(q.Send(QueueName::kIncoming, {{key, Body(key), Millis(0)}}).ok());
    StatusOr<std::vector<ports::ReceivedMessage>> got =
        q.Receive(QueueName::kIncoming, 1, Millis(30'000), Millis(0));
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    ASSERT_EQ(got->front().key, key);
    ASSERT_TRUE(q.MoveToDeadLetter(QueueName::kIncoming, got->front(), why).ok());
  }

  static std::string Body(const std::string& key) { return R"({"key":")" + key + R"(","n":1})"; }

  CommandResult Run(const std::vector<std::string>& args) { return RunWagate(args, env_); }

  testing::TempDir dir_;
  Env env_;
};

TEST_F(DlqCliTest, ListShowRedriveAndPurgeRealDeadLetters) {
  {
    std::unique_ptr<sqlite::SqliteQueue> q = OpenQueue();
    ASSERT_NE(q, nullptr);
    DeadLetter(*q, "msg:wamid.A", {"handler_rejected", "HTTP 400 from handler", kHistory});
    DeadLetter(*q, "msg:wamid.B", {"max_receive_count", "received 3 times", ""});
    DeadLetter(*q, "msg:wamid.bad", {"invalid_payload", "no messages array", ""});
    ASSERT_TRUE(q->Send(QueueName::kIncoming, {{"msg:wamid.live", "{}", Millis(0)}}).ok());
  }

  json::object queues = Document(Run({"queues", "--json"}), "queues.json");
  EXPECT_EQ(QueueEntry(queues, "incoming").at("visible"), 1);
  EXPECT_EQ(QueueEntry(queues, "incoming").at("dlq"), 3);
  EXPECT_EQ(QueueEntry(queues, "outgoing").at("dlq"), 0);
  EXPECT_TRUE(QueueEntry(queues, "analytics").at("oldest_age_seconds").is_null());
  CommandResult text = Run({"queues"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("incoming"), std::string::npos) << text.out;

  json::object list = Document(Run({"dlq", "list", "incoming", "--json"}), "dlq_list.json");
  EXPECT_EQ(list.at("queue"), "incoming");
  ASSERT_EQ(Keys(list), (std::vector<std::string>{"msg:wamid.A", "msg:wamid.B", "msg:wamid.bad"}));
  const json::object& first = list.at("items").as_array()[0].as_object();
  EXPECT_EQ(first.at("reason"), "handler_rejected");
  EXPECT_EQ(first.at("last_error"), "HTTP 400 from handler");
  EXPECT_EQ(first.at("attempts"), 1);
  EXPECT_EQ(first.at("bytes"), static_cast<int64_t>(Body("msg:wamid.A").size()));
  const std::string dead_at(first.at("dead_at").as_string());
  EXPECT_EQ(dead_at.size(), 24u) << dead_at << ": RFC 3339 UTC with milliseconds";
  EXPECT_EQ(dead_at.back(), 'Z') << dead_at;
  EXPECT_EQ(
      Keys(Document(Run({"dlq", "list", "incoming", "--limit", "2", "--json"}), "dlq_list.json")),
      (std::vector<std::string>{"msg:wamid.A", "msg:wamid.B"}));
  CommandResult list_text = Run({"dlq", "list", "incoming"});
  EXPECT_EQ(list_text.exit_code, 0);
  EXPECT_NE(list_text.out.find("msg:wamid.bad"), std::string::npos) << list_text.out;
  EXPECT_NE(list_text.out.find("invalid_payload"), std::string::npos) << list_text.out;

  const std::string id(first.at("message_id").as_string());
  json::object shown = Document(Run({"dlq", "show", "incoming", id, "--json"}), "dlq_show.json");
  EXPECT_EQ(shown.at("key"), "msg:wamid.A");
  EXPECT_EQ(shown.at("reason"), "handler_rejected");
  EXPECT_EQ(shown.at("body").as_string(), Body("msg:wamid.A"));
  ASSERT_TRUE(shown.at("history").is_array());
  ASSERT_EQ(shown.at("history").as_array().size(), 2u);
  EXPECT_EQ(shown.at("history").as_array()[1].at("error"), "HTTP 400");
  CommandResult show_text = Run({"dlq", "show", "incoming", id});
  EXPECT_EQ(show_text.exit_code, 0);
  EXPECT_NE(show_text.out.find("handler_rejected"), std::string::npos) << show_text.out;
  EXPECT_NE(show_text.out.find("2 attempts"), std::string::npos) << show_text.out;
  EXPECT_NE(show_text.out.find(Body("msg:wamid.A")), std::string::npos) << show_text.out;
  CommandResult unknown_id = Run({"dlq", "show", "incoming", "987654321"});
  EXPECT_EQ(unknown_id.exit_code, 1);
  EXPECT_NE(unknown_id.err.find("no dead letter 987654321"), std::string::npos) << unknown_id.err;

  // Browsing moved nothing.
  EXPECT_EQ(QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("dlq"),
            3);

  json::object redriven =
      Document(Run({"dlq", "redrive", "incoming", "--json"}), "dlq_redrive.json");
  EXPECT_EQ(redriven.at("moved"), 2);
  EXPECT_EQ(redriven.at("skipped"), 1);
  EXPECT_EQ(Keys(Document(Run({"dlq", "list", "incoming", "--json"}), "dlq_list.json")),
            (std::vector<std::string>{"msg:wamid.bad"}))
      << "the invalid_payload dead letter stays";
  queues = Document(Run({"queues", "--json"}), "queues.json");
  EXPECT_EQ(QueueEntry(queues, "incoming").at("visible"), 3);
  EXPECT_EQ(QueueEntry(queues, "incoming").at("dlq"), 1);

  CommandResult refused = Run({"dlq", "purge", "incoming"});
  EXPECT_EQ(refused.exit_code, 2) << "no terminal to ask on and no --yes";
  EXPECT_NE(refused.err.find("--yes"), std::string::npos) << refused.err;
  EXPECT_EQ(QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("dlq"), 1)
      << "a refused purge deletes nothing";
  json::object purged =
      Document(Run({"dlq", "purge", "incoming", "--yes", "--json"}), "dlq_purge.json");
  EXPECT_EQ(purged.at("queue"), "incoming-dlq");
  EXPECT_EQ(purged.at("purged"), 1);
  EXPECT_TRUE(Document(Run({"dlq", "list", "incoming", "--json"}), "dlq_list.json")
                  .at("items")
                  .as_array()
                  .empty());
  EXPECT_EQ(
      QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("visible"), 3)
      << "purging the dead letters leaves the source queue alone";
}

TEST_F(DlqCliTest, QueuesPurgeEmptiesAnyOfTheSixQueuesOnlyWhenConfirmed) {
  {
    std::unique_ptr<sqlite::SqliteQueue> q = OpenQueue();
    ASSERT_NE(q, nullptr);
    DeadLetter(*q, "msg:dead", {"handler_rejected", "HTTP 400", ""});
    ASSERT_TRUE(
        q->Send(QueueName::kIncoming, {{"msg:1", "{}", Millis(0)}, {"msg:2", "{}", Millis(0)}})
            .ok());
    ASSERT_TRUE(q->Send(QueueName::kOutgoing, {{"out:1", "{}", Millis(0)}}).ok());
  }
  CommandResult refused = Run({"queues", "purge", "incoming"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(
      QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("visible"), 2);

  json::object purged =
      Document(Run({"queues", "purge", "incoming", "--yes", "--json"}), "dlq_purge.json");
  EXPECT_EQ(purged.at("queue"), "incoming");
  EXPECT_EQ(purged.at("purged"), 2);
  json::object queues = Document(Run({"queues", "--json"}), "queues.json");
  EXPECT_EQ(QueueEntry(queues, "incoming").at("visible"), 0);
  EXPECT_EQ(QueueEntry(queues, "incoming").at("dlq"), 1) << "the source's dead letters stay";
  EXPECT_EQ(QueueEntry(queues, "outgoing").at("visible"), 1) << "other queues stay";

  CommandResult dlq = Run({"queues", "purge", "incoming-dlq", "--yes"});
  EXPECT_EQ(dlq.exit_code, 0) << dlq.err;
  EXPECT_NE(dlq.out.find("purged 1 messages of incoming-dlq"), std::string::npos) << dlq.out;
  EXPECT_EQ(QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("dlq"),
            0);
}

TEST_F(DlqCliTest, OnATerminalPurgeAsksFirst) {
  {
    std::unique_ptr<sqlite::SqliteQueue> q = OpenQueue();
    ASSERT_NE(q, nullptr);
    DeadLetter(*q, "msg:dead1", {"handler_rejected", "HTTP 400", ""});
    DeadLetter(*q, "msg:dead2", {"handler_rejected", "HTTP 400", ""});
  }
  CommandResult declined = RunWagateOnTerminal({"dlq", "purge", "incoming"}, env_, "n\n");
  EXPECT_EQ(declined.exit_code, 1) << declined.out;
  EXPECT_NE(declined.out.find("Purge 2 dead letters of incoming? [y/N]"), std::string::npos)
      << declined.out;
  EXPECT_EQ(QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("dlq"), 2)
      << "declined: nothing deleted";

  CommandResult confirmed = RunWagateOnTerminal({"dlq", "purge", "incoming"}, env_, "y\n");
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.out;
  EXPECT_NE(confirmed.out.find("Purge 2 dead letters of incoming? [y/N]"), std::string::npos)
      << confirmed.out;
  EXPECT_NE(confirmed.out.find("purged 2 messages of incoming-dlq"), std::string::npos)
      << confirmed.out;
  EXPECT_EQ(QueueEntry(Document(Run({"queues", "--json"}), "queues.json"), "incoming").at("dlq"),
            0);
}

TEST_F(DlqCliTest, AnUnknownQueueIsAUsageError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"dlq", "list", "inbox"},
                                             {"dlq", "list", "incoming-dlq"},
                                             {"dlq", "show", "outgoingg", "1"},
                                             {"dlq", "redrive", "INCOMING"},
                                             {"dlq", "purge", "", "--yes"},
                                             {"queues", "purge", "incoming-dlq-dlq", "--yes"}}) {
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << " " << args[2];
    EXPECT_NE(r.err.find("unknown queue"), std::string::npos) << r.err;
  }
  CommandResult bad_limit = Run({"dlq", "list", "incoming", "--limit", "0"});
  EXPECT_EQ(bad_limit.exit_code, 2) << bad_limit.err;
}

TEST_F(DlqCliTest, WithoutADatabaseTheCommandsFail) {
  Env env = BaseEnv(dir_.path() + "/nowhere");
  CommandResult r = RunWagate({"dlq", "list", "incoming"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no database at"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace wagate::integration
