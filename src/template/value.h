// Private to template/: the runtime value model, a small subset of Python's objects with Python semantics
// (str(), repr(), ==, <, truthiness, iteration), so printed output equals Jinja2's byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "template/template.h"

namespace skyql::templating::detail {

// Raised by value operations; the renderer adds the template name and line.
struct EvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Value;
using Kwargs = std::vector<std::pair<std::string, Value>>;
using NativeFn = std::function<Value(std::vector<Value>& args, Kwargs& kwargs)>;

struct Dict;
struct Callable {
  std::string name;
  NativeFn fn;
};

struct Value {
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Callable };
  Kind kind = Kind::Undefined;
  bool b = false;  // Bool value; for Undefined: strict (every use but `default`/`is defined` fails)
  bool markup = false;  // String produced by tojson (Jinja2's Markup)
  int64_t i = 0;
  double f = 0;
  // String text; Undefined: the error a use raises ("'x' is undefined"); List: a view type name
  // ("dict_items") printed around the items; Dict: "namespace" for namespace() objects.
  std::string s;
  std::shared_ptr<std::vector<Value>> list;  // List, Tuple
  std::shared_ptr<Dict> dict;
  std::shared_ptr<Callable> fn;

  static Value undefined(std::string message, bool strict) {
    Value v;
    v.s = std::move(message);
    v.b = strict;
    return v;
  }
  static Value none() { return make(Kind::None); }
  static Value boolean(bool b) {
    Value v = make(Kind::Bool);
    v.b = b;
    return v;
  }
  static Value integer(int64_t i) {
    Value v = make(Kind::Int);
    v.i = i;
    return v;
  }
  static Value real(double f) {
    Value v = make(Kind::Float);
    v.f = f;
    return v;
  }
  static Value string(std::string s) {
    Value v = make(Kind::String);
    v.s = std::move(s);
    return v;
  }
  static Value new_list(std::vector<Value> items = {});
  static Value new_tuple(std::vector<Value> items);
  static Value new_dict();
  static Value callable(std::string name, NativeFn fn);

  bool is_undefined() const { return kind == Kind::Undefined; }
  bool is_string() const { return kind == Kind::String; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float || kind == Kind::Bool; }
  bool is_sequence() const { return kind == Kind::List || kind == Kind::Tuple; }
  double as_double() const { return kind == Kind::Float ? f : static_cast<double>(kind == Kind::Bool ? b : i); }
  int64_t as_int() const { return kind == Kind::Bool ? b : i; }

 private:
  static Value make(Kind k) {
    Value v;
    v.kind = k;
    return v;
  }
};

// Python dict: insertion-ordered; keys are any hashable value (strings in practice).
struct Dict {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  const Value* find(const std::string& key) const;
  void set(const Value& key, Value value);
};

// Throws EvalError with the undefined value's message (used where Jinja2's Undefined raises).
[[noreturn]] void fail_undefined(const Value& v);

const char* type_name(const Value& v);
std::string py_str(const Value& v);   // str(v)
std::string py_repr(const Value& v);  // repr(v)
std::string float_repr(double d);
bool py_bool(const Value& v);
bool py_eq(const Value& a, const Value& b);
bool py_lt(const Value& a, const Value& b);  // throws EvalError for unorderable types
std::vector<Value> py_iter(const Value& v);
int64_t py_len(const Value& v);
bool py_contains(const Value& container, const Value& item);

// UTF-8 helpers: code points, because Python strings index by code point.
std::vector<std::string> utf8_chars(const std::string& s);

Value from_json(const Json& j);
Json to_json(const Value& v);
// Python json.dumps (ensure_ascii=True); indent < 0 means none.
std::string json_dumps(const Value& v, bool sort_keys, int indent = -1);
// Python json.loads; throws EvalError on invalid input.
Value json_loads(const std::string& text);

// Appends the UTF-8 encoding of code point `cp`.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace skyql::templating::detail
