// AWS client costs (docs/BENCHMARKS.md, "AWS client"):
//  - CPU per Cloud Control request: serialize + SigV4 sign + parse a 100-item ListResources page;
//  - fan-out: 200 GetResource calls against a loopback server answering after 50 ms, concurrency 50.
#include <benchmark/benchmark.h>

#include "../tests/aws/loopback_server.h"
#include "aws/cloudcontrol.h"
#include "aws/sigv4.h"

using namespace skyql::aws;

namespace {

const Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FQoGZXIvYXdzEXAMPLETOKEN", {}, "bench"};

std::string list_page_body(int items) {
  nlohmann::json descriptions = nlohmann::json::array();
  for (int i = 0; i < items; ++i) {
    nlohmann::json props = {{"LogGroupName", "/aws/lambda/function-" + std::to_string(i)},
                            {"Arn", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/function-" + std::to_string(i) + ":*"},
                            {"RetentionInDays", 14},
                            {"DataProtectionPolicy", nlohmann::json::object()},
                            {"Tags", {{{"Key", "team"}, {"Value", "platform"}}, {{"Key", "env"}, {"Value", "prod"}}}}};
    descriptions.push_back({{"Identifier", "/aws/lambda/function-" + std::to_string(i)}, {"Properties", props.dump()}});
  }
  return nlohmann::json{{"TypeName", "AWS::Logs::LogGroup"}, {"ResourceDescriptions", descriptions}, {"NextToken", "tok-2"}}.dump();
}

HttpRequest list_request(const std::string& next_token) {
  nlohmann::json req = {{"TypeName", "AWS::Logs::LogGroup"}, {"NextToken", next_token}};
  HttpRequest r;
  r.method = "POST";
  r.path = "/";
  r.body = req.dump();
  r.headers = {{"Host", "cloudcontrolapi.us-east-1.amazonaws.com"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "CloudApiService.ListResources"},
               {"amz-sdk-invocation-id", "5d7c1b0e-8a3e-4c43-9c55-3f1f2d0e9a11"},
               {"amz-sdk-request", "attempt=1; max=3"}};
  return r;
}

SigningParams params() {
  SigningParams p;
  p.region = "us-east-1";
  p.service = "cloudcontrolapi";
  return p;
}

void BM_SignOnly(benchmark::State& state) {
  SigningParams p = params();
  for (auto _ : state) {
    HttpRequest r = list_request("tok-1");
    benchmark::DoNotOptimize(sign(r, kCreds, p));
  }
}
BENCHMARK(BM_SignOnly);

void BM_ParseListPage100(benchmark::State& state) {
  std::string body = list_page_body(100);
  for (auto _ : state) benchmark::DoNotOptimize(parse_list_resources(body));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseListPage100);

// The whole per-request CPU cost of one ListResources page of 100 items.
void BM_SignSerializeParseListPage100(benchmark::State& state) {
  std::string body = list_page_body(100);
  SigningParams p = params();
  for (auto _ : state) {
    HttpRequest r = list_request("tok-1");
    benchmark::DoNotOptimize(sign(r, kCreds, p));
    auto page = parse_list_resources(body);
    benchmark::DoNotOptimize(page);
  }
  state.counters["page_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_SignSerializeParseListPage100);

// 200 GetResource calls, 50 in flight, server answers after 50 ms: ideal wall time 4 x 50 ms = 200 ms.
void BM_GetResourceFanout200(benchmark::State& state) {
  skyql::testing::LoopbackServer server(
      [](const httplib::Request& req, httplib::Response& res) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        auto in = nlohmann::json::parse(req.body);
        res.set_content(nlohmann::json{{"TypeName", in["TypeName"]},
                                       {"ResourceDescription", {{"Identifier", in["Identifier"]}, {"Properties", "{}"}}}}
                            .dump(),
                        "application/x-amz-json-1.0");
      },
      64);
  ClientOptions o;
  o.endpoint_url = server.url();
  o.max_concurrency = 50;
  o.max_concurrency_per_region = 50;
  CloudControlClient client(CredentialsProvider::fixed(kCreds), o);
  auto fan_out = [&] {
    std::vector<std::future<ResourceDescription>> futures;
    futures.reserve(200);
    for (int i = 0; i < 200; ++i)
      futures.push_back(client.get_resource_async("us-east-1", "AWS::Logs::LogGroup", "lg-" + std::to_string(i)));
    for (auto& f : futures) benchmark::DoNotOptimize(f.get());
  };
  // Warm-up round: worker threads and 50 keep-alive connections. (cpp-httplib listens with a backlog of
  // 5, so 50 simultaneous connects to it lose SYNs and retry after 1 s; AWS endpoints do not.)
  auto cold_start = std::chrono::steady_clock::now();
  fan_out();
  double cold_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - cold_start).count();
  for (auto _ : state) fan_out();
  state.counters["cold_ms"] = cold_ms;
  state.counters["ideal_ms"] = 200;
}
BENCHMARK(BM_GetResourceFanout200)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
