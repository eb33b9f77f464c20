#include "wagate/loadtest/wire.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <utility>

#include "wagate/whatsapp/signature.h"

namespace wagate::loadtest {
namespace {

void AppendUint(uint64_t v, std::string* out) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out->append(digits, end);
}

// Senders are spread over this many made-up users so the traffic is not one conversation.
constexpr uint64_t kUsers = 10000;
constexpr uint64_t kFirstUser = 5215500000000;  // a Mexican mobile number range, as in payload (a)

// Skips JSON whitespace from `pos`.
size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
    ++pos;
  return pos;
}

std::optional<uint64_t> CountField(std::string_view body, std::string_view quoted_name) {
  const size_t at = body.find(quoted_name);
  if (at == std::string_view::npos) return std::nullopt;
  size_t pos = SkipSpace(body, at + quoted_name.size());
  if (pos >= body.size() || body[pos] != ':') return std::nullopt;
  pos = SkipSpace(body, pos + 1);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(body.data() + pos, body.data() + body.size(), value);
  if (ec != std::errc() || end == body.data() + pos) return std::nullopt;
  return value;
}

}  // namespace

StatusOr<Target> ParseTarget(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return InvalidArgumentError("--url: not an absolute URL: " + std::string(url));
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http) {
    return InvalidArgumentError("--url: only http:// is supported, got " + std::string(url));
  }
  Target target;
  target.host = u.host_address();
  if (target.host.empty()) return InvalidArgumentError("--url: no host in " + std::string(url));
  target.port = u.has_port() ? std::string(u.port()) : "80";
  target.host_header = std::string(u.encoded_host_and_port());
  target.path = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) target.path += "?" + std::string(u.encoded_query());
  return target;
}

RequestFactory::RequestFactory(const Target& target, RequestShape shape)
    : shape_(std::move(shape)) {
  head_ = "POST " + target.path + " HTTP/1.1\r\nHost: " + target.host_header +
          "\r\nUser-Agent: wagate-loadtest\r\nContent-Type: application/json\r\n";
}

void RequestFactory::AppendBody(uint64_t first_id, std::string* body) const {
  const uint64_t user = kFirstUser + first_id % kUsers;
  body->append(
      R"({"object":"whatsapp_business_account",)"
      R"("entry":[{"id":"301234567890123","changes":[{"field":"messages","value":{)"
      R"("messaging_product":"whatsapp",)"
      R"("metadata":{"display_phone_number":"15551230000","phone_number_id":"112233445566778"},)"
      R"("contacts":[{"profile":{"name":"Maria Lopez"},"wa_id":")");
  AppendUint(user, body);
  body->append(R"("}],"messages":[)");
  for (int i = 0; i < shape_.items_per_request; ++i) {
    if (i > 0) body->push_back(',');
    body->append(R"({"from":")");
    AppendUint(user, body);
    body->append(R"(","id":")");
    body->append(shape_.id_prefix);
    body->push_back('.');
    body->append(shape_.run_tag);
    body->push_back('.');
    AppendUint(first_id + static_cast<uint64_t>(i), body);
    body->append(R"(","timestamp":")");
    AppendUint(static_cast<uint64_t>(shape_.unix_seconds), body);
    body->append(R"(","type":"text","text":{"body":"Hola, \u00bftienen env\u00edo hoy?"}})");
  }
  body->append("]}}]}]}");
}

void RequestFactory::BuildFresh(std::string* scratch, std::string* out) {
  const auto items = static_cast<uint64_t>(shape_.items_per_request);
  const uint64_t first_id = next_id_.fetch_add(items, std::memory_order_relaxed);
  scratch->clear();
  AppendBody(first_id, scratch);
  out->assign(head_);
  if (!shape_.secret.empty()) {
    out->append("X-Hub-Signature-256: ");
    out->append(whatsapp::SignatureHeader(shape_.secret, *scratch));
    out->append("\r\n");
  }
  out->append("Content-Length: ");
  AppendUint(scratch->size(), out);
  out->append("\r\n\r\n");
  out->append(*scratch);
}

std::optional<AnswerCounts> ParseAnswerCounts(std::string_view body) {
  const auto accepted = CountField(body, R"("accepted")");
  const auto duplicates = CountField(body, R"("duplicates")");
  const auto quarantined = CountField(body, R"("quarantined")");
  if (!accepted || !duplicates || !quarantined) return std::nullopt;
  return AnswerCounts{*accepted, *duplicates, *quarantined};
}

}  // namespace wagate::loadtest
