#include <gtest/gtest.h>

#include <stdexcept>

#include "sql/preprocess.h"

using namespace skyql::sql;

namespace {

std::string identity(const std::string&, const std::string& column) { return column; }

TEST(Preprocess, ThreePartNamesBecomeQuotedIdentifiers) {
  const auto p = preprocess("SELECT name FROM awscc.events.connections c JOIN awscc.events.connections_list_only l "
                            "ON c.name = l.name WHERE c.region = 'awscc.x.y'",
                            identity);
  EXPECT_EQ(p.sql,
            "SELECT name FROM \"awscc.events.connections\" c JOIN \"awscc.events.connections_list_only\" l "
            "ON c.name = l.name WHERE c.region = 'awscc.x.y'");
  ASSERT_EQ(p.tables.size(), 2u);
  EXPECT_EQ(p.tables[0].service, "events");
  EXPECT_EQ(p.tables[1].resource, "connections_list_only");
  EXPECT_EQ(p.kind, StatementKind::Select);
}

TEST(Preprocess, HintsAnywhereAreCollected) {
  const auto p = preprocess("/*+ create */ INSERT /*+ await, foo */ INTO awscc.events.connections (name) SELECT 'a'",
                            identity);
  EXPECT_TRUE(p.has_hint("AWAIT"));
  EXPECT_TRUE(p.has_hint("create"));
  EXPECT_FALSE(p.has_hint("bar"));
  EXPECT_EQ(p.kind, StatementKind::Insert);
  EXPECT_EQ(p.target, "awscc.events.connections");
}

TEST(Preprocess, InsertAndSetColumnsAreMapped) {
  const auto map = [](const std::string& t, const std::string& c) {
    EXPECT_EQ(t, "awscc.events.connections");
    if (c == "AuthorizationType") return std::string("authorization_type");
    if (c == "Bogus") throw std::runtime_error("no such column: Bogus");
    return c;
  };
  auto p = preprocess("INSERT INTO awscc.events.connections (Name, AuthorizationType, region) SELECT 'a', 'b', 'c'", map);
  EXPECT_EQ(p.sql, "INSERT INTO \"awscc.events.connections\" (\"Name\", \"authorization_type\", \"region\") SELECT 'a', 'b', 'c'");
  p = preprocess("UPDATE awscc.events.connections SET AuthorizationType = 'x', Name = f(1, 2) WHERE "
                 "AuthorizationType = 'y'", map);
  EXPECT_EQ(p.sql, "UPDATE \"awscc.events.connections\" SET \"authorization_type\" = 'x', \"Name\" = f(1, 2) WHERE "
                   "AuthorizationType = 'y'");
  EXPECT_THROW(preprocess("INSERT INTO awscc.events.connections (Bogus) VALUES (1)", map), std::runtime_error);
}

TEST(Preprocess, ReturningIsCutOffResourceWrites) {
  const auto p = preprocess("DELETE FROM awscc.events.connections WHERE data__Identifier = 'x' "
                            "RETURNING RequestToken, OperationStatus;", identity);
  EXPECT_EQ(p.sql, "DELETE FROM \"awscc.events.connections\" WHERE data__Identifier = 'x' ");
  EXPECT_EQ(p.returning, "RequestToken, OperationStatus");
  EXPECT_EQ(p.kind, StatementKind::Delete);
  // A RETURNING inside a string is not one.
  const auto q = preprocess("DELETE FROM awscc.events.connections WHERE data__Identifier = 'RETURNING x'", identity);
  EXPECT_TRUE(q.returning.empty());
}

TEST(Preprocess, OffsetsMapBackToTheOriginal) {
  const std::string original = "SELECT * FROM awscc.events.connections WHERE nme = 1";
  const auto p = preprocess(original, identity);
  const auto at = p.sql.find("nme");
  EXPECT_EQ(p.original_offset(at), original.find("nme"));
  EXPECT_EQ(describe_position("ab\ncd", 4), "line 2, column 2");
}

TEST(SplitStatements, RespectsQuotesCommentsAndTriggers) {
  const auto s = split_statements(
      "SELECT 'a;b'; -- c;d\n/*+ AWAIT */ DELETE FROM t; CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; "
      "SELECT 2; END;  \n-- trailing comment\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0], "SELECT 'a;b';");
  EXPECT_EQ(s[1], "-- c;d\n/*+ AWAIT */ DELETE FROM t;");
  EXPECT_EQ(s[2], "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;");
  EXPECT_EQ(split_statements("SHOW SERVICES IN awscc").size(), 1u);
}

}  // namespace
