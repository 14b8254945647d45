// Reads JSON lines {method, path, headers:[[k,v]...], body_b64, access_key, secret_key, token, region,
// service, time (epoch s)} and prints one JSON line per request: {authorization, canonical_request}.
// Used by botocore_differential.py to compare skyql's signer with botocore's.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "aws/sigv4.h"

namespace {

std::string base64_decode(const std::string& in) {
  std::string out(in.size() * 3 / 4 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) throw std::runtime_error("bad base64 body");
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    skyql::aws::HttpRequest r;
    r.method = j["method"];
    r.path = j["path"];
    for (const auto& h : j["headers"]) r.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    r.body = base64_decode(j["body_b64"].get<std::string>());
    skyql::aws::Credentials c;
    c.access_key_id = j["access_key"];
    c.secret_access_key = j["secret_key"];
    c.session_token = j.value("token", "");
    skyql::aws::SigningParams p;
    p.region = j["region"];
    p.service = j["service"];
    p.time = std::chrono::system_clock::from_time_t(j["time"].get<long>());
    auto result = skyql::aws::sign(r, c, p);
    std::cout << nlohmann::json{{"authorization", result.authorization},
                                {"canonical_request", result.canonical_request}}
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  }
  return 0;
}
