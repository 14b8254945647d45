// aws/cloudcontrol — a client for the AWS Cloud Control API (AWS JSON 1.0 over HTTPS, SigV4).
//
// Promises: all 8 operations; standard-mode retries (3 attempts, full-jitter backoff, retry quota) with
// the same ClientToken on every attempt of a mutation; NextToken pagination; await of a request token;
// many requests in flight under a global and per-region concurrency limit that backs off on throttling.
// Errors are thrown as CloudControlError with the AWS code, message, HTTP status and request id.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"

namespace skyql::aws {

struct CloudControlError : std::runtime_error {
  CloudControlError(std::string code, std::string message, int http_status, std::string request_id);
  std::string code;        // e.g. "ResourceNotFoundException"
  std::string aws_message;
  int http_status = 0;     // 0 for transport errors (code then "NetworkError" / "Timeout")
  std::string request_id;
  bool is_throttling() const;
  bool is_not_found() const { return code == "ResourceNotFoundException"; }
};

struct ProgressEvent {
  std::string type_name;
  std::string identifier;
  std::string request_token;
  std::string hooks_request_token;
  std::string operation;         // CREATE | UPDATE | DELETE
  std::string operation_status;  // PENDING | IN_PROGRESS | SUCCESS | FAILED | CANCEL_IN_PROGRESS | CANCEL_COMPLETE
  double event_time = 0;         // epoch seconds
  std::string resource_model;    // JSON text, may be empty
  std::string status_message;
  std::string error_code;
  std::optional<double> retry_after;  // epoch seconds
  nlohmann::json to_json() const;     // AWS field names (TypeName, Identifier, RequestToken, ...)
  static ProgressEvent from_json(const nlohmann::json& j);
};

struct ResourceDescription {
  std::string identifier;
  std::string properties;  // JSON text, as on the wire
};

// One ListResources answer: its resources and the token of the next page (empty on the last).
struct ListResourcesPage {
  std::vector<ResourceDescription> resources;
  std::string next_token;
};
ListResourcesPage parse_list_resources(std::string response_body);

struct ClientOptions {
  std::string endpoint_url;       // overrides region endpoints when set (see resolve_endpoint)
  std::string ca_bundle;          // --ca-bundle; when empty, AWS_CA_BUNDLE; else the system store
  int max_concurrency = 32;       // global requests in flight
  int max_concurrency_per_region = 16;
  int max_attempts = 3;
  int list_page_size = 100;       // MaxResults of each ListResources call (AWS allows 1..100)
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};
  bool http_log = false;          // --http-log: requests/responses with timings on stderr, redacted
  std::vector<std::string> redact_properties;  // property names whose values are never logged
  // Standard retry mode: delay before retry n (1-based) is rand(0,1) * min(max_backoff, base * 2^(n-1)).
  std::chrono::milliseconds retry_base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};
  int retry_quota = 500;          // tokens; a retry costs 5 (a timeout 10); a success refunds
  std::string role_arn;           // sent as RoleArn on mutations when set
  std::function<void(const std::string&)> log_sink;  // --http-log destination; default stderr
};

// https://cloudcontrolapi.<region>.amazonaws.com (.com.cn for cn-*), unless overridden by
// options.endpoint_url, AWS_ENDPOINT_URL_CLOUDCONTROL or AWS_ENDPOINT_URL (in that order).
std::string resolve_endpoint(const std::string& region, const std::string& explicit_url = "");

struct AwaitOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  // Without a RetryAfter from the service, polls back off from initial_delay, doubling up to max_delay.
  std::chrono::milliseconds initial_delay{1000};
  std::chrono::milliseconds max_delay{15000};
  std::function<void(const ProgressEvent&)> on_progress;  // called after every poll
};

class CloudControlClient {
 public:
  CloudControlClient(std::shared_ptr<CredentialsProvider> credentials, ClientOptions options = {});
  ~CloudControlClient();

  // All calls are thread-safe and may run concurrently; each blocks until its answer (after retries).
  ProgressEvent create_resource(const std::string& region, const std::string& type_name,
                                const std::string& desired_state_json,
                                const std::string& client_token = "");  // generated when empty
  ProgressEvent update_resource(const std::string& region, const std::string& type_name,
                                const std::string& identifier, const std::string& patch_document_json,
                                const std::string& client_token = "");
  ProgressEvent delete_resource(const std::string& region, const std::string& type_name,
                                const std::string& identifier, const std::string& client_token = "");
  ResourceDescription get_resource(const std::string& region, const std::string& type_name,
                                   const std::string& identifier);
  // Follows NextToken to the end (or max_pages when > 0). resource_model_json filters list handlers
  // that need parent properties.
  std::vector<ResourceDescription> list_resources(const std::string& region, const std::string& type_name,
                                                  const std::string& resource_model_json = "",
                                                  int max_pages = 0);
  // Page by page, for callers that stop early (LIMIT) or stream rows: on_page returns false to stop.
  void list_resources_pages(const std::string& region, const std::string& type_name,
                            const std::string& resource_model_json,
                            const std::function<bool(ListResourcesPage& page)>& on_page);
  ProgressEvent get_resource_request_status(const std::string& region, const std::string& request_token);
  std::vector<ProgressEvent> list_resource_requests(const std::string& region,
                                                    const nlohmann::json& filter = nullptr,
                                                    int max_pages = 0);
  ProgressEvent cancel_resource_request(const std::string& region, const std::string& request_token);

  // Polls GetResourceRequestStatus until SUCCESS, FAILED or CANCEL_COMPLETE (honouring RetryAfter).
  // Returns the final event (FAILED is returned, not thrown); throws on timeout.
  ProgressEvent await(const std::string& region, const ProgressEvent& started, const AwaitOptions& options = {});

  // Raw call: operation name ("GetResource"), request JSON -> response JSON. Retries, signs, throttles.
  nlohmann::json call(const std::string& region, const std::string& operation, const nlohmann::json& request);

  // The same, run on the client's worker pool (up to max_concurrency at once; the limiter still applies).
  std::future<nlohmann::json> call_async(const std::string& region, const std::string& operation,
                                         nlohmann::json request);
  std::future<ResourceDescription> get_resource_async(const std::string& region, const std::string& type_name,
                                                      const std::string& identifier);

  // Retry tokens left (standard mode's retry quota), for tests and diagnostics.
  int retry_quota_available() const;
  // Current concurrency limits after throttling (global, and for a region).
  int concurrency_limit() const;
  int concurrency_limit(const std::string& region) const;

  const ClientOptions& options() const { return options_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ClientOptions options_;
};

}  // namespace skyql::aws
