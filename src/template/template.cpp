// The renderer (a tree walker over the parser's nodes) and the public API.
#include "template/template.h"

#include "template/env_state.h"

namespace skyql::templating {

TemplateError::TemplateError(std::string template_name, int line, std::string message)
    : std::runtime_error(template_name + ":" + std::to_string(line) + ": " + message),
      template_name_(std::move(template_name)),
      line_(line),
      message_(std::move(message)) {}

namespace detail {
namespace {

using Frame = std::unordered_map<std::string, Value>;

class Renderer {
 public:
  Renderer(const EnvState& env, const std::string& name) : env_(env), name_(name), strict_(env.options.strict) {}

  // The context is converted lazily, one variable at the time a template first reads it: contexts (an
  // --iqldata file, a stack's globals and exports) can be large while a template reads a handful.
  void push_context(const Json& context) {
    frames_.emplace_back();
    if (context.is_null()) return;
    if (!context.is_object()) throw TemplateError(name_, 0, "the render context must be a JSON object");
    context_index_.reserve(context.size());
    for (auto it = context.begin(); it != context.end(); ++it) context_index_[it.key()] = &it.value();
  }

  std::string render(const Node& root) {
    std::string out;
    guarded([&] { exec(root, out); });
    return out;
  }

  Value evaluate(const Node& expr) {
    Value v;
    guarded([&] { v = eval(expr); });
    return v;
  }

  bool truth(const Node& expr) {
    bool b = false;
    guarded([&] { b = py_bool(eval(expr)); });
    return b;
  }

 private:
  template <typename F>
  void guarded(F&& body) {
    try {
      body();
    } catch (const TemplateError&) {
      throw;
    } catch (const EvalError& e) {
      throw TemplateError(name_, line_, e.what());
    } catch (const std::exception& e) {
      throw TemplateError(name_, line_, e.what());
    }
  }

  Value lookup(const std::string& name) {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return f->second;
    }
    auto c = context_cache_.find(name);
    if (c != context_cache_.end()) return c->second;
    auto i = context_index_.find(name);
    if (i != context_index_.end()) return context_cache_.emplace(name, from_json(*i->second)).first->second;
    auto g = env_.globals.find(name);
    if (g != env_.globals.end()) return g->second;
    return Value::undefined("'" + name + "' is undefined", strict_);
  }

  void assign(const std::string& name, Value v) { frames_.back()[name] = std::move(v); }

  void assign_targets(const std::vector<std::string>& names, const Value& v) {
    if (names.size() == 1) {
      assign(names[0], v);
      return;
    }
    std::vector<Value> items = py_iter(v);
    if (items.size() > names.size()) {
      throw EvalError("too many values to unpack (expected " + std::to_string(names.size()) + ")");
    }
    if (items.size() < names.size()) {
      throw EvalError("not enough values to unpack (expected " + std::to_string(names.size()) + ", got " +
                      std::to_string(items.size()) + ")");
    }
    for (size_t k = 0; k < names.size(); ++k) assign(names[k], items[k]);
  }

  void exec(const Node& n, std::string& out) {
    line_ = n.line;
    switch (n.kind) {
      case Node::Kind::Block:
        for (const auto& k : n.kids) exec(*k, out);
        return;
      case Node::Kind::Text: out += n.s; return;
      case Node::Kind::Print: {
        Value v = eval(*n.kids[0]);
        line_ = n.line;
        out += py_str(v);
        return;
      }
      case Node::Kind::If: {
        size_t k = 0;
        for (; k + 1 < n.kids.size(); k += 2) {
          if (py_bool(eval(*n.kids[k]))) {
            exec(*n.kids[k + 1], out);
            return;
          }
        }
        if (k < n.kids.size()) exec(*n.kids[k], out);
        return;
      }
      case Node::Kind::For: exec_for(n, out); return;
      case Node::Kind::Set: exec_set(n); return;
      default: out += py_str(eval(n)); return;
    }
  }

  void exec_for(const Node& n, std::string& out) {
    std::vector<Value> items = py_iter(eval(*n.kids[0]));
    const NodePtr& filter = n.kids[3];
    if (filter) {
      // The `if` clause filters before loop.* is computed, as in Jinja2.
      std::vector<Value> kept;
      for (auto& item : items) {
        frames_.emplace_back();
        assign_targets(n.names, item);
        bool keep = py_bool(eval(*filter));
        frames_.pop_back();
        if (keep) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      if (n.kids[2]) exec(*n.kids[2], out);
      return;
    }
    const auto length = static_cast<int64_t>(items.size());
    for (int64_t k = 0; k < length; ++k) {
      frames_.emplace_back();
      Value loop = Value::new_dict();
      auto& d = loop.dict->items;
      d.emplace_back(Value::string("index"), Value::integer(k + 1));
      d.emplace_back(Value::string("index0"), Value::integer(k));
      d.emplace_back(Value::string("revindex"), Value::integer(length - k));
      d.emplace_back(Value::string("revindex0"), Value::integer(length - k - 1));
      d.emplace_back(Value::string("first"), Value::boolean(k == 0));
      d.emplace_back(Value::string("last"), Value::boolean(k == length - 1));
      d.emplace_back(Value::string("length"), Value::integer(length));
      d.emplace_back(Value::string("depth"), Value::integer(1));
      d.emplace_back(Value::string("depth0"), Value::integer(0));
      if (k > 0) d.emplace_back(Value::string("previtem"), items[k - 1]);
      if (k + 1 < length) d.emplace_back(Value::string("nextitem"), items[k + 1]);
      d.emplace_back(Value::string("cycle"), Value::callable("cycle", [k](std::vector<Value>& args, Kwargs&) {
                       if (args.empty()) throw EvalError("no items for cycling given");
                       return args[static_cast<size_t>(k) % args.size()];
                     }));
      assign("loop", loop);
      assign_targets(n.names, items[k]);
      exec(*n.kids[1], out);
      frames_.pop_back();
    }
  }

  void exec_set(const Node& n) {
    Value v;
    if (n.s == "block") {
      std::string body;
      exec(*n.kids[0], body);
      v = Value::string(std::move(body));
    } else {
      v = eval(*n.kids[0]);
    }
    line_ = n.line;
    if (n.flag) {
      Value target = lookup(n.names[0]);
      if (target.kind != Value::Kind::Dict || target.s != "namespace") {
        throw EvalError("cannot assign attribute on non-namespace object");
      }
      target.dict->set(Value::string(n.names[1]), std::move(v));
      return;
    }
    assign_targets(n.names, v);
  }

  void eval_call_args(const Node& n, size_t first, std::vector<Value>& args, Kwargs& kwargs) {
    size_t nkw = n.names.size();
    size_t npos = n.kids.size() - first - nkw;
    for (size_t k = 0; k < npos; ++k) args.push_back(eval(*n.kids[first + k]));
    for (size_t k = 0; k < nkw; ++k) kwargs.emplace_back(n.names[k], eval(*n.kids[first + npos + k]));
  }

  Value eval(const Node& n) {
    line_ = n.line;
    switch (n.kind) {
      case Node::Kind::Literal: return n.value;
      case Node::Kind::Name: return lookup(n.s);
      case Node::Kind::GetAttr: {
        Value obj = eval(*n.kids[0]);
        line_ = n.line;
        return get_attr(obj, n.s, strict_);
      }
      case Node::Kind::GetItem: {
        Value obj = eval(*n.kids[0]);
        Value key = eval(*n.kids[1]);
        line_ = n.line;
        return get_item(obj, key, strict_);
      }
      case Node::Kind::Slice: return eval_slice(n);
      case Node::Kind::Call: {
        Value callee = eval(*n.kids[0]);
        std::vector<Value> args;
        Kwargs kwargs;
        eval_call_args(n, 1, args, kwargs);
        line_ = n.line;
        if (callee.kind == Value::Kind::Callable) return callee.fn->fn(args, kwargs);
        if (callee.is_undefined()) fail_undefined(callee);
        throw EvalError(std::string("'") + type_name(callee) + "' object is not callable");
      }
      case Node::Kind::Filter: {
        auto f = env_.filters.find(n.s);
        if (f == env_.filters.end()) {
          throw TemplateError(name_, n.line, "no filter named '" + n.s + "'");
        }
        std::vector<Value> args;
        Kwargs kwargs;
        args.push_back(eval(*n.kids[0]));
        eval_call_args(n, 1, args, kwargs);
        line_ = n.line;
        return f->second(env_, args, kwargs);
      }
      case Node::Kind::Test: {
        auto t = env_.tests.find(n.s);
        if (t == env_.tests.end()) throw TemplateError(name_, n.line, "no test named '" + n.s + "'");
        std::vector<Value> args;
        Kwargs kwargs;
        args.push_back(eval(*n.kids[0]));
        eval_call_args(n, 1, args, kwargs);
        line_ = n.line;
        bool r = t->second(env_, args, kwargs);
        return Value::boolean(n.flag ? !r : r);
      }
      case Node::Kind::Unary: {
        Value v = eval(*n.kids[0]);
        line_ = n.line;
        if (n.s == "not") return Value::boolean(!py_bool(v));
        if (v.is_undefined()) fail_undefined(v);
        if (!v.is_number()) {
          throw EvalError(std::string("bad operand type for unary ") + n.s + ": '" + type_name(v) + "'");
        }
        if (n.s == "+") return v.kind == Value::Kind::Bool ? Value::integer(v.b) : v;
        if (v.kind == Value::Kind::Float) return Value::real(-v.f);
        if (v.as_int() == INT64_MIN) return Value::real(-static_cast<double>(v.as_int()));
        return Value::integer(-v.as_int());
      }
      case Node::Kind::Binary: {
        if (n.s == "and") {
          Value l = eval(*n.kids[0]);
          return py_bool(l) ? eval(*n.kids[1]) : l;
        }
        if (n.s == "or") {
          Value l = eval(*n.kids[0]);
          return py_bool(l) ? l : eval(*n.kids[1]);
        }
        Value l = eval(*n.kids[0]);
        Value r = eval(*n.kids[1]);
        line_ = n.line;
        return binary_op(n.s, l, r);
      }
      case Node::Kind::Compare: {
        Value left = eval(*n.kids[0]);
        for (size_t k = 0; k < n.names.size(); ++k) {
          Value right = eval(*n.kids[k + 1]);
          line_ = n.line;
          const std::string& op = n.names[k];
          bool r;
          if (op == "==") r = py_eq(left, right);
          else if (op == "!=") r = !py_eq(left, right);
          else if (op == "<") r = py_lt(left, right);
          else if (op == ">") r = py_lt(right, left);
          else if (op == "<=") r = !py_lt(right, left);
          else if (op == ">=") r = !py_lt(left, right);
          else if (op == "in") r = py_contains(right, left);
          else r = !py_contains(right, left);
          if (!r) return Value::boolean(false);
          left = std::move(right);
        }
        return Value::boolean(true);
      }
      case Node::Kind::CondExpr: {
        if (py_bool(eval(*n.kids[0]))) return eval(*n.kids[1]);
        if (n.kids[2]) return eval(*n.kids[2]);
        return Value::undefined("the inline if-expression on line " + std::to_string(n.line) +
                                    " evaluated to false and no else section was defined.",
                                strict_);
      }
      case Node::Kind::ListLit:
      case Node::Kind::TupleLit: {
        std::vector<Value> items;
        items.reserve(n.kids.size());
        for (const auto& k : n.kids) items.push_back(eval(*k));
        return n.kind == Node::Kind::ListLit ? Value::new_list(std::move(items))
                                             : Value::new_tuple(std::move(items));
      }
      case Node::Kind::DictLit: {
        Value d = Value::new_dict();
        for (size_t k = 0; k + 1 < n.kids.size(); k += 2) {
          Value key = eval(*n.kids[k]);
          if (key.kind == Value::Kind::List || key.kind == Value::Kind::Dict) {
            throw EvalError(std::string("unhashable type: '") + type_name(key) + "'");
          }
          d.dict->set(key, eval(*n.kids[k + 1]));
        }
        return d;
      }
      default: throw EvalError("statement used as an expression");
    }
  }

  Value eval_slice(const Node& n) {
    Value obj = eval(*n.kids[0]);
    int64_t parts[3] = {0, 0, 1};
    bool given[3] = {false, false, false};
    for (int k = 0; k < 3; ++k) {
      if (!n.kids[k + 1]) continue;
      Value v = eval(*n.kids[k + 1]);
      if (v.kind == Value::Kind::None) continue;
      if (v.kind != Value::Kind::Int && v.kind != Value::Kind::Bool) {
        throw EvalError("slice indices must be integers or None");
      }
      parts[k] = v.as_int();
      given[k] = true;
    }
    line_ = n.line;
    if (obj.is_undefined()) fail_undefined(obj);
    std::vector<Value> items;
    bool is_str = obj.is_string();
    if (is_str) {
      items = py_iter(obj);
    } else if (obj.is_sequence()) {
      items = *obj.list;
    } else {
      throw EvalError(std::string("'") + type_name(obj) + "' object is not subscriptable");
    }
    int64_t len = static_cast<int64_t>(items.size());
    int64_t step = parts[2];
    if (step == 0) throw EvalError("slice step cannot be zero");
    auto clamp = [&](int64_t v, bool is_given, int64_t dflt) {
      if (!is_given) return dflt;
      if (v < 0) v += len;
      if (step > 0) return std::clamp<int64_t>(v, 0, len);
      return std::clamp<int64_t>(v, -1, len - 1);
    };
    int64_t start = clamp(parts[0], given[0], step > 0 ? 0 : len - 1);
    int64_t stop = clamp(parts[1], given[1], step > 0 ? len : -1);
    std::vector<Value> out;
    for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) out.push_back(items[k]);
    if (is_str) {
      std::string s;
      for (const auto& c : out) s += c.s;
      return Value::string(std::move(s));
    }
    return obj.kind == Value::Kind::Tuple ? Value::new_tuple(std::move(out)) : Value::new_list(std::move(out));
  }

  const EnvState& env_;
  const std::string& name_;
  bool strict_;
  int line_ = 1;
  std::vector<Frame> frames_;
  std::unordered_map<std::string_view, const Json*> context_index_;
  Frame context_cache_;
};

}  // namespace

}  // namespace detail

std::string Template::render(const Json& context) const {
  detail::Renderer r(*env_, name_);
  r.push_context(context);
  return r.render(*root_);
}

const std::string& Template::name() const { return name_; }

Environment::Environment(Options options) : state_(std::make_shared<detail::EnvState>()) {
  state_->options = options;
  detail::register_builtins(*state_);
}

Environment::~Environment() = default;
Environment::Environment(const Environment& other) : state_(std::make_shared<detail::EnvState>(*other.state_)) {}
Environment& Environment::operator=(const Environment& other) {
  state_ = std::make_shared<detail::EnvState>(*other.state_);
  return *this;
}

void Environment::set_strict(bool strict) { state_->options.strict = strict; }

void Environment::add_global(const std::string& name, const Json& value) {
  state_->globals[name] = detail::from_json(value);
}

namespace {

// Adapts a caller's JSON function: keyword arguments travel as one trailing object.
std::vector<Json> to_json_args(const std::vector<detail::Value>& args, const detail::Kwargs& kwargs) {
  std::vector<Json> out;
  out.reserve(args.size() + 1);
  for (const auto& a : args) out.push_back(detail::to_json(a));
  if (!kwargs.empty()) {
    Json kw = Json::object();
    for (const auto& [k, v] : kwargs) kw[k] = detail::to_json(v);
    out.push_back(std::move(kw));
  }
  return out;
}

}  // namespace

void Environment::add_function(const std::string& name, Function function) {
  state_->globals[name] =
      detail::Value::callable(name, [function](std::vector<detail::Value>& args, detail::Kwargs& kwargs) {
        return detail::from_json(function(to_json_args(args, kwargs)));
      });
}

void Environment::add_filter(const std::string& name, Function filter) {
  state_->filters[name] = [filter](const detail::EnvState&, std::vector<detail::Value>& args,
                                   detail::Kwargs& kwargs) {
    return detail::from_json(filter(to_json_args(args, kwargs)));
  };
}

Template Environment::parse(std::string_view source, const std::string& name) const {
  Template t;
  t.root_ = detail::parse_template(source, name);
  // A snapshot, so later add_* calls on this Environment do not race with renders of this template.
  t.env_ = std::make_shared<const detail::EnvState>(*state_);
  t.name_ = name;
  return t;
}

std::string Environment::render(std::string_view source, const Json& context, const std::string& name) const {
  detail::NodePtr root = detail::parse_template(source, name);
  detail::Renderer r(*state_, name);
  r.push_context(context);
  return r.render(*root);
}

Json Environment::evaluate(std::string_view expression, const Json& context, const std::string& name) const {
  detail::NodePtr root = detail::parse_expression(expression, name);
  detail::Renderer r(*state_, name);
  r.push_context(context);
  return detail::to_json(r.evaluate(*root));
}

bool Environment::is_true(std::string_view expression, const Json& context, const std::string& name) const {
  detail::NodePtr root = detail::parse_expression(expression, name);
  detail::Renderer r(*state_, name);
  r.push_context(context);
  return r.truth(*root);
}

std::string to_python_str(const Json& value) { return detail::py_str(detail::from_json(value)); }

}  // namespace skyql::templating
