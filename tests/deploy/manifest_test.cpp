#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "deploy/deploy.h"
#include "deploy/manifest.h"

namespace skyql::deploy {
namespace {

// The manifest shown on the seed page, taken from the page itself.
std::string seed_manifest() {
  std::ifstream in(std::string(SKYQL_SHARED_DIR) + "/seed/awscc-events-connections.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string page = ss.str();
  auto start = page.find("```yaml\n");
  auto end = page.find("```", start + 8);
  EXPECT_NE(start, std::string::npos);
  return page.substr(start + 8, end - start - 8);
}

TEST(Manifest, ParsesTheSeedPageManifest) {
  Manifest m = parse_manifest(seed_manifest(), "seed.yml");
  EXPECT_EQ(m.name, "stack name");
  EXPECT_EQ(m.providers, std::vector<std::string>{"aws"});
  ASSERT_EQ(m.globals.size(), 1u);
  EXPECT_EQ(m.globals[0].value, "{{ vars.AWS_REGION }}");
  ASSERT_EQ(m.resources.size(), 1u);
  const Resource& r = m.resources[0];
  EXPECT_EQ(r.name, "connection");
  EXPECT_EQ(r.type, "resource");
  EXPECT_EQ(r.file, "connection.iql");
  ASSERT_EQ(r.props.size(), 6u);
  EXPECT_EQ(r.props[3].name, "AuthParameters");
  const Json& auth = *r.props[3].value;
  EXPECT_EQ(auth["ApiKeyAuthParameters"]["ApiKeyName"], "{{ ApiKeyName }}");
  EXPECT_TRUE(auth["InvocationHttpParameters"].is_null());
  EXPECT_TRUE(auth["OAuthParameters"]["OAuthHttpParameters"]["QueryStringParameters"][0].is_null());
  EXPECT_EQ(auth["OAuthParameters"]["OAuthHttpParameters"]["HeaderParameters"][0]["IsValueSecret"],
            "{{ IsValueSecret }}");
  // Key order is the document's, as Python keeps it.
  EXPECT_EQ(auth.begin().key(), "ApiKeyAuthParameters");
  EXPECT_TRUE((*r.props[4].value)["ResourceParameters"].is_null());
}

TEST(Manifest, YamlErrorNamesLineAndColumn) {
  std::string text = "name: x\nresources:\n  - name: a\n    props: [\n";
  try {
    parse_manifest(text, "stack/stackql_manifest.yml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^stack/stackql_manifest\.yml:\d+:\d+: YAML error: )"))) << msg;
  }
  try {
    parse_manifest("name: x\nresources:\n  - name: a\n   bad: indentation\n", "m.yml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m.yml:4:"), std::string::npos) << e.what();
  }
}

TEST(Manifest, PlainScalarsAreTypedQuotedOnesStayStrings) {
  Json j = yaml_to_json("a: 1\nb: '1'\nc: true\nd: 'true'\ne: 1.5\nf: ~\ng: hello\nh: \"\"\ni: 0777x\n");
  EXPECT_EQ(j["a"], 1);
  EXPECT_EQ(j["b"], "1");
  EXPECT_EQ(j["c"], true);
  EXPECT_EQ(j["d"], "true");
  EXPECT_EQ(j["e"], 1.5);
  EXPECT_TRUE(j["f"].is_null());
  EXPECT_EQ(j["g"], "hello");
  EXPECT_EQ(j["h"], "");
  EXPECT_EQ(j["i"], "0777x");
}

TEST(Manifest, ResourceFields) {
  Manifest m = parse_manifest(R"(
name: s
globals:
  - name: region
    value: us-east-1
  - name: secret
    value: x
    protected: true
resources:
  - name: a
    type: query
    file: shared.iql
    if: "'{{ stack_env }}' == 'prd'"
    skip_validation: true
    sql: SELECT 1 AS one
    exports:
      - {one: first}
      - {two: second}
    protected: [first]
  - name: b
    type: script
    run: echo '{}'
    props:
      - name: cidr
        values:
          dev:
            value: 10.0.0.0/16
          prd: {value: 10.1.0.0/16}
      - name: tags
        value: [{Key: a, Value: b}]
        merge: [global_tags]
exports: [first]
)", "m.yml");
  ASSERT_EQ(m.resources.size(), 2u);
  const Resource& a = m.resources[0];
  EXPECT_EQ(a.type, "query");
  EXPECT_EQ(a.file, "shared.iql");
  EXPECT_EQ(*a.condition, "'{{ stack_env }}' == 'prd'");
  EXPECT_TRUE(a.skip_validation);
  EXPECT_EQ(*a.sql, "SELECT 1 AS one");
  ASSERT_EQ(a.exports.size(), 2u);
  EXPECT_EQ(a.exports[1].column, "two");
  EXPECT_EQ(a.exports[1].alias, "second");
  EXPECT_EQ(a.protected_names, std::vector<std::string>{"first"});
  EXPECT_TRUE(m.globals[1].is_protected);
  const Resource& b = m.resources[1];
  EXPECT_EQ(b.props[0].values.at("prd"), "10.1.0.0/16");
  EXPECT_EQ(b.props[1].merge, std::vector<std::string>{"global_tags"});
  EXPECT_EQ(m.exports, std::vector<std::string>{"first"});
}

TEST(Manifest, RejectsBadStructureWithPosition) {
  auto error_of = [](const std::string& text) {
    try {
      parse_manifest(text, "m.yml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("name: s\nresources:\n  - name: a\n    type: lambda\n").find("m.yml:4:11: resource 'a' has type 'lambda'"),
            std::string::npos);
  EXPECT_NE(error_of("name: s\nresources:\n  - name: a\n  - name: a\n").find("used twice"), std::string::npos);
  EXPECT_NE(error_of("name: s\n").find("needs a 'resources' list"), std::string::npos);
  EXPECT_NE(error_of("name: s\nresources:\n  - name: a\n    props:\n      - name: p\n").find("neither 'value' nor 'values'"),
            std::string::npos);
  EXPECT_NE(error_of("name: s\nresources:\n  - name: a\n    exports: [x, {y: z}]\n").find("mix names"), std::string::npos);
}

TEST(Iql, SplitsAnchorsWithOptions) {
  auto q = parse_iql(R"(-- leading comment, ignored
/*+ exists */
SELECT COUNT(*) as count FROM awscc.s3.buckets
WHERE data__Identifier = '{{ name }}';

/*+ create */
INSERT INTO awscc.s3.buckets (BucketName, region)
SELECT '{{ name }}', '{{ region }}';

/*+ statecheck, retries=5, retry_delay=10 */
SELECT COUNT(*) as count FROM x;
/*+ delete, postdelete_retries=3, postdelete_retry_delay=1 */
DELETE FROM awscc.s3.buckets WHERE data__Identifier = '{{ name }}' AND region = '{{ region }}'
)", "b.iql");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q.at("exists").sql, "SELECT COUNT(*) as count FROM awscc.s3.buckets\nWHERE data__Identifier = '{{ name }}';");
  EXPECT_EQ(q.at("exists").retries, 1);
  EXPECT_EQ(q.at("exists").retry_delay, 0);
  EXPECT_EQ(q.at("create").line, 6);
  EXPECT_EQ(q.at("statecheck").retries, 5);
  EXPECT_EQ(q.at("statecheck").retry_delay, 10);
  EXPECT_EQ(q.at("delete").postdelete_retries, 3);
  EXPECT_EQ(q.at("delete").postdelete_retry_delay, 1);
  EXPECT_EQ(q.at("create").postdelete_retries, 10);
}

TEST(Iql, LegacyAnchorNamesAndHintsInsideStatements) {
  auto q = parse_iql("/*+ preflight */\nSELECT 1 as count;\n/*+ POSTDEPLOY, retries=2 */\nSELECT 1 as count;\n"
                     "/*+ createorupdate */\nINSERT /*+ AWAIT */ INTO t SELECT 1;\n",
                     "x.iql");
  EXPECT_TRUE(q.count("exists"));
  EXPECT_EQ(q.at("statecheck").retries, 2);
  EXPECT_EQ(q.at("createorupdate").sql, "INSERT /*+ AWAIT */ INTO t SELECT 1;");
}

TEST(Iql, BadOptionIsAnErrorWithLine) {
  try {
    parse_iql("\n/*+ statecheck, retries=many */\nSELECT 1;\n", "r.iql");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "r.iql:2: anchor 'statecheck' option 'retries' must be a whole number of attempts, got 'many'");
  }
}

}  // namespace
}  // namespace skyql::deploy
