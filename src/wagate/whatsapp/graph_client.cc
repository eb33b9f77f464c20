#include "wagate/whatsapp/graph_client.h"

#include <boost/json.hpp>

namespace wagate::whatsapp {

namespace json = boost::json;

ports::GraphAnswer ParseGraphAnswer(int http_status, const std::string& body) {
  ports::GraphAnswer answer;
  answer.http_status = http_status;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  if (http_status >= 200 && http_status < 300) {
    answer.outcome = ports::GraphAnswer::Outcome::kAccepted;
    const json::value* messages = o ? o->if_contains("messages") : nullptr;
    if (messages && messages->is_array() && !messages->as_array().empty() &&
        messages->as_array()[0].is_object()) {
      const json::value* id = messages->as_array()[0].as_object().if_contains("id");
      if (id && id->is_string()) answer.wamid = id->as_string();
    }
    return answer;
  }
  answer.outcome = ports::GraphAnswer::Outcome::kError;
  const json::value* error = o ? o->if_contains("error") : nullptr;
  if (error && error->is_object()) {
    const json::object& e = error->as_object();
    if (const json::value* code = e.if_contains("code"); code && code->is_int64()) {
      answer.error_code = code->as_int64();
    }
    if (const json::value* message = e.if_contains("message"); message && message->is_string()) {
      answer.error_message = message->as_string();
    }
  }
  return answer;
}

GraphClient::GraphClient(Options options) : options_(std::move(options)) {}

ports::GraphAnswer GraphClient::Send(const std::string& phone_number_id, const std::string& body) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = options_.base_url + "/" + options_.version + "/" + phone_number_id + "/messages";
  request.headers = {{"Authorization", "Bearer " + options_.access_token},
                     {"Content-Type", "application/json"}};
  request.body = body;
  request.timeout = options_.timeout;
  net::HttpResult result = pool_.Send(request);
  if (result.ok()) return ParseGraphAnswer(result.response().status, result.response().body);
  ports::GraphAnswer answer;
  answer.outcome = result.may_have_been_sent() ? ports::GraphAnswer::Outcome::kUnknown
                                               : ports::GraphAnswer::Outcome::kNotSent;
  answer.detail = result.status().ToString();
  return answer;
}

}  // namespace wagate::whatsapp
