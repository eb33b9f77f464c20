// A fake Graph API for integration tests: a real HTTP server on loopback that records every
// request and answers from a script (read receipts are always accepted; text sends get the
// scripted answers first, then are accepted with a fresh wamid.OUT<n>).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wagate/testing/fake_http_server.h"

namespace wagate::integration {

inline constexpr char kAccessToken[] = "EAAG-it-access-token-55e1";

inline testing::FakeResponse Accepted(int n) {
  return {200, {{"Content-Type", "application/json"}},
          R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.OUT)" + std::to_string(n) + R"("}]})"};
}

inline testing::FakeResponse GraphError(int http_status, int64_t code) {
  return {http_status, {{"Content-Type", "application/json"}},
          R"({"error":{"message":"scripted","type":"OAuthException","code":)" + std::to_string(code) + "}}"};
}

inline bool IsReadReceipt(const testing::RecordedRequest& r) { return r.body.find("\"status\":\"read\"") != std::string::npos; }

// A fake Graph API: read receipts are accepted; text sends get the scripted answers first, then
// are accepted.
class FakeGraph {
 public:
  FakeGraph() {
    server_ = testing::FakeHttpServer::Create([this](const testing::RecordedRequest& r) { return Answer(r); }).value();
  }
  void Script(std::initializer_list<testing::FakeResponse> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.insert(script_.end(), answers);
  }
  // Text sends whose context.message_id is `wamid`.
  std::vector<testing::RecordedRequest> SendsFor(const std::string& wamid) const {
    std::vector<testing::RecordedRequest> out;
    for (testing::RecordedRequest& r : server_->Requests()) {
      if (!IsReadReceipt(r) && r.body.find("\"message_id\":\"" + wamid + "\"") != std::string::npos) {
        out.push_back(std::move(r));
      }
    }
    return out;
  }
  std::string url() const { return server_->url(); }

 private:
  testing::FakeResponse Answer(const testing::RecordedRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    ++answered_;
    if (!IsReadReceipt(r) && !script_.empty()) {
      testing::FakeResponse next = script_.front();
      script_.pop_front();
      return next;
    }
    return Accepted(answered_);
  }
  std::unique_ptr<testing::FakeHttpServer> server_;
  std::mutex mu_;
  std::deque<testing::FakeResponse> script_;
  int answered_ = 0;
};

}  // namespace wagate::integration
