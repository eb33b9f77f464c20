// Server: the HTTP/1.1 listener on Boost.Beast/Asio.
//
// One coroutine per connection. Each I/O thread runs its own io_context and a connection lives on
// one of them (round-robin at accept), so a connection's handlers never run concurrently and need
// no strand; handlers that finish elsewhere post back to the connection's io_context. Every read
// is bounded: the header must arrive
// within the header timeout, the body within the body timeout, an idle keep-alive connection is
// closed after the idle timeout, and a body over the limit is answered 413 (then the connection
// is closed). Connections beyond the limit are closed at once.
//
// TLS: when Options names a certificate chain and key, every connection starts with a TLS
// handshake, bounded by the header timeout; a connection whose handshake fails (plain HTTP, a
// scanner, a stalled client) is closed and nothing else is affected. The session after the
// handshake is the same code over the TLS stream (server_stream.h), with the same limits.
//
// Life cycle: Create() binds; Start() runs the I/O threads; StopAccepting() closes the listener
// and idle connections while requests in flight finish and are answered; Join() waits until every
// connection is gone and the I/O threads have ended.
//
// Threading: `threads` I/O threads, one io_context each. They never block: handlers hand slow
// work to other threads and answer through Respond.
//
// Thread safety: Start/StopAccepting/Join may be called from any thread (StopAccepting is
// idempotent).
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "wagate/base/mutex.h"
#include "wagate/base/status.h"
#include "wagate/http/client_ip.h"
#include "wagate/http/router.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace wagate::http {

class Server {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    uint16_t port = 8080;  // 0 = any free port
    uint64_t max_body_bytes = 4 * 1024 * 1024;
    int max_connections = 10000;
    std::chrono::seconds header_timeout{10};
    std::chrono::seconds body_timeout{30};
    std::chrono::seconds idle_timeout{75};
    int threads = 1;
    // Peers whose X-Forwarded-For names the client (RequestContext::client).
    TrustedProxies trusted_proxies;
    // PEM files (tls_context.h); HTTPS when both are set, plain HTTP when both are empty.
    std::string tls_cert_chain_file;
    std::string tls_key_file;
  };

  // Binds and listens. `router` is borrowed and must outlive the server.
  static StatusOr<std::unique_ptr<Server>> Create(Options options, const Router& router);
  ~Server();

  uint16_t port() const { return port_; }
  void Start();
  void StopAccepting();
  void Join();

 private:
  class Connection;
  Server(Options options, const Router& router);
  static std::vector<std::unique_ptr<boost::asio::io_context>> MakeContexts(int threads);

  void Accept();
  void Register(const std::shared_ptr<Connection>& c);
  void Unregister(Connection* c);

  const Options options_;
  const Router& router_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // null for plain HTTP
  // One io_context per I/O thread; the acceptor lives on the first.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  boost::asio::ip::tcp::acceptor acceptor_;
  size_t next_context_ = 0;  // accept handler only
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};

  Mutex mu_;
  // Every open connection, so that StopAccepting can close the idle ones.
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_ WAGATE_GUARDED_BY(mu_);
};

}  // namespace wagate::http
