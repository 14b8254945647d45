// http/http_client — HTTP(S) through libcurl for everything skyql sends to AWS.
//
// Promises: one event-loop thread drives a curl multi handle, so any number of requests can be in
// flight from any thread; connections are kept alive and reused; HTTP/2 is negotiated over TLS when
// the server offers it (multiplexed on one connection); TLS peers are always verified (a custom CA
// bundle may be given); connect and total timeouts apply per request. Transport failures come back
// as a Response with `error` set, never as exceptions, so callers can decide what to retry.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyql::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // total; 0 = the client's default
};

enum class TransportError {
  None,
  Timeout,     // connect or total timeout expired
  Connection,  // refused, reset, DNS failure, closed mid-response
  Tls,         // certificate or handshake failure (not retried: fix the CA bundle)
  Other,
};

struct Timings {
  double connect_ms = 0;     // TCP connect done (0 when the connection was reused)
  double tls_ms = 0;         // TLS handshake done
  double first_byte_ms = 0;  // first response byte
  double total_ms = 0;
};

struct Response {
  long status = 0;  // 0 when error != None
  Headers headers;
  std::string body;
  TransportError error = TransportError::None;
  std::string error_message;
  Timings timings;
  long http_version = 0;  // 1 (1.x) or 2
  bool reused_connection = false;
  // First header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct ClientOptions {
  std::string ca_bundle;  // PEM file; empty = system trust store
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};
  int max_idle_connections = 64;  // keep-alive cache size
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Queues the request on the event loop; the future is fulfilled when the response is complete.
  std::future<Response> send(Request request);
  // send(...).get()
  Response perform(Request request);

  // Connections opened so far (a measure of keep-alive reuse, for tests and benchmarks).
  long connections_opened() const;

 private:
  struct Impl;
  // The event loop (and libcurl itself) starts with the first request, so a process that never sends
  // one — SHOW, DESCRIBE, a dry run — does not pay for loading libcurl or starting a thread.
  Impl& started();
  ClientOptions options_;
  std::once_flag start_once_;
  std::unique_ptr<Impl> impl_;
};

struct Url {
  std::string scheme;  // "https"
  std::string host;    // host[:port] as it goes in the Host header (default ports dropped)
  std::string path;    // "/" when absent; query included
};
// Parses scheme://host[:port][/path]; throws std::invalid_argument naming the URL when malformed.
Url parse_url(const std::string& url);

bool iequals(std::string_view a, std::string_view b);

}  // namespace skyql::http
