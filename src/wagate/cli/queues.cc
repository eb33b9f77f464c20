// `wagate queues` and `wagate dlq list|show|redrive|purge` (SPEC §7): the operator's view of the
// queues and the dead-letter workflow, on either backend (app/operator_queues.h). --json output
// follows docs/schemas/{queues,queues_purge,dlq_list,dlq_show,dlq_redrive,dlq_purge}.json.

#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "wagate/app/operator_queues.h"
#include "wagate/cli/commands.h"
#include "wagate/cli/load_config.h"

namespace wagate::cli {

namespace {

namespace json = boost::json;

constexpr domain::QueueName kSources[] = {
    domain::QueueName::kIncoming, domain::QueueName::kOutgoing, domain::QueueName::kAnalytics};

// The exit code for a failed operation, after printing it: 2 for a configuration or usage
// problem, 1 for anything else.
int Fail(const std::string& command, const Status& s) {
  std::fprintf(stderr, "wagate %s: %s\n", command.c_str(), s.message().c_str());
  const bool usage =
      s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kFailedPrecondition;
  return usage ? kExitUsage : kExitFailure;
}

// The source queue a `dlq` command names; prints why not and returns nullopt otherwise.
std::optional<domain::QueueName> ParseSource(const std::string& command, const std::string& name) {
  std::optional<ports::QueueRef> ref = ports::QueueRef::Parse(name);
  if (ref && !ref->dead_letter) return ref->source;
  std::fprintf(stderr,
               "wagate %s: unknown queue \"%s\"; QUEUE is incoming, outgoing or analytics\n",
               command.c_str(), name.c_str());
  return std::nullopt;
}

std::optional<ports::QueueRef> ParseAnyQueue(const std::string& command, const std::string& name) {
  std::optional<ports::QueueRef> ref = ports::QueueRef::Parse(name);
  if (ref) return ref;
  std::fprintf(stderr,
               "wagate %s: unknown queue \"%s\"; QUEUE is incoming, outgoing, analytics, "
               "incoming-dlq, outgoing-dlq or analytics-dlq\n",
               command.c_str(), name.c_str());
  return std::nullopt;
}

// Loads the configuration and opens the queues; prints why not and returns the exit code in
// `exit_code` otherwise.
std::unique_ptr<app::OperatorQueues> Open(const std::string& command, const CommonFlags& flags,
                                          int* exit_code) {
  std::optional<config::Config> config = LoadOrReport(flags);
  if (!config) {
    *exit_code = kExitUsage;
    return nullptr;
  }
  StatusOr<std::unique_ptr<app::OperatorQueues>> queues = app::OpenOperatorQueues(*config);
  if (!queues.ok()) {
    *exit_code = Fail(command, queues.status());
    return nullptr;
  }
  return std::move(*queues);
}

json::value AgeValue(const std::optional<int64_t>& seconds) {
  return seconds ? json::value(*seconds) : json::value(nullptr);
}

// The fields of a dead letter that `dlq list` prints, added to `o`.
void AddSummary(const ports::DeadLetter& d, json::object& o) {
  o["message_id"] = d.message_id;
  o["key"] = d.key;
  o["reason"] = d.reason;
  o["attempts"] = d.attempts;
  o["last_error"] = d.last_error;
  o["dead_at"] = FormatRfc3339(d.dead_at);
  o["bytes"] = d.bytes;
}

// The attempt history as JSON: the array MoveToDeadLetter recorded, or its text when it is not
// JSON.
json::value History(const std::string& history) {
  if (history.empty()) return json::array();
  boost::system::error_code ec;
  json::value parsed = json::parse(history, ec);
  if (ec) return json::string(history);
  return parsed;
}

// Asks "<question> [y/N]" on the terminal; nullopt when stdin is not a terminal.
std::optional<bool> Confirm(const std::string& question) {
  if (!isatty(STDIN_FILENO)) return std::nullopt;
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

// Purges `queue` after confirmation on the terminal, or at once with `yes`; without a terminal
// and without `yes` it purges nothing and exits 2 (SPEC §7).
int ConfirmAndPurge(const std::string& command, const CommonFlags& flags, ports::QueueRef queue,
                    bool yes) {
  int code = kExitOk;
  std::unique_ptr<app::OperatorQueues> queues = Open(command, flags, &code);
  if (!queues) return code;
  if (!yes) {
    StatusOr<ports::QueueStats> stats = queues->stats().Stats(queue.source);
    if (!stats.ok()) return Fail(command, stats.status());
    const int64_t n =
        queue.dead_letter ? stats->dlq : stats->visible + stats->in_flight + stats->delayed;
    const std::string question =
        queue.dead_letter ? "Purge " + std::to_string(n) + " dead letters of " +
                                std::string(domain::QueueNameText(queue.source)) + "?"
                          : "Purge " + std::to_string(n) + " messages of " + queue.Name() + "?";
    std::optional<bool> confirmed = Confirm(question);
    if (!confirmed) {
      std::fprintf(stderr,
                   "wagate %s: not purging %s: stdin is not a terminal to confirm on; pass --yes\n",
                   command.c_str(), queue.Name().c_str());
      return kExitUsage;
    }
    if (!*confirmed) {
      std::fprintf(stderr, "wagate %s: not confirmed; %s is unchanged\n", command.c_str(),
                   queue.Name().c_str());
      return kExitFailure;
    }
  }
  StatusOr<int64_t> purged = queues->admin().Purge(queue);
  if (!purged.ok()) return Fail(command, purged.status());
  if (flags.json) {
    json::object doc{{"queue", queue.Name()}, {"purged", *purged}};
    std::printf("%s\n", json::serialize(doc).c_str());
  } else {
    std::printf("purged %lld messages of %s\n", static_cast<long long>(*purged),
                queue.Name().c_str());
  }
  return kExitOk;
}

}  // namespace

int Queues(const CommonFlags& flags) {
  int code = kExitOk;
  std::unique_ptr<app::OperatorQueues> queues = Open("queues", flags, &code);
  if (!queues) return code;
  std::vector<ports::QueueStats> stats;
  for (domain::QueueName q : kSources) {
    StatusOr<ports::QueueStats> s = queues->stats().Stats(q);
    if (!s.ok()) return Fail("queues", s.status());
    stats.push_back(*s);
  }
  if (flags.json) {
    json::array items;
    for (size_t i = 0; i < stats.size(); ++i) {
      const ports::QueueStats& s = stats[i];
      items.push_back({{"queue", domain::QueueNameText(kSources[i])},
                       {"visible", s.visible},
                       {"in_flight", s.in_flight},
                       {"delayed", s.delayed},
                       {"oldest_age_seconds", AgeValue(s.oldest_age_seconds)},
                       {"dlq", s.dlq}});
    }
    json::object doc{{"queues", std::move(items)}};
    std::printf("%s\n", json::serialize(doc).c_str());
    return kExitOk;
  }
  std::printf("%-10s %9s %9s %9s %11s %9s\n", "QUEUE", "VISIBLE", "IN_FLIGHT", "DELAYED",
              "OLDEST_AGE", "DLQ");
  for (size_t i = 0; i < stats.size(); ++i) {
    const ports::QueueStats& s = stats[i];
    const std::string age =
        s.oldest_age_seconds ? std::to_string(*s.oldest_age_seconds) + "s" : "-";
    std::printf("%-10s %9lld %9lld %9lld %11s %9lld\n",
                std::string(domain::QueueNameText(kSources[i])).c_str(),
                static_cast<long long>(s.visible), static_cast<long long>(s.in_flight),
                static_cast<long long>(s.delayed), age.c_str(), static_cast<long long>(s.dlq));
  }
  return kExitOk;
}

int QueuesPurge(const CommonFlags& flags, const std::string& queue, bool yes) {
  std::optional<ports::QueueRef> ref = ParseAnyQueue("queues purge", queue);
  if (!ref) return kExitUsage;
  return ConfirmAndPurge("queues purge", flags, *ref, yes);
}

int DlqList(const CommonFlags& flags, const std::string& queue, int64_t limit) {
  std::optional<domain::QueueName> source = ParseSource("dlq list", queue);
  if (!source) return kExitUsage;
  int code = kExitOk;
  std::unique_ptr<app::OperatorQueues> queues = Open("dlq list", flags, &code);
  if (!queues) return code;
  StatusOr<std::vector<ports::DeadLetter>> list = queues->admin().ListDeadLetters(*source, limit);
  if (!list.ok()) return Fail("dlq list", list.status());
  if (flags.json) {
    json::array items;
    for (const ports::DeadLetter& d : *list) {
      json::object item;
      AddSummary(d, item);
      items.push_back(std::move(item));
    }
    json::object doc{{"queue", queue}, {"items", std::move(items)}};
    std::printf("%s\n", json::serialize(doc).c_str());
    return kExitOk;
  }
  std::printf("%zu dead letters of %s (at most %lld, oldest first)\n", list->size(), queue.c_str(),
              static_cast<long long>(limit));
  for (const ports::DeadLetter& d : *list) {
    std::printf("%s  %s  %-18s attempts=%lld bytes=%lld key=%s  %s\n", d.message_id.c_str(),
                FormatRfc3339(d.dead_at).c_str(), d.reason.c_str(),
                static_cast<long long>(d.attempts), static_cast<long long>(d.bytes), d.key.c_str(),
                d.last_error.c_str());
  }
  return kExitOk;
}

int DlqShow(const CommonFlags& flags, const std::string& queue, const std::string& message_id) {
  std::optional<domain::QueueName> source = ParseSource("dlq show", queue);
  if (!source) return kExitUsage;
  int code = kExitOk;
  std::unique_ptr<app::OperatorQueues> queues = Open("dlq show", flags, &code);
  if (!queues) return code;
  StatusOr<ports::DeadLetter> d = queues->admin().GetDeadLetter(*source, message_id);
  if (!d.ok()) return Fail("dlq show", d.status());
  json::object doc{{"queue", queue}};
  AddSummary(*d, doc);
  doc["history"] = History(d->history);
  doc["body"] = d->body;
  if (flags.json) {
    std::printf("%s\n", json::serialize(doc).c_str());
    return kExitOk;
  }
  for (const auto& field : doc) {
    if (field.key() == "history" || field.key() == "body") continue;
    std::string value = field.value().is_string() ? std::string(field.value().as_string())
                                                  : json::serialize(field.value());
    std::printf("%-11s %s\n", (std::string(field.key()) + ":").c_str(), value.c_str());
  }
  const json::value& history = doc.at("history");
  if (history.is_array()) {
    std::printf("history:    %zu attempts\n", history.as_array().size());
    for (const json::value& attempt : history.as_array()) {
      std::printf("  %s\n", json::serialize(attempt).c_str());
    }
  } else {
    std::printf("history:    %s\n", std::string(history.as_string()).c_str());
  }
  std::printf("payload:\n%s\n", d->body.c_str());
  return kExitOk;
}

int DlqRedrive(const CommonFlags& flags, const std::string& queue, int64_t limit, double rate) {
  std::optional<domain::QueueName> source = ParseSource("dlq redrive", queue);
  if (!source) return kExitUsage;
  int code = kExitOk;
  std::unique_ptr<app::OperatorQueues> queues = Open("dlq redrive", flags, &code);
  if (!queues) return code;
  StatusOr<ports::RedriveResult> result = queues->admin().Redrive(*source, limit, rate);
  if (!result.ok()) return Fail("dlq redrive", result.status());
  if (flags.json) {
    json::object doc{{"queue", queue}, {"moved", result->moved}, {"skipped", result->skipped}};
    std::printf("%s\n", json::serialize(doc).c_str());
  } else {
    std::printf(
        "moved %lld dead letters back to %s; skipped %lld (invalid_payload, never redriven)\n",
        static_cast<long long>(result->moved), queue.c_str(),
        static_cast<long long>(result->skipped));
  }
  return kExitOk;
}

int DlqPurge(const CommonFlags& flags, const std::string& queue, bool yes) {
  std::optional<domain::QueueName> source = ParseSource("dlq purge", queue);
  if (!source) return kExitUsage;
  return ConfirmAndPurge("dlq purge", flags, ports::QueueRef{*source, true}, yes);
}

}  // namespace wagate::cli
