// The lifecycle's decisions over a scripted StatementRunner: a tiny table of named things that answers
// the statements the test stacks use. The real engine and emulator are exercised by the e2e tests.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "deploy/deploy.h"
#include "deploy/engine_runner.h"

namespace skyql::deploy {
namespace {

namespace fs = std::filesystem;

// Statements (see kIql): COUNT by name [and size], INSERT name/size, UPDATE size, DELETE, SELECT arn.
class FakeCloud : public StatementRunner {
 public:
  std::map<std::string, int> things;  // name -> size
  std::vector<std::string> statements;
  std::string fail_on;  // a create of this name fails

  output::ResultSet run(const std::string& sql) override {
    statements.push_back(sql);
    std::smatch m;
    static const std::regex count_re(R"(SELECT COUNT\(\*\) AS count FROM things WHERE name = '([^']*)'(?: AND size = (\d+))?)");
    static const std::regex insert_re(R"(INSERT INTO things \(name, size\) SELECT '([^']*)', (\d+))");
    static const std::regex update_re(R"(UPDATE things SET size = (\d+) WHERE name = '([^']*)')");
    static const std::regex delete_re(R"(DELETE FROM things WHERE name = '([^']*)')");
    static const std::regex arn_re(R"(SELECT 'arn:' \|\| name AS arn FROM things WHERE name = '([^']*)')");
    output::ResultSet rs;
    if (std::regex_search(sql, m, count_re)) {
      auto it = things.find(m[1]);
      bool match = it != things.end() && (!m[2].matched || it->second == std::stoi(m[2]));
      rs.columns = {"count"};
      rs.rows.push_back({output::Cell::integer(match ? 1 : 0)});
    } else if (std::regex_search(sql, m, insert_re)) {
      if (m[1] == fail_on) throw StatementError("ValidationException: Model validation failed (#/Size: bad)", "ValidationException");
      things[m[1]] = std::stoi(m[2]);
    } else if (std::regex_search(sql, m, update_re)) {
      things[m[2]] = std::stoi(m[1]);
    } else if (std::regex_search(sql, m, delete_re)) {
      if (!things.erase(m[1])) throw StatementError("ResourceNotFoundException: not found", "ResourceNotFoundException");
    } else if (std::regex_search(sql, m, arn_re)) {
      rs.columns = {"arn"};
      if (things.count(m[1])) rs.rows.push_back({output::Cell::string("arn:" + std::string(m[1]))});
    } else {
      throw StatementError("fake cloud does not understand: " + sql);
    }
    return rs;
  }
  int mutations() const {
    int n = 0;
    for (const auto& s : statements)
      if (s.rfind("SELECT", 0) != 0) ++n;
    return n;
  }
};

constexpr const char* kIql = R"(/*+ exists */
SELECT COUNT(*) AS count FROM things WHERE name = '{{ name }}';
/*+ statecheck */
SELECT COUNT(*) AS count FROM things WHERE name = '{{ name }}' AND size = {{ size }};
/*+ create */
INSERT INTO things (name, size) SELECT '{{ name }}', {{ size }};
/*+ update */
UPDATE things SET size = {{ size }} WHERE name = '{{ name }}';
/*+ exports */
SELECT 'arn:' || name AS arn FROM things WHERE name = '{{ name }}';
/*+ delete */
DELETE FROM things WHERE name = '{{ name }}';
)";

struct LifecycleTest : ::testing::Test {
  fs::path dir;
  FakeCloud cloud;
  std::unique_ptr<Renderer> renderer = make_jinja_renderer(false);
  std::ostringstream out;

  void SetUp() override {
    dir = fs::path(::testing::TempDir()) / ("h6_stack_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "resources");
  }
  void TearDown() override { fs::remove_all(dir); }

  void write(const std::string& rel, const std::string& text) { std::ofstream(dir / rel) << text; }

  // Three things; b and c take the previous one's exported arn into their name.
  void three_stack(int size_of_c = 3) {
    write("stackql_manifest.yml", R"(
name: three
globals:
  - name: prefix
    value: "{{ stack_name }}-{{ stack_env }}"
resources:
  - name: a
    file: thing.iql
    props:
      - {name: name, value: "{{ prefix }}-a"}
      - {name: size, value: 1}
    exports: [{arn: a_arn}]
  - name: b
    file: thing.iql
    props:
      - {name: name, value: "b-from-{{ a_arn }}"}
      - {name: size, value: 2}
    exports: [{arn: b_arn}]
  - name: c
    file: thing.iql
    props:
      - {name: name, value: "c-from-{{ b.b_arn }}"}
      - {name: size, value: )" + std::to_string(size_of_c) + R"(}
    exports: [{arn: c_arn}]
exports: [a_arn, c_arn]
)");
    write("resources/thing.iql", kIql);
  }

  Options options() {
    Options o;
    o.stack_dir = dir.string();
    o.stack_env = "dev";
    o.include_process_env = false;
    return o;
  }
  Summary go(Command c, Options o) { return run(c, o, o.dry_run ? nullptr : &cloud, *renderer, out); }
  Summary go(Command c) { return go(c, options()); }
  Action action_of(const Summary& s, const std::string& name) {
    for (const auto& r : s.resources)
      if (r.resource == name) return r.action;
    return Action::Failed;
  }
};

TEST_F(LifecycleTest, BuildCreatesThenNoChangeThenUpdatesThenTeardown) {
  three_stack();
  Summary s = go(Command::Build);
  ASSERT_TRUE(s.ok) << s.error << out.str();
  EXPECT_EQ(action_of(s, "a"), Action::Created);
  EXPECT_EQ(action_of(s, "c"), Action::Created);
  // Exports feed later resources, by name and as RESOURCE.NAME.
  EXPECT_EQ(cloud.things.count("b-from-arn:three-dev-a"), 1u);
  EXPECT_EQ(cloud.things.count("c-from-arn:b-from-arn:three-dev-a"), 1u);
  EXPECT_EQ(s.exports["a_arn"], "arn:three-dev-a");
  EXPECT_EQ(s.exports["c_arn"], "arn:c-from-arn:b-from-arn:three-dev-a");
  // Every mutation carries AWAIT when it reaches the engine.
  EXPECT_EQ(with_await(cloud.statements[1]).rfind("/*+ AWAIT */ INSERT", 0), 0u) << cloud.statements[1];

  int before = cloud.mutations();
  s = go(Command::Build);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(action_of(s, "a"), Action::Unchanged);
  EXPECT_EQ(action_of(s, "c"), Action::Unchanged);
  EXPECT_EQ(cloud.mutations(), before);

  three_stack(30);
  s = go(Command::Plan);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(action_of(s, "a"), Action::Unchanged);
  EXPECT_EQ(action_of(s, "c"), Action::WouldUpdate);
  ASSERT_EQ(s.resources[2].statements.size(), 1u);
  EXPECT_NE(s.resources[2].statements[0].find("SET size = 30"), std::string::npos);
  EXPECT_EQ(cloud.mutations(), before);
  EXPECT_NE(out.str().find("plan: c update"), std::string::npos);

  s = go(Command::Build);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(action_of(s, "c"), Action::Updated);
  EXPECT_EQ(cloud.things["c-from-arn:b-from-arn:three-dev-a"], 30);

  s = go(Command::Test);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(action_of(s, "c"), Action::Tested);

  s = go(Command::Teardown);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_TRUE(cloud.things.empty());
  // Reverse order: c is deleted first.
  EXPECT_EQ(s.resources[0].resource, "c");
  EXPECT_EQ(s.resources[0].action, Action::Deleted);

  s = go(Command::Test);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.error, "resource 'a', anchor 'exists': the resource does not exist");
}

TEST_F(LifecycleTest, RollbackDeletesWhatThisRunCreatedNewestFirst) {
  three_stack();
  cloud.things["unrelated"] = 9;
  cloud.fail_on = "c-from-arn:b-from-arn:three-dev-a";
  Options o = options();
  o.on_failure = OnFailure::Rollback;
  Summary s = go(Command::Build, o);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.error.rfind("resource 'c', anchor 'create': ValidationException: Model validation failed", 0), 0u) << s.error;
  EXPECT_EQ(s.rolled_back, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(cloud.things.size(), 1u);  // only what the run did not create
  EXPECT_NE(out.str().find("rolled back (deleted, newest first): b, a"), std::string::npos) << out.str();
}

TEST_F(LifecycleTest, FailureWithoutRollbackStopsAndKeepsTheRest) {
  three_stack();
  cloud.fail_on = "b-from-arn:three-dev-a";
  Summary s = go(Command::Build);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(cloud.things.size(), 1u);
  EXPECT_EQ(action_of(s, "b"), Action::Failed);
  EXPECT_EQ(s.resources.size(), 2u);  // c never started

  cloud.things.clear();
  Options o = options();
  o.on_failure = OnFailure::Ignore;
  s = go(Command::Build, o);
  EXPECT_TRUE(s.ok);
  EXPECT_EQ(action_of(s, "b"), Action::Failed);
  EXPECT_EQ(s.resources.size(), 3u);
}

TEST_F(LifecycleTest, DryRunRunsNoStatement) {
  three_stack();
  Options o = options();
  o.dry_run = true;
  Summary s = go(Command::Build, o);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_TRUE(cloud.statements.empty());
  EXPECT_NE(out.str().find("INSERT INTO things (name, size) SELECT 'three-dev-a', 1;"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("b-from-<evaluated>"), std::string::npos);
  s = go(Command::Teardown, o);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_TRUE(cloud.statements.empty());
}

TEST_F(LifecycleTest, BadInputFailsBeforeAnyStatement) {
  auto error_of = [&](Command c = Command::Build) {
    try {
      go(c);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  write("stackql_manifest.yml", "name: s\nresources:\n  - name: a\n    props: [{name: n, value: x}]\n  - name: nofile\n");
  write("resources/a.iql", kIql);
  EXPECT_NE(error_of().find("resource 'nofile' needs the query file"), std::string::npos) << error_of();

  write("stackql_manifest.yml", "name: s\nresources:\n  - name: a\n    props: [{name: n, value: x}]\n  - name: b\n");
  write("resources/b.iql", "/*+ exists */\nSELECT 1 AS count;\n/*+ delete */\nDELETE FROM x;\n");
  EXPECT_NE(error_of().find("b.iql: resource 'b' (type resource) needs a /*+ create */ or /*+ createorupdate */ anchor"),
            std::string::npos) << error_of();

  write("stackql_manifest.yml", "name: s\nresources:\n  - name: a\n    props:\n      - name: n\n        values: {prd: {value: 1}}\n");
  EXPECT_NE(error_of().find("stackql_manifest.yml:5: prop 'n' of resource 'a' has no value for environment 'dev'"),
            std::string::npos) << error_of();

  write("stackql_manifest.yml", "name: s\nresources:\n  - name: a\n    props: [{name: n, value: x}\n");
  EXPECT_NE(error_of().find("YAML error"), std::string::npos);
  EXPECT_TRUE(cloud.statements.empty());
}

TEST_F(LifecycleTest, ProtectedValuesAreMaskedEverywhere) {
  write("stackql_manifest.yml", R"(
name: s
resources:
  - name: a
    file: thing.iql
    protected: [name]
    props:
      - {name: name, value: topsecretname}
      - {name: size, value: 1}
    exports: [arn]
)");
  write("resources/thing.iql", kIql);
  Options o = options();
  o.show_queries = true;
  o.log_level = LogLevel::Debug;
  Summary s = go(Command::Build, o);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(cloud.things.count("topsecretname"), 1u);
  EXPECT_EQ(out.str().find("topsecretname"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("'****'"), std::string::npos);
}

TEST_F(LifecycleTest, OutputFileHasExportsAndElapsedTime) {
  three_stack();
  Options o = options();
  o.output_file = (dir / "out.json").string();
  Summary s = go(Command::Build, o);
  ASSERT_TRUE(s.ok) << s.error;
  std::ifstream in(o.output_file);
  Json j = Json::parse(in);
  EXPECT_EQ(j["stack_name"], "three");
  EXPECT_EQ(j["stack_env"], "dev");
  EXPECT_EQ(j["a_arn"], "arn:three-dev-a");
  EXPECT_TRUE(std::regex_match(j["elapsed_time"].get<std::string>(), std::regex(R"(0:00:\d\d\.\d{6})")));
}

TEST_F(LifecycleTest, ConditionSkipsResource) {
  write("stackql_manifest.yml", R"(
name: s
resources:
  - name: a
    file: thing.iql
    if: "'{{ stack_env }}' == 'prd'"
    props: [{name: name, value: a}, {name: size, value: 1}]
)");
  write("resources/thing.iql", kIql);
  Summary s = go(Command::Build);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.resources[0].action, Action::Skipped);
  EXPECT_TRUE(cloud.statements.empty());
}

TEST(Await, InjectedIntoMutationsOnly) {
  EXPECT_EQ(with_await("INSERT INTO t SELECT 1"), "/*+ AWAIT */ INSERT INTO t SELECT 1");
  EXPECT_EQ(with_await("  -- c\n delete from t"), "/*+ AWAIT */   -- c\n delete from t");
  EXPECT_EQ(with_await("INSERT /*+ await */ INTO t SELECT 1"), "INSERT /*+ await */ INTO t SELECT 1");
  EXPECT_EQ(with_await("SELECT 1"), "SELECT 1");
  EXPECT_EQ(format_elapsed(3723.5), "1:02:03.500000");
}

}  // namespace
}  // namespace skyql::deploy
