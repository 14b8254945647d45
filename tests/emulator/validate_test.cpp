#include <gtest/gtest.h>

#include "provider/validate.h"
#include "test_schemas.h"

using nlohmann::json;
using skyql::provider::pattern_matches;
using skyql::provider::validate;

namespace {

json connection_schema() {
  static json schema = *skyql::emulator::testing::schema_from_zip("AWS::Events::Connection");
  return schema;
}

std::string violation_path(const json& schema, const json& value) {
  auto v = validate(schema, value);
  return v ? v->path : "<valid>";
}

json basic_connection() {
  return json::parse(R"({
    "Name": "my-conn", "AuthorizationType": "BASIC",
    "AuthParameters": {"BasicAuthParameters": {"Username": "user", "Password": "pw"}}})");
}

}  // namespace

TEST(Validate, AcceptsAValidConnection) { EXPECT_FALSE(validate(connection_schema(), basic_connection())); }

TEST(Validate, NamesNestedRefPathOfPatternViolation) {
  json c = basic_connection();
  c["AuthParameters"]["BasicAuthParameters"]["Username"] = "bad\x01name";
  auto v = validate(connection_schema(), c);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->path, "/AuthParameters/BasicAuthParameters/Username");
  EXPECT_NE(v->message.find("pattern"), std::string::npos) << v->message;
}

TEST(Validate, RequiredInsideRef) {
  json c = basic_connection();
  c["AuthParameters"]["BasicAuthParameters"].erase("Password");
  EXPECT_EQ(violation_path(connection_schema(), c), "/AuthParameters/BasicAuthParameters/Password");
}

TEST(Validate, EnumTypeAndAdditionalProperties) {
  json c = basic_connection();
  c["AuthorizationType"] = "DIGEST";
  EXPECT_EQ(violation_path(connection_schema(), c), "/AuthorizationType");
  c = basic_connection();
  c["Name"] = 42;
  auto v = validate(connection_schema(), c);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->path, "/Name");
  EXPECT_NE(v->message.find("type string"), std::string::npos);
  c = basic_connection();
  c["Bogus"] = true;
  EXPECT_EQ(violation_path(connection_schema(), c), "/Bogus");
  c = basic_connection();
  c["AuthParameters"]["BasicAuthParameters"]["Extra"] = "x";
  EXPECT_EQ(violation_path(connection_schema(), c), "/AuthParameters/BasicAuthParameters/Extra");
}

TEST(Validate, LengthsCountCharactersNotBytes) {
  json schema = {{"properties", {{"S", {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}}}}}};
  EXPECT_EQ(violation_path(schema, {{"S", "a"}}), "/S");
  EXPECT_EQ(violation_path(schema, {{"S", "\xc3\xa9\xc3\xa9\xc3\xa9"}}), "<valid>");  // 3 chars, 6 bytes
  EXPECT_EQ(violation_path(schema, {{"S", "abcd"}}), "/S");
  json c = basic_connection();
  c["Name"] = std::string(65, 'a');
  EXPECT_EQ(violation_path(connection_schema(), c), "/Name");
}

TEST(Validate, OneOfNeedsExactlyOne) {
  json c = basic_connection();
  c["AuthParameters"]["ApiKeyAuthParameters"] = {{"ApiKeyName", "k"}, {"ApiKeyValue", "v"}};
  auto v = validate(connection_schema(), c);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->path, "/AuthParameters");
  EXPECT_NE(v->message.find("oneOf"), std::string::npos);
  c["AuthParameters"] = json::object();
  c["AuthParameters"]["InvocationHttpParameters"] = json::object();
  v = validate(connection_schema(), c);
  ASSERT_TRUE(v);
  EXPECT_NE(v->message.find("oneOf"), std::string::npos);
}

TEST(Validate, AnyOfNumbersArraysAndNot) {
  json schema = {
      {"definitions", {{"Port", {{"type", "integer"}, {"minimum", 1}, {"maximum", 65535}}}}},
      {"properties",
       {{"Port", {{"$ref", "#/definitions/Port"}}},
        {"Ratio", {{"type", "number"}, {"exclusiveMaximum", 1}}},
        {"Tags", {{"type", "array"}, {"maxItems", 2}, {"uniqueItems", true}, {"items", {{"type", "string"}}}}},
        {"Either", {{"anyOf", {{{"type", "string"}}, {{"type", "boolean"}}}}}},
        {"NotEmpty", {{"not", {{"const", ""}}}}}}},
      {"additionalProperties", false}};
  EXPECT_EQ(violation_path(schema, {{"Port", 0}}), "/Port");
  EXPECT_EQ(violation_path(schema, {{"Port", 65536}}), "/Port");
  EXPECT_EQ(violation_path(schema, {{"Port", 80.0}}), "<valid>");  // an integral number is an integer
  EXPECT_EQ(violation_path(schema, {{"Port", 80.5}}), "/Port");
  EXPECT_EQ(violation_path(schema, {{"Ratio", 1}}), "/Ratio");
  EXPECT_EQ(violation_path(schema, {{"Tags", {"a", "b", "c"}}}), "/Tags");
  EXPECT_EQ(violation_path(schema, {{"Tags", {"a", "a"}}}), "/Tags/1");
  EXPECT_EQ(violation_path(schema, {{"Tags", {"a", 1}}}), "/Tags/1");
  EXPECT_EQ(violation_path(schema, {{"Either", true}}), "<valid>");
  EXPECT_EQ(violation_path(schema, {{"Either", 3}}), "/Either");
  EXPECT_EQ(violation_path(schema, {{"NotEmpty", ""}}), "/NotEmpty");
  EXPECT_EQ(violation_path(schema, {{"a/b", 1}}), "/a~1b");  // pointer escapes in paths
}

TEST(Validate, PatternsUseSearchSemanticsAndSurviveNonEcmaForms) {
  EXPECT_TRUE(pattern_matches("[a-z]+", "ABCdEF"));  // unanchored, as JSON Schema says
  EXPECT_FALSE(pattern_matches("^[a-z]+$", "ABC"));
  EXPECT_TRUE(pattern_matches("^[\\p{L}\\p{Z}]+$", "caf\xc3\xa9 bar"));
  EXPECT_FALSE(pattern_matches("^[\\p{L}]+$", "abc1"));
  EXPECT_TRUE(pattern_matches("\\Aabc\\Z", "abc"));
  EXPECT_TRUE(pattern_matches("(?i)^abc$", "ABC"));
  EXPECT_TRUE(pattern_matches("^[\\u0020-\\uD7FF]+$", "hello \xc3\xa9"));
  // Not compilable by std::regex even after rewriting: not enforced, and no crash.
  EXPECT_TRUE(pattern_matches("(?<=a)b", "zzz"));
  // Long inputs must not exhaust the stack.
  EXPECT_TRUE(pattern_matches("^[\\s\\S]*$", std::string(200000, 'x')));
}

TEST(Validate, EveryPatternInEveryShippedSchemaIsHandled) {
  std::string listing = skyql::emulator::testing::run_command(
      "unzip -Z1 '" + skyql::emulator::testing::zip_path() + "' | head -2000");
  ASSERT_FALSE(listing.empty());
  std::string all = skyql::emulator::testing::run_command(
      "cd / && unzip -p '" + skyql::emulator::testing::zip_path() + "'");
  // Every "pattern" string in every schema: compile (or decide not to) and match without crashing.
  size_t count = 0, pos = 0;
  const std::string key = "\"pattern\" : ";
  while ((pos = all.find(key, pos)) != std::string::npos) {
    pos += key.size();
    if (all[pos] != '"') continue;
    size_t end = pos + 1;
    while (end < all.size() && !(all[end] == '"' && all[end - 1] != '\\')) {
      if (all[end] == '\\' && all[end + 1] == '\\') end++;
      end++;
    }
    std::string pattern;
    try {
      pattern = json::parse(all.substr(pos, end - pos + 1)).get<std::string>();
    } catch (...) {
      continue;
    }
    pattern_matches(pattern, "sample-value-123");
    ++count;
  }
  EXPECT_GT(count, 1000u);
}
