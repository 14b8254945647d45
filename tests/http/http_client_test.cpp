// libcurl client against a real loopback server: round trip, keep-alive, parallelism, timeouts, errors.
#include <gtest/gtest.h>

#include <atomic>

#include "../aws/loopback_server.h"
#include "http/adaptive_limiter.h"
#include "http/http_client.h"

using namespace skyql::http;
using skyql::testing::LoopbackServer;

namespace {

TEST(HttpClient, RoundTripsMethodHeadersAndBody) {
  LoopbackServer server([](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Echo-Method", req.method);
    res.set_header("X-Echo-Custom", req.get_header_value("X-Custom"));
    res.set_header("X-Echo-Type", req.get_header_value("Content-Type"));
    res.set_header("X-Has-Expect", req.has_header("Expect") ? "yes" : "no");
    res.status = 201;
    res.set_content("got:" + req.body, "text/plain");
  });
  Client client;
  Request r;
  r.method = "POST";
  r.url = server.url() + "/path?q=1";
  r.headers = {{"X-Custom", "v  1"}, {"Content-Type", "application/x-amz-json-1.0"}};
  r.body = std::string(70000, 'x');  // large enough that curl would otherwise send Expect: 100-continue
  Response resp = client.perform(r);
  ASSERT_EQ(resp.error, TransportError::None) << resp.error_message;
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, "got:" + r.body);
  EXPECT_EQ(*resp.header("x-echo-method"), "POST");
  EXPECT_EQ(*resp.header("X-Echo-Custom"), "v  1");
  EXPECT_EQ(*resp.header("X-Echo-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(*resp.header("X-Has-Expect"), "no");
  EXPECT_EQ(resp.header("X-Missing"), nullptr);
  EXPECT_GT(resp.timings.total_ms, 0);
}

TEST(HttpClient, ReusesKeepAliveConnections) {
  LoopbackServer server([](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  Client client;
  for (int i = 0; i < 20; ++i) {
    Response resp = client.perform({"GET", server.url() + "/", {}, "", {}});
    ASSERT_EQ(resp.status, 200);
    if (i > 0) {
      EXPECT_TRUE(resp.reused_connection) << i;
    }
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpClient, RunsManyRequestsInFlight) {
  std::atomic<int> in_flight{0}, peak{0};
  LoopbackServer server(
      [&](const httplib::Request&, httplib::Response& res) {
        int now = ++in_flight;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        --in_flight;
        res.set_content("ok", "text/plain");
      },
      32);
  Client client;
  std::vector<std::future<Response>> futures;
  for (int i = 0; i < 24; ++i) futures.push_back(client.send({"GET", server.url() + "/" + std::to_string(i), {}, "", {}}));
  for (auto& f : futures) EXPECT_EQ(f.get().status, 200);
  // Not 24: cpp-httplib's listen backlog of 5 staggers simultaneous connects on a loaded host.
  EXPECT_GE(peak.load(), 6) << "requests were serialised";
}

TEST(HttpClient, TimeoutIsReportedAsTimeout) {
  LoopbackServer server([](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    res.set_content("late", "text/plain");
  });
  Client client;
  Request r{"GET", server.url() + "/", {}, "", std::chrono::milliseconds(100)};
  Response resp = client.perform(r);
  EXPECT_EQ(resp.error, TransportError::Timeout);
  EXPECT_EQ(resp.status, 0);
}

TEST(HttpClient, RefusedConnectionIsAConnectionError) {
  int port;
  {
    LoopbackServer gone([](const httplib::Request&, httplib::Response&) {});
    port = gone.port();
  }
  Client client;
  Response resp = client.perform({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", {}});
  EXPECT_EQ(resp.error, TransportError::Connection) << resp.error_message;
}

TEST(HttpClient, TlsIsVerifiedAndFailuresPointAtTheCaBundle) {
  LoopbackServer plain([](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  ClientOptions o;
  o.ca_bundle = "/nonexistent/ca.pem";
  Client client(o);
  // A TLS handshake with a plain-HTTP server, and a CA bundle that does not exist: both must fail.
  Response resp = client.perform({"GET", "https://127.0.0.1:" + std::to_string(plain.port()) + "/", {}, "", {}});
  EXPECT_EQ(resp.error, TransportError::Tls) << resp.error_message;
  EXPECT_NE(resp.error_message.find("CA bundle"), std::string::npos);
}

TEST(HttpClient, ShutdownWithRequestsInFlightFailsThem) {
  LoopbackServer server([](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    res.set_content("late", "text/plain");
  });
  std::future<Response> f;
  {
    Client client;
    f = client.send({"GET", server.url() + "/", {}, "", {}});
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Response resp = f.get();
  EXPECT_EQ(resp.error, TransportError::Other);
}

TEST(ParseUrl, SplitsAndDropsDefaultPorts) {
  Url u = parse_url("https://cloudcontrolapi.us-east-1.amazonaws.com");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "cloudcontrolapi.us-east-1.amazonaws.com");
  EXPECT_EQ(u.path, "/");
  u = parse_url("HTTP://127.0.0.1:4566/base?x=1");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "127.0.0.1:4566");
  EXPECT_EQ(u.path, "/base?x=1");
  EXPECT_EQ(parse_url("https://h:443/").host, "h");
  EXPECT_EQ(parse_url("http://h:80").host, "h");
  EXPECT_THROW(parse_url("cloudcontrolapi.amazonaws.com"), std::invalid_argument);
  EXPECT_THROW(parse_url("ftp://x/"), std::invalid_argument);
}

TEST(AdaptiveLimiter, BlocksAtTheLimit) {
  AdaptiveLimiter limiter(2, 2);
  auto a = limiter.acquire("r");
  auto b = limiter.acquire("r");
  std::atomic<bool> got{false};
  std::thread t([&] {
    auto c = limiter.acquire("r");
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got.load());
  a.release();
  t.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(limiter.in_flight(), 1);
}

TEST(AdaptiveLimiter, PerKeyLimitIsIndependent) {
  AdaptiveLimiter limiter(10, 1);
  auto a = limiter.acquire("us-east-1");
  auto b = limiter.acquire("eu-west-1");  // would block forever if regions shared the limit
  EXPECT_EQ(limiter.in_flight(), 2);
}

TEST(AdaptiveLimiter, MultiplicativeDecreaseAdditiveIncrease) {
  AdaptiveLimiter limiter(32, 16, std::chrono::milliseconds(0));
  limiter.on_throttle("r");
  EXPECT_EQ(limiter.key_limit("r"), 8);
  EXPECT_EQ(limiter.global_limit(), 24);
  limiter.on_throttle("r");
  limiter.on_throttle("r");
  limiter.on_throttle("r");
  limiter.on_throttle("r");
  EXPECT_EQ(limiter.key_limit("r"), 1) << "never below one";
  for (int i = 0; i < 3; ++i) limiter.on_success("r");
  EXPECT_EQ(limiter.key_limit("r"), 2);
  for (int i = 0; i < 500; ++i) limiter.on_success("r");
  EXPECT_EQ(limiter.key_limit("r"), 16);
  EXPECT_EQ(limiter.global_limit(), 32);
}

TEST(AdaptiveLimiter, OneBurstOfThrottlesCountsOnce) {
  AdaptiveLimiter limiter(32, 16, std::chrono::seconds(10));
  for (int i = 0; i < 5; ++i) limiter.on_throttle("r");
  EXPECT_EQ(limiter.key_limit("r"), 8);
}

}  // namespace
