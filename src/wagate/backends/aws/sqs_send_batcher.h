// SqsSendBatcher: coalesces the sends of concurrent callers into SendMessageBatch calls of up to
// ten messages, the way the sqlite admitter group-commits: while `max_in_flight` batches are
// being sent to a queue, new messages wait, and the thread that finishes a batch sends the next
// one. Under load, ten single-message POSTs cost one SQS call instead of ten; alone, a message
// is sent at once.
//
// Send() hands over messages and returns; `done` runs once with their message ids (in order) or
// the failure, on the thread that sent their batch (possibly the caller's). A caller's messages
// may be split across batches; `done` then reports the first failure among them.
//
// Thread safety: Send() is safe from any thread.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/base/mutex.h"

namespace wagate::aws {

class SqsSendBatcher {
 public:
  using Done = std::function<void(StatusOr<std::vector<std::string>>)>;

  // `queue` must outlive the batcher.
  explicit SqsSendBatcher(SqsQueue& queue, int max_in_flight = 2)
      : queue_(queue), max_in_flight_(max_in_flight) {}

  void Send(domain::QueueName queue, std::vector<ports::OutgoingMessage> messages, Done done);

 private:
  struct Caller;  // one Send() call, waiting for all of its messages
  struct Pending {
    ports::OutgoingMessage message;
    std::shared_ptr<Caller> caller;
    size_t index = 0;
  };
  struct PerQueue {
    std::deque<Pending> pending;
    int in_flight = 0;
  };
  // Sends batches of `queue` until nothing is waiting; the calling thread holds one of the
  // queue's in-flight slots meanwhile.
  void Drain(domain::QueueName queue);

  SqsQueue& queue_;
  const int max_in_flight_;
  Mutex mu_;
  std::array<PerQueue, 3> queues_ WAGATE_GUARDED_BY(mu_);  // by QueueName
};

}  // namespace wagate::aws
