// Private to template/: what an Environment holds, and the builtin filter/test/method tables.
#pragma once

#include <string>
#include <unordered_map>

#include "template/ast.h"

namespace skyql::templating::detail {

struct EnvState;
// args[0] is the filtered (or tested) value.
using FilterFn = std::function<Value(const EnvState& env, std::vector<Value>& args, Kwargs& kwargs)>;
using TestFn = std::function<bool(const EnvState& env, std::vector<Value>& args, Kwargs& kwargs)>;

struct EnvState {
  Options options;
  std::unordered_map<std::string, Value> globals;
  std::unordered_map<std::string, FilterFn> filters;
  std::unordered_map<std::string, TestFn> tests;
};

void register_builtins(EnvState& env);

// Jinja2's Environment.getattr / getitem: attribute first (methods such as dict.items) then item, or the
// reverse; a miss gives an Undefined naming what was missing. Fails at once on an undefined object.
Value get_attr(const Value& obj, const std::string& name, bool strict);
Value get_item(const Value& obj, const Value& key, bool strict);

// Binary operators with Python semantics ("+", "-", "*", "/", "//", "%", "**", "~").
Value binary_op(const std::string& op, const Value& a, const Value& b);

// Positional/keyword argument binding with Python's rules, for builtin filters and functions.
struct BoundArgs {
  std::vector<Value> values;
  std::vector<bool> given;
  const Value& get(size_t k) const { return values[k]; }
  bool has(size_t k) const { return given[k]; }
};
BoundArgs bind_args(const std::string& fn, const std::vector<Value>& args, const Kwargs& kwargs,
                    const std::vector<std::string>& params, size_t required);

}  // namespace skyql::templating::detail
