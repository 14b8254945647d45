// SigV4 as botocore computes it (botocore/auth.py SigV4Auth), checked against AWS's signing test suite.
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>

namespace skyql::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr auto kMaxClockSkew = std::chrono::minutes(15);

// Hop-by-hop and proxy headers botocore never signs (SIGNED_HEADERS_BLACKLIST), plus our own output.
constexpr std::array<std::string_view, 12> kUnsignedHeaders = {
    "connection", "expect",    "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer",    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization"};

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Python's ' '.join(value.split()) over ASCII whitespace: trims and folds runs (and multi-line values).
std::string trim_all(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string hex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xF];
  }
  return out;
}

using Digest = std::array<unsigned char, 32>;

// OpenSSL 3 looks the algorithm up on every EVP_sha256() use ("implicit fetch"); fetching it once
// takes a few microseconds off every signature.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

Digest hmac(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(sha256_md(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &len);
  return out;
}

std::string_view as_view(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

// Deriving the signing key costs four HMACs; a client signs thousands of requests with the same
// (secret, day, region, service), so the last few keys are remembered.
Digest signing_key(const std::string& secret, const std::string& date, const std::string& region,
                   const std::string& service) {
  static std::mutex mutex;
  static std::map<std::string, Digest> cache;
  std::string cache_key = secret + '\n' + date + '\n' + region + '\n' + service;
  {
    std::lock_guard lock(mutex);
    auto it = cache.find(cache_key);
    if (it != cache.end()) return it->second;
  }
  Digest k = hmac("AWS4" + secret, date);
  k = hmac(as_view(k), region);
  k = hmac(as_view(k), service);
  k = hmac(as_view(k), "aws4_request");
  std::lock_guard lock(mutex);
  if (cache.size() > 64) cache.clear();
  cache.emplace(std::move(cache_key), k);
  return k;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// botocore's remove_dot_segments: RFC 3986 5.2.4 plus collapsing of empty segments ("//").
std::string remove_dot_segments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (!seg.empty() && seg != ".") {
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
      } else {
        out.push_back(seg);
      }
    }
    start = end + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result.push_back('/');
    result.append(out[i]);
  }
  if (path.back() == '/' && !out.empty()) result.push_back('/');
  return result;
}

struct QueryParam {
  std::string key;  // canonical (encoded) form
  std::string value;
};

std::vector<QueryParam> canonical_query_params(std::string_view query) {
  std::vector<QueryParam> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view k = pair.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      params.push_back({uri_encode(percent_decode(k), false), uri_encode(percent_decode(v), false)});
    }
    start = end + 1;
  }
  return params;
}

std::string join_query(std::vector<QueryParam> params) {
  std::sort(params.begin(), params.end(), [](const QueryParam& a, const QueryParam& b) {
    return a.key != b.key ? a.key < b.key : a.value < b.value;
  });
  std::string out;
  for (const auto& p : params) {
    if (!out.empty()) out.push_back('&');
    out += p.key;
    out.push_back('=');
    out += p.value;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

void remove_header(HttpRequest& r, std::string_view name) {
  std::erase_if(r.headers, [&](const auto& h) { return iequals(h.first, name); });
}

const std::string* find_header(const HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (iequals(h.first, name)) return &h.second;
  return nullptr;
}

struct CanonicalHeaders {
  std::string text;    // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

// only: when set, only these (lower-case) names are signed (verification of a received request).
CanonicalHeaders canonical_headers(const HttpRequest& r, const std::vector<std::string>* only) {
  std::map<std::string, std::string> grouped;
  for (const auto& [name, value] : r.headers) {
    std::string lname = to_lower(trim(name));
    if (only) {
      if (std::find(only->begin(), only->end(), lname) == only->end()) continue;
    } else if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lname) != kUnsignedHeaders.end()) {
      continue;
    }
    auto [it, inserted] = grouped.try_emplace(lname);
    if (!inserted) it->second.push_back(',');
    it->second += trim_all(value);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : grouped) {
    out.text += name;
    out.text.push_back(':');
    out.text += value;
    out.text.push_back('\n');
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += name;
  }
  return out;
}

std::string canonical_path(std::string_view path, bool normalize) {
  if (normalize) return uri_encode(remove_dot_segments(path), true);
  return uri_encode(path.empty() ? std::string_view("/") : path, true);
}

std::string payload_hash(const HttpRequest& r) {
  if (const auto* h = find_header(r, "x-amz-content-sha256")) return *h;
  return sha256_hex(r.body);
}

struct Pieces {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

Pieces compute(const std::string& method, const std::string& path, const std::string& query,
               const CanonicalHeaders& headers, const std::string& payload, const std::string& amz_date,
               const std::string& scope, const std::string& secret, const std::string& region,
               const std::string& service) {
  Pieces p;
  p.canonical_request.reserve(256 + headers.text.size());
  p.canonical_request += method;
  p.canonical_request += '\n';
  p.canonical_request += path;
  p.canonical_request += '\n';
  p.canonical_request += query;
  p.canonical_request += '\n';
  p.canonical_request += headers.text;
  p.canonical_request += '\n';
  p.canonical_request += headers.signed_names;
  p.canonical_request += '\n';
  p.canonical_request += payload;
  p.string_to_sign = std::string(kAlgorithm) + '\n' + amz_date + '\n' + scope + '\n' + sha256_hex(p.canonical_request);
  Digest key = signing_key(secret, amz_date.substr(0, 8), region, service);
  Digest sig = hmac(as_view(key), p.string_to_sign);
  p.signature = hex(sig.data(), sig.size());
  return p;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, sha256_md(), nullptr);
  return hex(out, len);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string format_amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(s.substr(pos, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

SigningResult sign(HttpRequest& request, const Credentials& creds, const SigningParams& params) {
  const std::string amz_date = format_amz_date(params.time);
  const std::string scope = amz_date.substr(0, 8) + '/' + params.region + '/' + params.service + "/aws4_request";

  // A retry re-signs the same request: drop what an earlier signature added.
  remove_header(request, "Authorization");
  remove_header(request, "X-Amz-Date");
  request.headers.emplace_back("X-Amz-Date", amz_date);
  if (!creds.session_token.empty()) {
    remove_header(request, "X-Amz-Security-Token");
    if (!params.omit_session_token) request.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  if (params.sign_body && !find_header(request, "x-amz-content-sha256"))
    request.headers.emplace_back("x-amz-content-sha256", sha256_hex(request.body));

  std::string_view target = request.path;
  size_t q = target.find('?');
  std::string path = canonical_path(target.substr(0, q), params.normalize_path);
  std::string query = q == std::string_view::npos ? "" : join_query(canonical_query_params(target.substr(q + 1)));
  CanonicalHeaders headers = canonical_headers(request, nullptr);
  Pieces p = compute(upper(request.method), path, query, headers, payload_hash(request), amz_date, scope,
                     creds.secret_access_key, params.region, params.service);

  if (!creds.session_token.empty() && params.omit_session_token)
    request.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  SigningResult result;
  result.authorization = std::string(kAlgorithm) + " Credential=" + creds.access_key_id + '/' + scope +
                         ", SignedHeaders=" + headers.signed_names + ", Signature=" + p.signature;
  request.headers.emplace_back("Authorization", result.authorization);
  result.canonical_request = std::move(p.canonical_request);
  result.string_to_sign = std::move(p.string_to_sign);
  result.signature = std::move(p.signature);
  return result;
}

SigningResult presign(HttpRequest& request, const Credentials& creds, const SigningParams& params,
                      std::chrono::seconds expires) {
  const std::string amz_date = format_amz_date(params.time);
  const std::string scope = amz_date.substr(0, 8) + '/' + params.region + '/' + params.service + "/aws4_request";
  std::string_view target = request.path;
  size_t q = target.find('?');
  std::string raw_path(target.substr(0, q));
  std::string raw_query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));

  CanonicalHeaders headers = canonical_headers(request, nullptr);
  // Added parameters, in the order AWS's suite writes them on the wire.
  std::vector<QueryParam> added = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", uri_encode(creds.access_key_id + '/' + scope, false)},
      {"X-Amz-Date", amz_date},
      {"X-Amz-SignedHeaders", uri_encode(headers.signed_names, false)},
      {"X-Amz-Expires", std::to_string(expires.count())},
  };
  if (!creds.session_token.empty()) added.push_back({"X-Amz-Security-Token", uri_encode(creds.session_token, false)});
  std::vector<QueryParam> all = canonical_query_params(raw_query);
  for (const auto& a : added)
    if (a.key != "X-Amz-Security-Token" || !params.omit_session_token) all.push_back(a);

  Pieces p = compute(upper(request.method), canonical_path(raw_path, params.normalize_path), join_query(all),
                     headers, sha256_hex(request.body), amz_date, scope, creds.secret_access_key, params.region,
                     params.service);
  std::string new_target = raw_path + '?' + raw_query;
  for (const auto& a : added) {
    if (new_target.back() != '?') new_target.push_back('&');
    new_target += a.key + '=' + a.value;
  }
  new_target += "&X-Amz-Signature=" + p.signature;
  request.path = std::move(new_target);
  SigningResult result;
  result.canonical_request = std::move(p.canonical_request);
  result.string_to_sign = std::move(p.string_to_sign);
  result.signature = std::move(p.signature);
  return result;
}

namespace {

VerifyResult refuse(std::string code, std::string message) {
  VerifyResult r;
  r.error_code = std::move(code);
  r.message = std::move(message);
  return r;
}

// Splits "Credential=..., SignedHeaders=..., Signature=..." into its parts.
std::map<std::string, std::string> parse_auth_params(std::string_view s) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = trim(s.substr(start, end - start));
    size_t eq = part.find('=');
    if (eq != std::string_view::npos) out[std::string(trim(part.substr(0, eq)))] = std::string(trim(part.substr(eq + 1)));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

VerifyResult verify(const HttpRequest& request, const SecretLookup& lookup, std::chrono::system_clock::time_point now) {
  std::string_view target = request.path;
  size_t q = target.find('?');
  std::string raw_path(target.substr(0, q));
  std::string raw_query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));

  // Either an Authorization header or presigned query parameters carry the signature.
  std::string credential, signed_headers, signature, amz_date, query_for_signing = raw_query;
  bool presigned = false;
  std::optional<long> expires;
  if (const auto* auth = find_header(request, "Authorization")) {
    std::string_view a = trim(*auth);
    if (a.substr(0, kAlgorithm.size()) != kAlgorithm || (a.size() > kAlgorithm.size() && a[kAlgorithm.size()] != ' '))
      return refuse("IncompleteSignatureException",
                    "Authorization header requires the AWS4-HMAC-SHA256 algorithm. Authorization=" + std::string(a.substr(0, 40)));
    auto parts = parse_auth_params(a.substr(kAlgorithm.size()));
    std::string missing;
    for (const char* key : {"Credential", "Signature", "SignedHeaders"})
      if (!parts.count(key) || parts[key].empty())
        missing += std::string("Authorization header requires '") + key + "' parameter. ";
    const std::string* date_header = find_header(request, "X-Amz-Date");
    if (!date_header) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (!missing.empty()) return refuse("IncompleteSignatureException", missing + "Authorization=" + std::string(a));
    credential = parts["Credential"];
    signed_headers = parts["SignedHeaders"];
    signature = parts["Signature"];
    amz_date = std::string(trim(*date_header));
  } else {
    std::map<std::string, std::string> qp;
    std::vector<std::string> kept;
    for (const auto& pair : split(raw_query, '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      std::string k = percent_decode(pair.substr(0, eq));
      std::string v = eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1));
      if (k == "X-Amz-Signature") {
        signature = v;
        continue;
      }
      if (k.rfind("X-Amz-", 0) == 0) qp[k] = v;
      kept.push_back(pair);
    }
    if (!qp.count("X-Amz-Algorithm"))
      return refuse("MissingAuthenticationTokenException", "Missing Authentication Token");
    presigned = true;
    std::string missing;
    for (const char* key : {"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Date"})
      if (!qp.count(key) || qp[key].empty()) missing += std::string("AWS query-string parameters must include '") + key + "'. ";
    if (signature.empty()) missing += "AWS query-string parameters must include 'X-Amz-Signature'. ";
    if (qp["X-Amz-Algorithm"] != kAlgorithm) missing += "X-Amz-Algorithm must be AWS4-HMAC-SHA256. ";
    if (!missing.empty()) return refuse("IncompleteSignatureException", missing + "Re-examine the query-string parameters.");
    credential = qp["X-Amz-Credential"];
    signed_headers = qp["X-Amz-SignedHeaders"];
    amz_date = qp["X-Amz-Date"];
    if (qp.count("X-Amz-Expires")) {
      try {
        expires = std::stol(qp["X-Amz-Expires"]);
      } catch (...) {
        return refuse("IncompleteSignatureException", "X-Amz-Expires must be a number of seconds.");
      }
    }
    query_for_signing.clear();
    for (const auto& k : kept) query_for_signing += (query_for_signing.empty() ? "" : "&") + k;
  }

  auto scope = split(credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request" || scope[0].empty())
    return refuse("IncompleteSignatureException",
                  "Credential should be scoped to a valid region and service, e.g. AKID/20150830/us-east-1/service/aws4_request, not '" +
                      credential + "'.");
  VerifyResult result;
  result.access_key_id = scope[0];
  result.region = scope[2];
  auto when = parse_amz_date(amz_date);
  if (!when)
    return refuse("IncompleteSignatureException", "X-Amz-Date must be in ISO 8601 basic format (YYYYMMDD'T'HHMMSS'Z'), not '" + amz_date + "'.");
  if (amz_date.substr(0, 8) != scope[1])
    return refuse("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                                                   scope[1] + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'.");
  if (presigned && expires) {
    if (now > *when + std::chrono::seconds(*expires))
      return refuse("InvalidSignatureException", "Signature expired: " + amz_date + " + " + std::to_string(*expires) +
                                                     " s is earlier than " + format_amz_date(now) + ".");
  } else if (*when < now - kMaxClockSkew) {
    return refuse("InvalidSignatureException", "Signature expired: " + amz_date + " is now earlier than " +
                                                   format_amz_date(now - kMaxClockSkew) + " (" + format_amz_date(now) +
                                                   " - 15 min.)");
  }
  if (*when > now + kMaxClockSkew)
    return refuse("InvalidSignatureException", "Signature not yet current: " + amz_date + " is still later than " +
                                                   format_amz_date(now + kMaxClockSkew) + " (" + format_amz_date(now) +
                                                   " + 15 min.)");
  auto secret = lookup(result.access_key_id);
  if (!secret) return refuse("UnrecognizedClientException", "The security token included in the request is invalid.");

  std::vector<std::string> names = split(signed_headers, ';');
  if (std::find(names.begin(), names.end(), "host") == names.end())
    return refuse("InvalidSignatureException", "'Host' must be a signed header. SignedHeaders=" + signed_headers);
  CanonicalHeaders headers = canonical_headers(request, &names);
  if (headers.signed_names != signed_headers)
    return refuse("InvalidSignatureException",
                  "The request signature we calculated does not match the signature you provided: signed headers '" +
                      signed_headers + "' are not all present or not sorted.");
  std::string path = canonical_path(raw_path, true);
  std::string query = join_query(canonical_query_params(query_for_signing));
  Pieces p = compute(upper(request.method), path, query, headers, presigned ? sha256_hex(request.body) : payload_hash(request),
                     amz_date, credential.substr(scope[0].size() + 1), *secret, scope[2], scope[3]);
  if (!constant_time_equal(p.signature, signature))
    return refuse("InvalidSignatureException",
                  "The request signature we calculated does not match the signature you provided. Check your AWS "
                  "Secret Access Key and signing method. Consult the service documentation for details.");
  result.ok = true;
  return result;
}

}  // namespace skyql::aws
