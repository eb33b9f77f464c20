// DynamoDbAdmitter: the two-phase admit of SPEC §2 invariant 5, for the aws backend, where no
// transaction spans the table and the queues.
//
// For one webhook POST, in three fanned-out steps on a pool of `max_in_flight` threads:
//   1. each item's record is put as PENDING, conditional on it being absent or expired (a status
//      echo is merged into its outgoing record first). When the put meets a record:
//        - PENDING and younger than `pending_grace`: the first writer is still at work, or died;
//          the request fails (503) and Meta's retry comes back later;
//        - PENDING and older: taken over, conditional on its fence, and enqueued by this request;
//        - anything else: a duplicate.
//   2. the PENDING items are sent to their queues, joined with other requests' items into
//      batches of ten (SqsSendBatcher); quarantined pieces go to the incoming dead-letter queue;
//   3. each record becomes QUEUED with its message id, conditional on `state = PENDING AND fence =
//      own`. From step 2 on the item is durable (a PENDING record with a message is admitted, and
//      the claim accepts PENDING), so a failure here does not fail the request.
// The whole request has a deadline of `pending_grace / 2`. If it fails or runs out of time before
// step 2 is done, its own PENDING records are retired (`expires_at = now`, conditional on their
// fence) and the answer is Unavailable.
//
// Thread safety: Admit() and Stop() are safe from any thread; callbacks run on pool threads.
#pragma once

#include <memory>
#include <string>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/backends/aws/sqs_queue.h"
#include "wagate/backends/aws/sqs_send_batcher.h"
#include "wagate/backends/aws/task_pool.h"
#include "wagate/base/clock.h"
#include "wagate/ports/admitter.h"
#include "wagate/ports/work_store.h"

namespace wagate::aws {

class DynamoDbAdmitter final : public ports::Admitter {
 public:
  struct Options {
    std::string table;
    Millis dedup_ttl{Millis(1'296'000'000)};
    Millis pending_grace{30'000};  // PENDING_GRACE_SECONDS
    size_t max_in_flight = 64;     // DynamoDB and SQS calls at once
  };

  // `dynamodb`, `queues`, `store` (for status echoes) and `clock` must outlive the admitter.
  DynamoDbAdmitter(AwsJsonClient& dynamodb, SqsQueue& queues, ports::WorkStore& store,
                   Options options, const Clock& clock);
  ~DynamoDbAdmitter() override;

  void Admit(ports::AdmitRequest request, Callback done) override;
  // Finishes the requests under way, then stops the threads.
  void Stop();

 private:
  struct Request;
  void Step1PutPending(const std::shared_ptr<Request>& r, size_t i);
  void Step2Send(const std::shared_ptr<Request>& r);
  void Step3MarkQueued(const std::shared_ptr<Request>& r);
  void Fail(const std::shared_ptr<Request>& r, Status why);

  AwsJsonClient& dynamodb_;
  SqsQueue& queues_;
  ports::WorkStore& store_;
  const Options options_;
  const Clock& clock_;
  SqsSendBatcher batcher_;
  TaskPool pool_;
};

}  // namespace wagate::aws
