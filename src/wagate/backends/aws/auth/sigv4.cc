#include "wagate/backends/aws/auth/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

namespace wagate::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool NameIs(std::string_view name, std::string_view lower_name) {
  return name.size() == lower_name.size() && Lower(name) == lower_name;
}

// Line breaks become spaces, runs of spaces and tabs one space, and the ends are trimmed.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool in_space = false;
  for (char c : value) {
    bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space) {
      if (!in_space) out.push_back(' ');
      in_space = true;
    } else {
      out.push_back(c);
      in_space = false;
    }
  }
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Seconds since the epoch, rounded down, as a broken-down UTC time.
std::tm UtcTime(Timestamp now) {
  int64_t ms = ToUnixMillis(now);
  int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string DateStamp(Timestamp now) { return AmzDate(now).substr(0, 8); }

}  // namespace

std::string UriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  // As @smithy/signature-v4 does with uriEscapePath (the default for every service but S3).
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized.push_back('/');
    normalized.append(segments[i]);
  }
  if (!segments.empty() && path.back() == '/') normalized.push_back('/');
  return UriEncode(normalized, /*encode_slash=*/false);
}

QueryParams ParseQuery(std::string_view raw_query) {
  QueryParams params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view piece = raw_query.substr(start, end - start);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back(PercentDecode(piece), "");
      } else {
        params.emplace_back(PercentDecode(piece.substr(0, eq)),
                            PercentDecode(piece.substr(eq + 1)));
      }
    }
    start = end + 1;
  }
  return params;
}

std::string CanonicalQueryString(const QueryParams& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [key, value] : params) {
    encoded.emplace_back(UriEncode(key, true), UriEncode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

CanonicalHeaderList CanonicalHeaders(const net::HttpHeaders& headers) {
  std::map<std::string, std::string> by_name;  // sorted by lower-cased name
  for (const auto& [name, value] : headers) {
    auto [it, inserted] = by_name.try_emplace(Lower(name), CanonicalHeaderValue(value));
    if (!inserted) it->second.append(",").append(CanonicalHeaderValue(value));
  }
  CanonicalHeaderList out;
  for (const auto& [name, value] : by_name) {
    out.canonical.append(name).append(":").append(value).append("\n");
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers.append(name);
  }
  return out;
}

std::string CanonicalRequest(const CanonicalInput& input) {
  CanonicalHeaderList headers = CanonicalHeaders(input.headers);
  std::string out;
  out.append(input.method).append("\n");
  out.append(CanonicalUri(input.path)).append("\n");
  out.append(CanonicalQueryString(input.query)).append("\n");
  out.append(headers.canonical).append("\n");
  out.append(headers.signed_headers).append("\n");
  out.append(input.payload_hash);
  return out;
}

std::string AmzDate(Timestamp now) {
  std::tm tm = UtcTime(now);
  char buf[64];  // room for any int, so that the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string CredentialScope(Timestamp now, const SigningScope& scope) {
  return DateStamp(now) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string StringToSign(Timestamp now, const SigningScope& scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(AmzDate(now)).append("\n");
  out.append(CredentialScope(now, scope)).append("\n");
  out.append(Sha256Hex(canonical_request));
  return out;
}

std::string SigningKey(std::string_view secret_access_key, Timestamp now,
                       const SigningScope& scope) {
  std::string key = "AWS4";
  key.append(secret_access_key);
  key = HmacSha256(key, DateStamp(now));
  key = HmacSha256(key, scope.region);
  key = HmacSha256(key, scope.service);
  return HmacSha256(key, "aws4_request");
}

namespace {

// The signing key changes only with the day, the secret and the scope, so each thread keeps the
// last one it derived (four HMACs saved on almost every request).
const std::string& CachedSigningKey(std::string_view secret_access_key, Timestamp now,
                                    const SigningScope& scope) {
  struct Cache {
    std::string secret, date, region, service, key;
  };
  thread_local Cache cache;
  const std::string date = DateStamp(now);
  if (cache.key.empty() || cache.date != date || cache.secret != secret_access_key ||
      cache.region != scope.region || cache.service != scope.service) {
    cache = {std::string(secret_access_key), date, scope.region, scope.service,
             SigningKey(secret_access_key, now, scope)};
  }
  return cache.key;
}

}  // namespace

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key, string_to_sign));
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

Status SignRequest(net::HttpRequest& request, const Credentials& credentials,
                   const SigningScope& scope, Timestamp now) {
  auto parsed = boost::urls::parse_uri(request.url);
  std::string scheme = parsed ? Lower(parsed->scheme()) : "";
  // Boost.URL 1.81 reads a host such as "127.0.0.1.example.com" as the IPv4 address followed by
  // a path without its leading '/' (boostorg/url#755); such a URL is refused, not mis-signed.
  if (!parsed || (scheme != "http" && scheme != "https") || parsed->encoded_host().empty() ||
      !(parsed->encoded_path().empty() || parsed->encoded_path().starts_with("/"))) {
    return InvalidArgumentError("cannot sign a request to " + net::RedactUrl(request.url) +
                                ": not an absolute http(s) URL");
  }
  const boost::urls::url_view& url = *parsed;

  std::erase_if(request.headers, [](const auto& header) {
    return NameIs(header.first, "authorization") || NameIs(header.first, "x-amz-date") ||
           NameIs(header.first, "x-amz-security-token");
  });
  bool has_host = std::any_of(request.headers.begin(), request.headers.end(),
                              [](const auto& header) { return NameIs(header.first, "host"); });
  if (!has_host) {
    std::string host(url.encoded_host());
    std::string_view port = url.port();
    bool default_port = (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!port.empty() && !default_port) host.append(":").append(port);
    request.headers.emplace_back("host", std::move(host));
  }
  request.headers.emplace_back("x-amz-date", AmzDate(now));
  if (!credentials.session_token.empty()) {
    request.headers.emplace_back("x-amz-security-token", credentials.session_token);
  }

  CanonicalInput input;
  input.method = request.method;
  input.path = std::string(url.encoded_path());
  input.query = ParseQuery(url.encoded_query());
  input.headers = request.headers;
  input.payload_hash = Sha256Hex(request.body);
  std::string canonical_request = CanonicalRequest(input);
  std::string signature = Signature(CachedSigningKey(credentials.secret_access_key, now, scope),
                                    StringToSign(now, scope, canonical_request));

  std::string authorization(kAlgorithm);
  authorization.append(" Credential=")
      .append(credentials.access_key_id)
      .append("/")
      .append(CredentialScope(now, scope))
      .append(", SignedHeaders=")
      .append(CanonicalHeaders(request.headers).signed_headers)
      .append(", Signature=")
      .append(signature);
  request.headers.emplace_back("authorization", std::move(authorization));
  return Status::Ok();
}

}  // namespace wagate::aws
