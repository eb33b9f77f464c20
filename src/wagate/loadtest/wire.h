// What the load generator puts on the wire and reads back.
//
// Requests are complete HTTP/1.1 POSTs (head and body in one flat string) shaped like Meta's
// webhooks: one `entry`, one `changes` item with field "messages", and `items_per_request` text
// messages from one user (the research notes' payload (a)). Every message carries a wamid that
// is unique to the run, "<id_prefix>.<run_tag>.<n>". With a secret, the request is signed as
// Meta signs it (X-Hub-Signature-256 over the exact body bytes), so resending the same string
// resends the same body with the same signature.
//
// Thread safety: RequestFactory is immutable after construction apart from its id counter,
// which is atomic, so one instance is shared by all load threads. The free functions are pure.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wagate/base/status.h"

namespace wagate::loadtest {

// Where the requests go, from an "http://host[:port]/path[?query]" URL.
struct Target {
  std::string host;         // for name resolution, without IPv6 brackets
  std::string port;         // "80" when the URL names none
  std::string host_header;  // the Host header value, as written in the URL
  std::string path;         // request-target: path and query, "/" when empty
};

// InvalidArgument unless `url` is an absolute http:// URL with a host (https is not supported).
StatusOr<Target> ParseTarget(std::string_view url);

struct RequestShape {
  int items_per_request = 1;  // messages per body, >= 1
  std::string secret;         // empty: no signature header
  std::string id_prefix;      // wamid prefix
  std::string run_tag;        // distinguishes this run's wamids from every other run's
  int64_t unix_seconds = 0;   // the messages' "timestamp"
};

class RequestFactory {
 public:
  RequestFactory(const Target& target, RequestShape shape);
  RequestFactory(const RequestFactory&) = delete;
  RequestFactory& operator=(const RequestFactory&) = delete;

  // Replaces *out with a complete request carrying items_per_request() never-used wamids.
  // *scratch holds the body while it is signed. Both keep their capacity, so a caller that
  // reuses them allocates nothing here once they have grown (the signature string aside).
  void BuildFresh(std::string* scratch, std::string* out);

  int items_per_request() const { return shape_.items_per_request; }
  // Number of wamids handed out so far, over all threads.
  uint64_t ids_issued() const { return next_id_.load(std::memory_order_relaxed); }

 private:
  void AppendBody(uint64_t first_id, std::string* body) const;

  const RequestShape shape_;
  std::string head_;  // request line and fixed headers, up to the signature header
  std::atomic<uint64_t> next_id_{0};
};

// The counts of a POST /webhook 200 answer, {"status":"ok","accepted":A,"duplicates":D,
// "quarantined":Q}.
struct AnswerCounts {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t quarantined = 0;
};

// Reads the three counts without building a JSON tree (the answer is small and flat). Returns
// nullopt when any of them is missing or not a non-negative integer.
std::optional<AnswerCounts> ParseAnswerCounts(std::string_view body);

}  // namespace wagate::loadtest
