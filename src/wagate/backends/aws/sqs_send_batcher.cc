#include "wagate/backends/aws/sqs_send_batcher.h"

#include <optional>

namespace wagate::aws {

struct SqsSendBatcher::Caller {
  Mutex mu;
  std::vector<std::string> ids WAGATE_GUARDED_BY(mu);
  Status failure WAGATE_GUARDED_BY(mu);
  size_t left WAGATE_GUARDED_BY(mu) = 0;
  Done done;

  // Records the outcome of one message; runs `done` after the last one.
  void Finished(size_t index, const StatusOr<std::string>& id) {
    std::optional<StatusOr<std::vector<std::string>>> outcome;
    {
      MutexLock lock(mu);
      if (id.ok()) {
        ids[index] = *id;
      } else if (failure.ok()) {
        failure = id.status();
      }
      if (--left == 0) {
        outcome = failure.ok() ? StatusOr<std::vector<std::string>>(std::move(ids))
                               : StatusOr<std::vector<std::string>>(failure);
      }
    }
    if (outcome) done(std::move(*outcome));
  }
};

void SqsSendBatcher::Send(domain::QueueName queue, std::vector<ports::OutgoingMessage> messages,
                          Done done) {
  if (messages.empty()) {
    done(std::vector<std::string>{});
    return;
  }
  auto caller = std::make_shared<Caller>();
  caller->done = std::move(done);
  {
    MutexLock lock(caller->mu);
    caller->ids.resize(messages.size());
    caller->left = messages.size();
  }
  bool drain = false;
  {
    MutexLock lock(mu_);
    PerQueue& q = queues_[static_cast<size_t>(queue)];
    for (size_t i = 0; i < messages.size(); ++i) q.pending.push_back({std::move(messages[i]), caller, i});
    if (q.in_flight < max_in_flight_) {
      ++q.in_flight;
      drain = true;
    }
  }
  if (drain) Drain(queue);
}

void SqsSendBatcher::Drain(domain::QueueName queue) {
  for (;;) {
    std::vector<Pending> batch;
    {
      MutexLock lock(mu_);
      PerQueue& q = queues_[static_cast<size_t>(queue)];
      if (q.pending.empty()) {
        --q.in_flight;
        return;
      }
      while (!q.pending.empty() && batch.size() < 10) {
        batch.push_back(std::move(q.pending.front()));
        q.pending.pop_front();
      }
    }
    std::vector<ports::OutgoingMessage> messages;
    for (Pending& p : batch) messages.push_back(p.message);
    StatusOr<std::vector<std::string>> ids = queue_.Send(queue, std::move(messages));
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].caller->Finished(batch[i].index, ids.ok() ? StatusOr<std::string>((*ids)[i])
                                                         : StatusOr<std::string>(ids.status()));
    }
  }
}

}  // namespace wagate::aws
