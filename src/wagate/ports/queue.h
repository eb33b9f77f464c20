// Queue: SQS semantics on every backend (SPEC §3).
//
// A message sent to a queue becomes visible after its delay. Receive() hands out up to `max`
// visible messages, makes each invisible for `visibility` and bumps its receive count; every
// receive issues a new receipt, and Delete/ChangeVisibility/MoveToDeadLetter need the latest
// one. A message left undeleted becomes visible again when its visibility runs out. A message
// that is visible again after `max_receive_count` receives is moved to the queue's dead-letter
// queue with reason "max_receive_count" instead of being delivered (the crash backstop; workers
// dead-letter explicitly before that).
//
// Outcomes: NotFound from Delete/ChangeVisibility/MoveToDeadLetter means the receipt is no
// longer current (the message was received again, deleted or moved); the caller lost it.
// Unavailable means the queue could not be reached; nothing changed.
//
// Thread safety: implementations are safe from any thread; calls block on storage or network.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/domain/work_item.h"

namespace wagate::ports {

struct OutgoingMessage {
  std::string key;  // the work item key the message carries
  std::string body;
  Millis delay{0};
};

struct ReceivedMessage {
  std::string id;
  std::string receipt;  // for Delete/ChangeVisibility/MoveToDeadLetter
  std::string key;
  std::string body;
  int receive_count = 0;  // including this receive
  Timestamp sent_at;
  Timestamp first_received_at;
};

struct DeadLetterReason {
  std::string reason;      // e.g. "max_receive_count", "handler_rejected", "throttled"
  std::string last_error;
  std::string history;     // JSON array of attempts, "" when none
};

class Queue {
 public:
  virtual ~Queue() = default;

  // Sends every message, all or nothing. Returns the message ids in order.
  virtual StatusOr<std::vector<std::string>> Send(domain::QueueName queue,
                                                  std::vector<OutgoingMessage> messages) = 0;
  // Up to `max` (1..10) messages, oldest first; waits up to `wait` for one to arrive when none is
  // visible. An empty result is not an error.
  virtual StatusOr<std::vector<ReceivedMessage>> Receive(domain::QueueName queue, int max,
                                                         Millis visibility, Millis wait) = 0;
  virtual Status ChangeVisibility(domain::QueueName queue, const std::string& receipt,
                                  Millis visibility) = 0;
  virtual Status Delete(domain::QueueName queue, const std::string& receipt) = 0;
  // Deletes several messages; one answer per receipt, in order. A backend may do it in one
  // request or transaction (sqlite does); the default loops.
  virtual std::vector<Status> DeleteMany(domain::QueueName queue,
                                         const std::vector<std::string>& receipts) {
    std::vector<Status> out;
    for (const std::string& r : receipts) out.push_back(Delete(queue, r));
    return out;
  }
  // Moves the message (as received, with its current receipt) to the queue's dead-letter queue,
  // keeping its key and body.
  virtual Status MoveToDeadLetter(domain::QueueName queue, const ReceivedMessage& message,
                                  const DeadLetterReason& why) = 0;
};

}  // namespace wagate::ports
