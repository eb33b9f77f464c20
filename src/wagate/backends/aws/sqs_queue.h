// SqsQueue: the queue ports on Amazon SQS (SPEC §3), over the JSON protocol (`AmazonSQS.*`).
//
// Each of the three queues is an SQS standard queue with a dead-letter queue through its redrive
// policy (`wagate provision` creates them; SqsQueueUrls names them). A message carries its work
// item key as the message attribute `key`; a dead letter this process moves also carries
// `reason`, `last_error`, `history` and `dead_at`. A dead letter without `reason` was moved by
// SQS's own redrive policy, the crash backstop: its reason is "max_receive_count".
//
// Differences from the sqlite queues, all allowed by the Queue port:
//   - Delete with a receipt that is no longer current answers OK (SQS does not say), and leaves a
//     message that was received again in place. ChangeVisibility and MoveToDeadLetter do answer
//     NotFound for such a receipt.
//   - Stats().oldest_age_seconds is this process's own view: the oldest message it received and
//     has not deleted or moved, or nullopt (SQS reports counts only).
//   - Visibility and delays have whole-second resolution (rounded up); long polls wait at most
//     20 s; a message body with its attributes is at most 256 KiB (InvalidArgument, before
//     anything is sent).
//   - Redrive uses SQS's own StartMessageMoveTask (waiting for it to finish) where that gives the
//     same result: for `outgoing` and `analytics`, which never hold `invalid_payload` dead
//     letters, when the limit covers the whole dead-letter queue, and when the endpoint has move
//     tasks. Otherwise it receives from the dead-letter queue, sends to the source and deletes,
//     paced, skipping `invalid_payload`.
//   - ListDeadLetters/GetDeadLetter browse a dead-letter queue by receiving from it (SQS has no
//     peek): ReceiveMessage with a short visibility timeout, collecting distinct message ids
//     until nothing new arrives, then ChangeMessageVisibility 0 for each, so the dead letters are
//     back at once. While a browse runs, the messages it holds are invisible to a concurrent
//     browse or redrive for a few seconds (kBrowseVisibility at most). Dead-letter queues have no
//     redrive policy, so the receive counts a browse adds change nothing. SQS delivers in no
//     order: a list looks at up to max(max, kBrowseScan) dead letters and returns the oldest by
//     `dead_at`; in a larger queue they are the oldest of those it saw. `attempts` is the
//     `attempts` attribute, 0 for a dead letter moved by SQS's redrive policy (reason
//     "max_receive_count"), whose dead_at is its SentTimestamp.
//   - Purge counts the messages first (SQS's approximate counts) and then calls PurgeQueue; an
//     empty queue is not purged, because SQS allows one purge a minute.
//
// Thread safety: safe from any thread; calls block on the network.
#pragma once

#include <array>
#include <boost/json/array.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/base/mutex.h"
#include "wagate/ports/queue.h"
#include "wagate/ports/queue_admin.h"
#include "wagate/ports/queue_stats.h"

namespace wagate::aws {

// The six queue URLs: a source queue and its dead-letter queue for each QueueName.
struct SqsQueueUrls {
  std::array<std::string, 6> urls;

  std::string& Of(ports::QueueRef q) { return urls[Index(q)]; }
  const std::string& Of(ports::QueueRef q) const { return urls[Index(q)]; }

 private:
  static size_t Index(ports::QueueRef q) {
    return static_cast<size_t>(q.source) * 2 + (q.dead_letter ? 1 : 0);
  }
};

// SQS's limit on one message: body and attributes.
inline constexpr size_t kMaxSqsMessageBytes = 256 * 1024;

class SqsQueue final : public ports::Queue,
                       public ports::QueueStatsSource,
                       public ports::QueueAdmin {
 public:
  struct Options {
    SqsQueueUrls urls;
    // How Redrive waits between paced batches; null: std::this_thread::sleep_for.
    std::function<void(Millis)> sleep_for;
    // Received messages remembered for the oldest-age view; beyond it the oldest are forgotten.
    size_t max_tracked = 100'000;
  };

  // `sqs` and `clock` must outlive the queue.
  SqsQueue(AwsJsonClient& sqs, Options options, const Clock& clock);

  StatusOr<std::vector<std::string>> Send(domain::QueueName queue,
                                          std::vector<ports::OutgoingMessage> messages) override;
  StatusOr<std::vector<ports::ReceivedMessage>> Receive(domain::QueueName queue, int max,
                                                        Millis visibility, Millis wait) override;
  Status ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                          Millis visibility) override;
  Status Delete(domain::QueueName queue, const std::string& receipt) override;
  std::vector<Status> DeleteMany(domain::QueueName queue,
                                 const std::vector<std::string>& receipts) override;
  Status MoveToDeadLetter(domain::QueueName queue, const ports::ReceivedMessage& message,
                          const ports::DeadLetterReason& why) override;

  StatusOr<ports::QueueStats> Stats(domain::QueueName queue) override;

  StatusOr<ports::RedriveResult> Redrive(domain::QueueName source, int64_t max_messages,
                                         double messages_per_second) override;
  StatusOr<int64_t> Purge(ports::QueueRef queue) override;
  // How long a browse keeps the dead letters it received invisible, at most (it makes them
  // visible again when it ends).
  static constexpr Millis kBrowseVisibility{10'000};
  // A list looks at this many dead letters at least, to return the oldest of them.
  static constexpr int64_t kBrowseScan = 1000;
  StatusOr<std::vector<ports::DeadLetter>> ListDeadLetters(domain::QueueName source,
                                                           int64_t max) override;
  // Scans the dead-letter queue (up to kBrowseScan * 10 messages) for `message_id`.
  StatusOr<ports::DeadLetter> GetDeadLetter(domain::QueueName source,
                                            const std::string& message_id) override;

  // A message written straight to a dead-letter queue (a quarantined payload), or a copy of a
  // message being moved there.
  struct DeadLetter {
    std::string key;  // "" when the payload has no key
    std::string body;
    ports::DeadLetterReason why;
    int attempts = 0;
  };
  // Sends `letters` to the dead-letter queue of `source`; returns their message ids.
  StatusOr<std::vector<std::string>> SendDeadLetters(domain::QueueName source,
                                                     std::vector<DeadLetter> letters);

  // Every message of one queue as SQS counts it: visible, in flight and delayed.
  StatusOr<ports::QueueStats> Counts(ports::QueueRef queue);

 private:
  // The messages this process received and has not deleted or moved, of one source queue.
  struct Tracked {
    std::map<std::string, std::string> id_by_receipt;
    std::map<std::string, std::pair<Timestamp, std::string>> by_id;  // id → (sent_at, receipt)
  };
  StatusOr<std::vector<std::string>> SendTo(const std::string& url,
                                            std::vector<boost::json::object> entries);
  // The raw `Messages` of one ReceiveMessage call, with all their attributes.
  StatusOr<boost::json::array> ReceiveFrom(const std::string& url, int max, Millis visibility,
                                           Millis wait);
  Status DeleteFrom(const std::string& url, const std::string& receipt);
  StatusOr<int64_t> RedriveBatch(domain::QueueName source, int64_t want,
                                 std::vector<std::string>& skipped_receipts, int64_t& skipped);
  // StartMessageMoveTask, when it does what Redrive must (see the header comment); nullopt when
  // the receive-send-delete path has to do it.
  StatusOr<std::optional<ports::RedriveResult>> NativeRedrive(domain::QueueName source,
                                                              int64_t max_messages,
                                                              double messages_per_second);
  // Receives distinct dead letters of `source` until `max` of them, nothing new, or the one
  // with id `stop_at` (when not empty); then makes every one visible again.
  StatusOr<std::vector<ports::DeadLetter>> Browse(domain::QueueName source, int64_t max,
                                                  const std::string& stop_at);
  StatusOr<std::string> Arn(ports::QueueRef queue);
  void SleepFor(Millis d) const;
  void Track(domain::QueueName queue, const std::vector<ports::ReceivedMessage>& received);
  void Forget(domain::QueueName queue, const std::string& receipt);
  std::optional<int64_t> OldestAgeSeconds(domain::QueueName queue);

  AwsJsonClient& sqs_;
  const Options options_;
  const Clock& clock_;
  mutable Mutex mu_;
  std::array<Tracked, 3> tracked_ WAGATE_GUARDED_BY(mu_);  // by QueueName
};

}  // namespace wagate::aws
