// FakeHttpServer: a real HTTP/1.1 server on 127.0.0.1 for tests (a fake handler endpoint, a fake
// Graph API).
//
// It listens on an ephemeral port, serves keep-alive connections and any number of concurrent
// clients, records every request it reads (method, target, headers, body, arrival time, which
// connection it came on) and answers each through a scripted handler. A response may be delayed
// (to provoke client timeouts) or replaced by closing the connection without an answer (to
// provoke "may have been sent" transport errors). Delays are timers, not sleeps: other
// connections are served meanwhile, and Stop() cuts them short.
//
// Usage:
//   auto server = FakeHttpServer::Create([](const RecordedRequest& r) {
//     return FakeResponse{.status = 200, .body = "{}"};
//   });
//   ... (*server)->url() + "/hook" ...
//   EXPECT_EQ((*server)->RequestCount(), 1);
//
// Life cycle: Create() binds and starts the I/O threads. Stop() (also run by the destructor)
// closes the listener and every connection, cancels pending delays and joins the threads; the
// recorded requests stay readable afterwards.
//
// Threading: `threads` I/O threads share one io_context; each connection runs on its own strand,
// so the handler may be called from several threads at once and must be thread-safe.
//
// Thread safety: every public method may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/mutex.h"
#include "wagate/base/status.h"

namespace wagate::testing {

struct RecordedRequest {
  std::string method;  // "POST"
  std::string target;  // "/hook?x=1"
  // In arrival order; names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::steady_clock::time_point arrived;  // when the whole request had been read
  int connection = 0;  // 1 for the first connection accepted, 2 for the next, ...

  // The first header named `name` (any case); nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const;
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Millis delay{0};  // wait this long before answering, to provoke client timeouts
  // Close the connection (after `delay`) without answering: the client has sent its request and
  // gets no response.
  bool drop_connection = false;
};

using FakeHandler = std::function<FakeResponse(const RecordedRequest&)>;

class FakeHttpServer {
 public:
  struct Options {
    int threads = 2;
    uint64_t max_body_bytes = 16 * 1024 * 1024;
  };

  // Listens on 127.0.0.1:0 and starts serving. `handler` answers every request.
  static StatusOr<std::unique_ptr<FakeHttpServer>> Create(FakeHandler handler);
  static StatusOr<std::unique_ptr<FakeHttpServer>> Create(FakeHandler handler, Options options);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>", without a trailing slash.
  std::string url() const;

  // Replaces the handler for requests read from now on.
  void SetHandler(FakeHandler handler);

  // Copies of every request read so far, in arrival order.
  std::vector<RecordedRequest> Requests() const;
  int RequestCount() const;
  // Connections accepted so far (closed ones included).
  int ConnectionCount() const;

  // Closes the listener and every connection, cancels pending delays and joins the I/O threads.
  // Idempotent.
  void Stop();

 private:
  class Connection;
  FakeHttpServer(FakeHandler handler, Options options);

  void Accept();
  void Unregister(Connection* c);
  // The handler's answer to `request`, after recording it.
  FakeResponse Record(RecordedRequest request);

  const Options options_;

  mutable Mutex mu_;
  FakeHandler handler_ WAGATE_GUARDED_BY(mu_);
  std::vector<RecordedRequest> requests_ WAGATE_GUARDED_BY(mu_);
  int connections_accepted_ WAGATE_GUARDED_BY(mu_) = 0;
  bool stopping_ WAGATE_GUARDED_BY(mu_) = false;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_ WAGATE_GUARDED_BY(mu_);

  // Serialises Stop() callers.
  Mutex stop_mu_;
  std::vector<std::thread> threads_ WAGATE_GUARDED_BY(stop_mu_);  // started by Create()

  // Declared after the state above: destroying the io_context destroys any connection still
  // queued in it, and a connection unregisters itself from live_ as it goes.
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on its own strand; touched only there
  uint16_t port_ = 0;                        // set by Create(), then constant
};

}  // namespace wagate::testing
