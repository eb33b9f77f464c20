#include "wagate/testing/fake_http_server.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>

namespace wagate::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t kHeaderLimit = 64 * 1024;
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<std::string> RecordedRequest::Header(std::string_view name) const {
  std::string wanted = Lower(name);
  for (const auto& [n, v] : headers) {
    if (n == wanted) return v;
  }
  return std::nullopt;
}

// One accepted connection. Its coroutine, its timer and Close() all run on the connection's
// strand, so they never run concurrently.
class FakeHttpServer::Connection {
 public:
  Connection(FakeHttpServer& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket)), delay_(stream_.get_executor()) {}
  ~Connection() { server_.Unregister(this); }

  // `self` keeps the connection alive while the coroutine runs.
  asio::awaitable<void> Run(std::shared_ptr<Connection> self, int number);

  // On the strand: ends the connection, whatever it is waiting for.
  void Close() {
    closed_ = true;
    delay_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  FakeHttpServer& server_;
  beast::tcp_stream stream_;
  asio::steady_timer delay_;
  bool closed_ = false;  // strand only
};

asio::awaitable<void> FakeHttpServer::Connection::Run(std::shared_ptr<Connection> self,
                                                      int number) {
  beast::flat_buffer buffer;
  while (!closed_) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(server_.options_.max_body_bytes);
    auto [header_ec, header_bytes] =
        co_await beast_http::async_read_header(stream_, buffer, parser, kTuple);
    if (header_ec || closed_) break;
    if (!parser.is_done()) {
      if (beast::iequals(parser.get()[beast_http::field::expect], "100-continue")) {
        beast_http::response<beast_http::empty_body> go_on{beast_http::status::continue_, 11};
        auto [ec, n] = co_await beast_http::async_write(stream_, go_on, kTuple);
        if (ec || closed_) break;
      }
      auto [body_ec, body_bytes] = co_await beast_http::async_read(stream_, buffer, parser, kTuple);
      if (body_ec || closed_) break;
    }
    beast_http::request<beast_http::string_body> request = parser.release();

    RecordedRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    for (const auto& field : request) {
      recorded.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
    }
    recorded.body = request.body();
    recorded.arrived = std::chrono::steady_clock::now();
    recorded.connection = number;
    FakeResponse answer = server_.Record(std::move(recorded));

    if (answer.delay > Millis(0)) {
      delay_.expires_after(answer.delay);
      beast::error_code wait_ec;
      co_await delay_.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
      if (wait_ec || closed_) break;
    }
    if (answer.drop_connection) break;

    beast_http::response<beast_http::string_body> response{
        static_cast<beast_http::status>(answer.status), request.version()};
    response.keep_alive(request.keep_alive());
    for (const auto& [name, value] : answer.headers) response.insert(name, value);
    response.body() = std::move(answer.body);
    response.prepare_payload();
    auto [write_ec, written] = co_await beast_http::async_write(stream_, response, kTuple);
    if (write_ec || !response.keep_alive()) break;
  }
  Close();
}

StatusOr<std::unique_ptr<FakeHttpServer>> FakeHttpServer::Create(FakeHandler handler) {
  return Create(std::move(handler), Options{});
}

StatusOr<std::unique_ptr<FakeHttpServer>> FakeHttpServer::Create(FakeHandler handler,
                                                                 Options options) {
  std::unique_ptr<FakeHttpServer> server(new FakeHttpServer(std::move(handler), options));
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
  tcp::acceptor& acceptor = server->acceptor_;
  if (acceptor.open(endpoint.protocol(), ec); ec)
    return UnavailableError("socket: " + ec.message());
  if (acceptor.bind(endpoint, ec); ec) return UnavailableError("bind: " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("listen: " + ec.message());
  }
  server->port_ = acceptor.local_endpoint().port();
  // The first accept is queued before any I/O thread runs, so the threads never find the
  // io_context without work.
  server->Accept();
  MutexLock lock(server->stop_mu_);
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    server->threads_.emplace_back([s = server.get()] { s->io_.run(); });
  }
  return server;
}

FakeHttpServer::FakeHttpServer(FakeHandler handler, Options options)
    : options_(options), handler_(std::move(handler)), acceptor_(asio::make_strand(io_)) {}

FakeHttpServer::~FakeHttpServer() { Stop(); }

std::string FakeHttpServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeHttpServer::SetHandler(FakeHandler handler) {
  MutexLock lock(mu_);
  handler_ = std::move(handler);
}

std::vector<RecordedRequest> FakeHttpServer::Requests() const {
  MutexLock lock(mu_);
  return requests_;
}

int FakeHttpServer::RequestCount() const {
  MutexLock lock(mu_);
  return static_cast<int>(requests_.size());
}

int FakeHttpServer::ConnectionCount() const {
  MutexLock lock(mu_);
  return connections_accepted_;
}

void FakeHttpServer::Accept() {
  // Each connection gets its own strand.
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors: retrying at once would spin.
      auto pause =
          std::make_shared<asio::steady_timer>(acceptor_.get_executor(), kAcceptRetryDelay);
      pause->async_wait([this, pause](beast::error_code) { Accept(); });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(*this, std::move(socket));
    int number = 0;
    {
      MutexLock lock(mu_);
      if (!stopping_) {
        number = ++connections_accepted_;
        live_.emplace(connection.get(), connection);
      }
    }
    if (number == 0) return;  // stopping: the socket closes with `connection`
    asio::co_spawn(connection->executor(), connection->Run(connection, number), asio::detached);
    Accept();
  });
}

void FakeHttpServer::Unregister(Connection* c) {
  MutexLock lock(mu_);
  live_.erase(c);
}

FakeResponse FakeHttpServer::Record(RecordedRequest request) {
  FakeHandler handler;
  {
    MutexLock lock(mu_);
    requests_.push_back(request);
    handler = handler_;
  }
  return handler(request);
}

void FakeHttpServer::Stop() {
  MutexLock stop_lock(stop_mu_);
  if (threads_.empty()) return;
  std::vector<std::shared_ptr<Connection>> live;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    for (auto& [raw, weak] : live_) {
      if (auto c = weak.lock()) live.push_back(std::move(c));
    }
  }
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  for (auto& c : live) asio::post(c->executor(), [c] { c->Close(); });
  live.clear();
  // The io_context runs out of work once the acceptor and every connection have finished.
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

}  // namespace wagate::testing
