#include "wagate/http/webhook_handler.h"

#include <boost/url/parse.hpp>

#include "wagate/base/log.h"
#include "wagate/http/status_http.h"
#include "wagate/whatsapp/handshake.h"

namespace wagate::http {

namespace beast_http = boost::beast::http;

void WebhookHandler::AddRoutes(Router& router) {
  router.Add(beast_http::verb::get, "/webhook",
             [this](const Request& r, const RequestContext&, Respond respond) {
               Handshake(r, std::move(respond));
             });
  router.Add(beast_http::verb::post, "/webhook",
             [this](const Request& r, const RequestContext& context, Respond respond) {
               Post(r, context, std::move(respond));
             });
}

void WebhookHandler::Handshake(const Request& request, Respond respond) const {
  std::string_view target(request.target().data(), request.target().size());
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    respond(ErrorResponse(InvalidArgumentError("malformed request target"), "invalid_request"));
    return;
  }
  std::optional<std::string> mode, token, challenge;
  for (auto param : url->params()) {  // percent-decoded
    if (param.key == "hub.mode") mode = param.value;
    else if (param.key == "hub.verify_token") token = param.value;
    else if (param.key == "hub.challenge") challenge = param.value;
  }
  auto view = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
    if (!s) return std::nullopt;
    return std::string_view(*s);
  };
  StatusOr<std::string> answer =
      whatsapp::VerifyHandshake(verify_token_, view(mode), view(token), view(challenge));
  if (!answer.ok()) {
    log::Warn("webhook handshake refused", {log::F("reason", answer.status().message())});
    respond(ErrorResponse(answer.status(), answer.status().code() == StatusCode::kPermissionDenied
                                               ? "verification_failed"
                                               : "invalid_challenge"));
    return;
  }
  log::Info("webhook handshake verified");
  Response res = TextResponse(200, std::move(*answer));
  res.set(beast_http::field::content_type, "text/plain");
  res.set("X-Content-Type-Options", "nosniff");
  respond(std::move(res));
}

void WebhookHandler::Post(const Request& request, const RequestContext& context, Respond respond) {
  RateLimiter* limit =
      unverified_limit_ != nullptr && unverified_limit_->enabled() ? unverified_limit_ : nullptr;
  if (limit != nullptr && !ingest_.checks_signatures()) {
    // Nothing proves who sent it, so every POST counts.
    RateLimiter::Verdict verdict = limit->Take(context.client);
    if (!verdict.allowed) {
      respond(TooManyRequests(verdict.retry_after));
      return;
    }
    limit = nullptr;
  }
  auto header = request["X-Hub-Signature-256"];
  std::string_view signature(header.data(), header.size());
  ingest_.Ingest(request.body(), signature,
                 [respond = std::move(respond), limit,
                  client = context.client](StatusOr<ingest::IngestCounts> counts) {
                   if (!counts.ok()) {
                     const Status& s = counts.status();
                     std::string_view name;
                     if (s.code() == StatusCode::kUnauthenticated) {
                       if (limit != nullptr) {
                         RateLimiter::Verdict verdict = limit->Take(client);
                         if (!verdict.allowed) {
                           respond(TooManyRequests(verdict.retry_after));
                           return;
                         }
                       }
                       name = "invalid_signature";
                       log::Warn("webhook signature rejected", {log::F("reason", s.message())});
                     } else if (s.code() == StatusCode::kInvalidArgument) {
                       name = "invalid_payload";
                     } else {
                       log::Warn("webhook not acknowledged", {log::F("error", s.ToString())});
                     }
                     respond(ErrorResponse(s, name));
                     return;
                   }
                   std::string body = R"({"status":"ok","accepted":)" +
                                      std::to_string(counts->accepted) + R"(,"duplicates":)" +
                                      std::to_string(counts->duplicates) + R"(,"quarantined":)" +
                                      std::to_string(counts->quarantined) + "}";
                   respond(JsonResponse(200, std::move(body)));
                 });
}

}  // namespace wagate::http
