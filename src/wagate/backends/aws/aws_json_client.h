// AwsJsonClient: calls one AWS service over its JSON protocol (DynamoDB's JSON 1.0,
// `DynamoDB_20120810.*`; SQS's JSON protocol, `AmazonSQS.*`), signed with SigV4.
//
// Call() posts `{"...": ...}` to the service endpoint with `X-Amz-Target: <prefix>.<operation>`
// and returns the decoded answer. Like the AWS SDKs, it retries what is safe and likely to pass
// on a later try, with exponential backoff and full jitter:
//   - transport failures (connection refused or reset, timeouts);
//   - HTTP 5xx and 429, and throttling errors (ThrottlingException,
//     ProvisionedThroughputExceededException, RequestLimitExceeded, RequestThrottled, ...).
// Every wagate call is safe to repeat: writes are conditional (a repeated conditional write that
// already took effect fails its condition, which callers treat as having lost) and SQS sends may
// duplicate (the claim filters duplicates, SPEC §2.2).
//
// Outcomes:
//   - OK with AwsAnswer::ok(): the service's answer document;
//   - OK with an error type: the service refused the request (ConditionalCheckFailedException,
//     ResourceNotFoundException, AccessDeniedException, ...); the answer document is the error
//     document, which for a failed condition may carry the old `Item`;
//   - Unavailable: no answer after the retries (the message names the operation and the reason);
//   - DeadlineExceeded: `deadline` passed before an answer.
// Messages never contain credentials or request bodies.
//
// Connections: calls share one keep-alive HttpClientPool, so concurrent callers each reuse a warm
// connection.
//
// Thread safety: Call() is safe from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/backends/aws/auth/credentials.h"
#include "wagate/base/clock.h"
#include "wagate/base/random.h"
#include "wagate/base/status.h"
#include "wagate/net/http_client_pool.h"

namespace wagate::aws {

// The endpoint of `service` ("dynamodb", "sqs"): AWS_ENDPOINT_URL_<SERVICE> if set, else
// AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com.
std::string ResolveEndpoint(std::string_view service, std::string_view region,
                            std::string_view endpoint_url, std::string_view service_endpoint_url);

struct AwsAnswer {
  int http_status = 0;
  boost::json::object body;  // the answer, or the error document
  std::string error_type;    // "" on success; the short type, e.g. "ConditionalCheckFailedException"
  std::string error_message;

  bool ok() const { return error_type.empty(); }
};

// Whether an error type is one the SDKs retry as throttling or a transient service fault.
bool IsRetryableErrorType(std::string_view error_type);
// Whether an error type says the endpoint has no such operation (an emulator without TTL or
// message move tasks, for example).
bool IsUnsupportedOperation(std::string_view error_type);

class AwsJsonClient {
 public:
  struct Options {
    std::string endpoint;       // "https://dynamodb.us-east-1.amazonaws.com"
    std::string region;         // signing region
    std::string service;        // signing name: "dynamodb" | "sqs"
    std::string target_prefix;  // "DynamoDB_20120810" | "AmazonSQS"
    int max_attempts = 5;       // tries per call, the first included
    Millis base_delay{50};      // backoff: delay ≤ min(max_delay, base_delay × 2^(n−1))
    Millis max_delay{5'000};
    Millis attempt_timeout{10'000};  // one HTTP exchange; a long poll adds its wait to this
    // Waits between attempts (tests replace it so retries need no sleeping).
    std::function<void(Millis)> sleep;
  };

  // `credentials`, `http`, `clock` (signing time) and `random` (jitter) must outlive the client.
  AwsJsonClient(Options options, CredentialsProvider& credentials, net::HttpClientPool& http,
                const Clock& clock, Random& random);

  // `extra_wait`: how long the service may legitimately hold the request (an SQS long poll).
  // `deadline`: give up (DeadlineExceeded) rather than start an attempt or wait past it.
  StatusOr<AwsAnswer> Call(std::string_view operation, const boost::json::object& request,
                           Millis extra_wait = Millis(0),
                           std::optional<std::chrono::steady_clock::time_point> deadline = {});

  const Options& options() const { return options_; }

 private:
  StatusOr<AwsAnswer> Attempt(std::string_view operation, const std::string& body, Millis timeout);

  const Options options_;
  CredentialsProvider& credentials_;
  net::HttpClientPool& http_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace wagate::aws
