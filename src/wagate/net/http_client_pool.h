// HttpClientPool: HttpClients shared by many threads, each call on a client of its own.
//
// Send() borrows an idle client (or makes a new one when every client is busy), performs the
// request on it, and returns it to the pool, so that each concurrent caller has a keep-alive
// connection and connections are reused across calls. The pool holds at most as many clients as
// there were concurrent calls; `max_idle` bounds how many it keeps between bursts.
//
// Thread safety: Send() and IdleClients() may be called from any thread at once.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "wagate/base/mutex.h"
#include "wagate/net/http_client.h"

namespace wagate::net {

class HttpClientPool {
 public:
  struct Options {
    HttpClient::Options client;
    size_t max_idle = 16;  // clients kept between calls; more are closed on return
  };

  HttpClientPool();
  explicit HttpClientPool(Options options);
  HttpClientPool(const HttpClientPool&) = delete;
  HttpClientPool& operator=(const HttpClientPool&) = delete;

  // HttpClient::Send on a client lent for this call.
  HttpResult Send(const HttpRequest& request);

  // Clients waiting in the pool now.
  size_t IdleClients() const;

 private:
  std::unique_ptr<HttpClient> Borrow();
  void Return(std::unique_ptr<HttpClient> client);

  const Options options_;
  mutable Mutex mu_;
  // Most recently returned last: Borrow() takes the warmest connection.
  std::vector<std::unique_ptr<HttpClient>> idle_ WAGATE_GUARDED_BY(mu_);
};

}  // namespace wagate::net
