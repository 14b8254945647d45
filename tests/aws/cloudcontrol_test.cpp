// CloudControlClient against a real HTTP server on loopback: wire format, retries, quota, pagination,
// await, error decoding, endpoint precedence, throttling back-off and --http-log redaction.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "aws/cloudcontrol.h"
#include "loopback_server.h"

using namespace skyql::aws;
using skyql::testing::LoopbackServer;
using nlohmann::json;

namespace {

const Credentials kCreds{"AKIDTEST", "secret/key+test", "", {}, "test"};

struct Seen {
  std::string op;
  json body;
  std::string authorization;
  std::string amz_date;
  std::string verify_error;  // empty when the signature verified
  std::string target_header;
  std::string content_type;
  std::string method, path;
};

// A scripted Cloud Control: `answer(call_index, seen, res)` writes the response; every request is
// recorded and its SigV4 signature verified with the test key.
class FakeCloudControl {
 public:
  using Answer = std::function<void(int, const Seen&, httplib::Response&)>;
  explicit FakeCloudControl(Answer answer, int threads = 16)
      : answer_(std::move(answer)),
        server_([this](const httplib::Request& req, httplib::Response& res) { handle(req, res); }, threads) {}

  std::string url() const { return server_.url(); }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  int count() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(seen_.size());
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    Seen s;
    s.method = req.method;
    s.path = req.path;
    s.target_header = req.get_header_value("X-Amz-Target");
    s.content_type = req.get_header_value("Content-Type");
    s.op = s.target_header.substr(s.target_header.find('.') + 1);
    s.body = json::parse(req.body, nullptr, false);
    s.authorization = req.get_header_value("Authorization");
    s.amz_date = req.get_header_value("X-Amz-Date");
    auto v = verify(skyql::testing::to_signable(req), [](const std::string& id) -> std::optional<std::string> {
      if (id == kCreds.access_key_id) return kCreds.secret_access_key;
      return std::nullopt;
    });
    if (!v.ok) s.verify_error = v.error_code + ": " + v.message;
    else if (v.region != "us-west-2") s.verify_error = "wrong region in scope: " + v.region;
    int index;
    {
      std::lock_guard lock(mutex_);
      index = static_cast<int>(seen_.size());
      seen_.push_back(s);
    }
    res.set_header("x-amzn-RequestId", "req-" + std::to_string(index));
    answer_(index, s, res);
  }

  Answer answer_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
  LoopbackServer server_;
};

void reply(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), "application/x-amz-json-1.0");
}

void fail(httplib::Response& res, int status, const std::string& code, const std::string& message = "injected") {
  reply(res, {{"__type", "com.amazonaws.cloudcontrol#" + code}, {"message", message}}, status);
}

ClientOptions fast_options(const std::string& url) {
  ClientOptions o;
  o.endpoint_url = url;
  o.retry_base_delay = std::chrono::milliseconds(5);
  o.max_backoff = std::chrono::milliseconds(50);
  o.request_timeout = std::chrono::milliseconds(3000);
  return o;
}

CloudControlClient make_client(const std::string& url, ClientOptions o = {}) {
  if (o.endpoint_url.empty()) o = fast_options(url);
  return CloudControlClient(CredentialsProvider::fixed(kCreds), o);
}

constexpr const char* kRegion = "us-west-2";

json progress(const std::string& status, const std::string& op = "CREATE") {
  return {{"TypeName", "AWS::Logs::LogGroup"}, {"Identifier", "lg1"},     {"RequestToken", "tok-1"},
          {"Operation", op},                   {"OperationStatus", status}, {"EventTime", 1700000000.5}};
}

TEST(CloudControlClient, AllEightOperationsOnTheWire) {
  FakeCloudControl fake([](int, const Seen& s, httplib::Response& res) {
    if (s.op == "GetResource")
      reply(res, {{"TypeName", s.body["TypeName"]},
                  {"ResourceDescription", {{"Identifier", s.body["Identifier"]}, {"Properties", R"({"A":1})"}}}});
    else if (s.op == "ListResources")
      reply(res, {{"ResourceDescriptions", {{{"Identifier", "x"}, {"Properties", "{}"}}}}});
    else if (s.op == "ListResourceRequests")
      reply(res, {{"ResourceRequestStatusSummaries", {progress("SUCCESS")}}});
    else
      reply(res, {{"ProgressEvent", progress("IN_PROGRESS")}});
  });
  auto client = make_client(fake.url());
  auto created = client.create_resource(kRegion, "AWS::Logs::LogGroup", R"({"LogGroupName":"lg1"})");
  EXPECT_EQ(created.operation_status, "IN_PROGRESS");
  EXPECT_DOUBLE_EQ(created.event_time, 1700000000.5);
  client.update_resource(kRegion, "AWS::Logs::LogGroup", "lg1", R"([{"op":"add","path":"/RetentionInDays","value":7}])");
  client.delete_resource(kRegion, "AWS::Logs::LogGroup", "lg1");
  auto got = client.get_resource(kRegion, "AWS::Logs::LogGroup", "lg1");
  EXPECT_EQ(got.identifier, "lg1");
  EXPECT_EQ(got.properties, R"({"A":1})");
  EXPECT_EQ(client.list_resources(kRegion, "AWS::Logs::LogGroup").size(), 1u);
  EXPECT_EQ(client.get_resource_request_status(kRegion, "tok-1").request_token, "tok-1");
  EXPECT_EQ(client.list_resource_requests(kRegion, json{{"OperationStatuses", {"SUCCESS"}}}).size(), 1u);
  EXPECT_EQ(client.cancel_resource_request(kRegion, "tok-1").identifier, "lg1");

  auto seen = fake.seen();
  std::vector<std::string> ops;
  for (const auto& s : seen) {
    ops.push_back(s.op);
    EXPECT_EQ(s.method, "POST");
    EXPECT_EQ(s.path, "/");
    EXPECT_EQ(s.content_type, "application/x-amz-json-1.0");
    EXPECT_EQ(s.target_header, "CloudApiService." + s.op);
    EXPECT_EQ(s.verify_error, "") << s.op;
    EXPECT_NE(s.authorization.find("/us-west-2/cloudcontrolapi/aws4_request"), std::string::npos);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"CreateResource", "UpdateResource", "DeleteResource", "GetResource",
                                           "ListResources", "GetResourceRequestStatus", "ListResourceRequests",
                                           "CancelResourceRequest"}));
  // Documents travel as JSON strings, not nested objects.
  ASSERT_TRUE(seen[0].body["DesiredState"].is_string());
  EXPECT_EQ(json::parse(seen[0].body["DesiredState"].get<std::string>())["LogGroupName"], "lg1");
  EXPECT_FALSE(seen[0].body["ClientToken"].get<std::string>().empty());
  ASSERT_TRUE(seen[1].body["PatchDocument"].is_string());
  EXPECT_EQ(seen[1].body["Identifier"], "lg1");
  EXPECT_EQ(seen[6].body["ResourceRequestStatusFilter"]["OperationStatuses"][0], "SUCCESS");
}

TEST(CloudControlClient, RetriesThrottlingServerErrorsAndTimeoutsWithSameClientToken) {
  FakeCloudControl fake([](int i, const Seen&, httplib::Response& res) {
    if (i == 0) return fail(res, 429, "ThrottlingException", "Rate exceeded");
    if (i == 1) return fail(res, 500, "ServiceInternalErrorException");
    if (i == 2) {  // slower than the client's timeout
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      return reply(res, {{"ProgressEvent", progress("IN_PROGRESS")}});
    }
    reply(res, {{"ProgressEvent", progress("IN_PROGRESS")}});
  });
  auto o = fast_options(fake.url());
  o.max_attempts = 4;  // one more than the standard 3, so one call sees all three failure kinds
  o.request_timeout = std::chrono::milliseconds(300);
  auto client = make_client(fake.url(), o);
  auto ev = client.create_resource(kRegion, "AWS::Logs::LogGroup", "{}", "my-token-1");
  EXPECT_EQ(ev.operation_status, "IN_PROGRESS");
  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 4u);
  std::set<std::string> authorizations;
  for (const auto& s : seen) {
    EXPECT_EQ(s.body["ClientToken"], "my-token-1");
    EXPECT_EQ(s.verify_error, "");
    authorizations.insert(s.authorization);
  }
  EXPECT_EQ(authorizations.size(), 4u) << "every attempt is signed afresh";
}

TEST(CloudControlClient, GeneratedClientTokenIsStableAcrossAttempts) {
  FakeCloudControl fake([](int i, const Seen&, httplib::Response& res) {
    if (i < 2) return fail(res, 503, "ServiceUnavailable");
    reply(res, {{"ProgressEvent", progress("IN_PROGRESS", "DELETE")}});
  });
  auto client = make_client(fake.url());
  client.delete_resource(kRegion, "AWS::Logs::LogGroup", "lg1");
  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].body["ClientToken"], seen[1].body["ClientToken"]);
  EXPECT_EQ(seen[1].body["ClientToken"], seen[2].body["ClientToken"]);
}

TEST(CloudControlClient, NoRetryOnClientErrors) {
  for (auto [status, code] : std::vector<std::pair<int, std::string>>{
           {400, "ValidationException"}, {404, "ResourceNotFoundException"}, {400, "AlreadyExistsException"},
           {403, "AccessDeniedException"}}) {
    FakeCloudControl fake([&](int, const Seen&, httplib::Response& res) { fail(res, status, code, "nope"); });
    auto client = make_client(fake.url());
    try {
      client.get_resource(kRegion, "AWS::Logs::LogGroup", "missing");
      ADD_FAILURE() << "expected " << code;
    } catch (const CloudControlError& e) {
      EXPECT_EQ(e.code, code);
      EXPECT_EQ(e.http_status, status);
      EXPECT_EQ(e.aws_message, "nope");
      EXPECT_EQ(e.request_id, "req-0");
    }
    EXPECT_EQ(fake.count(), 1) << code;
  }
}

TEST(CloudControlClient, GivesUpAfterThreeAttempts) {
  FakeCloudControl fake([](int, const Seen&, httplib::Response& res) { fail(res, 502, "BadGateway"); });
  auto client = make_client(fake.url());
  try {
    client.get_resource(kRegion, "AWS::Logs::LogGroup", "x");
    ADD_FAILURE() << "expected an error";
  } catch (const CloudControlError& e) {
    EXPECT_EQ(e.http_status, 502);
  }
  EXPECT_EQ(fake.count(), 3);
}

TEST(CloudControlClient, ConnectionErrorsAreRetriedThenReported) {
  int port;
  {
    LoopbackServer closed([](const httplib::Request&, httplib::Response&) {});
    port = closed.port();
  }  // nothing listens there any more
  auto client = make_client("http://127.0.0.1:" + std::to_string(port));
  auto start = std::chrono::steady_clock::now();
  try {
    client.get_resource(kRegion, "AWS::Logs::LogGroup", "x");
    ADD_FAILURE() << "expected a network error";
  } catch (const CloudControlError& e) {
    EXPECT_EQ(e.code, "NetworkError");
    EXPECT_EQ(e.http_status, 0);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(client.retry_quota_available(), 500 - 2 * 5);
}

TEST(CloudControlClient, RetryQuotaStopsRetriesAndSuccessRefunds) {
  std::atomic<bool> healthy{false};
  FakeCloudControl fake([&](int, const Seen&, httplib::Response& res) {
    if (healthy) return reply(res, {{"ResourceDescription", {{"Identifier", "x"}, {"Properties", "{}"}}}});
    fail(res, 500, "ServiceInternalErrorException");
  });
  auto o = fast_options(fake.url());
  o.retry_quota = 12;
  auto client = make_client(fake.url(), o);
  EXPECT_THROW(client.get_resource(kRegion, "T", "x"), CloudControlError);
  EXPECT_EQ(fake.count(), 3);  // two retries, 5 tokens each
  EXPECT_EQ(client.retry_quota_available(), 2);
  EXPECT_THROW(client.get_resource(kRegion, "T", "x"), CloudControlError);
  EXPECT_EQ(fake.count(), 4) << "with the quota spent, a failure is not retried";
  healthy = true;
  client.get_resource(kRegion, "T", "x");
  EXPECT_EQ(client.retry_quota_available(), 3) << "a success without retries refunds one token";
}

TEST(CloudControlClient, PaginationFollowsNextToken) {
  FakeCloudControl fake([](int, const Seen& s, httplib::Response& res) {
    int page = s.body.contains("NextToken") ? std::stoi(s.body["NextToken"].get<std::string>()) : 0;
    json items = json::array();
    for (int i = 0; i < 3; ++i)
      items.push_back({{"Identifier", "r" + std::to_string(page * 3 + i)}, {"Properties", "{}"}});
    json body = {{"TypeName", s.body["TypeName"]}, {"ResourceDescriptions", items}};
    if (page < 3) body["NextToken"] = std::to_string(page + 1);
    reply(res, body);
  });
  auto client = make_client(fake.url());
  auto all = client.list_resources(kRegion, "AWS::Logs::LogGroup", R"({"Parent":"p"})");
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all.front().identifier, "r0");
  EXPECT_EQ(all.back().identifier, "r11");
  auto seen = fake.seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_FALSE(seen[0].body.contains("NextToken"));
  EXPECT_EQ(seen[3].body["NextToken"], "3");
  EXPECT_EQ(seen[2].body["ResourceModel"], R"({"Parent":"p"})");
  EXPECT_EQ(client.list_resources(kRegion, "AWS::Logs::LogGroup", "", 2).size(), 6u);

  int pages = 0;
  client.list_resources_pages(kRegion, "AWS::Logs::LogGroup", "", [&](ListResourcesPage& page) {
    EXPECT_EQ(page.resources.size(), 3u);
    return ++pages < 3;  // stop early, as a LIMIT would
  });
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(fake.count(), 4 + 2 + 3);
}

TEST(CloudControlClient, ListResourceRequestsPaginates) {
  FakeCloudControl fake([](int, const Seen& s, httplib::Response& res) {
    json body = {{"ResourceRequestStatusSummaries", {progress("SUCCESS"), progress("FAILED")}}};
    if (!s.body.contains("NextToken")) body["NextToken"] = "p2";
    reply(res, body);
  });
  auto client = make_client(fake.url());
  auto events = client.list_resource_requests(kRegion);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].operation_status, "FAILED");
}

TEST(CloudControlClient, AwaitHonoursRetryAfterAndReportsProgress) {
  std::vector<std::chrono::steady_clock::time_point> polls;
  std::mutex m;
  FakeCloudControl fake([&](int i, const Seen&, httplib::Response& res) {
    {
      std::lock_guard lock(m);
      polls.push_back(std::chrono::steady_clock::now());
    }
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    json ev = progress(i < 2 ? "IN_PROGRESS" : "SUCCESS");
    if (i < 2) ev["RetryAfter"] = now + 0.3;
    reply(res, {{"ProgressEvent", ev}});
  });
  auto client = make_client(fake.url());
  ProgressEvent started = ProgressEvent::from_json(progress("IN_PROGRESS"));
  std::vector<std::string> statuses;
  AwaitOptions ao;
  ao.initial_delay = std::chrono::milliseconds(1);
  ao.on_progress = [&](const ProgressEvent& e) { statuses.push_back(e.operation_status); };
  auto final_event = client.await(kRegion, started, ao);
  EXPECT_EQ(final_event.operation_status, "SUCCESS");
  EXPECT_EQ(statuses, (std::vector<std::string>{"IN_PROGRESS", "IN_PROGRESS", "SUCCESS"}));
  ASSERT_EQ(polls.size(), 3u);
  EXPECT_GE(polls[1] - polls[0], std::chrono::milliseconds(250)) << "RetryAfter was not honoured";
  EXPECT_GE(polls[2] - polls[1], std::chrono::milliseconds(250));
  for (const auto& s : fake.seen()) EXPECT_EQ(s.body["RequestToken"], "tok-1");
}

TEST(CloudControlClient, AwaitReturnsFailedAndTimesOut) {
  FakeCloudControl failing([](int, const Seen&, httplib::Response& res) {
    json ev = progress("FAILED");
    ev["ErrorCode"] = "AlreadyExists";
    ev["StatusMessage"] = "lg1 already exists";
    reply(res, {{"ProgressEvent", ev}});
  });
  auto client = make_client(failing.url());
  AwaitOptions ao;
  ao.initial_delay = std::chrono::milliseconds(1);
  auto ev = client.await(kRegion, ProgressEvent::from_json(progress("PENDING")), ao);
  EXPECT_EQ(ev.operation_status, "FAILED");
  EXPECT_EQ(ev.error_code, "AlreadyExists");
  EXPECT_EQ(ev.status_message, "lg1 already exists");

  FakeCloudControl stuck([](int, const Seen&, httplib::Response& res) {
    reply(res, {{"ProgressEvent", progress("IN_PROGRESS")}});
  });
  auto client2 = make_client(stuck.url());
  ao.initial_delay = std::chrono::milliseconds(20);
  ao.timeout = std::chrono::milliseconds(200);
  try {
    client2.await(kRegion, ProgressEvent::from_json(progress("IN_PROGRESS")), ao);
    ADD_FAILURE() << "expected a timeout";
  } catch (const CloudControlError& e) {
    EXPECT_EQ(e.code, "AwaitTimeout");
    EXPECT_NE(std::string(e.what()).find("tok-1"), std::string::npos);
  }
  EXPECT_GE(stuck.count(), 2);
}

// Every error of the Cloud Control API model, in each shape AWS sends errors in.
TEST(CloudControlClient, DecodesEveryCloudControlErrorShape) {
  const std::vector<std::pair<std::string, int>> errors = {
      {"AlreadyExistsException", 400},        {"ClientTokenConflictException", 400},
      {"ConcurrentModificationException", 500}, {"ConcurrentOperationException", 400},
      {"GeneralServiceException", 400},       {"HandlerFailureException", 400},
      {"HandlerInternalFailureException", 400}, {"InvalidCredentialsException", 400},
      {"InvalidRequestException", 400},       {"NetworkFailureException", 400},
      {"NotStabilizedException", 400},        {"NotUpdatableException", 400},
      {"PrivateTypeException", 400},          {"RequestTokenNotFoundException", 400},
      {"ResourceConflictException", 400},     {"ResourceNotFoundException", 404},
      {"ServiceInternalErrorException", 400}, {"ServiceLimitExceededException", 400},
      {"TypeNotFoundException", 400},         {"UnsupportedActionException", 400},
      {"ValidationException", 400},           {"AccessDeniedException", 403},
      {"UnrecognizedClientException", 403},   {"ExpiredTokenException", 403}};
  std::atomic<int> shape{0};
  std::string code;
  int status = 0;
  FakeCloudControl fake([&](int, const Seen&, httplib::Response& res) {
    res.status = status;
    switch (shape.load()) {
      case 0:  // awsJson1_0 with namespace
        res.set_content(json{{"__type", "com.amazonaws.cloudcontrol#" + code}, {"message", "m0"}}.dump(), "application/x-amz-json-1.0");
        break;
      case 1:  // bare code with a trailing URI, capitalised Message
        res.set_content(json{{"__type", code + ":http://internal.amazon.com/coral/com.amazonaws.cloudcontrol/"}, {"Message", "m1"}}.dump(),
                        "application/x-amz-json-1.0");
        break;
      default:  // header only
        res.set_header("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/com.amazonaws.cloudcontrol/");
        res.set_content(json{{"message", "m2"}}.dump(), "application/x-amz-json-1.0");
    }
  });
  auto client = make_client(fake.url());
  for (const auto& [c, st] : errors) {
    for (int sh = 0; sh < 3; ++sh) {
      code = c;
      status = st;
      shape = sh;
      try {
        client.get_resource_request_status(kRegion, "tok");
        ADD_FAILURE() << c;
      } catch (const CloudControlError& e) {
        EXPECT_EQ(e.code, c) << "shape " << sh;
        EXPECT_EQ(e.aws_message, "m" + std::to_string(sh));
        EXPECT_EQ(e.http_status, st);
        EXPECT_EQ(e.request_id.rfind("req-", 0), 0u);
        EXPECT_EQ(e.is_not_found(), c == "ResourceNotFoundException");
      }
    }
  }
  // Retried errors (500 ConcurrentModification) cost extra calls; all others exactly one each.
  EXPECT_EQ(fake.count(), static_cast<int>(errors.size() * 3 + 3 * 2));
}

TEST(CloudControlClient, ThrottlingShrinksConcurrencyAndSuccessRestoresIt) {
  std::atomic<bool> throttle{true};
  FakeCloudControl fake([&](int, const Seen&, httplib::Response& res) {
    if (throttle) return fail(res, 400, "ThrottlingException", "Rate exceeded");
    reply(res, {{"ResourceDescription", {{"Identifier", "x"}, {"Properties", "{}"}}}});
  });
  auto o = fast_options(fake.url());
  o.max_concurrency = 8;
  o.max_concurrency_per_region = 8;
  o.max_attempts = 1;
  auto client = make_client(fake.url(), o);
  EXPECT_THROW(client.get_resource(kRegion, "T", "x"), CloudControlError);
  EXPECT_EQ(client.concurrency_limit(kRegion), 4);
  EXPECT_EQ(client.concurrency_limit("eu-west-1"), 8) << "other regions are not slowed down";
  throttle = false;
  for (int i = 0; i < 60; ++i) client.get_resource(kRegion, "T", "x");
  EXPECT_EQ(client.concurrency_limit(kRegion), 8);
}

TEST(CloudControlClient, ManyCallsInFlightAtOnce) {
  std::atomic<int> in_flight{0}, peak{0};
  FakeCloudControl fake(
      [&](int, const Seen& s, httplib::Response& res) {
        int now = ++in_flight;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        --in_flight;
        reply(res, {{"ResourceDescription", {{"Identifier", s.body["Identifier"]}, {"Properties", "{}"}}}});
      },
      32);
  auto o = fast_options(fake.url());
  o.max_concurrency = 10;
  auto client = make_client(fake.url(), o);
  std::vector<std::future<ResourceDescription>> futures;
  for (int i = 0; i < 40; ++i) futures.push_back(client.get_resource_async(kRegion, "T", "id" + std::to_string(i)));
  for (int i = 0; i < 40; ++i) EXPECT_EQ(futures[i].get().identifier, "id" + std::to_string(i));
  EXPECT_GT(peak.load(), 5);
  EXPECT_LE(peak.load(), 10) << "global concurrency limit exceeded";
}

class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
    for (const auto& n : names_) {
      const char* v = std::getenv(n.c_str());
      saved_.push_back(v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(n.c_str());
    }
  }
  ~EnvGuard() {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i]) setenv(names_[i].c_str(), saved_[i]->c_str(), 1);
      else unsetenv(names_[i].c_str());
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::optional<std::string>> saved_;
};

TEST(CloudControlEndpoint, Precedence) {
  EnvGuard guard({"AWS_ENDPOINT_URL_CLOUDCONTROL", "AWS_ENDPOINT_URL"});
  EXPECT_EQ(resolve_endpoint("us-east-1"), "https://cloudcontrolapi.us-east-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint("cn-north-1"), "https://cloudcontrolapi.cn-north-1.amazonaws.com.cn");
  setenv("AWS_ENDPOINT_URL", "http://global:1", 1);
  EXPECT_EQ(resolve_endpoint("us-east-1"), "http://global:1");
  setenv("AWS_ENDPOINT_URL_CLOUDCONTROL", "http://service:2", 1);
  EXPECT_EQ(resolve_endpoint("us-east-1"), "http://service:2");
  EXPECT_EQ(resolve_endpoint("us-east-1", "http://explicit:3"), "http://explicit:3");
  unsetenv("AWS_ENDPOINT_URL_CLOUDCONTROL");
  unsetenv("AWS_ENDPOINT_URL");
  EXPECT_THROW(resolve_endpoint(""), std::runtime_error);
}

TEST(CloudControlEndpoint, EnvironmentEndpointReachesServer) {
  EnvGuard guard({"AWS_ENDPOINT_URL_CLOUDCONTROL", "AWS_ENDPOINT_URL"});
  FakeCloudControl fake([](int, const Seen&, httplib::Response& res) {
    reply(res, {{"ProgressEvent", progress("SUCCESS")}});
  });
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);  // would fail: the service-specific one must win
  setenv("AWS_ENDPOINT_URL_CLOUDCONTROL", fake.url().c_str(), 1);
  ClientOptions o = fast_options("");
  o.endpoint_url.clear();
  CloudControlClient client(CredentialsProvider::fixed(kCreds), o);
  EXPECT_EQ(client.get_resource_request_status(kRegion, "tok-1").operation_status, "SUCCESS");
  EXPECT_EQ(fake.count(), 1);
}

TEST(CloudControlHttpLog, RedactsSecretsAndWriteOnlyProperties) {
  FakeCloudControl fake([](int i, const Seen&, httplib::Response& res) {
    if (i == 0) return fail(res, 500, "ServiceInternalErrorException");
    json ev = progress("SUCCESS");
    ev["ResourceModel"] = R"({"Name":"db1","MasterUserPassword":"hunter2"})";
    reply(res, {{"ProgressEvent", ev}});
  });
  std::string log;
  std::mutex m;
  auto o = fast_options(fake.url());
  o.http_log = true;
  o.redact_properties = {"MasterUserPassword"};
  o.log_sink = [&](const std::string& s) {
    std::lock_guard lock(m);
    log += s;
  };
  Credentials temp = kCreds;
  temp.session_token = "SESSIONTOKENVALUE";
  CloudControlClient client(CredentialsProvider::fixed(temp), o);
  client.create_resource(kRegion, "AWS::RDS::DBInstance", R"({"Name":"db1","MasterUserPassword":"hunter2"})");
  client.update_resource(kRegion, "AWS::RDS::DBInstance", "db1",
                         R"([{"op":"replace","path":"/MasterUserPassword","value":"hunter3"}])");
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  EXPECT_EQ(log.find("hunter3"), std::string::npos) << log;
  EXPECT_EQ(log.find("SESSIONTOKENVALUE"), std::string::npos);
  EXPECT_EQ(log.find(kCreds.secret_access_key), std::string::npos);
  for (const auto& s : fake.seen()) {
    std::string sig = s.authorization.substr(s.authorization.find("Signature=") + 10);
    EXPECT_EQ(log.find(sig), std::string::npos) << "signature leaked";
  }
  EXPECT_NE(log.find("db1"), std::string::npos);
  EXPECT_NE(log.find("CloudApiService.CreateResource"), std::string::npos);
  EXPECT_NE(log.find("attempt 2/3"), std::string::npos);
  EXPECT_NE(log.find(" ms"), std::string::npos);
  EXPECT_NE(log.find("500"), std::string::npos);
}

TEST(CloudControlHttpLog, OffByDefault) {
  FakeCloudControl fake([](int, const Seen&, httplib::Response& res) { reply(res, {{"ProgressEvent", progress("SUCCESS")}}); });
  std::string log;
  auto o = fast_options(fake.url());
  o.log_sink = [&](const std::string& s) { log += s; };
  CloudControlClient client(CredentialsProvider::fixed(kCreds), o);
  client.get_resource_request_status(kRegion, "tok-1");
  EXPECT_TRUE(log.empty());
}

TEST(ProgressEventJson, RoundTripsAwsFieldNames) {
  json j = progress("IN_PROGRESS");
  j["RetryAfter"] = 1700000100;
  j["ResourceModel"] = R"({"A":1})";
  auto e = ProgressEvent::from_json(j);
  EXPECT_EQ(e.retry_after.value(), 1700000100);
  EXPECT_EQ(e.to_json()["ResourceModel"], R"({"A":1})");
  EXPECT_EQ(e.to_json()["OperationStatus"], "IN_PROGRESS");
  EXPECT_DOUBLE_EQ(e.to_json()["EventTime"].get<double>(), 1700000000.5);
}

}  // namespace
