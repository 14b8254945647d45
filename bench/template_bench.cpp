// Template engine throughput: parsing and rendering a stackql-deploy style resource file (the seed page's
// UPDATE with generate_patch_document plus a loop over tags), and a large context conversion.
#include <benchmark/benchmark.h>

#include "template/template.h"

namespace {

namespace tpl = skyql::templating;

const char* kResource = R"(/*+ exists */
SELECT COUNT(*) as count FROM awscc.events.connections
WHERE region = '{{ region }}' AND data__Identifier = '{{ name }}';

/*+ create */
INSERT INTO awscc.events.connections (Name, Description, AuthorizationType, AuthParameters, Tags, region)
SELECT '{{ name }}', '{{ description | sql_escape }}', '{{ authorization_type }}',
 '{{ auth_parameters | tojson }}',
 '[{% for t in tags %}{"Key": "{{ t.Key }}", "Value": "{{ t.Value }}"}{{ "," if not loop.last }}{% endfor %}]',
 '{{ region }}';

/*+ update */
UPDATE awscc.events.connections
SET data__PatchDocument = string('{{ {
    "Description": description,
    "AuthorizationType": authorization_type,
    "KmsKeyIdentifier": kms_key_identifier
} | generate_patch_document }}')
WHERE region = '{{ region }}' AND data__Identifier = '{{ name }}';
)";

tpl::Json context() {
  tpl::Json tags = tpl::Json::array();
  for (int k = 0; k < 10; ++k) tags.push_back({{"Key", "k" + std::to_string(k)}, {"Value", "v" + std::to_string(k)}});
  return {{"region", "us-east-1"},
          {"name", "conn-1"},
          {"description", "it's a connection"},
          {"authorization_type", "API_KEY"},
          {"kms_key_identifier", ""},
          {"auth_parameters", {{"ApiKeyAuthParameters", {{"ApiKeyName", "x-api-key"}, {"ApiKeyValue", "s"}}}}},
          {"tags", tags}};
}

void BM_TemplateParse(benchmark::State& state) {
  tpl::Environment env;
  for (auto _ : state) benchmark::DoNotOptimize(env.parse(kResource, "connection.iql"));
}
BENCHMARK(BM_TemplateParse);

void BM_TemplateRenderParsed(benchmark::State& state) {
  tpl::Environment env;
  tpl::Template t = env.parse(kResource, "connection.iql");
  tpl::Json ctx = context();
  for (auto _ : state) benchmark::DoNotOptimize(t.render(ctx));
}
BENCHMARK(BM_TemplateRenderParsed);

void BM_TemplateParseAndRender(benchmark::State& state) {
  tpl::Environment env;
  tpl::Json ctx = context();
  for (auto _ : state) benchmark::DoNotOptimize(env.render(kResource, ctx, "connection.iql"));
}
BENCHMARK(BM_TemplateParseAndRender);

// A context with many variables (an --iqldata file): conversion cost is paid per render.
void BM_TemplateLargeContext(benchmark::State& state) {
  tpl::Environment env;
  tpl::Template t = env.parse("{{ v500 }}", "x");
  tpl::Json ctx = tpl::Json::object();
  for (int k = 0; k < state.range(0); ++k) ctx["v" + std::to_string(k)] = {{"a", k}, {"b", "text"}};
  for (auto _ : state) benchmark::DoNotOptimize(t.render(ctx));
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_TemplateLargeContext)->Arg(1000)->Arg(10000)->Complexity();

}  // namespace

BENCHMARK_MAIN();
