// Constructs of the template language, the public API, and error reporting.
#include <gtest/gtest.h>

#include "template/template.h"

namespace skyql::templating {
namespace {

std::string render(const std::string& source, const Json& context = Json::object()) {
  return Environment().render(source, context, "t.iql");
}

std::string error_of(const std::string& source, const Json& context = Json::object(), bool strict = false) {
  try {
    Environment(Options{strict}).render(source, context, "res/vpc.iql");
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TemplateOutput, PrintsPythonStrOfEachType) {
  Json ctx = {{"s", "x"}, {"i", 3}, {"f", 1.0}, {"b", true}, {"n", nullptr}};
  EXPECT_EQ(render("{{ s }} {{ i }} {{ f }} {{ b }} {{ n }}", ctx), "x 3 1.0 True None");
  EXPECT_EQ(render("{{ [1, 'a', none, false, 2.5] }}"), "[1, 'a', None, False, 2.5]");
  EXPECT_EQ(render("{{ {'b': 1, 'a': {'c': [true]}} }}"), "{'b': 1, 'a': {'c': [True]}}");
  EXPECT_EQ(render("{{ (1,) }} {{ (1, 2) }} {{ () }}"), "(1,) (1, 2) ()");
  EXPECT_EQ(render("{{ [\"it's\"] }} {{ ['say \"hi\"'] }}"), "[\"it's\"] ['say \"hi\"']");
}

TEST(TemplateOutput, FloatsFollowPythonRepr) {
  EXPECT_EQ(render("{{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }}"), "1e+16 1000000000000000.0 0.0001 1e-05");
  EXPECT_EQ(render("{{ 1/3 }} {{ 0.1 + 0.2 }} {{ -0.0 }}"), "0.3333333333333333 0.30000000000000004 -0.0");
  EXPECT_EQ(to_python_str(Json(2.5e-7)), "2.5e-07");
}

TEST(TemplateOutput, ContextKeepsInsertionOrder) {
  Json ctx = Json::parse(R"({"d": {"z": 1, "a": 2}})");
  EXPECT_EQ(render("{{ d }}", ctx), "{'z': 1, 'a': 2}");
}

TEST(TemplateWhitespace, DefaultsMatchJinja2) {
  EXPECT_EQ(render("line\n"), "line");  // keep_trailing_newline=False
  EXPECT_EQ(render("a\r\nb"), "a\nb");
  EXPECT_EQ(render("  {% if true %}x{% endif %}\n  y"), "  x\n  y");  // no trim_blocks / lstrip_blocks
}

TEST(TemplateWhitespace, MinusStripsAroundTags) {
  EXPECT_EQ(render("a  {{- 1 -}}  b"), "a1b");
  EXPECT_EQ(render("a\n{%- if true -%}\n  x\n{%- endif %}\nb"), "ax\nb");
  EXPECT_EQ(render("a {#- note -#} b"), "ab");
  EXPECT_EQ(render("{% for i in [1, 2] -%}\n{{ i }}\n{%- endfor %}"), "12");
}

TEST(TemplateSyntax, CommentsAndRaw) {
  EXPECT_EQ(render("a{# {{ ignored }} #}b"), "ab");
  EXPECT_EQ(render("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
  EXPECT_EQ(render("{{ '}}' }}"), "}}");
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
}

TEST(TemplateExpressions, ArithmeticHasPythonSemantics) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}"),
            "7 3.5 3 -4 2 1024");
  EXPECT_EQ(render("{{ 'ab' * 2 }} {{ [1] + [2] }} {{ true + 1 }} {{ -2 ** 2 }}"), "abab [1, 2] 2 4");
  EXPECT_EQ(render("{{ 1 ~ 'a' ~ none ~ 2.0 }}"), "1aNone2.0");
}

TEST(TemplateExpressions, ComparisonsLogicAndMembership) {
  EXPECT_EQ(render("{{ 1 == 1.0 }} {{ 1 < 2 < 3 }} {{ 'a' < 'b' }} {{ [1, 2] == (1, 2) }}"), "True True True False");
  EXPECT_EQ(render("{{ 'a' in 'cat' }} {{ 3 not in [1, 2] }} {{ 'k' in {'k': 1} }}"), "True True True");
  EXPECT_EQ(render("{{ 0 or 'x' }} {{ 1 and 'y' }} {{ not 0 }} {{ '' and 1 }}|"), "x y True |");
  EXPECT_EQ(render("{{ 'y' if 1 > 2 else 'n' }} [{{ 'y' if false }}]"), "n []");
}

TEST(TemplateExpressions, PercentFormattingAndMarkup) {
  EXPECT_EQ(render("{{ '%s-%03d|%.2f|%r|%%' % ('a', 7, 2.5, 'q') }}"), "a-007|2.50|'q'|%");
  EXPECT_EQ(render("{{ 'arn:aws:s3:::%s/*' % b }} {{ '%(k)s' % {'k': 1} }}", {{"b", "bkt"}}), "arn:aws:s3:::bkt/* 1");
  EXPECT_EQ(error_of("{{ '%s %s' % ('a',) }}"), "res/vpc.iql:1: not enough arguments for format string");
  // tojson returns Markup: + escapes the plain side (markupsafe), ~ does not.
  EXPECT_EQ(render("{{ 1 | tojson + '<' }} {{ (1 | tojson) ~ '<' }} {{ [1 | tojson] }}"), "1&lt; 1< [Markup('1')]");
}

TEST(TemplateOutput, NonAsciiAndControlCharactersInRepr) {
  EXPECT_EQ(render("{{ ['café', '\\x01', '\\u00a0', 'tab\\t'] }}"), "['café', '\\x01', '\\xa0', 'tab\\t']");
}

TEST(TemplateExpressions, AccessAttributesItemsSlicesAndMethods) {
  Json ctx = Json::parse(R"({"d": {"a": {"b": [10, 20]}}, "s": "Hello"})");
  EXPECT_EQ(render("{{ d.a.b[1] }} {{ d['a']['b'][-1] }} {{ d.a.b.0 }}", ctx), "20 20 10");
  EXPECT_EQ(render("{{ s[1:3] }} {{ s[::-1] }} {{ s.upper() }} {{ s.split('l') }}", ctx),
            "el olleH HELLO ['He', '', 'o']");
  EXPECT_EQ(render("{{ d.items() }} {{ d.get('zz', 5) }}", Json::parse(R"({"d": {"k": 1}})")),
            "dict_items([('k', 1)]) 5");
  EXPECT_EQ(render("[{{ d.nope }}] [{{ d['a']['zz'] }}]", ctx), "[] []");
}

TEST(TemplateControl, IfElifElse) {
  const char* t = "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}";
  EXPECT_EQ(render(t, {{"n", 11}}), "big");
  EXPECT_EQ(render(t, {{"n", 6}}), "mid");
  EXPECT_EQ(render(t, {{"n", 1}}), "small");
}

TEST(TemplateControl, ForLoopVariables) {
  EXPECT_EQ(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}"
                   "{{ loop.last }}{{ loop.length }}{{ x }} {% endfor %}"),
            "10TrueFalse3a 21FalseFalse3b 32FalseTrue3c ");
  EXPECT_EQ(render("{% for x in [1, 2] %}{{ loop.revindex }}{{ loop.cycle('o', 'e') }}{% endfor %}"), "2o1e");
  EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {{"d", {{"a", 1}, {"b", 2}}}}),
            "a=1;b=2;");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}none{% endfor %}"), "none");
  EXPECT_EQ(render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %}"), "2/2 4/2 ");
}

TEST(TemplateControl, SetScopingFollowsJinja2) {
  // A loop body gets a fresh scope per iteration; if-blocks share the enclosing scope.
  EXPECT_EQ(render("{% set x = 0 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}"), "120");
  EXPECT_EQ(render("{% if true %}{% set y = 5 %}{% endif %}{{ y }}"), "5");
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}"
                   "{{ ns.n }}"),
            "6");
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(render("{% set body %}x{{ 1 }}{% endset %}[{{ body }}]"), "[x1]");
}

TEST(TemplateControl, Tests) {
  EXPECT_EQ(render("{{ x is defined }} {{ x is undefined }} {{ none is none }} {{ 4 is divisibleby 2 }}"),
            "False True True True");
  EXPECT_EQ(render("{{ 'a' is string }} {{ 1 is number }} {{ {} is mapping }} {{ 3 is odd }} {{ 1 is not even }}"),
            "True True True True True");
  EXPECT_EQ(render("{{ 2 is in [1, 2] }} {{ 2 is eq 2 }} {{ 3 is gt 2 }}"), "True True True");
}

TEST(TemplateUndefined, LenientRendersEmptyLikeJinja2) {
  EXPECT_EQ(render("[{{ missing }}] [{{ missing | upper }}] {{ missing | length }}"), "[] [] 0");
  EXPECT_EQ(render("{% for x in missing %}x{% endfor %}{% if missing %}y{% endif %}"), "");
  EXPECT_EQ(render("{{ missing | default('d') }} {{ '' | default('e', true) }}"), "d e");
  // Jinja2 raises even in lenient mode when an undefined value is used as an object or number.
  EXPECT_EQ(error_of("{{ missing.attr }}"), "res/vpc.iql:1: 'missing' is undefined");
  EXPECT_EQ(error_of("{{ missing + 1 }}"), "res/vpc.iql:1: 'missing' is undefined");
}

TEST(TemplateUndefined, StrictNamesVariableTemplateAndLine) {
  EXPECT_EQ(error_of("SELECT 1\nWHERE region = '{{ region }}'", Json::object(), true),
            "res/vpc.iql:2: 'region' is undefined");
  EXPECT_EQ(error_of("{{ d.nope }}", {{"d", Json::object()}}, true),
            "res/vpc.iql:1: 'dict object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{% if x %}{% endif %}", Json::object(), true), "res/vpc.iql:1: 'x' is undefined");
  Environment strict(Options{.strict = true});
  EXPECT_EQ(strict.render("{{ x | default('ok') }} {{ x is defined }}", Json::object()), "ok False");
}

TEST(TemplateErrors, SyntaxErrorsAreOneLineWithNameLineAndExpectation) {
  EXPECT_EQ(error_of("a\n{% for x in y %}\nbody"),
            "res/vpc.iql:3: unexpected end of template; expected 'endfor' or 'else' to close 'for' from line 2");
  EXPECT_EQ(error_of("{{ 1 + }}"), "res/vpc.iql:1: expected an expression, got end of print statement '}}'");
  EXPECT_EQ(error_of("\n\n{% bogus %}"), "res/vpc.iql:3: unknown tag 'bogus'");
  EXPECT_EQ(error_of("{{ [1, 2 }}"), "res/vpc.iql:1: unexpected '}'");
  EXPECT_EQ(error_of("x\n{{ 'abc }}"), "res/vpc.iql:2: unexpected end of string literal");
  EXPECT_EQ(error_of("{{ s | nope }}"), "res/vpc.iql:1: no filter named 'nope'");
}

TEST(TemplateErrors, RuntimeErrorsCarryTheLine) {
  EXPECT_EQ(error_of("ok\n{{ 1 / 0 }}"), "res/vpc.iql:2: division by zero");
  EXPECT_EQ(error_of("{{ 'a' + 1 }}"), "res/vpc.iql:1: can only concatenate str (not \"int\") to str");
  EXPECT_EQ(error_of("{% for a, b in [1] %}{% endfor %}"), "res/vpc.iql:1: 'int' object is not iterable");
}

TEST(TemplateApi, CallerGlobalsFunctionsAndFilters) {
  Environment env;
  env.add_global("stack_name", "demo");
  env.add_function("env_var", [](const std::vector<Json>& args) { return Json("v:" + args.at(0).get<std::string>()); });
  env.add_filter("twice", [](const std::vector<Json>& args) { return Json(args.at(0).get<int>() * 2); });
  env.add_filter("kw", [](const std::vector<Json>& args) { return args.back(); });
  EXPECT_EQ(env.render("{{ stack_name }} {{ env_var('X') }} {{ 21 | twice }}", Json::object()), "demo v:X 42");
  EXPECT_EQ(env.render("{{ stack_name }}", {{"stack_name", "ctx wins"}}), "ctx wins");
  EXPECT_EQ(env.render("{{ 1 | kw(a=2) }}", Json::object()), "{'a': 2}");
  env.add_function("boom", [](const std::vector<Json>&) -> Json { throw std::runtime_error("exploded"); });
  EXPECT_THROW(
      {
        try {
          env.render("\n{{ boom() }}", Json::object(), "f.iql");
        } catch (const TemplateError& e) {
          EXPECT_STREQ(e.what(), "f.iql:2: exploded");
          throw;
        }
      },
      TemplateError);
}

TEST(TemplateApi, ParseOnceRenderMany) {
  Environment env;
  Template t = env.parse("{{ a }}-{{ b | default('x') }}", "x.iql");
  EXPECT_EQ(t.name(), "x.iql");
  EXPECT_EQ(t.render({{"a", 1}}), "1-x");
  EXPECT_EQ(t.render({{"a", 2}, {"b", "y"}}), "2-y");
  EXPECT_THROW(env.parse("{% if %}", "bad.iql"), TemplateError);
}

TEST(TemplateApi, EvaluateAndIsTrue) {
  Environment env;
  Json ctx = {{"env", "prod"}, {"n", 3}};
  EXPECT_TRUE(env.is_true("env == 'prod' and n > 2", ctx));
  EXPECT_FALSE(env.is_true("missing", ctx));
  EXPECT_EQ(env.evaluate("[n, n * 2, (1, 'a')]", ctx), Json::parse(R"([3, 6, [1, "a"]])"));
  EXPECT_EQ(env.evaluate("{'k': env}", ctx), Json::parse(R"({"k": "prod"})"));
  EXPECT_EQ(env.evaluate("missing", ctx), Json(nullptr));
  EXPECT_THROW(env.evaluate("1 +", ctx), TemplateError);
}

TEST(TemplateApi, AcceptsNlohmannJsonContexts) {
  nlohmann::json ctx = {{"region", "us-east-1"}};
  EXPECT_EQ(Environment().render("{{ region }}", ctx), "us-east-1");
}

TEST(TemplateApi, UuidIsRandomV4) {
  Environment env;
  std::string a = env.render("{{ uuid() }}", Json::object());
  std::string b = env.render("{{ uuid() }}", Json::object());
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace skyql::templating
