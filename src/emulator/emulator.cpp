#include "emulator/emulator.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include <httplib.h>

#include "aws/sigv4.h"
#include "http/listen_backlog.h"
#include "emulator/service.h"

namespace skyql::emulator {

namespace {

using nlohmann::json;

constexpr const char* kTargetPrefix = "CloudApiService.";
constexpr const char* kContentType = "application/x-amz-json-1.0";
constexpr size_t kKeepAliveMaxRequests = 1000000;

// Errors raised before the service (signature checks, protocol) come from AWS's front end, in its namespace.
bool is_front_end_error(const std::string& code) {
  return code == "MissingAuthenticationTokenException" || code == "IncompleteSignatureException" ||
         code == "InvalidSignatureException" || code == "UnrecognizedClientException" ||
         code == "SerializationException" || code == "UnknownOperationException" ||
         code == "ValidationException" || code == "AccessDeniedException";
}

int signature_status(const std::string& code) {
  return code == "IncompleteSignatureException" ? 400 : 403;
}

std::string request_id(std::mt19937_64& rng) {
  static const char* digits = "0123456789abcdef";
  std::string h;
  for (int i = 0; i < 32; ++i) h += digits[rng() % 16];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

struct Emulator::Impl {
  Options options;
  std::unique_ptr<Service> service;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = 0;
  std::mutex id_mutex;
  std::mt19937_64 id_rng{std::random_device{}()};

  std::string next_request_id() {
    std::lock_guard lock(id_mutex);
    return request_id(id_rng);
  }

  void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
    std::string ns = is_front_end_error(code) ? "com.amazon.coral.service#" : "com.amazonaws.cloudcontrol#";
    res.status = status;
    res.set_header("x-amzn-ErrorType", code);
    res.set_content(json{{"__type", ns + code}, {"Message", message}}.dump(), kContentType);
  }

  void serve(const httplib::Request& req, httplib::Response& res) {
    res.set_header("x-amzn-RequestId", next_request_id());
    if (options.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options.latency_ms));

    aws::HttpRequest signed_request;
    signed_request.method = req.method;
    signed_request.path = req.target.empty() ? req.path : req.target;
    signed_request.body = req.body;
    signed_request.headers.reserve(req.headers.size());
    for (const auto& [name, value] : req.headers) signed_request.headers.emplace_back(name, value);
    auto verdict = aws::verify(signed_request, [this](const std::string& key) -> std::optional<std::string> {
      for (const auto& [k, secret] : options.credentials)
        if (k == key) return secret;
      return std::nullopt;
    });
    if (!verdict.ok) return send_error(res, signature_status(verdict.error_code), verdict.error_code, verdict.message);

    std::string target = req.get_header_value("X-Amz-Target");
    if (target.rfind(kTargetPrefix, 0) != 0)
      return send_error(res, 400, "UnknownOperationException",
                        "X-Amz-Target must be CloudApiService.<Operation>, not '" + target + "'.");
    std::string operation = target.substr(std::char_traits<char>::length(kTargetPrefix));
    json body;
    try {
      body = req.body.empty() ? json::object() : json::parse(req.body);
    } catch (const json::parse_error&) {
      return send_error(res, 400, "SerializationException", "The request body is not valid JSON.");
    }

    for (const auto& [op, code] : options.inject_errors) {
      if (op == "*" || op == operation)
        return send_error(res, error_status(code), code, operation + " failed (injected by --inject-error).");
    }
    if (options.throttle_rate > 0 && service->draw() < options.throttle_rate)
      return send_error(res, 429, "ThrottlingException", "Rate exceeded (injected by --throttle-rate).");
    if (options.fail_rate > 0 && service->draw() < options.fail_rate)
      return send_error(res, 502, "HandlerInternalFailureException",
                        "The resource handler failed with an internal error (injected by --fail-rate).");
    try {
      json reply = service->handle(operation, body, verdict.region);
      res.status = 200;
      res.set_content(reply.dump(), kContentType);
    } catch (const ApiError& e) {
      send_error(res, e.status, e.code, e.what());
    } catch (const std::exception& e) {
      send_error(res, 502, "ServiceInternalErrorException", std::string("Internal error: ") + e.what());
    }
  }
};

int error_status(const std::string& code) {
  static const std::pair<const char*, int> kStatuses[] = {
      {"ResourceNotFoundException", 404}, {"TypeNotFoundException", 404},
      {"RequestTokenNotFoundException", 404}, {"AlreadyExistsException", 400},
      {"InvalidRequestException", 400}, {"NotUpdatableException", 400},
      {"GeneralServiceException", 400}, {"ServiceLimitExceededException", 400},
      {"NotStabilizedException", 400}, {"PrivateTypeException", 400},
      {"InvalidCredentialsException", 401}, {"UnsupportedActionException", 405},
      {"ClientTokenConflictException", 409}, {"ConcurrentOperationException", 409},
      {"ResourceConflictException", 409}, {"ThrottlingException", 429},
      {"ConcurrentModificationException", 500}, {"HandlerInternalFailureException", 502},
      {"ServiceInternalErrorException", 502}, {"NetworkFailureException", 502},
      {"HandlerFailureException", 502},
  };
  for (const auto& [name, status] : kStatuses)
    if (code == name) return status;
  return 0;
}

Emulator::Emulator(Options options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Emulator::~Emulator() { stop(); }

int Emulator::start() {
  auto& s = *impl_;
  if (s.server) throw std::runtime_error("the emulator is already running on port " + std::to_string(s.port));
  s.service = std::make_unique<Service>(s.options);
  s.server = std::make_unique<httplib::Server>();
  int threads = s.options.threads > 0 ? s.options.threads : 64;
  s.server->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // Headers and body go out in separate writes; without TCP_NODELAY, Nagle + delayed ACK add 40 ms.
  s.server->set_tcp_nodelay(true);
  s.server->set_keep_alive_max_count(kKeepAliveMaxRequests);
  // An idle keep-alive connection holds a worker until this timeout, so stop() can take this long.
  s.server->set_keep_alive_timeout(5);
  s.server->set_payload_max_length(8 * 1024 * 1024);
  s.server->Post("/", [&s](const httplib::Request& req, httplib::Response& res) { s.serve(req, res); });
  if (s.options.port == 0) {
    s.port = s.server->bind_to_any_port(s.options.host);
  } else {
    s.port = s.server->bind_to_port(s.options.host, s.options.port) ? s.options.port : -1;
  }
  if (s.port <= 0) {
    s.server.reset();
    throw std::runtime_error("cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                             " (in use? try --port 0 for any free port)");
  }
  http::widen_listen_backlog(s.port);
  s.thread = std::thread([&s] { s.server->listen_after_bind(); });
  // httplib's stop() is a no-op until its accept loop runs; a caller stopping right after start()
  // would then wait forever in join(). Return only once the server is really accepting.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.server->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the emulator did not start accepting connections within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return s.port;
}

void Emulator::stop() {
  auto& s = *impl_;
  if (!s.server) return;
  s.server->stop();
  if (s.thread.joinable()) s.thread.join();
  s.server.reset();
  s.service.reset();
}

int Emulator::port() const { return impl_->port; }

std::string Emulator::endpoint() const { return "http://" + impl_->options.host + ":" + std::to_string(impl_->port); }

Emulator::Reply Emulator::call(const std::string& operation, const json& request, const std::string& region) {
  auto& s = *impl_;
  if (!s.service) s.service = std::make_unique<Service>(s.options);
  Reply r;
  try {
    r.body = s.service->handle(operation, request, region);
  } catch (const ApiError& e) {
    r.status = e.status;
    r.error_code = e.code;
    r.body = {{"__type", "com.amazonaws.cloudcontrol#" + e.code}, {"Message", e.what()}};
  }
  return r;
}

}  // namespace skyql::emulator
