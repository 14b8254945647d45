// A real HTTP server on 127.0.0.1 (cpp-httplib) for tests and benchmarks of the AWS client.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "http/listen_backlog.h"

namespace skyql::testing {

class LoopbackServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit LoopbackServer(Handler handler, int threads = 16) : handler_(std::move(handler)) {
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    auto wrap = [this](const httplib::Request& req, httplib::Response& res) { handler_(req, res); };
    server_.Post(".*", wrap);
    server_.Get(".*", wrap);
    server_.set_keep_alive_max_count(100000);
    // Without TCP_NODELAY the server's split header/body writes meet the client's delayed ACK: +40 ms.
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    http::widen_listen_backlog(port_);  // 50 simultaneous connects must not overflow httplib's backlog of 5
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// The request as the signer saw it, rebuilt from what the server received.
inline aws::HttpRequest to_signable(const httplib::Request& req) {
  aws::HttpRequest r;
  r.method = req.method;
  r.path = req.target.empty() ? req.path : req.target;
  for (const auto& [k, v] : req.headers) {
    // cpp-httplib adds these itself; they were never part of the signed request.
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
    r.headers.emplace_back(k, v);
  }
  r.body = req.body;
  return r;
}

}  // namespace skyql::testing
