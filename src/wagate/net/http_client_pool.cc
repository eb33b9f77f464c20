#include "wagate/net/http_client_pool.h"

#include <utility>

namespace wagate::net {

HttpClientPool::HttpClientPool() : HttpClientPool(Options{}) {}

HttpClientPool::HttpClientPool(Options options) : options_(options) {}

HttpResult HttpClientPool::Send(const HttpRequest& request) {
  std::unique_ptr<HttpClient> client = Borrow();
  HttpResult result = client->Send(request);
  Return(std::move(client));
  return result;
}

size_t HttpClientPool::IdleClients() const {
  MutexLock lock(mu_);
  return idle_.size();
}

std::unique_ptr<HttpClient> HttpClientPool::Borrow() {
  {
    MutexLock lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<HttpClient> client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return std::make_unique<HttpClient>(options_.client);
}

void HttpClientPool::Return(std::unique_ptr<HttpClient> client) {
  {
    MutexLock lock(mu_);
    if (idle_.size() < options_.max_idle) {
      idle_.push_back(std::move(client));
      return;
    }
  }
  // `client` closes its connection here, outside the lock.
}

}  // namespace wagate::net
