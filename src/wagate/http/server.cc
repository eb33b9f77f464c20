#include "wagate/http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <pthread.h>

#include "wagate/base/log.h"
#include "wagate/http/server_stream.h"
#include "wagate/http/status_http.h"
#include "wagate/http/tls_context.h"

namespace wagate::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {
constexpr uint32_t kHeaderLimit = 16 * 1024;
// After a 413 the unread body is drained for this long, so that the client reads the answer
// instead of a connection reset.
constexpr std::chrono::seconds kLingerTime{1};
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
}  // namespace

// One client connection. Its coroutine and every handler completion run on its io_context's
// single thread.
class Server::Connection {
 public:
  Connection(Server& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket), server.tls_.get()) {}
  ~Connection() { server_.Unregister(this); }

  // `self` keeps the connection alive for as long as the coroutine runs: parameters live in the
  // coroutine frame, while the spawning code's reference goes away before the first resume.
  asio::awaitable<void> Run(std::shared_ptr<Connection> self);

  // Runs on the connection's thread: closes the connection if it is waiting for a request.
  void CloseIfIdle() {
    if (!idle_) return;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  asio::awaitable<Response> Dispatch(const Request& request, const RequestContext& context);
  asio::awaitable<void> AnswerAndLinger(Response response);
  // Counts the 413 this connection answers itself: the router never sees that request.
  void CountTooLarge(beast::string_view target, std::chrono::steady_clock::time_point since) {
    server_.router_.CountUndispatched(std::string_view(target.data(), target.size()), 413, since);
  }

  Server& server_;
  ServerStream stream_;  // plain TCP or TLS
  bool idle_ = true;  // strand only
};

asio::awaitable<Response> Server::Connection::Dispatch(const Request& request,
                                                       const RequestContext& context) {
  auto executor = stream_.get_executor();
  return asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      [this, &request, &context, executor](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        server_.router_.Dispatch(request, context, [shared, executor](Response response) {
          // Handlers may answer from any thread; resume the connection on its own thread.
          asio::post(executor, [shared, response = std::move(response)]() mutable {
            (*shared)(std::move(response));
          });
        });
      },
      asio::use_awaitable);
}

asio::awaitable<void> Server::Connection::AnswerAndLinger(Response response) {
  response.keep_alive(false);
  stream_.expires_after(server_.options_.body_timeout);
  auto [write_ec, written] = co_await beast_http::async_write(stream_, response, kTuple);
  if (write_ec) co_return;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kLingerTime);
  std::vector<char> sink(64 * 1024);
  uint64_t drained = 0;
  while (drained < 2 * server_.options_.max_body_bytes) {
    auto [read_ec, n] = co_await stream_.async_read_some(asio::buffer(sink), kTuple);
    if (read_ec) break;
    drained += n;
  }
}

asio::awaitable<void> Server::Connection::Run(std::shared_ptr<Connection> self) {
  const Options& options = server_.options_;
  beast::flat_buffer buffer;
  RequestContext context;
  beast::error_code peer_ec;
  context.peer = stream_.socket().remote_endpoint(peer_ec).address();
  bool first_request = true;

  if (stream_.is_tls()) {
    idle_ = true;  // StopAccepting closes a connection still in its handshake
    stream_.expires_after(options.header_timeout);
    if (beast::error_code ec = co_await stream_.Handshake(); ec) {
      // Not TLS (plain HTTP), an unsupported client, or too slow: close this connection only.
      log::Debug("tls handshake failed", {log::F("error", ec.message())});
      co_return;
    }
  }

  while (!server_.stopping_.load()) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body_bytes);

    idle_ = true;
    stream_.expires_after(first_request ? options.header_timeout : options.idle_timeout);
    auto [header_ec, header_bytes] =
        co_await beast_http::async_read_header(stream_, buffer, parser, kTuple);
    idle_ = false;
    first_request = false;
    const auto header_read = std::chrono::steady_clock::now();
    if (header_ec == beast_http::error::body_limit) {
      CountTooLarge(parser.get().target(), header_read);
      co_await AnswerAndLinger(ErrorResponse(PayloadTooLargeError("body exceeds MAX_BODY_BYTES")));
      break;
    }
    if (header_ec) break;  // closed, timed out, or not HTTP

    if (!parser.is_done()) {
      auto expect = parser.get()[beast_http::field::expect];
      if (beast::iequals(expect, "100-continue")) {
        beast_http::response<beast_http::empty_body> go_on{beast_http::status::continue_, 11};
        auto [ec, n] = co_await beast_http::async_write(stream_, go_on, kTuple);
        if (ec) break;
      }
      stream_.expires_after(options.body_timeout);
      auto [body_ec, body_bytes] = co_await beast_http::async_read(stream_, buffer, parser, kTuple);
      if (body_ec == beast_http::error::body_limit) {
        CountTooLarge(parser.get().target(), header_read);
        co_await AnswerAndLinger(ErrorResponse(PayloadTooLargeError("body exceeds MAX_BODY_BYTES")));
        break;
      }
      if (body_ec) break;
    }

    Request request = parser.release();
    context.received = std::chrono::steady_clock::now();
    context.client = options.trusted_proxies.ClientAddress(context.peer, request);
    Response response = co_await Dispatch(request, context);
    response.keep_alive(request.keep_alive() && !server_.stopping_.load());
    if (request.method() == beast_http::verb::head) {
      response.body().clear();  // Content-Length stays that of the GET
    }
    stream_.expires_after(options.body_timeout);
    auto [write_ec, written] = co_await beast_http::async_write(stream_, response, kTuple);
    if (write_ec || !response.keep_alive()) break;
  }
  co_await stream_.Shutdown(kLingerTime);
}

StatusOr<std::unique_ptr<Server>> Server::Create(Options options, const Router& router) {
  std::unique_ptr<Server> server(new Server(options, router));
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) return InvalidArgumentError("HOST is not an IP address: " + options.host);
  tcp::endpoint endpoint(address, options.port);
  tcp::acceptor& acceptor = server->acceptor_;
  if (acceptor.open(endpoint.protocol(), ec); ec) return UnavailableError("socket: " + ec.message());
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec); ec) {
    return UnavailableError("bind " + options.host + ":" + std::to_string(options.port) + ": " +
                            ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("listen: " + ec.message());
  }
  server->port_ = acceptor.local_endpoint().port();
  if (!options.tls_cert_chain_file.empty() || !options.tls_key_file.empty()) {
    StatusOr<std::unique_ptr<asio::ssl::context>> tls =
        MakeServerTlsContext(options.tls_cert_chain_file, options.tls_key_file);
    if (!tls.ok()) return tls.status();
    server->tls_ = std::move(*tls);
  }
  return server;
}

std::vector<std::unique_ptr<asio::io_context>> Server::MakeContexts(int threads) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int i = 0; i < std::max(1, threads); ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));  // run by exactly one thread
  }
  return contexts;
}

Server::Server(Options options, const Router& router)
    : options_(options),
      router_(router),
      contexts_(MakeContexts(options.threads)),
      acceptor_(*contexts_.front()) {
  for (auto& context : contexts_) guards_.push_back(asio::make_work_guard(*context));
}

Server::~Server() {
  StopAccepting();
  Join();
}

void Server::Start() {
  Accept();
  for (size_t i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, i] {
      std::string name = "http-io-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      contexts_[i]->run();
    });
  }
}

void Server::Accept() {
  asio::io_context& context = *contexts_[next_context_++ % contexts_.size()];
  acceptor_.async_accept(context, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (connections_.load() >= options_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the connection limit: refuse at once
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        auto connection = std::make_shared<Connection>(*this, std::move(socket));
        Register(connection);
        asio::co_spawn(connection->executor(), connection->Run(connection), asio::detached);
      }
    } else {
      // Out of file descriptors or memory: retrying at once would spin, so pause briefly.
      log::Warn("accept failed", {log::F("error", ec.message())});
      auto pause = std::make_shared<asio::steady_timer>(acceptor_.get_executor(), kAcceptRetryDelay);
      pause->async_wait([this, pause](beast::error_code) { Accept(); });
      return;
    }
    Accept();
  });
}

void Server::Register(const std::shared_ptr<Connection>& c) {
  connections_.fetch_add(1);
  MutexLock lock(mu_);
  live_.emplace(c.get(), c);
}

void Server::Unregister(Connection* c) {
  connections_.fetch_sub(1);
  MutexLock lock(mu_);
  live_.erase(c);
}

void Server::StopAccepting() {
  if (stopping_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    // Each io_context now runs only until its last connection is gone.
    for (auto& guard : guards_) guard.reset();
  });
  std::vector<std::shared_ptr<Connection>> live;
  {
    MutexLock lock(mu_);
    for (auto& [raw, weak] : live_) {
      if (auto p = weak.lock()) live.push_back(std::move(p));
    }
  }
  for (auto& c : live) {
    asio::post(c->executor(), [c] { c->CloseIfIdle(); });
  }
}

void Server::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace wagate::http
