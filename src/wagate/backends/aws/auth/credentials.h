// AWS credentials: where they come from, and keeping temporary ones fresh.
//
// MakeCredentialChain() returns the provider the AWS backends use. It looks, in this order, at:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional);
//   2. shared credentials file: AWS_SHARED_CREDENTIALS_FILE (default $HOME/.aws/credentials),
//      section [AWS_PROFILE] (default "default"), keys aws_access_key_id,
//      aws_secret_access_key, aws_session_token; other profile features (role_arn,
//      credential_process, sso_*) are not supported;
//   3. ECS container credentials: GET http://169.254.170.2 +
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
//      or AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or ECS/EKS agent
//      address), with "Authorization: <token>" read from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
//      or else AWS_CONTAINER_AUTHORIZATION_TOKEN;
//   4. EC2 instance metadata, IMDSv2 only: PUT /latest/api/token, then the role name from
//      /latest/meta-data/iam/security-credentials/ and its credentials, at
//      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254); skipped when
//      AWS_EC2_METADATA_DISABLED=true.
// Metadata calls (3, 4) connect within 1 s and finish within 2 s, so a machine without metadata
// fails fast.
//
// The chain resolves on the first Get(), not at construction; the first source that yields
// credentials is used from then on. Credentials with an expiration are fetched again from that
// source once less than 5 minutes remain; if that fails while they are still valid, Get() keeps
// returning them. After any failed attempt the next one waits 10 s (clock time), so callers that
// call Get() per request do not hammer a failing metadata endpoint. Time comes only from the
// injected Clock.
//
// Secrets: no error message or log line names a secret key, session token or authorization
// token, and no response body is ever quoted.
//
// Thread safety: Get() may be called from any thread at once. Fetches are serialised under one
// lock: while one thread fetches, others wait for its result instead of fetching too.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "wagate/backends/aws/auth/sigv4.h"
#include "wagate/base/clock.h"
#include "wagate/base/status.h"

namespace wagate::aws {

using Environment = std::map<std::string, std::string>;  // the process environment (+ .env)

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials. Temporary credentials are refreshed before they expire (fetch again
  // when less than 5 minutes remain; if a refresh fails while the old ones are still valid,
  // keep using them). Unavailable (with a reason that names the sources tried, never a secret)
  // when no source yields credentials.
  virtual StatusOr<Credentials> Get() = 0;
};

struct CredentialChainOptions {
  // Base of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; tests point it at a local server.
  std::string ecs_endpoint = "http://169.254.170.2";
  Millis metadata_connect_timeout{1000};
  Millis metadata_timeout{2000};  // the whole exchange, per HTTP call
};

// The standard chain described above. `env` is copied; `clock` must outlive the provider.
std::unique_ptr<CredentialsProvider> MakeCredentialChain(const Environment& env,
                                                         const Clock& clock);
std::unique_ptr<CredentialsProvider> MakeCredentialChain(const Environment& env, const Clock& clock,
                                                         CredentialChainOptions options);

// Always returns `credentials` (tests, emulators).
std::unique_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials credentials);

// ---- Parsers, public for tests and fuzzers. None quotes its input in an error. ----

// The profile `profile` of a shared credentials file (INI). NotFound when the profile is
// missing or lacks aws_access_key_id or aws_secret_access_key.
StatusOr<Credentials> ParseCredentialsFile(std::string_view text, std::string_view profile);

// The JSON answer of the ECS or EC2 metadata service: AccessKeyId, SecretAccessKey, Token
// (optional), Expiration (RFC 3339, optional), Code (optional, must be "Success").
// InvalidArgument when it is not such a document.
StatusOr<Credentials> ParseMetadataCredentials(std::string_view json);

// "2026-11-28T12:00:00Z", with optional fractional seconds (kept to the millisecond) and a "Z"
// or "±hh:mm" offset. InvalidArgument otherwise.
StatusOr<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace wagate::aws
