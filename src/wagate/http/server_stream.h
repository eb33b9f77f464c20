// ServerStream: the byte stream of one accepted connection, plain TCP or TLS over TCP.
//
// The session code of http::Server is written once against this stream. It models Asio's
// AsyncReadStream and AsyncWriteStream, so Beast's HTTP reads and writes work on it unchanged,
// and forwards each operation to the plain or the TLS stream. Timeouts belong to the TCP layer
// (beast::tcp_stream): expires_after bounds the TLS handshake, every TLS record and the TLS
// shutdown like any plain read or write, and a timeout closes the socket.
//
// Handshake() runs the server side of the TLS handshake (nothing for plain TCP). Shutdown()
// ends the connection politely: TLS close_notify (bounded by `bound`), then TCP FIN.
//
// Thread safety: like the streams it wraps, one connection's operations run on its own
// io_context thread, one read and one write at a time.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <optional>

namespace wagate::http {

class ServerStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  // TLS when `tls` is not null (borrowed; it outlives the stream).
  ServerStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls) {
    if (tls != nullptr) {
      tls_.emplace(std::move(socket), *tls);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  bool is_tls() const { return tls_.has_value(); }
  executor_type get_executor() { return tcp().get_executor(); }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  template <class Duration>
  void expires_after(Duration d) {
    tcp().expires_after(d);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // The server side of the TLS handshake, bounded by the current expiry. Plain TCP: no error.
  boost::asio::awaitable<boost::beast::error_code> Handshake() {
    if (!tls_) co_return boost::beast::error_code{};
    auto [ec] = co_await tls_->async_handshake(boost::asio::ssl::stream_base::server,
                                               boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return ec;
  }

  // TLS close_notify, waiting at most `bound` for the peer's; then the TCP send side is shut.
  boost::asio::awaitable<void> Shutdown(std::chrono::steady_clock::duration bound) {
    if (tls_ && tcp().socket().is_open()) {
      tcp().expires_after(bound);
      co_await tls_->async_shutdown(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    boost::beast::error_code ec;
    tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }

 private:
  boost::beast::tcp_stream& tcp() { return tls_ ? boost::beast::get_lowest_layer(*tls_) : *plain_; }

  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

}  // namespace wagate::http
