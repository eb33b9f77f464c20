// The HTTP vocabulary shared by the server, the router and the handlers.
//
// A handler gets the parsed request and answers through `Respond`, exactly once, from any
// thread; the server moves the answer back onto the connection's strand. Handlers never block:
// anything that waits on storage or the network runs elsewhere and calls Respond when done.
//
// Thread safety: plain types.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace wagate::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(Response)>;

struct RequestContext {
  boost::asio::ip::address peer;
  // Who sent the request: the peer, or the X-Forwarded-For hop named by a trusted proxy
  // (see client_ip.h). Rate limits are charged to it.
  boost::asio::ip::address client;
  std::chrono::steady_clock::time_point received;
};

using Handler = std::function<void(const Request&, const RequestContext&, Respond)>;

// A response with a JSON body.
Response JsonResponse(unsigned status, std::string body);
// A response with a text/plain body.
Response TextResponse(unsigned status, std::string body);

}  // namespace wagate::http
