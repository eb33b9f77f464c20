#include "wagate/backends/aws/aws_json_client.h"

#include <boost/json.hpp>
#include <thread>

#include "wagate/backends/aws/auth/sigv4.h"
#include "wagate/domain/backoff.h"

namespace wagate::aws {

namespace {

std::string TrimSlash(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

// "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" → the part after '#';
// some services append ":<uri>".
std::string ShortErrorType(std::string_view type) {
  if (size_t hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
  if (size_t colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  return std::string(type);
}

std::string StringField(const boost::json::object& o, std::string_view name) {
  const boost::json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

AwsAnswer Decode(const net::HttpResponse& response) {
  AwsAnswer answer;
  answer.http_status = response.status;
  boost::system::error_code ec;
  boost::json::value v = response.body.empty() ? boost::json::value(boost::json::object())
                                               : boost::json::parse(response.body, ec);
  if (!ec && v.is_object()) answer.body = std::move(v.as_object());
  if (response.status >= 200 && response.status < 300) return answer;
  answer.error_type = ShortErrorType(StringField(answer.body, "__type"));
  answer.error_message = StringField(answer.body, "message");
  if (answer.error_message.empty()) answer.error_message = StringField(answer.body, "Message");
  if (answer.error_type.empty()) answer.error_type = "HttpStatus" + std::to_string(response.status);
  return answer;
}

bool Retryable(const AwsAnswer& answer) {
  return answer.http_status >= 500 || answer.http_status == 429 ||
         IsRetryableErrorType(answer.error_type);
}

}  // namespace

std::string ResolveEndpoint(std::string_view service, std::string_view region,
                            std::string_view endpoint_url, std::string_view service_endpoint_url) {
  if (!service_endpoint_url.empty()) return TrimSlash(service_endpoint_url);
  if (!endpoint_url.empty()) return TrimSlash(endpoint_url);
  return "https://" + std::string(service) + "." + std::string(region) + ".amazonaws.com";
}

bool IsRetryableErrorType(std::string_view t) {
  for (std::string_view retryable :
       {"ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException",
        "RequestThrottled", "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "RequestLimitExceeded", "TransactionInProgressException", "LimitExceededException",
        "SlowDown", "ServiceUnavailable", "InternalError", "InternalFailure",
        "InternalServerError", "RequestTimeout", "RequestTimeoutException"}) {
    if (t == retryable) return true;
  }
  return false;
}

bool IsUnsupportedOperation(std::string_view t) {
  for (std::string_view unsupported :
       {"UnknownOperationException", "InvalidAction", "UnsupportedOperation",
        "AWS.SimpleQueueService.UnsupportedOperation", "NotImplemented", "HttpStatus404"}) {
    if (t == unsupported) return true;
  }
  return false;
}

AwsJsonClient::AwsJsonClient(Options options, CredentialsProvider& credentials,
                             net::HttpClientPool& http, const Clock& clock, Random& random)
    : options_(std::move(options)), credentials_(credentials), http_(http), clock_(clock),
      random_(random) {}

StatusOr<AwsAnswer> AwsJsonClient::Attempt(std::string_view operation, const std::string& body,
                                           Millis timeout) {
  StatusOr<Credentials> credentials = credentials_.Get();
  if (!credentials.ok()) return credentials.status();
  net::HttpRequest request;
  request.method = "POST";
  request.url = options_.endpoint + "/";
  request.body = body;
  request.timeout = timeout;
  request.headers = {{"content-type", "application/x-amz-json-1.0"},
                     {"x-amz-target", options_.target_prefix + "." + std::string(operation)}};
  WAGATE_RETURN_IF_ERROR(
      SignRequest(request, *credentials, {options_.region, options_.service}, clock_.Now()));
  net::HttpResult result = http_.Send(request);
  if (!result.ok()) return result.status();
  return Decode(result.response());
}

StatusOr<AwsAnswer> AwsJsonClient::Call(std::string_view operation,
                                        const boost::json::object& request, Millis extra_wait,
                                        std::optional<std::chrono::steady_clock::time_point> deadline) {
  const std::string body = boost::json::serialize(request);
  const domain::BackoffPolicy backoff{options_.base_delay, options_.max_delay};
  std::string last_error;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    Millis timeout = options_.attempt_timeout + extra_wait;
    if (deadline) {
      auto left = std::chrono::duration_cast<Millis>(*deadline - clock_.Steady());
      if (left <= Millis(0)) break;
      timeout = std::min(timeout, left);
    }
    StatusOr<AwsAnswer> answer = Attempt(operation, body, timeout);
    if (answer.ok() && !Retryable(*answer)) return answer;
    if (!answer.ok() && answer.status().code() == StatusCode::kInvalidArgument) return answer.status();
    last_error = answer.ok() ? answer->error_type + ": " + answer->error_message
                             : answer.status().message();
    if (attempt == options_.max_attempts) break;
    Millis delay = domain::FullJitterDelay(backoff, attempt, random_);
    if (deadline && clock_.Steady() + delay >= *deadline) break;
    if (options_.sleep) {
      options_.sleep(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
  }
  std::string what = options_.target_prefix + "." + std::string(operation) + ": " + last_error;
  if (deadline && clock_.Steady() >= *deadline) return DeadlineExceededError(what);
  return UnavailableError(what);
}

}  // namespace wagate::aws
