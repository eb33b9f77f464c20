#include "wagate/net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace wagate::net {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// libcurl's global state is set up once per process, before the first handle exists.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Frees a header list when the call ends.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  bool Append(const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) return false;
    list = next;
    return true;
  }
};

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::string_view HttpOutcomeName(HttpOutcome outcome) {
  switch (outcome) {
    case HttpOutcome::kResponse:
      return "response";
    case HttpOutcome::kNotSent:
      return "not_sent";
    case HttpOutcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view HttpResponse::Header(std::string_view name) const {
  std::string wanted = Lower(name);
  for (const auto& [n, v] : headers) {
    if (n == wanted) return v;
  }
  return {};
}

HttpResult HttpResult::Response(HttpResponse response) {
  HttpResult r;
  r.outcome_ = HttpOutcome::kResponse;
  r.response_ = std::move(response);
  return r;
}

HttpResult HttpResult::NotSent(Status status) {
  HttpResult r;
  r.outcome_ = HttpOutcome::kNotSent;
  r.status_ = std::move(status);
  return r;
}

HttpResult HttpResult::Unknown(Status status) {
  HttpResult r;
  r.outcome_ = HttpOutcome::kUnknown;
  r.status_ = std::move(status);
  return r;
}

std::string RedactUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  size_t path_end = url.find_first_of("?#", authority_end);
  if (path_end == std::string_view::npos) path_end = url.size();
  std::string out(url.substr(0, authority_start));
  out += authority;
  out += url.substr(authority_end, path_end - authority_end);
  return out;
}

struct HttpClient::Impl {
  explicit Impl(Options o) : options(o), curl(curl_easy_init()) {}
  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  HttpResult Send(const HttpRequest& request);
  HttpResult Fail(CURLcode code, const HttpRequest& request);

  static int OnDebug(CURL*, curl_infotype type, char*, size_t size, void* self) {
    // HEADER_OUT and DATA_OUT are reported after libcurl wrote those bytes to the connection.
    if ((type == CURLINFO_HEADER_OUT || type == CURLINFO_DATA_OUT) && size > 0) {
      static_cast<Impl*>(self)->wrote_request = true;
    }
    return 0;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* self) {
    auto* impl = static_cast<Impl*>(self);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      impl->response.headers.clear();  // a new response head (after 100 Continue, for one)
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
      impl->response.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                          std::string(Trim(line.substr(colon + 1))));
    }
    return size * count;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* self) {
    auto* impl = static_cast<Impl*>(self);
    size_t n = size * count;
    if (impl->response.body.size() + n > impl->options.max_response_bytes) {
      impl->body_too_large = true;
      return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    impl->response.body.append(data, n);
    return n;
  }

  const Options options;
  CURL* const curl;
  // Per call.
  bool wrote_request = false;
  bool body_too_large = false;
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {};
};

HttpResult HttpClient::Impl::Send(const HttpRequest& request) {
  const std::string what = request.method + " " + RedactUrl(request.url);
  if (curl == nullptr) return HttpResult::NotSent(InternalError(what + ": libcurl did not start"));
  wrote_request = false;
  body_too_large = false;
  response = HttpResponse{};
  error[0] = '\0';

  HeaderList headers;
  bool has_expect = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      // The header's name may be shown; its value may be a secret and is not.
      return HttpResult::NotSent(InvalidArgumentError(
          what + ": header \"" + (HasLineBreak(name) ? "?" : name) + "\" is malformed"));
    }
    if (Lower(name) == "expect") has_expect = true;
    // "Name;" is libcurl's spelling of a header with an empty value.
    if (!headers.Append(value.empty() ? name + ";" : name + ": " + value)) {
      return HttpResult::NotSent(InternalError(what + ": out of memory"));
    }
  }
  // No "Expect: 100-continue" round trip before larger bodies.
  if (!has_expect && !headers.Append("Expect:"))
    return HttpResult::NotSent(InternalError(what + ": out of memory"));

  // Reset forgets the previous call's options but keeps the open connection.
  curl_easy_reset(curl);
  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));
  const long connect_ms =
      std::min<long>(timeout_ms, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  // The debug callback is how the client learns that request bytes were written; libcurl calls
  // it only in verbose mode, and then writes nothing itself.
  if (options.observe_writes) {
    curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, &Impl::OnDebug);
    curl_easy_setopt(curl, CURLOPT_DEBUGDATA, this);
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);

  const bool with_body =
      !request.body.empty() || request.method == "POST" || request.method == "PUT";
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET" && !with_body) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    if (with_body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    }
    if (request.method != "POST")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return Fail(code, request);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return HttpResult::Response(std::move(response));
}

HttpResult HttpClient::Impl::Fail(CURLcode code, const HttpRequest& request) {
  std::string reason =
      error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code));
  const std::string what = request.method + " " + RedactUrl(request.url) + ": ";
  if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
    return HttpResult::NotSent(InvalidArgumentError(what + reason));
  }
  if (body_too_large) {
    return HttpResult::Unknown(UnavailableError(
        what + "response body exceeds " + std::to_string(options.max_response_bytes) + " bytes"));
  }
  const bool not_connected = code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
                             code == CURLE_COULDNT_RESOLVE_PROXY;
  if (options.observe_writes ? !wrote_request : not_connected) {
    return HttpResult::NotSent(UnavailableError(what + reason + " (request not sent)"));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return HttpResult::Unknown(
        DeadlineExceededError(what + reason + " (request sent; the server may have acted on it)"));
  }
  return HttpResult::Unknown(
      UnavailableError(what + reason + " (request sent; the server may have acted on it)"));
}

HttpClient::HttpClient() : HttpClient(Options{}) {}

HttpClient::HttpClient(Options options) {
  InitCurlOnce();
  impl_ = std::make_unique<Impl>(options);
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::Send(const HttpRequest& request) { return impl_->Send(request); }

}  // namespace wagate::net
