// HttpClient: outbound HTTP/1.1 over libcurl, one keep-alive connection per client.
//
// Send() performs one request and reports which of three transport outcomes happened, because a
// caller that must not repeat a side effect (the WhatsApp sender) needs to know whether a failed
// request may have reached the server:
//   kResponse  a response arrived (any HTTP status; the status is the caller's to judge);
//   kNotSent   the request bytes were never written: DNS failure, connection refused, connect
//              timeout, TLS handshake failure. Repeating the request is safe. Status Unavailable,
//              or InvalidArgument when the request cannot be sent as given (a malformed URL, an
//              unsupported scheme, a line break in a header).
//   kUnknown   the request was written, at least in part, and then the exchange failed: the
//              total timeout expired (status DeadlineExceeded) or the connection broke
//              (Unavailable). The server may have acted on it.
// "Written" is observed, not guessed: the client records whether libcurl handed any request
// header bytes to the socket during this call.
//
// libcurl keeps the connection open after a call and reuses it for the next one to the same
// host. When a reused connection turns out to have been closed by the server before any answer
// byte arrived, libcurl re-sends the request once on a fresh connection (so a server may see it
// twice); the outcome then describes the second try, and counts as written if the first was.
//
// Error messages name the method, the URL without its query or credentials, and libcurl's
// reason; header values and bodies never appear in them (they carry secrets).
//
// Thread safety: an HttpClient is not thread-safe; use one per thread, or HttpClientPool.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"

namespace wagate::net {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE, HEAD, ...
  std::string url;             // http:// or https://
  HttpHeaders headers;
  std::string body;       // sent when non-empty, or always for POST and PUT
  Millis timeout{10000};  // the whole exchange: connect, send, wait, receive
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names lower-cased, in arrival order
  std::string body;

  // The first header named `name` (lower-case); empty when absent.
  std::string_view Header(std::string_view name) const;
};

enum class HttpOutcome { kResponse, kNotSent, kUnknown };

std::string_view HttpOutcomeName(HttpOutcome outcome);  // "response" | "not_sent" | "unknown"

// What Send() returns: a response, or a transport error with whether the request may have been
// delivered.
class HttpResult {
 public:
  static HttpResult Response(HttpResponse response);
  // `status` must not be OK.
  static HttpResult NotSent(Status status);
  static HttpResult Unknown(Status status);

  HttpOutcome outcome() const { return outcome_; }
  bool ok() const { return outcome_ == HttpOutcome::kResponse; }
  // True unless the request certainly never left this process.
  bool may_have_been_sent() const { return outcome_ != HttpOutcome::kNotSent; }
  // OK with a response; otherwise Unavailable (not sent, or the connection broke),
  // DeadlineExceeded (timed out after the request was written) or InvalidArgument (unsendable).
  const Status& status() const { return status_; }
  const HttpResponse& response() const& { return response_; }
  HttpResponse&& response() && { return std::move(response_); }

 private:
  HttpOutcome outcome_ = HttpOutcome::kResponse;
  Status status_;
  HttpResponse response_;
};

class HttpClient {
 public:
  struct Options {
    // Upper bound for establishing the TCP (and TLS) connection; a request's own timeout is
    // shorter when it is.
    Millis connect_timeout{5000};
    // A response body larger than this fails the call (kUnknown: the server did get it).
    size_t max_response_bytes = 8 * 1024 * 1024;
    // Whether to observe the writing of request bytes, which tells kNotSent from kUnknown after
    // any failure. It costs libcurl's verbose mode (about 100 µs of CPU a call). Without it only
    // failures to connect are kNotSent, and every other failure is kUnknown: right for callers
    // that repeat any failed request anyway (the AWS clients), wrong for the WhatsApp sender.
    bool observe_writes = true;
  };

  HttpClient();
  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Send(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The URL as it may appear in messages: scheme, host, port and path; no credentials, no query.
std::string RedactUrl(std::string_view url);

}  // namespace wagate::net
