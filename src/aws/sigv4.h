// aws/sigv4 — AWS Signature Version 4, for signing requests and for verifying them (the emulator).
// Passes AWS's signing test suite (../shared/sigv4/v4) and matches botocore byte for byte.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyql::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when none
  // Expiry of temporary credentials; time_point{} when they do not expire.
  std::chrono::system_clock::time_point expiration{};
  std::string source;  // where they came from, e.g. "environment", "profile dev (credential_process)"
};

// A request as it goes on the wire. Header names keep their case; the signer lower-cases for signing.
struct HttpRequest {
  std::string method = "POST";
  std::string path = "/";   // raw path, possibly with query string after '?'
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct SigningParams {
  std::string region;
  std::string service;  // e.g. "cloudcontrolapi"
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  bool sign_body = false;           // add x-amz-content-sha256 (S3 style)
  bool normalize_path = true;       // false for S3
  bool omit_session_token = false;  // add X-Amz-Security-Token after signing
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;  // full Authorization header value
};

// Adds X-Amz-Date (and X-Amz-Security-Token, x-amz-content-sha256 when applicable) and Authorization.
SigningResult sign(HttpRequest& request, const Credentials& creds, const SigningParams& params);

// Why a signed request was refused, as AWS would say it.
struct VerifyResult {
  bool ok = false;
  std::string error_code;  // "MissingAuthenticationTokenException", "IncompleteSignatureException",
                           // "InvalidSignatureException", "UnrecognizedClientException", ...
  std::string message;
  std::string access_key_id;
  std::string region;
};

// Secret access key for an access key id; nullopt for unknown keys.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key_id)>;

// Query-string ("presigned URL") signing: adds X-Amz-Algorithm, -Credential, -Date, -SignedHeaders,
// -Expires, -Security-Token and -Signature to request.path; headers are left untouched.
SigningResult presign(HttpRequest& request, const Credentials& creds, const SigningParams& params,
                      std::chrono::seconds expires = std::chrono::seconds(3600));

// Building blocks, exposed for the emulator and tests.
std::string sha256_hex(std::string_view data);
std::string uri_encode(std::string_view s, bool keep_slash);  // RFC 3986 unreserved kept, %XX upper-case
std::string format_amz_date(std::chrono::system_clock::time_point t);  // 20150830T123600Z
// Parses 20150830T123600Z; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s);

// Verifies a request (headers as received; path is the raw request target, query included). Both
// Authorization-header and presigned-query requests are accepted. Requests more than 15 minutes off `now` are refused.
VerifyResult verify(const HttpRequest& request, const SecretLookup& lookup,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace skyql::aws
