// The AWS CLI's credential chain (botocore/credentials.py create_credential_resolver), minus the
// container and instance-metadata providers, which need an AWS host to be meaningful.
#include "aws/credentials.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "http/http_client.h"

namespace skyql::aws {

namespace {

using Section = std::map<std::string, std::string>;
using IniFile = std::map<std::string, Section>;

// Credentials this close to expiry are replaced before use (botocore refreshes 10-15 min ahead).
constexpr auto kRefreshMargin = std::chrono::minutes(5);
constexpr int kMaxRoleChain = 8;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string expand_home(const std::string& p) {
  if (p.empty() || p[0] != '~') return p;
  return env("HOME") + p.substr(1);
}

std::string config_path() {
  auto v = env("AWS_CONFIG_FILE");
  return expand_home(v.empty() ? "~/.aws/config" : v);
}

std::string credentials_path() {
  auto v = env("AWS_SHARED_CREDENTIALS_FILE");
  return expand_home(v.empty() ? "~/.aws/credentials" : v);
}

// The INI dialect botocore reads: [section], key = value, # or ; comments; indented lines belong to a
// nested block (e.g. "s3 =") and are ignored here.
IniFile parse_ini(const std::string& path) {
  IniFile out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line, section;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = trim(t.substr(1, t.size() - 2));
      out[section];
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  return out;
}

struct Profile {
  std::string name;
  Section config;       // from the config file ([profile name], or [default])
  Section credentials;  // from the shared credentials file ([name])
  bool exists = false;
  std::string get(const std::string& key) const {
    if (auto it = credentials.find(key); it != credentials.end()) return it->second;
    if (auto it = config.find(key); it != config.end()) return it->second;
    return "";
  }
};

Profile load_profile(const std::string& name) {
  Profile p;
  p.name = name;
  IniFile cfg = parse_ini(config_path());
  IniFile cred = parse_ini(credentials_path());
  if (auto it = cfg.find("profile " + name); it != cfg.end()) {
    p.config = it->second;
    p.exists = true;
  } else if (name == "default") {
    if (auto d = cfg.find("default"); d != cfg.end()) {
      p.config = d->second;
      p.exists = true;
    }
  }
  if (auto it = cred.find(name); it != cred.end()) {
    p.credentials = it->second;
    p.exists = true;
  }
  return p;
}

std::chrono::system_clock::time_point parse_iso8601(const std::string& s, const std::string& what) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) throw std::runtime_error(what + ": cannot parse expiration time '" + s + "' (expected ISO 8601)");
  auto t = std::chrono::system_clock::from_time_t(timegm(&tm));
  // Skip fractional seconds, then apply an explicit offset (+hh:mm / -hh:mm); 'Z' means UTC.
  std::string rest;
  std::getline(in, rest);
  size_t i = 0;
  if (i < rest.size() && rest[i] == '.')
    for (++i; i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])); ++i) {
    }
  if (i < rest.size() && (rest[i] == '+' || rest[i] == '-') && rest.size() >= i + 6) {
    int h = std::stoi(rest.substr(i + 1, 2)), m = std::stoi(rest.substr(i + 4, 2));
    auto offset = std::chrono::hours(h) + std::chrono::minutes(m);
    t = rest[i] == '+' ? t - offset : t + offset;
  }
  return t;
}

std::optional<Credentials> from_environment() {
  std::string ak = env("AWS_ACCESS_KEY_ID"), sk = env("AWS_SECRET_ACCESS_KEY");
  if (ak.empty() || sk.empty()) return std::nullopt;
  Credentials c;
  c.access_key_id = ak;
  c.secret_access_key = sk;
  c.session_token = env("AWS_SESSION_TOKEN");
  if (c.session_token.empty()) c.session_token = env("AWS_SECURITY_TOKEN");
  c.source = "environment";
  return c;
}

Credentials run_credential_process(const Profile& p) {
  std::string cmd = p.get("credential_process");
  std::string what = "credential_process of profile '" + p.name + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error(what + ": cannot run '" + cmd + "'");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  if (status != 0)
    throw std::runtime_error(what + " failed (exit status " + std::to_string(WEXITSTATUS(status)) + "): " + cmd);
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_object())
    throw std::runtime_error(what + " printed no JSON object; it must print {\"Version\":1,\"AccessKeyId\":...}");
  if (j.value("Version", 0) != 1)
    throw std::runtime_error(what + ": unsupported Version " + j.value("Version", nlohmann::json()).dump() + " (expected 1)");
  Credentials c;
  c.access_key_id = j.value("AccessKeyId", "");
  c.secret_access_key = j.value("SecretAccessKey", "");
  c.session_token = j.value("SessionToken", "");
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw std::runtime_error(what + ": output lacks AccessKeyId or SecretAccessKey");
  if (j.contains("Expiration") && j["Expiration"].is_string()) c.expiration = parse_iso8601(j["Expiration"], what);
  c.source = "profile " + p.name + " (credential_process)";
  return c;
}

std::string xml_unescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : kEntities) {
    size_t pos = 0;
    std::string f(from);
    while ((pos = s.find(f, pos)) != std::string::npos) {
      s.replace(pos, f.size(), to);
      pos += 1;
    }
  }
  return s;
}

// STS's Query-protocol answers are small and flat; the first <tag>…</tag> is the value we need.
std::string xml_value(const std::string& xml, const std::string& tag) {
  size_t open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return "";
  open += tag.size() + 2;
  size_t close = xml.find("</" + tag + ">", open);
  if (close == std::string::npos) return "";
  return xml_unescape(xml.substr(open, close - open));
}

std::string form_encode(const std::string& s) { return uri_encode(s, false); }

}  // namespace

CredentialsProvider::CredentialsProvider(CredentialOptions options) : options_(std::move(options)) {}

std::shared_ptr<CredentialsProvider> CredentialsProvider::fixed(Credentials creds) {
  auto p = std::make_shared<CredentialsProvider>();
  if (creds.source.empty()) creds.source = "fixed";
  p->cached_ = std::move(creds);
  p->fixed_ = true;
  return p;
}

std::string CredentialsProvider::profile_name() const {
  if (!options_.profile.empty()) return options_.profile;
  for (const char* v : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"})
    if (auto p = env(v); !p.empty()) return p;
  return "default";
}

std::string CredentialsProvider::default_region(const std::string& explicit_region) const {
  if (!explicit_region.empty()) return explicit_region;
  if (!options_.region.empty()) return options_.region;
  for (const char* v : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (auto r = env(v); !r.empty()) return r;
  return load_profile(profile_name()).get("region");
}

Credentials CredentialsProvider::get() {
  std::lock_guard lock(mutex_);
  if (fixed_) return *cached_;
  auto now = std::chrono::system_clock::now();
  if (cached_ && (cached_->expiration == std::chrono::system_clock::time_point{} ||
                  cached_->expiration - now > kRefreshMargin))
    return *cached_;
  cached_ = resolve();
  return *cached_;
}

namespace {

struct Resolver {
  const CredentialOptions& options;
  std::vector<std::string> tried;

  std::string sts_region(const Profile& p) const {
    if (!options.region.empty()) return options.region;
    for (const char* v : {"AWS_REGION", "AWS_DEFAULT_REGION"})
      if (auto r = env(v); !r.empty()) return r;
    auto r = p.get("region");
    return r.empty() ? "us-east-1" : r;
  }

  Credentials assume_role(const Profile& p, const Credentials& source) {
    std::string region = sts_region(p);
    std::string endpoint = options.sts_endpoint;
    if (endpoint.empty()) endpoint = env("AWS_ENDPOINT_URL_STS");
    if (endpoint.empty()) endpoint = p.get("endpoint_url");
    if (endpoint.empty()) endpoint = env("AWS_ENDPOINT_URL");
    if (endpoint.empty())
      endpoint = "https://sts." + region + (region.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com");
    std::string role_arn = p.get("role_arn");
    std::string session_name = p.get("role_session_name");
    if (session_name.empty()) session_name = "skyql-session-" + std::to_string(std::time(nullptr));
    std::string body = "Action=AssumeRole&Version=2011-06-15&RoleArn=" + form_encode(role_arn) +
                       "&RoleSessionName=" + form_encode(session_name);
    if (auto d = p.get("duration_seconds"); !d.empty()) body += "&DurationSeconds=" + form_encode(d);
    if (auto x = p.get("external_id"); !x.empty()) body += "&ExternalId=" + form_encode(x);
    if (!p.get("mfa_serial").empty())
      throw std::runtime_error("profile '" + p.name + "' needs an MFA code (mfa_serial), which skyql cannot prompt for; "
                               "run 'aws sts assume-role' yourself and export the temporary credentials");

    http::Url url = http::parse_url(endpoint);
    HttpRequest signable;
    signable.method = "POST";
    signable.path = url.path;
    signable.body = body;
    signable.headers = {{"Host", url.host}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    SigningParams params;
    params.region = region;
    params.service = "sts";
    sign(signable, source, params);

    std::string ca = options.ca_bundle;
    if (ca.empty()) ca = env("AWS_CA_BUNDLE");
    if (ca.empty()) ca = p.get("ca_bundle");
    http::Client client(http::ClientOptions{ca, std::chrono::milliseconds(5000), std::chrono::milliseconds(30000), 4});
    http::Request req{"POST", endpoint, std::move(signable.headers), body, {}};
    http::Response resp;
    for (int attempt = 1; attempt <= 3; ++attempt) {  // STS hiccups should not fail a whole query
      resp = client.perform(req);
      bool transient = resp.error == http::TransportError::Timeout || resp.error == http::TransportError::Connection ||
                       (resp.status >= 500 && resp.status <= 504);
      if (!transient) break;
    }
    std::string what = "assuming role " + role_arn + " for profile '" + p.name + "' at " + endpoint;
    if (resp.error != http::TransportError::None) throw std::runtime_error(what + ": " + resp.error_message);
    if (resp.status != 200) {
      std::string code = xml_value(resp.body, "Code"), message = xml_value(resp.body, "Message");
      throw std::runtime_error(what + " failed: " + (code.empty() ? "HTTP " + std::to_string(resp.status) : code) +
                               (message.empty() ? "" : ": " + message));
    }
    Credentials c;
    c.access_key_id = xml_value(resp.body, "AccessKeyId");
    c.secret_access_key = xml_value(resp.body, "SecretAccessKey");
    c.session_token = xml_value(resp.body, "SessionToken");
    std::string exp = xml_value(resp.body, "Expiration");
    if (c.access_key_id.empty() || c.secret_access_key.empty())
      throw std::runtime_error(what + ": the answer has no Credentials");
    if (!exp.empty()) c.expiration = parse_iso8601(exp, what);
    c.source = "profile " + p.name + " (assume role " + role_arn + ")";
    return c;
  }

  std::optional<Credentials> from_profile(const std::string& name, int depth, bool required) {
    if (depth > kMaxRoleChain)
      throw std::runtime_error("profile '" + name + "': source_profile chain longer than " +
                               std::to_string(kMaxRoleChain) + " (is there a cycle?)");
    Profile p = load_profile(name);
    if (!p.exists && required)
      throw std::runtime_error("profile '" + name + "' not found in " + config_path() + " or " + credentials_path() +
                               "; create it with 'aws configure --profile " + name + "'");
    // A missing default profile is not an error: each source below is simply empty, and listed as tried.
    if (auto role = p.get("role_arn"); !role.empty()) {
      Credentials source;
      auto src = p.get("source_profile");
      auto credential_source = p.get("credential_source");
      if (!src.empty() && src == name) {
        // A profile may name itself as source: its own static keys then assume the role.
        auto ak = p.get("aws_access_key_id"), sk = p.get("aws_secret_access_key");
        if (ak.empty() || sk.empty())
          throw std::runtime_error("profile '" + name + "' is its own source_profile but has no static keys");
        source = {ak, sk, p.get("aws_session_token"), {}, "profile " + name};
      } else if (!src.empty()) {
        auto c = from_profile(src, depth + 1, true);
        source = *c;
      } else if (credential_source == "Environment") {
        auto c = from_environment();
        if (!c) throw std::runtime_error("profile '" + name + "': credential_source Environment but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
        source = *c;
      } else {
        throw std::runtime_error("profile '" + name + "' has role_arn but neither source_profile nor credential_source = Environment");
      }
      return assume_role(p, source);
    }
    tried.push_back("profile '" + name + "' role_arn (" + config_path() + ")");
    if (auto ak = p.credentials.find("aws_access_key_id"); ak != p.credentials.end()) {
      auto sk = p.credentials.find("aws_secret_access_key");
      if (sk == p.credentials.end())
        throw std::runtime_error("profile '" + name + "' in " + credentials_path() + " has aws_access_key_id but no aws_secret_access_key");
      Section::const_iterator tok = p.credentials.find("aws_session_token");
      return Credentials{ak->second, sk->second, tok == p.credentials.end() ? "" : tok->second, {},
                         "profile " + name + " (" + credentials_path() + ")"};
    }
    tried.push_back("shared credentials file " + credentials_path() + " [" + name + "]");
    if (!p.get("credential_process").empty()) return run_credential_process(p);
    tried.push_back("credential_process of profile '" + name + "'");
    if (auto ak = p.config.find("aws_access_key_id"); ak != p.config.end()) {
      auto sk = p.config.find("aws_secret_access_key");
      if (sk == p.config.end())
        throw std::runtime_error("profile '" + name + "' in " + config_path() + " has aws_access_key_id but no aws_secret_access_key");
      Section::const_iterator tok = p.config.find("aws_session_token");
      return Credentials{ak->second, sk->second, tok == p.config.end() ? "" : tok->second, {},
                         "profile " + name + " (" + config_path() + ")"};
    }
    tried.push_back("config file " + config_path() + " [" + (name == "default" ? "default" : "profile " + name) + "]");
    return std::nullopt;
  }
};

Credentials from_auth_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    throw std::runtime_error("--auth is not valid JSON; expected {\"awscc\": {\"type\": \"aws_signing_v4\", ...}}");
  const nlohmann::json* a = nullptr;
  for (const char* k : {"awscc", "aws"})
    if (j.contains(k) && j[k].is_object()) {
      a = &j[k];
      break;
    }
  if (!a) throw std::runtime_error("--auth has no \"awscc\" entry; expected {\"awscc\": {\"type\": \"aws_signing_v4\", ...}}");
  std::string type = a->value("type", "");
  if (type != "aws_signing_v4")
    throw std::runtime_error("--auth awscc type '" + type + "' is not supported; use \"aws_signing_v4\"");
  std::string key_var = a->value("keyIDenvvar", "AWS_ACCESS_KEY_ID");
  std::string secret_var = a->value("credentialsenvvar", "AWS_SECRET_ACCESS_KEY");
  std::string token_var = a->value("sessiontokenenvvar", key_var == "AWS_ACCESS_KEY_ID" ? "AWS_SESSION_TOKEN" : "");
  Credentials c;
  c.access_key_id = env(key_var.c_str());
  c.secret_access_key = env(secret_var.c_str());
  if (!token_var.empty()) c.session_token = env(token_var.c_str());
  if (c.access_key_id.empty()) throw std::runtime_error("--auth names keyIDenvvar " + key_var + ", which is not set");
  if (c.secret_access_key.empty())
    throw std::runtime_error("--auth names credentialsenvvar " + secret_var + ", which is not set");
  c.source = "--auth (" + key_var + ", " + secret_var + ")";
  return c;
}

}  // namespace

Credentials CredentialsProvider::resolve() {
  if (!options_.auth_json.empty()) return from_auth_json(options_.auth_json);
  Resolver r{options_, {}};
  const bool explicit_profile = !options_.profile.empty();
  // As in the AWS CLI: an explicit --profile wins over environment keys; AWS_PROFILE does not.
  if (!explicit_profile) {
    if (auto c = from_environment()) return *c;
    r.tried.push_back("environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY");
  }
  std::string name = profile_name();
  bool named = explicit_profile || name != "default";
  if (auto c = r.from_profile(name, 0, named)) return *c;
  std::string msg = "no AWS credentials found; tried, in order: ";
  for (size_t i = 0; i < r.tried.size(); ++i) msg += (i ? "; " : "") + std::to_string(i + 1) + ". " + r.tried[i];
  msg += ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run 'aws configure'";
  throw std::runtime_error(msg);
}

}  // namespace skyql::aws
