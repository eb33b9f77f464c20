// GraphClient: ports::GraphApi over HTTPS with keep-alive connections (SPEC §4 Sender).
//
// POST {WHATSAPP_API_BASE_URL}/{WHATSAPP_API_VERSION}/{phone_number_id}/messages with
// `Authorization: Bearer WHATSAPP_ACCESS_TOKEN` and the JSON body; each call has `timeout`.
// An error answer's body is Meta's {"error":{"message","type","code","error_subcode",…}}; the
// code and message are passed on as they are. The access token never appears in an answer's
// detail or in logs.
//
// Thread safety: safe from several sender threads at once (a pool of connections).
#pragma once

#include <string>

#include "wagate/base/clock.h"
#include "wagate/net/http_client_pool.h"
#include "wagate/ports/graph_api.h"

namespace wagate::whatsapp {

class GraphClient final : public ports::GraphApi {
 public:
  struct Options {
    std::string base_url = "https://graph.facebook.com";
    std::string version = "v25.0";
    std::string access_token;
    Millis timeout{10'000};
  };

  explicit GraphClient(Options options);

  ports::GraphAnswer Send(const std::string& phone_number_id, const std::string& body) override;

 private:
  const Options options_;
  net::HttpClientPool pool_;
};

// Reads Meta's answer to a send: the wamid of a 2xx, or the error code and message.
ports::GraphAnswer ParseGraphAnswer(int http_status, const std::string& body);

}  // namespace wagate::whatsapp
