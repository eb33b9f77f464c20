// Fuzzes SigV4 canonicalisation and the credential parsers (inputs that come from URLs, headers,
// metadata services and files). The input is lines: a URL, then "name: value" headers up to an
// empty line, then the body. The same bytes also go, whole, to the metadata JSON, credentials
// file and RFC 3339 parsers. Besides crashes and sanitizer reports it checks that:
//   - the canonical URI and query hold only unreserved characters, '/', '=', '&' and %XX escapes;
//   - PercentDecode undoes UriEncode;
//   - a signed request carries exactly one authorization header, and signing it again gives the
//     same one.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wagate/backends/aws/auth/credentials.h"
#include "wagate/backends/aws/auth/sigv4.h"

namespace {

namespace aws = wagate::aws;

void Require(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n", invariant);
  std::abort();
}

bool IsCanonical(std::string_view s, std::string_view also_allowed) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') continue;
    if (also_allowed.find(static_cast<char>(c)) != std::string_view::npos) continue;
    if (c != '%' || i + 2 >= s.size()) return false;
    for (size_t j = i + 1; j <= i + 2; ++j) {
      auto h = static_cast<unsigned char>(s[j]);
      if (!std::isxdigit(h) || std::islower(h)) return false;
    }
    i += 2;
  }
  return true;
}

std::string_view NextLine(std::string_view& rest) {
  size_t eol = rest.find('\n');
  std::string_view line = rest.substr(0, eol);
  rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
  return line;
}

std::string Authorization(const wagate::net::HttpRequest& request, int* count) {
  std::string value;
  for (const auto& [name, v] : request.headers) {
    if (name == "authorization") {
      value = v;
      ++*count;
    }
  }
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view rest = input;
  wagate::net::HttpRequest request;
  request.method = "POST";
  request.url = std::string(NextLine(rest));
  for (std::string_view line = NextLine(rest); !line.empty(); line = NextLine(rest)) {
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  request.body = std::string(rest);

  Require(IsCanonical(aws::CanonicalUri(request.url), "/"), "canonical URI is encoded");
  Require(IsCanonical(aws::CanonicalQueryString(aws::ParseQuery(request.url)), "=&"),
          "canonical query is encoded");
  Require(aws::PercentDecode(aws::UriEncode(input, true)) == input, "decode undoes encode");
  (void)aws::CanonicalHeaders(request.headers);

  const aws::Credentials credentials{"AKIDEXAMPLE", "secret", "token", std::nullopt};
  const aws::SigningScope scope{"us-east-1", "service"};
  const wagate::Timestamp now = wagate::FromUnixMillis(1440938160000);
  if (aws::SignRequest(request, credentials, scope, now).ok()) {
    int first = 0, second = 0;
    std::string signed_once = Authorization(request, &first);
    Require(aws::SignRequest(request, credentials, scope, now).ok(), "a signed request signs");
    Require(Authorization(request, &second) == signed_once, "signing is idempotent");
    Require(first == 1 && second == 1, "one authorization header");
  }

  (void)aws::ParseMetadataCredentials(input);
  (void)aws::ParseCredentialsFile(input, "default");
  (void)aws::ParseRfc3339(input);
  return 0;
}
