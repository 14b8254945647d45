// One test per filter: Jinja2's builtins and stackql-deploy's custom filters.
#include <gtest/gtest.h>

#include "template/template.h"

namespace skyql::templating {
namespace {

std::string render(const std::string& source, const Json& context = Json::object()) {
  return Environment().render(source, context, "filters");
}

bool fails(const std::string& source, const Json& context = Json::object()) {
  try {
    render(source, context);
  } catch (const TemplateError&) {
    return true;
  }
  return false;
}

TEST(StackqlFilters, FromJson) {
  Json ctx = {{"j", R"({"b": 1, "a": [1, {"z": null}]})"}};
  EXPECT_EQ(render("{{ j | from_json }}", ctx), "{'b': 1, 'a': [1, {'z': None}]}");
  EXPECT_EQ(render("{% for x in '[\"p\", \"q\"]' | from_json %}{{ x }}{% endfor %}"), "pq");
  EXPECT_EQ(render("{{ '42' | from_json + 1 }}"), "43");
  EXPECT_TRUE(fails("{{ 'not json' | from_json }}"));
  EXPECT_TRUE(fails("{{ 1 | from_json }}"));
}

TEST(StackqlFilters, ToJsonSortsKeysAndEscapesHtml) {
  EXPECT_EQ(render("{{ {'b': 1, 'a': [1.0, none, true]} | tojson }}"), R"({"a": [1.0, null, true], "b": 1})");
  EXPECT_EQ(render("{{ \"<a href='x'>&</a>\" | tojson }}"), R"("\u003ca href=\u0027x\u0027\u003e\u0026\u003c/a\u003e")");
  EXPECT_EQ(render("{{ 'café' | tojson }}"), R"("caf\u00e9")");
  EXPECT_EQ(render("{{ {'a': [1]} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1\n  ]\n}");
  EXPECT_TRUE(fails("{{ missing | tojson }}"));
}

TEST(StackqlFilters, GeneratePatchDocument) {
  // Strings holding JSON go in parsed; plain strings stay strings; insertion order is kept.
  EXPECT_EQ(render("{{ {'Description': 'new', 'Count': '3', 'Obj': '{\"a\": 1}', 'On': true} | "
                   "generate_patch_document }}"),
            R"([{"op": "add", "path": "/Description", "value": "new"}, {"op": "add", "path": "/Count", "value": 3}, )"
            R"({"op": "add", "path": "/Obj", "value": {"a": 1}}, {"op": "add", "path": "/On", "value": true}])");
  EXPECT_EQ(render("{{ {} | generate_patch_document }}"), "[]");
  EXPECT_TRUE(fails("{{ [1] | generate_patch_document }}"));
}

TEST(StackqlFilters, Base64Encode) {
  EXPECT_EQ(render("{{ 'Hello World' | base64_encode }}"), "SGVsbG8gV29ybGQ=");
  EXPECT_EQ(render("{{ 'a' | base64_encode }}|{{ 'ab' | base64_encode }}|{{ '' | base64_encode }}"), "YQ==|YWI=|");
  EXPECT_EQ(render("{{ 'é' | base64_encode }}"), "w6k=");
  EXPECT_TRUE(fails("{{ 1 | base64_encode }}"));
}

TEST(StackqlFilters, MergeLists) {
  EXPECT_EQ(render("{{ [1, 2] | merge_lists([2, 3]) }}"), "[1, 2, 3]");
  EXPECT_EQ(render("{{ '[\"a\"]' | merge_lists('[\"a\", \"b\"]') }}"), "['a', 'b']");
  // Dict items compare by content and come back with sorted keys (stackql-deploy round-trips through JSON).
  EXPECT_EQ(render("{{ [{'b': 1, 'a': 2}] | merge_lists([{'a': 2, 'b': 1}]) }}"), "[{'a': 2, 'b': 1}]");
  EXPECT_TRUE(fails("{{ [1] | merge_lists('nope') }}"));
  EXPECT_TRUE(fails("{{ [1] | merge_lists({'a': 1}) }}"));
}

TEST(StackqlFilters, MergeObjects) {
  EXPECT_EQ(render("{{ {'a': 1, 'b': 2} | merge_objects({'b': 3, 'c': 4}) }}"), "{'a': 1, 'b': 3, 'c': 4}");
  EXPECT_EQ(render("{{ '{\"x\": 1}' | merge_objects('{\"y\": 2}') }}"), "{'x': 1, 'y': 2}");
  EXPECT_TRUE(fails("{{ [1] | merge_objects({}) }}"));
}

TEST(StackqlFilters, SqlList) {
  EXPECT_EQ(render("{{ ['a', 'b'] | sql_list }}"), "('a','b')");
  EXPECT_EQ(render("{{ '[\"x\", 2]' | sql_list }}"), "('x','2')");
  EXPECT_EQ(render("{{ 'single' | sql_list }}"), "('single')");
  EXPECT_EQ(render("{{ [] | sql_list }} {{ none | sql_list }}"), "(NULL) (NULL)");
  EXPECT_EQ(render("{{ [1.5, none, true] | sql_list }}"), "('1.5','None','True')");
}

TEST(StackqlFilters, SqlEscape) {
  EXPECT_EQ(render("{{ \"it's 'q'\" | sql_escape }}"), "it''s ''q''");
  EXPECT_EQ(render("{{ 5 | sql_escape }} {{ none | sql_escape }} [{{ missing | sql_escape }}]"), "5 None []");
}

TEST(JinjaFilters, UpperLowerCapitalizeTitle) {
  EXPECT_EQ(render("{{ 'aB' | upper }} {{ 'aB' | lower }} {{ 'hELLO wORLD' | capitalize }}"), "AB ab Hello world");
  EXPECT_EQ(render("{{ 'hello big-world (x' | title }}"), "Hello Big-World (X");
}

TEST(JinjaFilters, Replace) {
  EXPECT_EQ(render("{{ 'a-b-c' | replace('-', '_') }} {{ 'aaa' | replace('a', 'b', 2) }}"), "a_b_c bba");
  EXPECT_EQ(render("{{ 'ab' | replace('', '.') }}"), ".a.b.");
}

TEST(JinjaFilters, IntAndFloat) {
  EXPECT_EQ(render("{{ '17' | int }} {{ '2.75' | int }} {{ 'x' | int }} {{ 'x' | int(9) }} {{ 3.9 | int }}"),
            "17 2 0 9 3");
  EXPECT_EQ(render("{{ ' 12 ' | int }} {{ '0x1A' | int(base=16) }} {{ '1_000' | int }} {{ none | int }}"),
            "12 26 1000 0");
  EXPECT_EQ(render("{{ '2.5' | float }} {{ 'x' | float }} {{ 3 | float }} {{ '1e3' | float }}"), "2.5 0.0 3.0 1000.0");
  EXPECT_TRUE(fails("{{ missing | int }}"));
}

TEST(JinjaFilters, Default) {
  EXPECT_EQ(render("{{ m | default('d') }} [{{ '' | default('d') }}] {{ '' | default('d', true) }}"), "d [] d");
  EXPECT_EQ(render("{{ 0 | default('z', boolean=true) }} {{ none | default('n') }} {{ m | d('s') }}"), "z None s");
}

TEST(JinjaFilters, JoinLengthCount) {
  Json ctx = Json::parse(R"({"u": [{"n": "a"}, {"n": "b"}]})");
  EXPECT_EQ(render("{{ [1, 'a', none] | join(', ') }} {{ 'abc' | join('-') }} {{ u | join('+', attribute='n') }}", ctx),
            "1, a, None a-b-c a+b");
  EXPECT_EQ(render("{{ 'café' | length }} {{ [1, 2] | length }} {{ {'a': 1} | count }} {{ m | length }}"), "4 2 1 0");
  EXPECT_TRUE(fails("{{ 5 | length }}"));
}

TEST(JinjaFilters, TrimStringFirstLastList) {
  EXPECT_EQ(render("[{{ '  x  ' | trim }}] {{ 'xxaxx' | trim('x') }} {{ 5 | string }}"), "[x] a 5");
  EXPECT_EQ(render("{{ [3, 4] | first }} {{ [3, 4] | last }} {{ 'ab' | first }} [{{ [] | first }}]"), "3 4 a []");
  EXPECT_EQ(render("{{ 'ab' | list }} {{ {'k': 1} | list }}"), "['a', 'b'] ['k']");
}

TEST(JinjaFilters, ItemsDictsortSortUnique) {
  EXPECT_EQ(render("{{ {'a': 1} | items | list }}"), "[('a', 1)]");
  EXPECT_EQ(render("{{ {'b': 1, 'A': 2, 'a': 3} | dictsort }}"), "[('A', 2), ('a', 3), ('b', 1)]");
  EXPECT_EQ(render("{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'a'] | sort }} {{ [1, 2] | sort(reverse=true) }}"),
            "[1, 2, 3] ['A', 'a', 'b'] [2, 1]");
  EXPECT_EQ(render("{{ ['b', 'A', 'a', 'B'] | unique | list }} {{ [1, 1.0, 2] | unique | list }}"), "['b', 'A'] [1, 2]");
}

TEST(JinjaFilters, NumbersRoundAbsMinMaxSum) {
  EXPECT_EQ(render("{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 7 | round }}"), "2.0 4.0 2.67 7");
  EXPECT_EQ(render("{{ 3.141 | round(2, 'ceil') }} {{ 3.19 | round(1, 'floor') }}"), "3.15 3.1");
  EXPECT_EQ(render("{{ -3 | abs }} {{ -2.5 | abs }} {{ [3, 1] | min }} {{ ['B', 'a'] | max }}"), "3 2.5 1 B");
  EXPECT_EQ(render("{{ [1, 2, 3] | sum }} {{ [0.5, 1] | sum }}"), "6 1.5");
}

TEST(JinjaFilters, ReverseMapSelectAttr) {
  Json ctx = Json::parse(R"({"u": [{"n": "a", "age": 30}, {"n": "b", "age": 20}]})");
  EXPECT_EQ(render("{{ 'abc' | reverse }} {{ [1, 2] | reverse | list }}"), "cba [2, 1]");
  EXPECT_EQ(render("{{ u | map(attribute='n') | list }} {{ ['a'] | map('upper') | list }}", ctx), "['a', 'b'] ['A']");
  EXPECT_EQ(render("{{ u | selectattr('age', 'gt', 25) | map(attribute='n') | join }}", ctx), "a");
  EXPECT_EQ(render("{{ u | rejectattr('age', 'gt', 25) | map(attribute='n') | join }}", ctx), "b");
  EXPECT_EQ(render("{{ [1, 2, 3] | select('odd') | list }} {{ [1, 2, 3] | reject('odd') | list }}"), "[1, 3] [2]");
}

TEST(JinjaFilters, Attr) {
  EXPECT_EQ(render("{{ d | attr('k') }} [{{ d | attr('nope') }}]", {{"d", {{"k", "v"}}}}), "v []");
}

TEST(JinjaFilters, UnknownArgumentsFail) {
  EXPECT_TRUE(fails("{{ 'a' | upper(1) }}"));
  EXPECT_TRUE(fails("{{ 'a' | replace('a') }}"));
  EXPECT_TRUE(fails("{{ 'a' | join(nope=1) }}"));
}

}  // namespace
}  // namespace skyql::templating
