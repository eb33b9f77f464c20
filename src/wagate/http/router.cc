#include "wagate/http/router.h"

#include "wagate/http/status_http.h"

namespace wagate::http {

namespace beast_http = boost::beast::http;

std::string_view TargetPath(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

void Router::Add(beast_http::verb method, std::string path, Handler handler) {
  routes_[std::move(path)].emplace_back(method, std::move(handler));
}

void Router::SetMetrics(ports::Metrics* metrics, const Clock& clock) {
  metrics_ = metrics;
  clock_ = &clock;
}

Respond Router::Counted(std::string_view endpoint, const RequestContext& context,
                        Respond respond) const {
  return [metrics = metrics_, clock = clock_, endpoint, received = context.received,
          respond = std::move(respond)](Response response) {
    metrics->RequestAnswered(endpoint, response.result_int(), clock->Steady() - received);
    respond(std::move(response));
  };
}

std::string_view Router::EndpointOf(std::string_view target) const {
  auto it = routes_.find(TargetPath(target));
  return it == routes_.end() ? std::string_view("other") : std::string_view(it->first);
}

void Router::CountUndispatched(std::string_view target, unsigned code,
                               std::chrono::steady_clock::time_point received) const {
  if (metrics_ == nullptr) return;
  metrics_->RequestAnswered(EndpointOf(target), code, clock_->Steady() - received);
}

void Router::Dispatch(const Request& request, const RequestContext& context,
                      Respond respond) const {
  std::string_view target(request.target().data(), request.target().size());
  auto it = routes_.find(TargetPath(target));
  if (it == routes_.end()) {
    if (metrics_ != nullptr) respond = Counted("other", context, std::move(respond));
    respond(ErrorResponse(NotFoundError("no such endpoint"), "not_found"));
    return;
  }
  if (metrics_ != nullptr) respond = Counted(it->first, context, std::move(respond));
  std::string allow;
  for (const auto& [method, handler] : it->second) {
    if (method == request.method() ||
        (request.method() == beast_http::verb::head && method == beast_http::verb::get)) {
      handler(request, context, std::move(respond));
      return;
    }
    if (!allow.empty()) allow += ", ";
    allow += std::string(beast_http::to_string(method));
  }
  Response res = JsonResponse(405, R"({"error":"method_not_allowed","detail":"allowed: )" + allow + "\"}");
  res.set(beast_http::field::allow, allow);
  respond(std::move(res));
}

}  // namespace wagate::http
