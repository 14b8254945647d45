// Runs every case of AWS's SigV4 test suite (SKYQL_SHARED_DIR/sigv4/v4): header and query signing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"

namespace fs = std::filesystem;
using skyql::aws::Credentials;
using skyql::aws::HttpRequest;
using skyql::aws::SigningParams;

namespace {

fs::path suite_dir() { return fs::path(SKYQL_SHARED_DIR) / "sigv4" / "v4"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(suite_dir(), ec))
    if (e.is_directory() && fs::exists(e.path() / "request.txt")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct ParsedRequest {
  HttpRequest request;
  std::string version;
};

// request.txt: "METHOD <path, may contain spaces> HTTP/1.1", "Name:value" lines (indented lines continue
// the previous value), a blank line, then the body.
ParsedRequest parse_request(const std::string& text) {
  ParsedRequest out;
  std::vector<std::string> lines;
  size_t pos = 0;
  size_t body_start = std::string::npos;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() && !lines.empty()) {
      body_start = nl == std::string::npos ? text.size() : nl + 1;
      break;
    }
    lines.push_back(line);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  const std::string& first = lines.at(0);
  size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
  out.request.method = first.substr(0, sp1);
  out.request.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
  out.version = first.substr(sp2 + 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!l.empty() && (l[0] == ' ' || l[0] == '\t')) {
      out.request.headers.back().second += "\n" + l;
      continue;
    }
    size_t colon = l.find(':');
    out.request.headers.emplace_back(l.substr(0, colon), l.substr(colon + 1));
  }
  if (body_start != std::string::npos && body_start < text.size()) out.request.body = text.substr(body_start);
  return out;
}

std::chrono::system_clock::time_point parse_iso(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct Case {
  Credentials creds;
  SigningParams params;
  long expires = 3600;
  ParsedRequest req;
};

Case load_case(const std::string& name) {
  fs::path dir = suite_dir() / name;
  auto ctx = nlohmann::json::parse(read_file(dir / "context.json"));
  Case c;
  c.creds.access_key_id = ctx["credentials"]["access_key_id"];
  c.creds.secret_access_key = ctx["credentials"]["secret_access_key"];
  c.creds.session_token = ctx["credentials"].value("token", "");
  c.params.region = ctx["region"];
  c.params.service = ctx["service"];
  c.params.time = parse_iso(ctx["timestamp"]);
  c.params.sign_body = ctx.value("sign_body", false);
  c.params.normalize_path = ctx.value("normalize", true);
  c.params.omit_session_token = ctx.value("omit_session_token", false);
  c.expires = ctx.value("expiration_in_seconds", 3600);
  c.req = parse_request(read_file(dir / "request.txt"));
  return c;
}

std::vector<std::string> header_lines(const HttpRequest& r) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers) out.push_back(k + ":" + v);
  std::sort(out.begin(), out.end());
  return out;
}

class SigV4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, HeaderSigning) {
  Case c = load_case(GetParam());
  fs::path dir = suite_dir() / GetParam();
  HttpRequest r = c.req.request;
  auto result = skyql::aws::sign(r, c.creds, c.params);
  EXPECT_EQ(result.canonical_request, read_file(dir / "header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_file(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(result.signature, read_file(dir / "header-signature.txt"));
  ParsedRequest expected = parse_request(read_file(dir / "header-signed-request.txt"));
  EXPECT_EQ(r.method, expected.request.method);
  EXPECT_EQ(r.path, expected.request.path);
  EXPECT_EQ(header_lines(r), header_lines(expected.request));
  EXPECT_EQ(r.body, expected.request.body);
}

TEST_P(SigV4Suite, QuerySigning) {
  Case c = load_case(GetParam());
  fs::path dir = suite_dir() / GetParam();
  HttpRequest r = c.req.request;
  auto result = skyql::aws::presign(r, c.creds, c.params, std::chrono::seconds(c.expires));
  EXPECT_EQ(result.canonical_request, read_file(dir / "query-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_file(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(result.signature, read_file(dir / "query-signature.txt"));
  ParsedRequest expected = parse_request(read_file(dir / "query-signed-request.txt"));
  EXPECT_EQ(r.path, expected.request.path);
  EXPECT_EQ(header_lines(r), header_lines(expected.request));
}

// A request signed per the suite verifies with the suite's key at the suite's time (header cases).
TEST_P(SigV4Suite, SignedRequestVerifies) {
  Case c = load_case(GetParam());
  c.params.normalize_path = true;  // the verifier serves non-S3 services, whose paths are normalised
  HttpRequest r = c.req.request;
  skyql::aws::sign(r, c.creds, c.params);
  auto lookup = [&](const std::string& id) -> std::optional<std::string> {
    if (id == c.creds.access_key_id) return c.creds.secret_access_key;
    return std::nullopt;
  };
  auto v = skyql::aws::verify(r, lookup, c.params.time + std::chrono::minutes(1));
  EXPECT_TRUE(v.ok) << v.error_code << ": " << v.message;
  if (c.params.omit_session_token) return;  // the token then rides outside the signature by design
  HttpRequest q = c.req.request;
  skyql::aws::presign(q, c.creds, c.params, std::chrono::seconds(c.expires));
  auto vq = skyql::aws::verify(q, lookup, c.params.time + std::chrono::minutes(1));
  EXPECT_TRUE(vq.ok) << vq.error_code << ": " << vq.message;
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, SigV4Suite, ::testing::ValuesIn(case_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(SigV4SuiteFolder, HasAllCases) {
  // The suite must be present: an empty folder would make the parametrized tests vanish silently.
  EXPECT_GE(case_names().size(), 38u) << "missing signing suite at " << suite_dir();
}

}  // namespace
