#include "sql/meta.h"

#include <gtest/gtest.h>

#include <memory>

namespace skyql::sql {
namespace {

// The provider installed by the `provider_install` fixture (supported types only).
const provider::Store& store() {
  static std::unique_ptr<provider::Store> s = provider::Store::open(SKYQL_TEST_HOME);
  return *s;
}

std::vector<std::string> column(const output::ResultSet& rs, size_t i) {
  std::vector<std::string> out;
  for (const auto& r : rs.rows) out.push_back(r.at(i).text);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Meta, RecognisesMetaStatements) {
  EXPECT_TRUE(is_meta_statement("SHOW SERVICES IN awscc"));
  EXPECT_TRUE(is_meta_statement("  describe awscc.events.connections;"));
  EXPECT_TRUE(is_meta_statement("-- note\nDESC awscc.events.connections"));
  EXPECT_FALSE(is_meta_statement("SELECT * FROM awscc.events.connections"));
  EXPECT_FALSE(is_meta_statement("showx"));
}

TEST(Meta, ShowProviders) {
  auto rs = run_meta_statement(store(), "SHOW PROVIDERS;");
  EXPECT_EQ(rs.columns, (std::vector<std::string>{"name", "version"}));
  ASSERT_EQ(rs.rows.size(), 1u);
  EXPECT_EQ(rs.rows[0][0].text, "awscc");
  EXPECT_EQ(rs.rows[0][1].text.size(), 10u);
}

TEST(Meta, ShowServicesWithLike) {
  auto all = run_meta_statement(store(), "show services in awscc");
  EXPECT_EQ(all.columns, (std::vector<std::string>{"id", "name", "title"}));
  EXPECT_GT(all.rows.size(), 200u);
  auto some = run_meta_statement(store(), "SHOW SERVICES IN awscc LIKE '%event%';");
  auto names = column(some, 1);
  EXPECT_TRUE(contains(names, "events"));
  EXPECT_TRUE(contains(names, "eventschemas"));
  for (const auto& n : names) EXPECT_NE(n.find("event"), std::string::npos) << n;
  EXPECT_EQ(some.rows[0][2].text.rfind("AWS::", 0), 0u);
}

TEST(Meta, ShowResourcesIncludesListOnly) {
  auto rs = run_meta_statement(store(), "SHOW RESOURCES IN awscc.events");
  EXPECT_EQ(rs.columns, (std::vector<std::string>{"name", "id"}));
  auto names = column(rs, 0);
  EXPECT_TRUE(contains(names, "connections"));
  EXPECT_TRUE(contains(names, "connections_list_only"));
  EXPECT_TRUE(contains(names, "event_buses"));
  auto like = run_meta_statement(store(), "SHOW RESOURCES IN awscc.events LIKE 'conn%'");
  EXPECT_EQ(column(like, 0), (std::vector<std::string>{"connections", "connections_list_only"}));
  EXPECT_EQ(like.rows[0][1].text, "awscc.events.connections");
}

TEST(Meta, ShowMethods) {
  auto rs = run_meta_statement(store(), "SHOW METHODS IN awscc.events.connections");
  EXPECT_EQ(rs.columns, (std::vector<std::string>{"MethodName", "RequiredParams", "SQLVerb"}));
  EXPECT_EQ(column(rs, 0), (std::vector<std::string>{"create_resource", "delete_resource", "update_resource",
                                                     "get_resource"}));
  EXPECT_EQ(rs.rows[2][1].text, "data__Identifier, data__PatchDocument, region");
  EXPECT_EQ(rs.rows[2][2].text, "UPDATE");
  auto list = run_meta_statement(store(), "SHOW METHODS IN awscc.events.connections_list_only");
  ASSERT_EQ(list.rows.size(), 1u);
  EXPECT_EQ(list.rows[0][0].text, "list_resources");
  EXPECT_EQ(list.rows[0][1].text, "region");
  EXPECT_EQ(list.rows[0][2].text, "SELECT");
}

TEST(Meta, Describe) {
  auto rs = run_meta_statement(store(), "DESCRIBE awscc.events.connections");
  EXPECT_EQ(rs.columns, (std::vector<std::string>{"name", "type"}));
  EXPECT_EQ(column(rs, 0), (std::vector<std::string>{"name", "arn", "arn_for_policy", "secret_arn", "description",
                                                     "authorization_type", "auth_parameters",
                                                     "invocation_connectivity_parameters", "kms_key_identifier",
                                                     "region"}));
  EXPECT_EQ(rs.rows[6][1].text, "object");
  auto ext = run_meta_statement(store(), "describe extended awscc.events.connections;");
  EXPECT_EQ(ext.columns, (std::vector<std::string>{"name", "type", "description"}));
  EXPECT_EQ(ext.rows[0][2].text, "Name of the connection.");
  auto list = run_meta_statement(store(), "DESCRIBE awscc.events.connections_list_only");
  EXPECT_EQ(column(list, 0), (std::vector<std::string>{"name", "region"}));
}

TEST(Meta, UnknownNamesSayWhatIsNearest) {
  auto message = [](const char* stmt) {
    try {
      run_meta_statement(store(), stmt);
    } catch (const provider::NotFound& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("DESCRIBE awscc.events.conections"),
            "resource awscc.events.conections not found — did you mean awscc.events.connections?");
  EXPECT_NE(message("SHOW RESOURCES IN awscc.evnts").find("did you mean awscc.events"), std::string::npos);
  EXPECT_NE(message("SHOW SERVICES IN aws").find("did you mean awscc?"), std::string::npos);
  EXPECT_NE(message("DESCRIBE awscc.ec2.instance").find("awscc.ec2.instances"), std::string::npos);
}

TEST(Meta, MalformedStatementsSayTheForm) {
  EXPECT_THROW(run_meta_statement(store(), "SHOW TABLES"), MetaSyntaxError);
  EXPECT_THROW(run_meta_statement(store(), "SHOW SERVICES awscc"), MetaSyntaxError);
  EXPECT_THROW(run_meta_statement(store(), "SHOW SERVICES IN awscc LIKE %x%"), MetaSyntaxError);
  EXPECT_THROW(run_meta_statement(store(), "DESCRIBE"), MetaSyntaxError);
  EXPECT_THROW(run_meta_statement(store(), "DESCRIBE a b"), MetaSyntaxError);
}

}  // namespace
}  // namespace skyql::sql
