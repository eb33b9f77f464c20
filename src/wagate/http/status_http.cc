#include "wagate/http/status_http.h"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include <cctype>

namespace wagate::http {

unsigned HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& status, std::string_view error) {
  std::string name(error);
  if (name.empty()) {
    name = StatusCodeName(status.code());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  boost::json::object body{{"error", name}, {"detail", status.message()}};
  Response res = JsonResponse(HttpStatusFor(status.code()), boost::json::serialize(body));
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
    case StatusCode::kDeadlineExceeded:
      res.set(boost::beast::http::field::retry_after, std::to_string(kRetryAfterSeconds));
      break;
    default:
      break;
  }
  return res;
}

Response JsonResponse(unsigned status, std::string body) {
  Response res{static_cast<boost::beast::http::status>(status), 11};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response TextResponse(unsigned status, std::string body) {
  Response res{static_cast<boost::beast::http::status>(status), 11};
  res.set(boost::beast::http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace wagate::http
