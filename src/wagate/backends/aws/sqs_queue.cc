#include "wagate/backends/aws/sqs_queue.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <set>
#include <thread>

#include "wagate/backends/aws/sqs_status.h"
#include "wagate/domain/paced_batches.h"

namespace wagate::aws {

namespace {

namespace json = boost::json;

constexpr std::string_view kNeverRedriven = "invalid_payload";
constexpr int kMaxBatch = 10;  // SQS's limit for batch calls and receives

// SQS counts time in whole seconds; never make a visibility or delay shorter than asked.
int64_t CeilSeconds(Millis d, int64_t max) {
  return std::clamp<int64_t>((d.count() + 999) / 1000, 0, max);
}

json::object StringAttribute(std::string_view value) {
  return {{"DataType", "String"}, {"StringValue", value}};
}

// The message attributes of a message: its key, and for a dead letter why it died. SQS refuses
// empty attribute values, so empty ones are left out.
json::object Attributes(std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  json::object attributes;
  for (const auto& [name, value] : values) {
    if (!value.empty()) attributes[name] = StringAttribute(value);
  }
  return attributes;
}

size_t EntryBytes(const json::object& entry) {
  size_t bytes = entry.at("MessageBody").as_string().size();
  if (const json::value* a = entry.if_contains("MessageAttributes")) {
    for (const auto& [name, value] : a->as_object()) {
      bytes += name.size() + value.as_object().at("StringValue").as_string().size() + 6;
    }
  }
  return bytes;
}

std::string AttributeString(const json::object& message, std::string_view name) {
  const json::value* attributes = message.if_contains("MessageAttributes");
  if (!attributes || !attributes->is_object()) return "";
  const json::value* a = attributes->as_object().if_contains(name);
  if (!a || !a->is_object()) return "";
  const json::value* v = a->as_object().if_contains("StringValue");
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

int64_t SystemNumber(const json::object& message, std::string_view name) {
  const json::value* attributes = message.if_contains("Attributes");
  if (!attributes || !attributes->is_object()) return 0;
  const json::value* v = attributes->as_object().if_contains(name);
  if (!v || !v->is_string()) return 0;
  try {
    return std::stoll(std::string(v->as_string()));
  } catch (...) {
    return 0;
  }
}

std::string Field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

ports::ReceivedMessage ToReceived(const json::object& o) {
  ports::ReceivedMessage m;
  m.id = Field(o, "MessageId");
  m.receipt = Field(o, "ReceiptHandle");
  m.body = Field(o, "Body");
  m.key = AttributeString(o, "key");
  m.receive_count = static_cast<int>(SystemNumber(o, "ApproximateReceiveCount"));
  m.sent_at = FromUnixMillis(SystemNumber(o, "SentTimestamp"));
  m.first_received_at = FromUnixMillis(SystemNumber(o, "ApproximateFirstReceiveTimestamp"));
  return m;
}

int64_t NumberOrZero(std::string_view text) {
  int64_t n = 0;
  auto [at, err] = std::from_chars(text.data(), text.data() + text.size(), n);
  return err == std::errc() && at == text.data() + text.size() ? n : 0;
}

// A dead letter as MoveToDeadLetter/SendDeadLetters wrote it (see the header comment).
ports::DeadLetter ToDeadLetter(const json::object& o) {
  ports::DeadLetter d;
  d.message_id = Field(o, "MessageId");
  d.body = Field(o, "Body");
  d.bytes = static_cast<int64_t>(d.body.size());
  d.key = AttributeString(o, "key");
  d.reason = AttributeString(o, "reason");
  if (d.reason.empty()) d.reason = "max_receive_count";
  d.last_error = AttributeString(o, "last_error");
  d.history = AttributeString(o, "history");
  d.attempts = NumberOrZero(AttributeString(o, "attempts"));
  const int64_t dead_at = NumberOrZero(AttributeString(o, "dead_at"));
  d.dead_at = FromUnixMillis(dead_at > 0 ? dead_at : SystemNumber(o, "SentTimestamp"));
  return d;
}

}  // namespace

SqsQueue::SqsQueue(AwsJsonClient& sqs, Options options, const Clock& clock)
    : sqs_(sqs), options_(std::move(options)), clock_(clock) {}

StatusOr<std::vector<std::string>> SqsQueue::SendTo(const std::string& url,
                                                    std::vector<json::object> entries) {
  std::vector<std::string> ids(entries.size());
  size_t next = 0;
  while (next < entries.size()) {
    // One batch: at most 10 entries and 256 KiB in all.
    json::array batch;
    size_t bytes = 0;
    const size_t first = next;
    while (next < entries.size() && batch.size() < kMaxBatch) {
      const size_t entry_bytes = EntryBytes(entries[next]);
      if (!batch.empty() && bytes + entry_bytes > kMaxSqsMessageBytes) break;
      bytes += entry_bytes;
      json::object entry = std::move(entries[next]);
      entry["Id"] = std::to_string(next - first);
      batch.push_back(std::move(entry));
      ++next;
    }
    // Entries SQS failed for a transient reason are sent again, a few times.
    for (int round = 0; !batch.empty(); ++round) {
      StatusOr<AwsAnswer> answer =
          sqs_.Call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", batch}});
      if (!answer.ok()) return answer.status();
      if (!answer->ok()) return SqsStatus(*answer, "SendMessageBatch");
      for (const json::value& ok : answer->body["Successful"].is_array()
                                       ? answer->body["Successful"].as_array()
                                       : json::array()) {
        const json::object& o = ok.as_object();
        ids[first + std::stoul(Field(o, "Id"))] = Field(o, "MessageId");
      }
      json::array retry;
      std::string failure;
      const json::value* failed = answer->body.if_contains("Failed");
      for (const json::value& f : failed && failed->is_array() ? failed->as_array() : json::array()) {
        const json::object& o = f.as_object();
        const json::value* sender_fault = o.if_contains("SenderFault");
        if (sender_fault && sender_fault->is_bool() && sender_fault->as_bool()) {
          return InvalidArgumentError("SendMessageBatch refused a message: " + Field(o, "Code") +
                                      ": " + Field(o, "Message"));
        }
        failure = Field(o, "Code");
        for (const json::value& e : batch) {
          if (Field(e.as_object(), "Id") == Field(o, "Id")) retry.push_back(e);
        }
      }
      if (!retry.empty() && round == 3) {
        return UnavailableError("SendMessageBatch: messages failed repeatedly: " + failure);
      }
      batch = std::move(retry);
    }
  }
  return ids;
}

StatusOr<std::vector<std::string>> SqsQueue::Send(domain::QueueName queue,
                                                  std::vector<ports::OutgoingMessage> messages) {
  std::vector<json::object> entries;
  entries.reserve(messages.size());
  for (ports::OutgoingMessage& m : messages) {
    json::object entry{{"MessageBody", std::move(m.body)},
                       {"MessageAttributes", Attributes({{"key", m.key}})}};
    if (m.delay > Millis(0)) entry["DelaySeconds"] = CeilSeconds(m.delay, 900);
    if (EntryBytes(entry) > kMaxSqsMessageBytes) {
      return InvalidArgumentError("message for " + m.key + " is over SQS's 256 KiB limit (" +
                                  std::to_string(EntryBytes(entry)) + " bytes)");
    }
    entries.push_back(std::move(entry));
  }
  return SendTo(options_.urls.Of({queue, false}), std::move(entries));
}

StatusOr<json::array> SqsQueue::ReceiveFrom(const std::string& url, int max, Millis visibility,
                                            Millis wait) {
  const int64_t wait_seconds = CeilSeconds(wait, 20);
  json::array system_attributes{"ApproximateReceiveCount", "SentTimestamp",
                                "ApproximateFirstReceiveTimestamp"};
  json::object request{{"QueueUrl", url},
                       {"MaxNumberOfMessages", std::clamp(max, 1, kMaxBatch)},
                       {"VisibilityTimeout", CeilSeconds(visibility, 43'200)},
                       {"WaitTimeSeconds", wait_seconds},
                       {"MessageSystemAttributeNames", system_attributes},
                       {"AttributeNames", system_attributes},
                       {"MessageAttributeNames", json::array{"All"}}};
  StatusOr<AwsAnswer> answer =
      sqs_.Call("ReceiveMessage", request, Millis(wait_seconds * 1000));
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return SqsStatus(*answer, "ReceiveMessage");
  json::value* messages = answer->body.if_contains("Messages");
  if (!messages || !messages->is_array()) return json::array();
  return std::move(messages->as_array());
}

StatusOr<std::vector<ports::ReceivedMessage>> SqsQueue::Receive(domain::QueueName queue, int max,
                                                                Millis visibility, Millis wait) {
  StatusOr<json::array> got = ReceiveFrom(options_.urls.Of({queue, false}), max, visibility, wait);
  if (!got.ok()) return got.status();
  std::vector<ports::ReceivedMessage> out;
  for (const json::value& v : *got) out.push_back(ToReceived(v.as_object()));
  Track(queue, out);
  return out;
}

Status SqsQueue::ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                                  Millis visibility) {
  StatusOr<AwsAnswer> answer = sqs_.Call(
      "ChangeMessageVisibility", {{"QueueUrl", options_.urls.Of({queue, false})},
                                  {"ReceiptHandle", receipt},
                                  {"VisibilityTimeout", CeilSeconds(visibility, 43'200)}});
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return SqsStatus(*answer, "ChangeMessageVisibility");
  if (visibility == Millis(0)) Forget(queue, receipt);
  return Status::Ok();
}

Status SqsQueue::DeleteFrom(const std::string& url, const std::string& receipt) {
  StatusOr<AwsAnswer> answer =
      sqs_.Call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", receipt}});
  if (!answer.ok()) return answer.status();
  return answer->ok() ? Status::Ok() : SqsStatus(*answer, "DeleteMessage");
}

Status SqsQueue::Delete(domain::QueueName queue, const std::string& receipt) {
  Status s = DeleteFrom(options_.urls.Of({queue, false}), receipt);
  if (s.ok() || s.code() == StatusCode::kNotFound) Forget(queue, receipt);
  return s;
}

std::vector<Status> SqsQueue::DeleteMany(domain::QueueName queue,
                                         const std::vector<std::string>& receipts) {
  std::vector<Status> out(receipts.size());
  for (size_t first = 0; first < receipts.size(); first += kMaxBatch) {
    const size_t n = std::min<size_t>(kMaxBatch, receipts.size() - first);
    json::array entries;
    for (size_t i = 0; i < n; ++i) {
      entries.push_back(json::object{{"Id", std::to_string(i)}, {"ReceiptHandle", receipts[first + i]}});
    }
    StatusOr<AwsAnswer> answer = sqs_.Call(
        "DeleteMessageBatch", {{"QueueUrl", options_.urls.Of({queue, false})}, {"Entries", entries}});
    Status whole = !answer.ok() ? answer.status()
                   : !answer->ok() ? SqsStatus(*answer, "DeleteMessageBatch")
                                   : Status::Ok();
    for (size_t i = 0; i < n; ++i) out[first + i] = whole;
    if (!whole.ok()) continue;
    const json::value* failed = answer->body.if_contains("Failed");
    for (const json::value& f : failed && failed->is_array() ? failed->as_array() : json::array()) {
      const json::object& o = f.as_object();
      out[first + std::stoul(Field(o, "Id"))] = SqsEntryStatus(Field(o, "Code"), Field(o, "Message"));
    }
  }
  for (size_t i = 0; i < receipts.size(); ++i) {
    if (out[i].ok() || out[i].code() == StatusCode::kNotFound) Forget(queue, receipts[i]);
  }
  return out;
}

Status SqsQueue::MoveToDeadLetter(domain::QueueName queue, const ports::ReceivedMessage& message,
                                  const ports::DeadLetterReason& why) {
  // Holding the message proves the receipt is current (NotFound otherwise) and keeps it from
  // being received again while the copy is made. Then: send the copy, delete the original. A
  // crash between the two leaves both; the original's next claim finds the record DEAD.
  WAGATE_RETURN_IF_ERROR(ChangeVisibility(queue, message.receipt, Millis(60'000)));
  StatusOr<std::vector<std::string>> sent = SendDeadLetters(
      queue, {{message.key, message.body, why, message.receive_count}});
  if (!sent.ok()) return sent.status();
  return Delete(queue, message.receipt);
}

StatusOr<std::vector<std::string>> SqsQueue::SendDeadLetters(domain::QueueName source,
                                                             std::vector<DeadLetter> letters) {
  const std::string dead_at = std::to_string(ToUnixMillis(clock_.Now()));
  std::vector<json::object> entries;
  for (DeadLetter& l : letters) {
    const std::string attempts = l.attempts > 0 ? std::to_string(l.attempts) : "";
    json::object entry{{"MessageBody", std::move(l.body)},
                       {"MessageAttributes",
                        Attributes({{"key", l.key},
                                    {"reason", l.why.reason},
                                    {"last_error", std::string_view(l.why.last_error).substr(0, 4096)},
                                    {"history", l.why.history},
                                    {"attempts", attempts},
                                    {"dead_at", dead_at}})}};
    if (EntryBytes(entry) > kMaxSqsMessageBytes) {  // the history does not fit: keep the rest
      entry["MessageAttributes"].as_object().erase("history");
    }
    if (EntryBytes(entry) > kMaxSqsMessageBytes) {
      return InvalidArgumentError("dead letter is over SQS's 256 KiB limit");
    }
    entries.push_back(std::move(entry));
  }
  return SendTo(options_.urls.Of({source, true}), std::move(entries));
}

StatusOr<ports::QueueStats> SqsQueue::Counts(ports::QueueRef queue) {
  StatusOr<AwsAnswer> answer = sqs_.Call(
      "GetQueueAttributes",
      {{"QueueUrl", options_.urls.Of(queue)},
       {"AttributeNames", json::array{"ApproximateNumberOfMessages",
                                      "ApproximateNumberOfMessagesNotVisible",
                                      "ApproximateNumberOfMessagesDelayed"}}});
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return SqsStatus(*answer, "GetQueueAttributes");
  json::object wrapper;
  if (const json::value* a = answer->body.if_contains("Attributes")) wrapper["Attributes"] = *a;
  ports::QueueStats stats;
  stats.visible = SystemNumber(wrapper, "ApproximateNumberOfMessages");
  stats.in_flight = SystemNumber(wrapper, "ApproximateNumberOfMessagesNotVisible");
  stats.delayed = SystemNumber(wrapper, "ApproximateNumberOfMessagesDelayed");
  return stats;
}

StatusOr<ports::QueueStats> SqsQueue::Stats(domain::QueueName queue) {
  StatusOr<ports::QueueStats> stats = Counts({queue, false});
  if (!stats.ok()) return stats;
  StatusOr<ports::QueueStats> dlq = Counts({queue, true});
  if (!dlq.ok()) return dlq.status();
  stats->dlq = dlq->visible + dlq->in_flight + dlq->delayed;
  stats->oldest_age_seconds = OldestAgeSeconds(queue);
  return stats;
}

StatusOr<int64_t> SqsQueue::RedriveBatch(domain::QueueName source, int64_t want,
                                         std::vector<std::string>& skipped_receipts,
                                         int64_t& skipped) {
  const std::string& dlq_url = options_.urls.Of({source, true});
  int64_t moved = 0;
  while (moved < want) {
    // Skipped dead letters stay invisible until the redrive ends, so they are not met again.
    StatusOr<json::array> got =
        ReceiveFrom(dlq_url, static_cast<int>(want - moved), Millis(300'000), Millis(0));
    if (!got.ok()) return got.status();
    if (got->empty()) break;
    std::vector<json::object> entries;
    std::vector<std::string> receipts;
    for (const json::value& v : *got) {
      ports::ReceivedMessage m = ToReceived(v.as_object());
      if (AttributeString(v.as_object(), "reason") == kNeverRedriven) {
        skipped_receipts.push_back(m.receipt);
        ++skipped;
        continue;
      }
      entries.push_back({{"MessageBody", std::move(m.body)},
                         {"MessageAttributes", Attributes({{"key", m.key}})}});
      receipts.push_back(m.receipt);
    }
    if (entries.empty()) continue;
    const int64_t n = static_cast<int64_t>(entries.size());
    StatusOr<std::vector<std::string>> sent = SendTo(options_.urls.Of({source, false}), std::move(entries));
    if (!sent.ok()) return sent.status();
    for (const std::string& r : receipts) {
      Status deleted = DeleteFrom(dlq_url, r);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    }
    moved += n;
  }
  return moved;
}

void SqsQueue::SleepFor(Millis d) const {
  if (options_.sleep_for) {
    options_.sleep_for(d);
  } else {
    std::this_thread::sleep_for(d);
  }
}

StatusOr<std::string> SqsQueue::Arn(ports::QueueRef queue) {
  StatusOr<AwsAnswer> answer = sqs_.Call(
      "GetQueueAttributes", {{"QueueUrl", options_.urls.Of(queue)}, {"AttributeNames", json::array{"QueueArn"}}});
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return SqsStatus(*answer, "GetQueueAttributes");
  json::object wrapper;
  if (const json::value* a = answer->body.if_contains("Attributes")) wrapper["Attributes"] = *a;
  const json::value* arn = wrapper.contains("Attributes") && wrapper["Attributes"].is_object()
                               ? wrapper["Attributes"].as_object().if_contains("QueueArn")
                               : nullptr;
  if (!arn || !arn->is_string()) return UnavailableError("SQS did not report the queue's ARN");
  return std::string(arn->as_string());
}

StatusOr<std::optional<ports::RedriveResult>> SqsQueue::NativeRedrive(domain::QueueName source,
                                                                      int64_t max_messages,
                                                                      double messages_per_second) {
  // Only `incoming` receives invalid_payload dead letters, which must stay; a limit below the
  // dead-letter queue's depth cannot be honoured by a move task either.
  if (source == domain::QueueName::kIncoming || messages_per_second < 0 || max_messages < 1) {
    return std::optional<ports::RedriveResult>();
  }
  StatusOr<ports::QueueStats> depth = Counts({source, true});
  if (!depth.ok()) return depth.status();
  const int64_t dead = depth->visible + depth->in_flight + depth->delayed;
  if (dead == 0 || max_messages < dead) return std::optional<ports::RedriveResult>();
  StatusOr<std::string> from = Arn({source, true});
  if (!from.ok()) return from.status();
  StatusOr<std::string> to = Arn({source, false});
  if (!to.ok()) return to.status();
  json::object start{{"SourceArn", *from}, {"DestinationArn", *to}};
  if (messages_per_second > 0) {
    start["MaxNumberOfMessagesPerSecond"] =
        std::clamp<int64_t>(static_cast<int64_t>(messages_per_second), 1, 500);
  }
  StatusOr<AwsAnswer> started = sqs_.Call("StartMessageMoveTask", start);
  if (!started.ok()) return started.status();
  if (!started->ok()) {
    if (IsUnsupportedOperation(started->error_type)) {
      return std::optional<ports::RedriveResult>();  // the endpoint has no move tasks
    }
    return SqsStatus(*started, "StartMessageMoveTask");
  }
  // The task runs in SQS; wait for it to finish.
  for (;;) {
    StatusOr<AwsAnswer> listed =
        sqs_.Call("ListMessageMoveTasks", {{"SourceArn", *from}, {"MaxResults", 1}});
    if (!listed.ok()) return listed.status();
    if (!listed->ok()) return SqsStatus(*listed, "ListMessageMoveTasks");
    const json::value* results = listed->body.if_contains("Results");
    if (results && results->is_array() && !results->as_array().empty()) {
      const json::object& task = results->as_array().front().as_object();
      const std::string status = Field(task, "Status");
      if (status == "COMPLETED") {
        const json::value* moved = task.if_contains("ApproximateNumberOfMessagesMoved");
        ports::RedriveResult result;
        result.moved = moved && moved->is_int64() ? moved->as_int64() : dead;
        return std::optional<ports::RedriveResult>(result);
      }
      if (status == "FAILED" || status == "CANCELLED") {
        return UnavailableError("SQS message move task " + status + ": " + Field(task, "FailureReason"));
      }
    }
    SleepFor(Millis(1'000));
  }
}

StatusOr<ports::RedriveResult> SqsQueue::Redrive(domain::QueueName source, int64_t max_messages,
                                                 double messages_per_second) {
  StatusOr<std::optional<ports::RedriveResult>> native =
      NativeRedrive(source, max_messages, messages_per_second);
  if (!native.ok()) return native.status();
  if (*native) return **native;
  std::vector<std::string> skipped_receipts;
  ports::RedriveResult result;
  auto sleep_for = [this](Millis d) { SleepFor(d); };
  StatusOr<int64_t> moved = domain::RunPacedBatches(
      {max_messages, messages_per_second, kMaxBatch}, clock_, sleep_for,
      [&](int64_t want) { return RedriveBatch(source, want, skipped_receipts, result.skipped); });
  // Skipped dead letters become visible again in the dead-letter queue.
  for (const std::string& r : skipped_receipts) {
    (void)sqs_.Call("ChangeMessageVisibility", {{"QueueUrl", options_.urls.Of({source, true})},
                                                {"ReceiptHandle", r},
                                                {"VisibilityTimeout", 0}});
  }
  if (!moved.ok()) return moved.status();
  result.moved = *moved;
  return result;
}

StatusOr<int64_t> SqsQueue::Purge(ports::QueueRef queue) {
  StatusOr<ports::QueueStats> counts = Counts(queue);
  if (!counts.ok()) return counts.status();
  const int64_t n = counts->visible + counts->in_flight + counts->delayed;
  if (n == 0) return 0;
  StatusOr<AwsAnswer> answer = sqs_.Call("PurgeQueue", {{"QueueUrl", options_.urls.Of(queue)}});
  if (!answer.ok()) return answer.status();
  if (!answer->ok()) return SqsStatus(*answer, "PurgeQueue");
  if (!queue.dead_letter) {
    MutexLock lock(mu_);
    tracked_[static_cast<size_t>(queue.source)] = Tracked{};
  }
  return n;
}

StatusOr<std::vector<ports::DeadLetter>> SqsQueue::Browse(domain::QueueName source, int64_t max,
                                                          const std::string& stop_at) {
  const std::string& dlq_url = options_.urls.Of({source, true});
  std::vector<ports::DeadLetter> seen;
  std::set<std::string> ids;
  std::vector<std::string> receipts;
  Status status = Status::Ok();
  bool found = false;
  while (static_cast<int64_t>(seen.size()) < max && !found) {
    // A short long poll: a receive without wait samples only some of SQS's servers.
    StatusOr<json::array> got = ReceiveFrom(dlq_url, kMaxBatch, kBrowseVisibility, Millis(1000));
    if (!got.ok()) {
      status = got.status();
      break;
    }
    bool fresh = false;
    for (const json::value& v : *got) {
      const json::object& o = v.as_object();
      receipts.push_back(Field(o, "ReceiptHandle"));
      ports::DeadLetter d = ToDeadLetter(o);
      if (!ids.insert(d.message_id).second) continue;
      fresh = true;
      found = found || (!stop_at.empty() && d.message_id == stop_at);
      seen.push_back(std::move(d));
    }
    if (!fresh) break;
  }
  // Visible again for everyone, a best effort: what is missed reappears after kBrowseVisibility.
  for (size_t i = 0; i < receipts.size(); i += kMaxBatch) {
    json::array entries;
    for (size_t j = i; j < std::min(receipts.size(), i + kMaxBatch); ++j) {
      entries.push_back(
          {{"Id", std::to_string(j)}, {"ReceiptHandle", receipts[j]}, {"VisibilityTimeout", 0}});
    }
    (void)sqs_.Call("ChangeMessageVisibilityBatch", {{"QueueUrl", dlq_url}, {"Entries", entries}});
  }
  if (!status.ok()) return status;
  std::stable_sort(
      seen.begin(), seen.end(),
      [](const ports::DeadLetter& a, const ports::DeadLetter& b) { return a.dead_at < b.dead_at; });
  return seen;
}

StatusOr<std::vector<ports::DeadLetter>> SqsQueue::ListDeadLetters(domain::QueueName source,
                                                                   int64_t max) {
  if (max < 1) return InvalidArgumentError("dead-letter list limit must be at least 1");
  StatusOr<std::vector<ports::DeadLetter>> seen = Browse(source, std::max(max, kBrowseScan), "");
  if (!seen.ok()) return seen.status();
  if (static_cast<int64_t>(seen->size()) > max) seen->resize(static_cast<size_t>(max));
  return seen;
}

StatusOr<ports::DeadLetter> SqsQueue::GetDeadLetter(domain::QueueName source,
                                                    const std::string& message_id) {
  const std::string not_found =
      "no dead letter " + message_id + " in " + ports::QueueRef{source, true}.Name();
  if (message_id.empty()) return NotFoundError(not_found);
  StatusOr<std::vector<ports::DeadLetter>> seen = Browse(source, kBrowseScan * 10, message_id);
  if (!seen.ok()) return seen.status();
  for (ports::DeadLetter& d : *seen) {
    if (d.message_id == message_id) return std::move(d);
  }
  return NotFoundError(not_found);
}

void SqsQueue::Track(domain::QueueName queue, const std::vector<ports::ReceivedMessage>& received) {
  MutexLock lock(mu_);
  Tracked& t = tracked_[static_cast<size_t>(queue)];
  for (const ports::ReceivedMessage& m : received) {
    auto [it, inserted] = t.by_id.try_emplace(m.id, m.sent_at, m.receipt);
    if (!inserted) {  // received again: only the newest receipt can delete it
      t.id_by_receipt.erase(it->second.second);
      it->second.second = m.receipt;
    }
    t.id_by_receipt[m.receipt] = m.id;
  }
  // Bounded: beyond the limit, forget arbitrary entries (the view is advisory).
  while (t.by_id.size() > options_.max_tracked) {
    t.id_by_receipt.erase(t.by_id.begin()->second.second);
    t.by_id.erase(t.by_id.begin());
  }
}

void SqsQueue::Forget(domain::QueueName queue, const std::string& receipt) {
  MutexLock lock(mu_);
  Tracked& t = tracked_[static_cast<size_t>(queue)];
  auto it = t.id_by_receipt.find(receipt);
  if (it == t.id_by_receipt.end()) return;
  t.by_id.erase(it->second);
  t.id_by_receipt.erase(it);
}

std::optional<int64_t> SqsQueue::OldestAgeSeconds(domain::QueueName queue) {
  MutexLock lock(mu_);
  const Tracked& t = tracked_[static_cast<size_t>(queue)];
  if (t.by_id.empty()) return std::nullopt;
  Timestamp oldest = t.by_id.begin()->second.first;
  for (const auto& [id, entry] : t.by_id) oldest = std::min(oldest, entry.first);
  return std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - oldest).count());
}

}  // namespace wagate::aws
