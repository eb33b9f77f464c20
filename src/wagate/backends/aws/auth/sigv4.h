// AWS Signature Version 4 (AWS4-HMAC-SHA256) for requests in the Authorization header.
//
// SignRequest() is what callers use: it takes a net::HttpRequest that is ready to send (method,
// absolute URL, headers, body) and adds the headers that authenticate it to an AWS service. The
// algorithm is the one AWS documents ("Create a signed AWS API request") and behaves like the
// AWS SDK for JavaScript's signer (@smithy/signature-v4) with its defaults for non-S3 services:
//   - the canonical URI is the URL's path as written (percent-encoded), normalised (empty, "."
//     and ".." segments resolved) and URI-encoded once more, so "/a%20b" signs as "/a%2520b";
//   - the query is percent-decoded into (key, value) pairs, each re-encoded with the RFC 3986
//     unreserved set and sorted by key, then value; a key without "=" has an empty value, and
//     "+" is a literal plus, not a space;
//   - every header on the request is signed, names lower-cased, values trimmed with runs of
//     spaces and tabs collapsed, repeated names joined with "," in their order;
//   - the payload hash is the hex SHA-256 of the body (no x-amz-content-sha256 header is added).
// The steps are public so that tests can check each against AWS's published examples.
//
// Secrets: the secret key and session token appear only in the signing-key derivation and in the
// x-amz-security-token header. No error message of this module contains either.
//
// Thread safety: free functions over values; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagate/base/clock.h"
#include "wagate/base/status.h"
#include "wagate/net/http_client.h"

namespace wagate::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;            // "" for long-term keys
  std::optional<Timestamp> expiration;  // nullopt: never expires
};

struct SigningScope {
  std::string region;   // "us-east-1"
  std::string service;  // "dynamodb", "sqs"
};

// Signs `request` in place for `now`. Removes any earlier authorization, x-amz-date and
// x-amz-security-token headers (so a request may be signed again, e.g. for a retry), then adds
// `host` when absent (the URL's host, with its port unless it is the scheme's default),
// `x-amz-date`, `x-amz-security-token` when the credentials carry a session token, and
// `authorization` (AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…); added names are
// lower-case. Signs every header present plus those it adds. InvalidArgument when the URL cannot
// be parsed or is not absolute.
Status SignRequest(net::HttpRequest& request, const Credentials& credentials,
                   const SigningScope& scope, Timestamp now);

// ---- The steps of the algorithm, for tests and fuzzers. ----

// Percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex); '/' is kept
// when `encode_slash` is false.
std::string UriEncode(std::string_view text, bool encode_slash);

// Decodes %XX escapes; a '%' not followed by two hex digits is kept as is. '+' stays '+'.
std::string PercentDecode(std::string_view text);

// The canonical URI of `path` as it appears on the wire (the URL's path, percent-encoded as
// written): segments "", "." and ".." resolved, then UriEncode(…, false). "" becomes "/".
std::string CanonicalUri(std::string_view path);

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded

// Splits a raw query string ("a=1&b=%20&c") into decoded pairs, skipping empty pieces.
QueryParams ParseQuery(std::string_view raw_query);

// Encoded "k=v" pairs joined by '&', sorted by encoded key, then encoded value.
std::string CanonicalQueryString(const QueryParams& params);

struct CanonicalHeaderList {
  std::string canonical;       // "name:value\n" per header name, sorted
  std::string signed_headers;  // "name;name;…"
};
CanonicalHeaderList CanonicalHeaders(const net::HttpHeaders& headers);

// What the signature covers, split out of a request.
struct CanonicalInput {
  std::string method;
  std::string path;          // as on the wire, see CanonicalUri()
  QueryParams query;         // decoded
  net::HttpHeaders headers;  // every header to sign, host and x-amz-date included
  std::string payload_hash;  // lower-case hex SHA-256 of the body
};

// The canonical request: method, URI, query, headers, signed headers, payload hash, one a line.
std::string CanonicalRequest(const CanonicalInput& input);

// "20150830T123600Z" (seconds, UTC; milliseconds are dropped).
std::string AmzDate(Timestamp now);

// "20150830/us-east-1/service/aws4_request".
std::string CredentialScope(Timestamp now, const SigningScope& scope);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of the canonical request>".
std::string StringToSign(Timestamp now, const SigningScope& scope,
                         std::string_view canonical_request);

// HMAC chain "AWS4"+secret → date → region → service → "aws4_request"; 32 raw bytes.
std::string SigningKey(std::string_view secret_access_key, Timestamp now,
                       const SigningScope& scope);

// Hex HMAC-SHA256 of `string_to_sign` under `signing_key`.
std::string Signature(std::string_view signing_key, std::string_view string_to_sign);

std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes
std::string HexEncode(std::string_view bytes);                        // lower-case

}  // namespace wagate::aws
