// Cloud Control over AWS JSON 1.0, with botocore's "standard" retry mode.
#include "aws/cloudcontrol.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/adaptive_limiter.h"
#include "http/http_client.h"

namespace skyql::aws {

namespace {

constexpr std::string_view kSigningName = "cloudcontrolapi";
constexpr std::string_view kTargetPrefix = "CloudApiService.";
constexpr int kRetryCost = 5;
constexpr int kTimeoutRetryCost = 10;
constexpr int kNoRetryRefund = 1;
constexpr std::string_view kRedacted = "***";

// botocore/retries/standard.py: _TRANSIENT_ERROR_CODES and _THROTTLED_ERROR_CODES.
constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",           "ThrottlingException",  "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException"};
constexpr std::array<std::string_view, 4> kTransientCodes = {"RequestTimeout", "RequestTimeoutException",
                                                             "PriorRequestNotComplete", "InternalError"};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bool contains(const auto& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

// "com.amazonaws.cloudcontrol#ThrottlingException:http://internal..." -> "ThrottlingException"
std::string sanitize_code(std::string code) {
  if (size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (size_t hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.back()))) code.pop_back();
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.front()))) code.erase(0, 1);
  return code;
}

std::string make_uuid() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<uint64_t> dist;
  uint64_t a = dist(rng), b = dist(rng);
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

double now_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string str_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// Timestamps arrive as epoch seconds (AWS JSON 1.0); accept ISO strings too, as some tools write them.
std::optional<double> time_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    std::tm tm{};
    std::istringstream in(s);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (!in.fail()) return static_cast<double>(timegm(&tm));
    try {
      return std::stod(s);
    } catch (...) {
    }
  }
  return std::nullopt;
}

// --- redaction for --http-log ----------------------------------------------------------------

void redact_json(nlohmann::json& j, const std::vector<std::string>& names) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) != names.end()) it.value() = kRedacted;
      else redact_json(it.value(), names);
    }
  } else if (j.is_array()) {
    for (auto& e : j) redact_json(e, names);
  }
}

// A JSON document carried as a string (DesiredState, Properties, ...): redact inside it.
void redact_embedded(nlohmann::json& holder, const char* key, const std::vector<std::string>& names) {
  auto it = holder.find(key);
  if (it == holder.end() || !it->is_string()) return;
  auto inner = nlohmann::json::parse(it->get<std::string>(), nullptr, false);
  if (inner.is_discarded()) return;
  if (std::string(key) == "PatchDocument" && inner.is_array()) {
    for (auto& op : inner) {
      if (!op.is_object() || !op.contains("path") || !op["path"].is_string()) continue;
      std::string path = op["path"];
      for (const auto& n : names)
        if (path.find("/" + n) != std::string::npos && op.contains("value")) op["value"] = kRedacted;
      if (op.contains("value")) redact_json(op["value"], names);
    }
  } else {
    redact_json(inner, names);
  }
  *it = inner.dump();
}

std::string redact_body(const std::string& body, const std::vector<std::string>& names) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return body;
  std::vector<std::string> all = names;
  for (const char* k : {"SecretAccessKey", "SessionToken"}) all.emplace_back(k);
  for (const char* k : {"DesiredState", "PatchDocument", "ResourceModel"}) redact_embedded(j, k, all);
  auto walk_events = [&](nlohmann::json& ev) {
    if (ev.is_object()) redact_embedded(ev, "ResourceModel", all);
  };
  if (j.contains("ProgressEvent")) walk_events(j["ProgressEvent"]);
  if (j.contains("HooksProgressEvent") && j["HooksProgressEvent"].is_array())
    for (auto& e : j["HooksProgressEvent"]) walk_events(e);
  if (j.contains("ResourceRequestStatusSummaries") && j["ResourceRequestStatusSummaries"].is_array())
    for (auto& e : j["ResourceRequestStatusSummaries"]) walk_events(e);
  if (j.contains("ResourceDescription") && j["ResourceDescription"].is_object())
    redact_embedded(j["ResourceDescription"], "Properties", all);
  if (j.contains("ResourceDescriptions") && j["ResourceDescriptions"].is_array())
    for (auto& d : j["ResourceDescriptions"])
      if (d.is_object()) redact_embedded(d, "Properties", all);
  for (const char* k : {"SecretAccessKey", "SessionToken"})
    if (j.contains(k)) j[k] = kRedacted;
  return j.dump();
}

std::string redact_header(const std::string& name, const std::string& value) {
  if (http::iequals(name, "Authorization")) {
    size_t sig = value.find("Signature=");
    return sig == std::string::npos ? std::string(kRedacted) : value.substr(0, sig + 10) + std::string(kRedacted);
  }
  if (http::iequals(name, "X-Amz-Security-Token")) return std::string(kRedacted);
  return value;
}

// --- worker pool for call_async ----------------------------------------------------------------

class WorkerPool {
 public:
  explicit WorkerPool(int max_threads) : max_threads_(std::max(1, max_threads)) {}
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
      // Threads are started lazily: most runs never go async, and those that do need only a few.
      if (idle_ == 0 && static_cast<int>(threads_.size()) < max_threads_) threads_.emplace_back([this] { work(); });
    }
    cv_.notify_one();
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      ++idle_;
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }
  const int max_threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  int idle_ = 0;
  bool stop_ = false;
};

}  // namespace

// --- errors and events -----------------------------------------------------------------------------

static std::string describe(const std::string& code, const std::string& message, int status, const std::string& id) {
  std::string s = code + ": " + (message.empty() ? "(no message)" : message);
  if (status) s += " (HTTP " + std::to_string(status);
  else s += " (no HTTP response";
  if (!id.empty()) s += ", request id " + id;
  return s + ")";
}

CloudControlError::CloudControlError(std::string c, std::string message, int status, std::string id)
    : std::runtime_error(describe(c, message, status, id)),
      code(std::move(c)),
      aws_message(std::move(message)),
      http_status(status),
      request_id(std::move(id)) {}

bool CloudControlError::is_throttling() const { return contains(kThrottlingCodes, code) || http_status == 429; }

nlohmann::json ProgressEvent::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("TypeName", type_name);
  put("Identifier", identifier);
  put("RequestToken", request_token);
  put("HooksRequestToken", hooks_request_token);
  put("Operation", operation);
  put("OperationStatus", operation_status);
  if (event_time != 0) j["EventTime"] = event_time;
  put("ResourceModel", resource_model);
  put("StatusMessage", status_message);
  put("ErrorCode", error_code);
  if (retry_after) j["RetryAfter"] = *retry_after;
  return j;
}

ProgressEvent ProgressEvent::from_json(const nlohmann::json& j) {
  ProgressEvent e;
  if (!j.is_object()) return e;
  e.type_name = str_field(j, "TypeName");
  e.identifier = str_field(j, "Identifier");
  e.request_token = str_field(j, "RequestToken");
  e.hooks_request_token = str_field(j, "HooksRequestToken");
  e.operation = str_field(j, "Operation");
  e.operation_status = str_field(j, "OperationStatus");
  e.event_time = time_field(j, "EventTime").value_or(0);
  e.resource_model = str_field(j, "ResourceModel");
  e.status_message = str_field(j, "StatusMessage");
  e.error_code = str_field(j, "ErrorCode");
  e.retry_after = time_field(j, "RetryAfter");
  return e;
}

std::string resolve_endpoint(const std::string& region, const std::string& explicit_url) {
  if (!explicit_url.empty()) return explicit_url;
  if (auto v = env("AWS_ENDPOINT_URL_CLOUDCONTROL"); !v.empty()) return v;
  if (auto v = env("AWS_ENDPOINT_URL"); !v.empty()) return v;
  if (region.empty())
    throw std::runtime_error("no AWS region: pass --region, set AWS_REGION, or add region to the profile");
  std::string suffix = region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
  return "https://cloudcontrolapi." + region + "." + suffix;
}

// --- the client --------------------------------------------------------------------------------------

struct CloudControlClient::Impl {
  std::shared_ptr<CredentialsProvider> credentials;
  const ClientOptions& options;
  http::Client http;
  http::AdaptiveLimiter limiter;
  std::mutex quota_mutex;
  int quota;
  std::mutex log_mutex;
  std::unique_ptr<WorkerPool> pool;
  std::once_flag pool_once;

  Impl(std::shared_ptr<CredentialsProvider> c, const ClientOptions& o)
      : credentials(std::move(c)),
        options(o),
        http(http::ClientOptions{o.ca_bundle.empty() ? env("AWS_CA_BUNDLE") : o.ca_bundle, o.connect_timeout,
                                 o.request_timeout, std::max(64, o.max_concurrency * 2)}),
        limiter(o.max_concurrency, o.max_concurrency_per_region),
        quota(o.retry_quota) {}

  void log(const std::string& text) {
    if (options.log_sink) {
      options.log_sink(text);
      return;
    }
    std::lock_guard lock(log_mutex);
    std::cerr << text << std::flush;
  }

  bool acquire_quota(int cost) {
    std::lock_guard lock(quota_mutex);
    if (quota < cost) return false;
    quota -= cost;
    return true;
  }
  void refund(int amount) {
    std::lock_guard lock(quota_mutex);
    quota = std::min(options.retry_quota, quota + amount);
  }

  std::chrono::milliseconds backoff(int retry_number) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double cap = static_cast<double>(options.max_backoff.count());
    double exp = static_cast<double>(options.retry_base_delay.count()) * std::pow(2.0, retry_number - 1);
    return std::chrono::milliseconds(static_cast<long long>(unit(rng) * std::min(cap, exp)));
  }

  void log_request(const http::Request& r, const std::string& op, int attempt) {
    std::string s = "[http] > " + r.method + " " + r.url + " " + op + " (attempt " + std::to_string(attempt) + "/" +
                    std::to_string(options.max_attempts) + ")\n";
    for (const auto& [k, v] : r.headers) s += "[http]   " + k + ": " + redact_header(k, v) + "\n";
    s += "[http]   " + redact_body(r.body, options.redact_properties) + "\n";
    log(s);
  }

  void log_response(const http::Response& resp, const std::string& op) {
    char timing[160];
    std::snprintf(timing, sizeof timing, "%.1f ms (connect %.1f, tls %.1f, first byte %.1f)%s", resp.timings.total_ms,
                  resp.timings.connect_ms, resp.timings.tls_ms, resp.timings.first_byte_ms,
                  resp.reused_connection ? " reused connection" : "");
    std::string s;
    if (resp.error != http::TransportError::None) {
      s = "[http] < " + op + " transport error: " + resp.error_message + " after " + timing + "\n";
    } else {
      s = "[http] < " + op + " HTTP/" + std::to_string(resp.http_version) + " " + std::to_string(resp.status) + " " +
          timing + "\n";
      for (const auto& [k, v] : resp.headers) s += "[http]   " + k + ": " + redact_header(k, v) + "\n";
      s += "[http]   " + redact_body(resp.body, options.redact_properties) + "\n";
    }
    log(s);
  }

  static CloudControlError decode_error(const http::Response& resp) {
    std::string request_id;
    for (const char* h : {"x-amzn-RequestId", "x-amz-request-id", "x-amz-requestid"})
      if (const auto* v = resp.header(h)) {
        request_id = *v;
        break;
      }
    std::string code, message;
    auto body = nlohmann::json::parse(resp.body, nullptr, false);
    if (body.is_object()) {
      for (const char* k : {"__type", "code", "Code"})
        if (body.contains(k) && body[k].is_string()) {
          code = body[k].get<std::string>();
          break;
        }
      for (const char* k : {"message", "Message", "errorMessage"})
        if (body.contains(k) && body[k].is_string()) {
          message = body[k].get<std::string>();
          break;
        }
    }
    if (code.empty())
      if (const auto* v = resp.header("x-amzn-ErrorType")) code = *v;
    code = sanitize_code(code);
    if (code.empty()) {
      code = resp.status == 429 ? "TooManyRequestsException" : "HTTP" + std::to_string(resp.status);
      if (message.empty()) message = resp.body.substr(0, 200);
    }
    return CloudControlError(code, message, static_cast<int>(resp.status), request_id);
  }

  nlohmann::json call(const std::string& region, const std::string& operation, const nlohmann::json& request) {
    std::string request_id;
    std::string body = call_raw(region, operation, request, &request_id);
    if (body.empty()) return nlohmann::json::object();
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded())
      throw CloudControlError("SerializationError", "response to " + operation + " is not JSON: " + body.substr(0, 200),
                              200, request_id);
    return j;
  }

  // Signs, sends and retries; returns the body of the 2xx answer.
  std::string call_raw(const std::string& region, const std::string& operation, const nlohmann::json& request,
                       std::string* request_id) {
    const std::string endpoint = resolve_endpoint(region, options.endpoint_url);
    const http::Url url = http::parse_url(endpoint);
    const std::string body = request.dump();
    const std::string target = std::string(kTargetPrefix) + operation;
    const std::string invocation_id = make_uuid();
    int last_retry_cost = 0;
    for (int attempt = 1;; ++attempt) {
      Credentials creds = credentials->get();
      HttpRequest signable;
      signable.method = "POST";
      signable.path = url.path;
      signable.body = body;
      signable.headers = {{"Host", url.host},
                          {"Content-Type", "application/x-amz-json-1.0"},
                          {"X-Amz-Target", target},
                          {"amz-sdk-invocation-id", invocation_id},
                          {"amz-sdk-request", "attempt=" + std::to_string(attempt) + "; max=" +
                                                  std::to_string(options.max_attempts)}};
      SigningParams params;
      params.region = region;
      params.service = std::string(kSigningName);
      sign(signable, creds, params);  // every attempt is signed afresh: new date, maybe new credentials
      http::Request req;
      req.method = "POST";
      req.url = endpoint;
      req.headers = std::move(signable.headers);
      req.headers.emplace_back("User-Agent", "skyql/0.1");
      req.body = body;
      if (options.http_log) log_request(req, operation, attempt);

      http::Response resp;
      {
        auto permit = limiter.acquire(region);
        resp = http.perform(std::move(req));
      }
      if (options.http_log) log_response(resp, operation);

      std::optional<CloudControlError> error;
      bool is_timeout = false;
      if (resp.error != http::TransportError::None) {
        is_timeout = resp.error == http::TransportError::Timeout;
        error.emplace(is_timeout ? "Timeout" : "NetworkError",
                      resp.error_message + " calling " + operation + " at " + endpoint, 0, "");
      } else if (resp.status >= 200 && resp.status < 300) {
        refund(last_retry_cost ? last_retry_cost : kNoRetryRefund);
        limiter.on_success(region);
        if (const auto* id = resp.header("x-amzn-RequestId"); id && request_id) *request_id = *id;
        return std::move(resp.body);
      } else {
        error.emplace(decode_error(resp));
      }

      bool throttled = error->is_throttling();
      if (throttled) limiter.on_throttle(region);
      bool retryable = resp.error == http::TransportError::Timeout || resp.error == http::TransportError::Connection ||
                       throttled || contains(kTransientCodes, error->code) ||
                       (resp.status >= 500 && resp.status != 501 && resp.status <= 504);
      if (!retryable || attempt >= options.max_attempts) throw *error;
      int cost = is_timeout ? kTimeoutRetryCost : kRetryCost;
      if (!acquire_quota(cost)) throw *error;  // quota exhausted: fail fast rather than pile on
      last_retry_cost = cost;
      std::this_thread::sleep_for(backoff(attempt));
    }
  }

  WorkerPool& workers() {
    std::call_once(pool_once, [&] { pool = std::make_unique<WorkerPool>(options.max_concurrency); });
    return *pool;
  }
};

CloudControlClient::CloudControlClient(std::shared_ptr<CredentialsProvider> credentials, ClientOptions options)
    : options_(std::move(options)) {
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  if (options_.max_concurrency < 1) options_.max_concurrency = 1;
  if (options_.max_concurrency_per_region < 1) options_.max_concurrency_per_region = 1;
  impl_ = std::make_unique<Impl>(std::move(credentials), options_);
}

CloudControlClient::~CloudControlClient() {
  // The pool's jobs use the HTTP client: stop them first.
  if (impl_) impl_->pool.reset();
}

nlohmann::json CloudControlClient::call(const std::string& region, const std::string& operation,
                                        const nlohmann::json& request) {
  return impl_->call(region, operation, request);
}

std::future<nlohmann::json> CloudControlClient::call_async(const std::string& region, const std::string& operation,
                                                           nlohmann::json request) {
  auto task = std::make_shared<std::packaged_task<nlohmann::json()>>(
      [this, region, operation, request = std::move(request)] { return impl_->call(region, operation, request); });
  auto future = task->get_future();
  impl_->workers().submit([task] { (*task)(); });
  return future;
}

static ResourceDescription description_from(const nlohmann::json& j) {
  ResourceDescription d;
  if (!j.is_object()) return d;
  d.identifier = str_field(j, "Identifier");
  d.properties = str_field(j, "Properties");
  return d;
}

ProgressEvent CloudControlClient::create_resource(const std::string& region, const std::string& type_name,
                                                  const std::string& desired_state_json, const std::string& client_token) {
  nlohmann::json req = {{"TypeName", type_name},
                        {"DesiredState", desired_state_json},
                        {"ClientToken", client_token.empty() ? make_uuid() : client_token}};
  if (!options_.role_arn.empty()) req["RoleArn"] = options_.role_arn;
  return ProgressEvent::from_json(call(region, "CreateResource", req).value("ProgressEvent", nlohmann::json::object()));
}

ProgressEvent CloudControlClient::update_resource(const std::string& region, const std::string& type_name,
                                                  const std::string& identifier, const std::string& patch_document_json,
                                                  const std::string& client_token) {
  nlohmann::json req = {{"TypeName", type_name},
                        {"Identifier", identifier},
                        {"PatchDocument", patch_document_json},
                        {"ClientToken", client_token.empty() ? make_uuid() : client_token}};
  if (!options_.role_arn.empty()) req["RoleArn"] = options_.role_arn;
  return ProgressEvent::from_json(call(region, "UpdateResource", req).value("ProgressEvent", nlohmann::json::object()));
}

ProgressEvent CloudControlClient::delete_resource(const std::string& region, const std::string& type_name,
                                                  const std::string& identifier, const std::string& client_token) {
  nlohmann::json req = {{"TypeName", type_name},
                        {"Identifier", identifier},
                        {"ClientToken", client_token.empty() ? make_uuid() : client_token}};
  if (!options_.role_arn.empty()) req["RoleArn"] = options_.role_arn;
  return ProgressEvent::from_json(call(region, "DeleteResource", req).value("ProgressEvent", nlohmann::json::object()));
}

ResourceDescription CloudControlClient::get_resource(const std::string& region, const std::string& type_name,
                                                     const std::string& identifier) {
  nlohmann::json req = {{"TypeName", type_name}, {"Identifier", identifier}};
  if (!options_.role_arn.empty()) req["RoleArn"] = options_.role_arn;
  return description_from(call(region, "GetResource", req).value("ResourceDescription", nlohmann::json::object()));
}

std::future<ResourceDescription> CloudControlClient::get_resource_async(const std::string& region,
                                                                        const std::string& type_name,
                                                                        const std::string& identifier) {
  auto task = std::make_shared<std::packaged_task<ResourceDescription()>>(
      [this, region, type_name, identifier] { return get_resource(region, type_name, identifier); });
  auto future = task->get_future();
  impl_->workers().submit([task] { (*task)(); });
  return future;
}

// List pages are the bulk of what skyql reads (100 resources, ~30 KB of escaped JSON per page), so they
// are parsed with RapidJSON, several times faster than nlohmann::json on such string-heavy documents.
ListResourcesPage parse_list_resources(std::string response_body) {
  rapidjson::Document doc;
  // In-situ: strings are unescaped in place in our own copy of the body, with no allocation per string.
  doc.ParseInsitu<rapidjson::kParseStopWhenDoneFlag>(response_body.data());
  if (doc.HasParseError() || !doc.IsObject())
    throw CloudControlError("SerializationError",
                            std::string("ListResources answer is not a JSON object: ") +
                                rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                                std::to_string(doc.GetErrorOffset()),
                            200, "");
  ListResourcesPage page;
  auto text = [](const rapidjson::Value& v) {
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsNull()) return std::string();
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
  };
  if (auto it = doc.FindMember("ResourceDescriptions"); it != doc.MemberEnd() && it->value.IsArray()) {
    page.resources.reserve(it->value.Size());
    for (const auto& d : it->value.GetArray()) {
      if (!d.IsObject()) continue;
      ResourceDescription r;
      if (auto id = d.FindMember("Identifier"); id != d.MemberEnd()) r.identifier = text(id->value);
      if (auto props = d.FindMember("Properties"); props != d.MemberEnd()) r.properties = text(props->value);
      page.resources.push_back(std::move(r));
    }
  }
  if (auto it = doc.FindMember("NextToken"); it != doc.MemberEnd()) page.next_token = text(it->value);
  return page;
}

void CloudControlClient::list_resources_pages(const std::string& region, const std::string& type_name,
                                              const std::string& resource_model_json,
                                              const std::function<bool(ListResourcesPage&)>& on_page) {
  std::string next;
  while (true) {
    // The largest page AWS allows: every page is a round trip, and a list is on the critical path of
    // every inventory query (the default of 20 made 200 resources cost 10 round trips instead of 2).
    nlohmann::json req = {{"TypeName", type_name}, {"MaxResults", options_.list_page_size}};
    if (!resource_model_json.empty()) req["ResourceModel"] = resource_model_json;
    if (!options_.role_arn.empty()) req["RoleArn"] = options_.role_arn;
    if (!next.empty()) req["NextToken"] = next;
    ListResourcesPage page = parse_list_resources(impl_->call_raw(region, "ListResources", req, nullptr));
    next = page.next_token;
    if (!on_page(page) || next.empty()) return;
  }
}

std::vector<ResourceDescription> CloudControlClient::list_resources(const std::string& region,
                                                                    const std::string& type_name,
                                                                    const std::string& resource_model_json,
                                                                    int max_pages) {
  std::vector<ResourceDescription> out;
  int pages = 0;
  list_resources_pages(region, type_name, resource_model_json, [&](ListResourcesPage& page) {
    std::move(page.resources.begin(), page.resources.end(), std::back_inserter(out));
    return max_pages <= 0 || ++pages < max_pages;
  });
  return out;
}

ProgressEvent CloudControlClient::get_resource_request_status(const std::string& region,
                                                              const std::string& request_token) {
  nlohmann::json resp = call(region, "GetResourceRequestStatus", {{"RequestToken", request_token}});
  return ProgressEvent::from_json(resp.value("ProgressEvent", nlohmann::json::object()));
}

std::vector<ProgressEvent> CloudControlClient::list_resource_requests(const std::string& region,
                                                                      const nlohmann::json& filter, int max_pages) {
  std::vector<ProgressEvent> out;
  std::string next;
  for (int page = 0; max_pages <= 0 || page < max_pages; ++page) {
    nlohmann::json req = nlohmann::json::object();
    if (!filter.is_null()) req["ResourceRequestStatusFilter"] = filter;
    if (!next.empty()) req["NextToken"] = next;
    nlohmann::json resp = call(region, "ListResourceRequests", req);
    if (auto it = resp.find("ResourceRequestStatusSummaries"); it != resp.end() && it->is_array())
      for (const auto& e : *it) out.push_back(ProgressEvent::from_json(e));
    next = str_field(resp, "NextToken");
    if (next.empty()) break;
  }
  return out;
}

ProgressEvent CloudControlClient::cancel_resource_request(const std::string& region, const std::string& request_token) {
  nlohmann::json resp = call(region, "CancelResourceRequest", {{"RequestToken", request_token}});
  return ProgressEvent::from_json(resp.value("ProgressEvent", nlohmann::json::object()));
}

static bool is_terminal(const std::string& status) {
  return status == "SUCCESS" || status == "FAILED" || status == "CANCEL_COMPLETE";
}

ProgressEvent CloudControlClient::await(const std::string& region, const ProgressEvent& started,
                                        const AwaitOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + options.timeout;
  ProgressEvent event = started;
  auto delay = options.initial_delay;
  while (!is_terminal(event.operation_status)) {
    if (event.request_token.empty())
      throw CloudControlError("InvalidRequestException", "cannot await a request without a RequestToken", 0, "");
    auto wait = delay;
    if (event.retry_after) {
      // The service says when the next answer is worth asking for; wait exactly that long.
      double seconds = *event.retry_after - now_epoch();
      wait = std::chrono::milliseconds(static_cast<long long>(std::max(0.0, seconds) * 1000));
    } else {
      delay = std::min(options.max_delay, delay * 2);
    }
    if (clock::now() + wait > deadline)
      throw CloudControlError(
          "AwaitTimeout",
          event.operation + " of " + event.type_name + " " + event.identifier + " still " + event.operation_status +
              " after " + std::to_string(options.timeout.count() / 1000) + " s; check it later with request token " +
              event.request_token,
          0, "");
    std::this_thread::sleep_for(wait);
    event = get_resource_request_status(region, event.request_token);
    if (options.on_progress) options.on_progress(event);
  }
  return event;
}

int CloudControlClient::retry_quota_available() const {
  std::lock_guard lock(impl_->quota_mutex);
  return impl_->quota;
}

int CloudControlClient::concurrency_limit() const { return impl_->limiter.global_limit(); }
int CloudControlClient::concurrency_limit(const std::string& region) const { return impl_->limiter.key_limit(region); }

}  // namespace skyql::aws
