// template/ — a Jinja2-compatible template engine for `skyql exec` (--var/--iqldata) and `skyql deploy`.
//
// Promise: for the constructs stackql-deploy stacks use, render() returns exactly what Python Jinja2 3.x
// returns with stackql-deploy's Environment (autoescape=False, trim_blocks=False, lstrip_blocks=False,
// keep_trailing_newline=False, default Undefined) and its filters from_json, base64_encode, merge_lists,
// merge_objects, generate_patch_document, sql_list, sql_escape and the global uuid(). Printed values are
// Python's str(): True/False/None, {'a': 1}, ['a', 1], 1.0. Dicts keep insertion order (as Python does), so
// the value type is nlohmann::ordered_json; nlohmann::json converts to it implicitly.
//
// Supported: {{ }}, {% if/elif/else %}, {% for %} (with else, unpacking, loop.*), {% set %} (also block
// form), {% raw %}, {# #}, whitespace control (-), filters with positional/keyword arguments, tests (`is`),
// literals (str/int/float/bool/None/list/tuple/dict), arithmetic, comparisons, and/or/not, in/not in, ~,
// x if c else y, attribute/item/slice access, dict/str methods (items(), keys(), get(), split(), ...),
// printf-style 'fmt' % args. Not supported: macros, include/import/extends, call/filter/with blocks.
// Differences from Python: integers are 64-bit (overflow falls back to float); upper/lower/title change
// ASCII letters only; merge_lists keeps first-seen order (stackql-deploy returns set order, which is
// unspecified); range() returns a list.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace skyql::templating {

using Json = nlohmann::ordered_json;

// Syntax errors, undefined variables in strict mode and runtime failures (a filter given the wrong type,
// division by zero). what() is one line: "<template name>:<line>: <message>".
class TemplateError : public std::runtime_error {
 public:
  TemplateError(std::string template_name, int line, std::string message);
  const std::string& template_name() const { return template_name_; }
  int line() const { return line_; }
  // The message without the name and line, e.g. "'region' is undefined".
  const std::string& message() const { return message_; }

 private:
  std::string template_name_;
  int line_;
  std::string message_;
};

// A function callable from templates, or a filter (its first argument is the filtered value). Keyword
// arguments are appended as a trailing JSON object only when the call has any. Throw std::exception to fail
// the render; its what() becomes the TemplateError message.
using Function = std::function<Json(const std::vector<Json>& args)>;

struct Options {
  // Undefined variables (and missing attributes) are an error naming the variable, the template and the
  // line, instead of rendering empty (Jinja2's StrictUndefined).
  bool strict = false;
};

namespace detail {
struct Node;
struct EnvState;
}  // namespace detail

class Environment;

// A parsed template; cheap to copy, safe to render concurrently.
class Template {
 public:
  std::string render(const Json& context) const;
  const std::string& name() const;

 private:
  friend class Environment;
  std::shared_ptr<const detail::Node> root_;
  std::shared_ptr<const detail::EnvState> env_;
  std::string name_;
};

class Environment {
 public:
  // Comes with Jinja2's filters and tests, stackql-deploy's filters, and globals range(), namespace(),
  // uuid() (random v4, as stackql-deploy).
  explicit Environment(Options options = {});
  ~Environment();
  Environment(const Environment&);
  Environment& operator=(const Environment&);

  // A variable visible to every template (the render context shadows it).
  void add_global(const std::string& name, const Json& value);
  void add_function(const std::string& name, Function function);
  void add_filter(const std::string& name, Function filter);
  void set_strict(bool strict);

  // Parses once; throws TemplateError naming `name` and the line for syntax errors.
  Template parse(std::string_view source, const std::string& name = "<template>") const;
  // parse + render. context must be a JSON object (or null for none).
  std::string render(std::string_view source, const Json& context,
                     const std::string& name = "<template>") const;
  // Evaluates one expression (e.g. a manifest `if:` condition) and returns its value as JSON
  // (tuples become arrays, undefined becomes null).
  Json evaluate(std::string_view expression, const Json& context,
                const std::string& name = "<expression>") const;
  // Python truthiness of an expression's value, as `{% if expression %}` decides.
  bool is_true(std::string_view expression, const Json& context,
               const std::string& name = "<expression>") const;

 private:
  std::shared_ptr<detail::EnvState> state_;
};

// Python's str() of a JSON value, as {{ value }} prints it ("True", "{'a': 1}", "1.0").
std::string to_python_str(const Json& value);

}  // namespace skyql::templating
