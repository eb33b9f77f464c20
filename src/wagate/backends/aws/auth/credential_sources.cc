#include "wagate/backends/aws/auth/credential_sources.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include "wagate/net/http_client.h"

namespace wagate::aws::internal {
namespace {

std::string Get(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return UnavailableError("cannot read " + path);
  return text.str();
}

// ---- 1. Environment ----

class EnvironmentSource final : public CredentialSource {
 public:
  explicit EnvironmentSource(const Environment& env)
      : key_id_(Get(env, "AWS_ACCESS_KEY_ID")),
        secret_(Get(env, "AWS_SECRET_ACCESS_KEY")),
        token_(Get(env, "AWS_SESSION_TOKEN")) {}

  std::string Name() const override { return "environment"; }

  StatusOr<Credentials> Fetch() override {
    if (key_id_.empty() && secret_.empty()) {
      return NotFoundError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set");
    }
    if (key_id_.empty()) return NotFoundError("AWS_ACCESS_KEY_ID not set");
    if (secret_.empty()) return NotFoundError("AWS_SECRET_ACCESS_KEY not set");
    return Credentials{key_id_, secret_, token_, std::nullopt};
  }

 private:
  const std::string key_id_, secret_, token_;
};

// ---- 2. Shared credentials file ----

class ProfileFileSource final : public CredentialSource {
 public:
  explicit ProfileFileSource(const Environment& env) {
    path_ = Get(env, "AWS_SHARED_CREDENTIALS_FILE");
    std::string home = Get(env, "HOME");
    if (path_.empty() && !home.empty()) path_ = home + "/.aws/credentials";
    if (path_.starts_with("~/") && !home.empty()) path_ = home + path_.substr(1);
    profile_ = Get(env, "AWS_PROFILE");
    if (profile_.empty()) profile_ = "default";
  }

  std::string Name() const override {
    return "shared credentials file" + (path_.empty() ? "" : " " + path_);
  }

  StatusOr<Credentials> Fetch() override {
    if (path_.empty()) return NotFoundError("HOME and AWS_SHARED_CREDENTIALS_FILE not set");
    StatusOr<std::string> text = ReadFile(path_);
    if (!text.ok()) return text.status();
    return ParseCredentialsFile(*text, profile_);
  }

 private:
  std::string path_;
  std::string profile_;
};

// ---- Metadata services (3, 4) ----

class MetadataSource : public CredentialSource {
 protected:
  explicit MetadataSource(const CredentialChainOptions& options)
      : timeout_(options.metadata_timeout), connect_timeout_(options.metadata_connect_timeout) {}

  // The response to a request, or the transport error; `what` prefixes messages.
  StatusOr<net::HttpResponse> Call(std::string method, std::string url, net::HttpHeaders headers,
                                   std::string_view what) {
    net::HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.headers = std::move(headers);
    request.timeout = timeout_;
    // Made on first use, so that a chain that never reaches this source opens nothing.
    if (client_ == nullptr) {
      client_ = std::make_unique<net::HttpClient>(
          net::HttpClient::Options{.connect_timeout = connect_timeout_});
    }
    net::HttpResult result = client_->Send(request);
    if (!result.ok()) {
      return Status(result.status().code(), std::string(what) + ": " + result.status().message());
    }
    return std::move(result).response();
  }

  static Status HttpError(std::string_view what, int status) {
    return UnavailableError(std::string(what) + ": HTTP " + std::to_string(status));
  }

 private:
  const Millis timeout_;
  const Millis connect_timeout_;
  std::unique_ptr<net::HttpClient> client_;
};

// Hosts that may receive the container authorization token over plain http: loopback and the
// ECS and EKS Pod Identity agents, as the AWS SDKs allow.
bool AllowedPlainHttpHost(const boost::urls::url_view& url) {
  std::string_view host = url.encoded_host();
  if (url.host_type() == boost::urls::host_type::ipv4) {
    return host.starts_with("127.") || host == "169.254.170.2" || host == "169.254.170.23";
  }
  if (url.host_type() == boost::urls::host_type::ipv6) {
    return host == "[::1]" || EqualsIgnoreCase(host, "[fd00:ec2::23]");
  }
  return EqualsIgnoreCase(host, "localhost");
}

class EcsSource final : public MetadataSource {
 public:
  EcsSource(const Environment& env, const CredentialChainOptions& options)
      : MetadataSource(options),
        relative_uri_(Get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")),
        full_uri_(Get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")),
        token_(Get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")),
        token_file_(Get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")),
        endpoint_(options.ecs_endpoint) {}

  std::string Name() const override { return "ECS container credentials"; }

  StatusOr<Credentials> Fetch() override {
    std::string url;
    if (!relative_uri_.empty()) {
      url = endpoint_ + (relative_uri_.starts_with("/") ? "" : "/") + relative_uri_;
    } else if (!full_uri_.empty()) {
      WAGATE_RETURN_IF_ERROR(CheckFullUri());
      url = full_uri_;
    } else {
      return NotFoundError(
          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set");
    }
    net::HttpHeaders headers = {{"Accept", "application/json"}};
    std::string token = token_;
    if (!token_file_.empty()) {
      StatusOr<std::string> text = ReadFile(token_file_);
      if (!text.ok())
        return UnavailableError("authorization token file: " + text.status().message());
      token = Trim(*text);
    }
    if (!token.empty()) headers.emplace_back("Authorization", std::move(token));

    StatusOr<net::HttpResponse> response =
        Call("GET", url, std::move(headers), "GET " + net::RedactUrl(url));
    if (!response.ok()) return response.status();
    if (response->status != 200) return HttpError(net::RedactUrl(url), response->status);
    StatusOr<Credentials> credentials = ParseMetadataCredentials(response->body);
    if (!credentials.ok()) return UnavailableError(credentials.status().message());
    return credentials;
  }

 private:
  Status CheckFullUri() const {
    auto url = boost::urls::parse_uri(full_uri_);
    // A path not starting with '/' is Boost.URL 1.81 misreading the host (boostorg/url#755).
    if (!url || !(url->encoded_path().empty() || url->encoded_path().starts_with("/"))) {
      return InvalidArgumentError("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL it can use");
    }
    std::string_view scheme = url->scheme();
    if (EqualsIgnoreCase(scheme, "https")) return Status::Ok();
    if (EqualsIgnoreCase(scheme, "http") && AllowedPlainHttpHost(*url)) {
      return Status::Ok();
    }
    return InvalidArgumentError(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS agent "
        "address: " +
        net::RedactUrl(full_uri_));
  }

  const std::string relative_uri_, full_uri_, token_, token_file_, endpoint_;
};

class ImdsSource final : public MetadataSource {
 public:
  ImdsSource(const Environment& env, const CredentialChainOptions& options)
      : MetadataSource(options),
        disabled_(EqualsIgnoreCase(Get(env, "AWS_EC2_METADATA_DISABLED"), "true")),
        endpoint_(Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    if (endpoint_.empty()) endpoint_ = "http://169.254.169.254";
    while (endpoint_.ends_with("/")) endpoint_.pop_back();
  }

  std::string Name() const override { return "EC2 instance metadata " + endpoint_; }

  StatusOr<Credentials> Fetch() override {
    if (disabled_) return NotFoundError("disabled by AWS_EC2_METADATA_DISABLED");
    StatusOr<net::HttpResponse> token =
        Call("PUT", endpoint_ + "/latest/api/token",
             {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, "token request");
    if (!token.ok()) return token.status();
    if (token->status != 200) return HttpError("token request", token->status);
    net::HttpHeaders with_token = {{"X-aws-ec2-metadata-token", Trim(token->body)}};

    const std::string base = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    StatusOr<net::HttpResponse> roles = Call("GET", base, with_token, "role request");
    if (!roles.ok()) return roles.status();
    if (roles->status == 404) return NotFoundError("no IAM role attached to the instance");
    if (roles->status != 200) return HttpError("role request", roles->status);
    std::string role = Trim(roles->body.substr(0, roles->body.find('\n')));
    if (role.empty()) return NotFoundError("no IAM role attached to the instance");
    bool plain = std::all_of(role.begin(), role.end(), [](unsigned char c) {
      return std::isalnum(c) || std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    });
    if (!plain) return UnavailableError("role request: the role name is not a valid IAM name");

    StatusOr<net::HttpResponse> answer =
        Call("GET", base + role, std::move(with_token), "credentials request");
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) return HttpError("credentials request", answer->status);
    StatusOr<Credentials> credentials = ParseMetadataCredentials(answer->body);
    if (!credentials.ok()) return UnavailableError(credentials.status().message());
    return credentials;
  }

 private:
  const bool disabled_;
  std::string endpoint_;
};

}  // namespace

std::vector<std::unique_ptr<CredentialSource>> StandardSources(
    const Environment& env, const CredentialChainOptions& options) {
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(std::make_unique<EnvironmentSource>(env));
  sources.push_back(std::make_unique<ProfileFileSource>(env));
  sources.push_back(std::make_unique<EcsSource>(env, options));
  sources.push_back(std::make_unique<ImdsSource>(env, options));
  return sources;
}

}  // namespace wagate::aws::internal
