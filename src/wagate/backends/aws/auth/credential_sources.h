// The places the credential chain looks in (internal to wagate_aws_auth; see credentials.h).
//
// Each source is built from the environment without any I/O; Fetch() does the reading or the
// HTTP calls. The metadata sources own an HttpClient.
//
// Thread safety: not thread-safe; the chain calls a source only under its lock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wagate/backends/aws/auth/credentials.h"

namespace wagate::aws::internal {

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // What the source is, for messages: "environment", "shared credentials file <path>", ...
  virtual std::string Name() const = 0;
  // Credentials; NotFound when this source is not configured here; another error when it is and
  // failed. Messages never contain secrets.
  virtual StatusOr<Credentials> Fetch() = 0;
};

// The four sources of the standard chain, in order.
std::vector<std::unique_ptr<CredentialSource>> StandardSources(
    const Environment& env, const CredentialChainOptions& options);

}  // namespace wagate::aws::internal
