#include <gtest/gtest.h>

#include "deploy/context.h"
#include "deploy/deploy.h"
#include "deploy/manifest.h"

namespace skyql::deploy {
namespace {

struct ContextTest : ::testing::Test {
  std::unique_ptr<Renderer> r = make_jinja_renderer(false);
  Masker masker;
  Variables vars;
};

TEST_F(ContextTest, GlobalsRenderInOrderFromVariables) {
  Manifest m = parse_manifest(R"(
name: s
globals:
  - name: region
    value: "{{ AWS_REGION }}"
  - name: prefix
    value: "{{ stack_name }}-{{ stack_env }}-{{ region }}"
  - name: from_vars
    value: "{{ vars.AWS_REGION }}"
  - name: tags
    value:
      - Key: env
        Value: "{{ stack_env }}"
  - name: count
    value: 3
  - name: flag
    value: true
resources: [{name: a}]
)", "m.yml");
  vars.all["AWS_REGION"] = "eu-west-1";
  Json ctx = render_globals(*r, m, vars, "s", "dev", masker);
  EXPECT_EQ(ctx["region"], "eu-west-1");
  EXPECT_EQ(ctx["prefix"], "s-dev-eu-west-1");
  EXPECT_EQ(ctx["from_vars"], "eu-west-1");
  EXPECT_EQ(ctx["tags"], R"([{"Key":"env","Value":"dev"}])");
  EXPECT_EQ(ctx["count"], 3);
  EXPECT_EQ(ctx["flag"], "true");
  // Environment variables feed globals, but are not top-level names for props and queries.
  EXPECT_FALSE(ctx.contains("AWS_REGION"));
  EXPECT_EQ(ctx["vars"]["AWS_REGION"], "eu-west-1");
}

TEST_F(ContextTest, EmptyGlobalIsAnError) {
  Manifest m = parse_manifest("name: s\nglobals:\n  - name: region\n    value: '{{ AWS_REGION }}'\nresources: [{name: a}]\n", "m.yml");
  try {
    render_globals(*r, m, vars, "s", "dev", masker);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m.yml:3 (global 'region'): renders empty"), std::string::npos) << e.what();
  }
}

TEST_F(ContextTest, PropsValueValuesAndMerge) {
  Manifest m = parse_manifest(R"(
name: s
globals:
  - name: global_tags
    value:
      - Key: stack
        Value: "{{ stack_name }}"
  - name: base_obj
    value: {a: 1, b: 2}
resources:
  - name: vpc
    protected: [password]
    props:
      - name: cidr
        values:
          dev: {value: 10.2.0.0/16}
          prd: {value: 10.0.0.0/16}
      - name: name
        value: "{{ stack_name }}-{{ stack_env }}-{{ resource_name }}"
      - name: derived
        value: "{{ name }}-x"
      - name: tags
        value:
          - Key: Name
            Value: "{{ name }}"
        merge: [global_tags]
      - name: obj
        value: {b: 3, c: "{{ cidr }}"}
        merge: [base_obj]
      - name: nested
        value:
          Tags: "{{ global_tags }}"
          Enabled: "{{ 1 == 1 }}"
      - name: password
        value: hunter2
)", "m.yml");
  vars.explicit_["unused"] = "x";
  Json base = render_globals(*r, m, vars, "s", "dev", masker);
  Json ctx = resource_context(*r, m, m.resources[0], base, "dev", "tok-1", masker);
  EXPECT_EQ(ctx["cidr"], "10.2.0.0/16");
  EXPECT_EQ(ctx["name"], "s-dev-vpc");
  EXPECT_EQ(ctx["derived"], "s-dev-vpc-x");
  EXPECT_EQ(ctx["tags"], R"([{"Key":"Name","Value":"s-dev-vpc"},{"Key":"stack","Value":"s"}])");
  // merge: the merged object's keys win, as stackql-deploy's {**base, **merge}.
  EXPECT_EQ(ctx["obj"], R"({"b":2,"c":"10.2.0.0/16","a":1})");
  // A member rendering to JSON is embedded, booleans render lower case.
  EXPECT_EQ(ctx["nested"], R"({"Tags":[{"Key":"stack","Value":"s"}],"Enabled":"true"})");
  EXPECT_EQ(ctx["idempotency_token"], "tok-1");
  EXPECT_EQ(ctx["resource_name"], "vpc");
  EXPECT_EQ(masker.mask("pw=hunter2;"), "pw=****;");

  Json prd = resource_context(*r, m, m.resources[0], base, "prd", "t", masker);
  EXPECT_EQ(prd["cidr"], "10.0.0.0/16");
  try {
    resource_context(*r, m, m.resources[0], base, "sit", "t", masker);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("prop 'cidr'): no value for environment 'sit'"), std::string::npos) << e.what();
  }
}

TEST_F(ContextTest, MergeOfUnknownOrMismatchedIsAnError) {
  Manifest m = parse_manifest(R"(
name: s
globals: [{name: obj, value: {a: 1}}]
resources:
  - name: r
    props:
      - {name: p, value: [1], merge: [missing]}
  - name: q
    props:
      - {name: p, value: [1], merge: [obj]}
)", "m.yml");
  Json base = render_globals(*r, m, vars, "s", "dev", masker);
  EXPECT_THROW(resource_context(*r, m, m.resources[0], base, "dev", "t", masker), InputError);
  EXPECT_THROW(resource_context(*r, m, m.resources[1], base, "dev", "t", masker), InputError);
}

TEST_F(ContextTest, UndefinedRendersEmptyUnlessStrict) {
  Manifest m = parse_manifest("name: s\nresources:\n  - name: a\n    props:\n      - {name: p, value: 'x{{ nope }}y'}\n",
                              "stack/stackql_manifest.yml");
  Json base = render_globals(*r, m, vars, "s", "dev", masker);
  EXPECT_EQ(resource_context(*r, m, m.resources[0], base, "dev", "t", masker)["p"], "xy");
  auto strict = make_jinja_renderer(true);
  try {
    resource_context(*strict, m, m.resources[0], base, "dev", "t", masker);
    FAIL();
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("stack/stackql_manifest.yml:5"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nope"), std::string::npos) << msg;
  }
}

TEST(EnvFile, ParsesDotenvLines) {
  auto kv = parse_env_file("# comment\nAWS_REGION=us-east-1\nexport NAME = \"my name\"\nQ='a#b'\nX=1 # trailing\n\nBAD\n");
  ASSERT_EQ(kv.size(), 4u);
  EXPECT_EQ(kv[0], (std::pair<std::string, std::string>{"AWS_REGION", "us-east-1"}));
  EXPECT_EQ(kv[1], (std::pair<std::string, std::string>{"NAME", "my name"}));
  EXPECT_EQ(kv[2].second, "a#b");
  EXPECT_EQ(kv[3].second, "1");
}

TEST(Variables, CommandLineBeatsEnvFile) {
  std::string path = ::testing::TempDir() + "/h6_vars.env";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("A=file\nB=file\n", f);
    std::fclose(f);
  }
  Options o;
  o.include_process_env = false;
  o.env_file = path;
  o.vars = {{"B", "cli"}};
  Variables v = load_variables(o);
  EXPECT_EQ(v.all["A"], "file");
  EXPECT_EQ(v.explicit_["B"], "cli");
  o.env_file = path + ".missing";
  EXPECT_THROW(load_variables(o), InputError);
}

TEST(Masker, MasksEveryOccurrence) {
  Masker m;
  m.add("s3cr3t");
  m.add_json(Json::parse(R"({"k":"v"})"));
  EXPECT_EQ(m.mask("a s3cr3t b s3cr3t {\"k\":\"v\"}"), "a **** b **** ****");
  m.add("");
  EXPECT_EQ(m.mask("plain"), "plain");
}

TEST(Uuid, IsVersion4) {
  std::string u = uuid4();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(u, uuid4());
}

}  // namespace
}  // namespace skyql::deploy
