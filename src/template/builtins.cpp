// Builtin filters, tests, globals and methods: Jinja2 3.1's (jinja2/filters.py, jinja2/tests.py) and
// stackql-deploy's (stackql_deploy/lib/filters.py), with the same results for the same inputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "template/env_state.h"

namespace skyql::templating::detail {

namespace {

std::string object_type_repr(const Value& v) {
  if (v.kind == Value::Kind::None) return "None";
  return std::string(type_name(v)) + " object";
}

Value missing_attr(const Value& obj, const std::string& name, bool strict) {
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + name + "'", strict);
}

bool is_py_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string to_upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string capitalize(const std::string& s) {
  std::string out = to_lower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// Jinja2's do_title: a word starts after '-', whitespace, or an opening bracket.
std::string title(const std::string& s) {
  std::string out;
  bool start = true;
  for (char c : s) {
    bool sep = c == '-' || is_py_space(c) || c == '(' || c == '{' || c == '[' || c == '<';
    if (sep) {
      out += c;
      start = true;
    } else {
      out += static_cast<char>(start ? std::toupper(static_cast<unsigned char>(c))
                                     : std::tolower(static_cast<unsigned char>(c)));
      start = false;
    }
  }
  return out;
}

std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
  auto strip_char = [&](char c) {
    if (chars.kind == Value::Kind::None || chars.is_undefined()) return is_py_space(c);
    return chars.s.find(c) != std::string::npos;
  };
  size_t b = 0;
  size_t e = s.size();
  if (left) {
    while (b < e && strip_char(s[b])) ++b;
  }
  if (right) {
    while (e > b && strip_char(s[e - 1])) --e;
  }
  return s.substr(b, e - b);
}

std::string replace(const std::string& s, const std::string& old, const std::string& repl, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every character and at the end.
    auto chars = utf8_chars(s);
    int64_t done = 0;
    for (const auto& c : chars) {
      if (count < 0 || done < count) {
        out += repl;
        ++done;
      }
      out += c;
    }
    if (count < 0 || done < count) out += repl;
    return out;
  }
  size_t pos = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t f = s.find(old, pos);
    if (f == std::string::npos) break;
    out += s.substr(pos, f - pos) + repl;
    pos = f + old.size();
    ++done;
  }
  return out + s.substr(pos);
}

std::vector<std::string> split(const std::string& s, const Value& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep.kind == Value::Kind::None || sep.is_undefined()) {
    size_t p = 0;
    while (true) {
      while (p < s.size() && is_py_space(s[p])) ++p;
      if (p >= s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
        size_t e = s.size();
        while (e > p && is_py_space(s[e - 1])) --e;
        out.push_back(s.substr(p, e - p));
        break;
      }
      size_t e = p;
      while (e < s.size() && !is_py_space(s[e])) ++e;
      out.push_back(s.substr(p, e - p));
      p = e;
    }
    return out;
  }
  if (sep.s.empty()) throw EvalError("empty separator");
  size_t p = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    size_t f = s.find(sep.s, p);
    if (f == std::string::npos) break;
    out.push_back(s.substr(p, f - p));
    p = f + sep.s.size();
  }
  out.push_back(s.substr(p));
  return out;
}

std::vector<Value> strings(const std::vector<std::string>& v) {
  std::vector<Value> out;
  for (const auto& s : v) out.push_back(Value::string(s));
  return out;
}

const std::string& need_str(const Value& v, const std::string& what) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_string()) throw EvalError(what + " must be str, not " + type_name(v));
  return v.s;
}

int64_t need_int(const Value& v, const std::string& what) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.kind != Value::Kind::Int && v.kind != Value::Kind::Bool) {
    throw EvalError(what + " must be an integer, not " + type_name(v));
  }
  return v.as_int();
}

Value method(const std::string& name, NativeFn fn) { return Value::callable(name, std::move(fn)); }

Value dict_method(const Value& obj, const std::string& name) {
  auto d = obj.dict;
  if (name == "items" || name == "keys" || name == "values") {
    return method(name, [d, name](std::vector<Value>& args, Kwargs&) {
      if (!args.empty()) throw EvalError("dict." + name + "() takes no arguments");
      std::vector<Value> out;
      for (const auto& [k, v] : d->items) {
        if (name == "items") out.push_back(Value::new_tuple({k, v}));
        else out.push_back(name == "keys" ? k : v);
      }
      Value view = Value::new_list(std::move(out));
      view.s = "dict_" + name;
      return view;
    });
  }
  if (name == "get") {
    return method(name, [d](std::vector<Value>& args, Kwargs&) {
      if (args.empty() || args.size() > 2) throw EvalError("dict.get() takes 1 or 2 arguments");
      const Value* v = d->find(args[0]);
      if (v != nullptr) return *v;
      return args.size() == 2 ? args[1] : Value::none();
    });
  }
  return {};
}

Value str_method(const Value& obj, const std::string& name) {
  std::string s = obj.s;
  auto arg = [](std::vector<Value>& args, size_t k) { return k < args.size() ? args[k] : Value::none(); };
  if (name == "upper") return method(name, [s](auto&, auto&) { return Value::string(to_upper(s)); });
  if (name == "lower") return method(name, [s](auto&, auto&) { return Value::string(to_lower(s)); });
  if (name == "title") return method(name, [s](auto&, auto&) { return Value::string(title(s)); });
  if (name == "capitalize") return method(name, [s](auto&, auto&) { return Value::string(capitalize(s)); });
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return method(name, [s, name, arg](std::vector<Value>& args, Kwargs&) {
      return Value::string(strip(s, arg(args, 0), name != "rstrip", name != "lstrip"));
    });
  }
  if (name == "split") {
    return method(name, [s, arg](std::vector<Value>& args, Kwargs& kw) {
      Value sep = arg(args, 0);
      Value max = arg(args, 1);
      for (auto& [k, v] : kw) {
        if (k == "sep") sep = v;
        else if (k == "maxsplit") max = v;
      }
      int64_t m = max.kind == Value::Kind::None ? -1 : need_int(max, "maxsplit");
      return Value::new_list(strings(split(s, sep, m)));
    });
  }
  if (name == "startswith" || name == "endswith") {
    return method(name, [s, name](std::vector<Value>& args, Kwargs&) {
      if (args.empty()) throw EvalError("str." + name + "() takes at least 1 argument");
      std::vector<Value> options = args[0].kind == Value::Kind::Tuple ? *args[0].list : std::vector{args[0]};
      for (const auto& o : options) {
        const std::string& p = need_str(o, name + " argument");
        bool hit = name == "startswith" ? s.compare(0, p.size(), p) == 0
                                        : s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
        if (hit) return Value::boolean(true);
      }
      return Value::boolean(false);
    });
  }
  if (name == "replace") {
    return method(name, [s](std::vector<Value>& args, Kwargs&) {
      if (args.size() < 2) throw EvalError("str.replace() takes at least 2 arguments");
      int64_t count = args.size() > 2 ? need_int(args[2], "count") : -1;
      return Value::string(replace(s, need_str(args[0], "old"), need_str(args[1], "new"), count));
    });
  }
  if (name == "join") {
    return method(name, [s](std::vector<Value>& args, Kwargs&) {
      if (args.size() != 1) throw EvalError("str.join() takes exactly one argument");
      std::string out;
      bool first = true;
      for (const auto& v : py_iter(args[0])) {
        if (!first) out += s;
        first = false;
        out += need_str(v, "sequence item");
      }
      return Value::string(std::move(out));
    });
  }
  if (name == "find" || name == "count") {
    return method(name, [s, name](std::vector<Value>& args, Kwargs&) {
      if (args.size() != 1) throw EvalError("str." + name + "() takes exactly one argument");
      const std::string& sub = need_str(args[0], "argument");
      if (name == "find") {
        size_t f = s.find(sub);
        return Value::integer(f == std::string::npos ? -1 : static_cast<int64_t>(utf8_chars(s.substr(0, f)).size()));
      }
      if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_chars(s).size()) + 1);
      int64_t n = 0;
      for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
      return Value::integer(n);
    });
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "islower" || name == "isupper") {
    return method(name, [s, name](auto&, auto&) {
      if (name == "islower" || name == "isupper") {
        bool cased = false;
        for (char c : s) {
          if (std::isalpha(static_cast<unsigned char>(c))) {
            cased = true;
            if ((name == "islower") != static_cast<bool>(std::islower(static_cast<unsigned char>(c)))) {
              return Value::boolean(false);
            }
          }
        }
        return Value::boolean(cased);
      }
      if (s.empty()) return Value::boolean(false);
      for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool ok = name == "isdigit" ? std::isdigit(u) : name == "isalpha" ? std::isalpha(u) : std::isalnum(u);
        if (!ok) return Value::boolean(false);
      }
      return Value::boolean(true);
    });
  }
  return {};
}

Value list_method(const Value& obj, const std::string& name) {
  auto l = obj.list;
  bool is_list = obj.kind == Value::Kind::List && obj.s.empty();
  if (name == "append" && is_list) {
    return method(name, [l](std::vector<Value>& args, Kwargs&) {
      if (args.size() != 1) throw EvalError("list.append() takes exactly one argument");
      l->push_back(args[0]);
      return Value::none();
    });
  }
  if (name == "index" || name == "count") {
    return method(name, [l, name](std::vector<Value>& args, Kwargs&) {
      if (args.size() != 1) throw EvalError(name + "() takes exactly one argument");
      int64_t n = 0;
      for (size_t k = 0; k < l->size(); ++k) {
        if (py_eq((*l)[k], args[0])) {
          if (name == "index") return Value::integer(static_cast<int64_t>(k));
          ++n;
        }
      }
      if (name == "index") throw EvalError(py_repr(args[0]) + " is not in list");
      return Value::integer(n);
    });
  }
  return {};
}

// getattr(obj, name) in Python terms: methods only (plain values have no other attributes).
Value python_getattr(const Value& obj, const std::string& name) {
  switch (obj.kind) {
    case Value::Kind::Dict:
      if (obj.s == "namespace") {
        const Value* v = obj.dict->find(name);
        return v != nullptr ? *v : Value{};
      }
      return dict_method(obj, name);
    case Value::Kind::String: return str_method(obj, name);
    case Value::Kind::List:
    case Value::Kind::Tuple: return list_method(obj, name);
    default: return {};
  }
}

bool found(const Value& v) { return !v.is_undefined() || !v.s.empty(); }

}  // namespace

Value get_attr(const Value& obj, const std::string& name, bool strict) {
  if (obj.is_undefined()) fail_undefined(obj);
  Value m = python_getattr(obj, name);
  if (found(m)) return m;
  if (obj.kind == Value::Kind::Dict) {
    const Value* v = obj.dict->find(name);
    if (v != nullptr) return *v;
  }
  return missing_attr(obj, name, strict);
}

Value get_item(const Value& obj, const Value& key, bool strict) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (key.is_undefined() && key.b) fail_undefined(key);
  if (obj.kind == Value::Kind::Dict) {
    const Value* v = obj.dict->find(key);
    if (v != nullptr) return *v;
  } else if ((obj.is_sequence() || obj.is_string()) &&
             (key.kind == Value::Kind::Int || key.kind == Value::Kind::Bool)) {
    int64_t idx = key.as_int();
    if (obj.is_string()) {
      auto chars = utf8_chars(obj.s);
      int64_t n = static_cast<int64_t>(chars.size());
      if (idx < 0) idx += n;
      if (idx >= 0 && idx < n) return Value::string(chars[static_cast<size_t>(idx)]);
    } else {
      int64_t n = static_cast<int64_t>(obj.list->size());
      if (idx < 0) idx += n;
      if (idx >= 0 && idx < n) return (*obj.list)[static_cast<size_t>(idx)];
    }
  }
  if (key.is_string()) {
    Value m = python_getattr(obj, key.s);
    if (found(m)) return m;
    return missing_attr(obj, key.s, strict);
  }
  return Value::undefined(object_type_repr(obj) + " has no element " + py_repr(key), strict);
}

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw EvalError("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

template <typename Op>
Value checked(int64_t x, int64_t y, Op op, double fallback) {
  int64_t r = 0;
  if (op(x, y, &r)) return Value::real(fallback);  // Python ints do not overflow; a float is closest
  return Value::integer(r);
}

Value repeat(const Value& seq, int64_t n) {
  if (seq.is_string()) {
    std::string out;
    for (int64_t k = 0; k < n; ++k) out += seq.s;
    return Value::string(std::move(out));
  }
  std::vector<Value> out;
  for (int64_t k = 0; k < n; ++k) out.insert(out.end(), seq.list->begin(), seq.list->end());
  return seq.kind == Value::Kind::Tuple ? Value::new_tuple(std::move(out)) : Value::new_list(std::move(out));
}

// markupsafe.escape: what Markup + str does to the plain operand.
std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Python's printf-style `str % args`: %s %r %d %i %f %e %g %x %o %c %% with flags, width, precision and
// %(name)s keys.
Value percent_format(const std::string& fmt, const Value& args) {
  std::vector<Value> positional;
  const Dict* mapping = nullptr;
  if (args.kind == Value::Kind::Tuple) positional = *args.list;
  else positional.push_back(args);
  if (args.kind == Value::Kind::Dict) mapping = args.dict.get();
  size_t next_arg = 0;
  bool used_mapping = false;
  std::string out;
  for (size_t p = 0; p < fmt.size(); ++p) {
    if (fmt[p] != '%') {
      out += fmt[p];
      continue;
    }
    if (++p >= fmt.size()) throw EvalError("incomplete format");
    Value arg;
    bool have_arg = false;
    if (fmt[p] == '(') {
      size_t close = fmt.find(')', p);
      if (close == std::string::npos) throw EvalError("incomplete format key");
      if (mapping == nullptr) throw EvalError("format requires a mapping");
      const Value* v = mapping->find(fmt.substr(p + 1, close - p - 1));
      if (v == nullptr) throw EvalError("'" + fmt.substr(p + 1, close - p - 1) + "'");
      arg = *v;
      have_arg = used_mapping = true;
      p = close + 1;
    }
    std::string spec = "%";
    while (p < fmt.size() && std::string_view("-+ #0").find(fmt[p]) != std::string_view::npos) spec += fmt[p++];
    while (p < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[p]))) spec += fmt[p++];
    int precision = -1;
    if (p < fmt.size() && fmt[p] == '.') {
      spec += fmt[p++];
      precision = 0;
      while (p < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[p]))) {
        precision = precision * 10 + (fmt[p] - '0');
        spec += fmt[p++];
      }
    }
    if (p >= fmt.size()) throw EvalError("incomplete format");
    char type = fmt[p];
    if (type == '%') {
      out += '%';
      continue;
    }
    if (!have_arg) {
      if (next_arg >= positional.size()) throw EvalError("not enough arguments for format string");
      arg = positional[next_arg++];
    }
    if (arg.is_undefined()) fail_undefined(arg);
    char buf[512];
    switch (type) {
      case 's':
      case 'r': {
        std::string text = type == 's' ? py_str(arg) : py_repr(arg);
        if (precision >= 0 && static_cast<size_t>(precision) < text.size()) text.resize(static_cast<size_t>(precision));
        std::string f = spec.substr(0, spec.find('.')) + "s";
        std::snprintf(buf, sizeof buf, f.c_str(), text.c_str());
        out += text.size() < 400 ? std::string(buf) : text;
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        if (!arg.is_number()) throw EvalError(std::string("%") + type + " format: a real number is required, not " + type_name(arg));
        long long n = arg.kind == Value::Kind::Float ? static_cast<long long>(std::trunc(arg.f)) : arg.as_int();
        std::string f = spec + "ll" + (type == 'i' ? 'd' : type);
        std::snprintf(buf, sizeof buf, f.c_str(), n);
        out += buf;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!arg.is_number()) throw EvalError(std::string("must be real number, not ") + type_name(arg));
        std::string f = spec + type;
        std::snprintf(buf, sizeof buf, f.c_str(), arg.as_double());
        out += buf;
        break;
      }
      case 'c':
        out += arg.is_string() ? arg.s : std::string(1, static_cast<char>(arg.as_int()));
        break;
      default: throw EvalError(std::string("unsupported format character '") + type + "'");
    }
  }
  if (!used_mapping && args.kind == Value::Kind::Tuple && next_arg < positional.size()) {
    throw EvalError("not all arguments converted during string formatting");
  }
  if (!used_mapping && args.kind != Value::Kind::Tuple && args.kind != Value::Kind::Dict && next_arg == 0) {
    throw EvalError("not all arguments converted during string formatting");
  }
  return Value::string(std::move(out));
}

double py_fmod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  return m;
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value::string(py_str(a) + py_str(b));
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  bool nums = a.is_number() && b.is_number();
  bool floats = nums && (a.kind == Value::Kind::Float || b.kind == Value::Kind::Float);
  if (op == "+") {
    if (floats) return Value::real(a.as_double() + b.as_double());
    if (nums) return checked(a.as_int(), b.as_int(), [](int64_t x, int64_t y, int64_t* r) { return __builtin_add_overflow(x, y, r); }, a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      if (a.markup == b.markup) {
        Value r = Value::string(a.s + b.s);
        r.markup = a.markup;
        return r;
      }
      // Markup + str escapes the plain side, as markupsafe does.
      Value r = Value::string(a.markup ? a.s + html_escape(b.s) : html_escape(a.s) + b.s);
      r.markup = true;
      return r;
    }
    if (a.kind == b.kind && a.is_sequence()) {
      std::vector<Value> out = *a.list;
      out.insert(out.end(), b.list->begin(), b.list->end());
      return a.kind == Value::Kind::Tuple ? Value::new_tuple(std::move(out)) : Value::new_list(std::move(out));
    }
    if (a.is_string()) throw EvalError(std::string("can only concatenate str (not \"") + type_name(b) + "\") to str");
    if (a.kind == Value::Kind::List) {
      throw EvalError(std::string("can only concatenate list (not \"") + type_name(b) + "\") to list");
    }
    unsupported("+", a, b);
  }
  if (op == "-") {
    if (floats) return Value::real(a.as_double() - b.as_double());
    if (nums) return checked(a.as_int(), b.as_int(), [](int64_t x, int64_t y, int64_t* r) { return __builtin_sub_overflow(x, y, r); }, a.as_double() - b.as_double());
    unsupported("-", a, b);
  }
  if (op == "*") {
    if (floats) return Value::real(a.as_double() * b.as_double());
    if (nums) return checked(a.as_int(), b.as_int(), [](int64_t x, int64_t y, int64_t* r) { return __builtin_mul_overflow(x, y, r); }, a.as_double() * b.as_double());
    bool a_int = a.kind == Value::Kind::Int || a.kind == Value::Kind::Bool;
    bool b_int = b.kind == Value::Kind::Int || b.kind == Value::Kind::Bool;
    if ((a.is_string() || a.is_sequence()) && b_int) return repeat(a, b.as_int());
    if ((b.is_string() || b.is_sequence()) && a_int) return repeat(b, a.as_int());
    unsupported("*", a, b);
  }
  if (op == "/") {
    if (!nums) unsupported("/", a, b);
    if (b.as_double() == 0) throw EvalError("division by zero");
    return Value::real(a.as_double() / b.as_double());
  }
  if (op == "%" && a.is_string()) return percent_format(a.s, b);
  if (op == "//" || op == "%") {
    if (!nums) unsupported(op, a, b);
    if (floats) {
      if (b.as_double() == 0) throw EvalError(op == "//" ? "float floor division by zero" : "float modulo");
      double m = py_fmod(a.as_double(), b.as_double());
      if (op == "%") return Value::real(m);
      return Value::real(std::round((a.as_double() - m) / b.as_double()));
    }
    int64_t x = a.as_int();
    int64_t y = b.as_int();
    if (y == 0) throw EvalError(op == "//" ? "integer division or modulo by zero" : "integer modulo by zero");
    if (x == INT64_MIN && y == -1) return op == "//" ? Value::real(-static_cast<double>(x)) : Value::integer(0);
    int64_t q = x / y;
    int64_t m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) {
      m += y;
      --q;
    }
    return Value::integer(op == "//" ? q : m);
  }
  if (op == "**") {
    if (!nums) unsupported("** or pow()", a, b);
    if (!floats && b.as_int() >= 0) {
      int64_t base = a.as_int();
      int64_t result = 1;
      bool overflow = false;
      for (int64_t e = b.as_int(); e > 0 && !overflow; --e) overflow = __builtin_mul_overflow(result, base, &result);
      if (!overflow) return Value::integer(result);
    }
    if (a.as_double() == 0 && b.as_double() < 0) throw EvalError("0.0 cannot be raised to a negative power");
    return Value::real(std::pow(a.as_double(), b.as_double()));
  }
  throw EvalError("unknown operator " + op);
}

BoundArgs bind_args(const std::string& fn, const std::vector<Value>& args, const Kwargs& kwargs,
                    const std::vector<std::string>& params, size_t required) {
  BoundArgs b;
  b.values.resize(params.size());
  b.given.assign(params.size(), false);
  if (args.size() > params.size()) {
    throw EvalError(fn + "() takes at most " + std::to_string(params.size()) + " arguments (" +
                    std::to_string(args.size()) + " given)");
  }
  for (size_t k = 0; k < args.size(); ++k) {
    b.values[k] = args[k];
    b.given[k] = true;
  }
  for (const auto& [name, v] : kwargs) {
    auto it = std::find(params.begin(), params.end(), name);
    if (it == params.end()) throw EvalError(fn + "() got an unexpected keyword argument '" + name + "'");
    size_t k = static_cast<size_t>(it - params.begin());
    if (b.given[k]) throw EvalError(fn + "() got multiple values for argument '" + name + "'");
    b.values[k] = v;
    b.given[k] = true;
  }
  for (size_t k = 0; k < required; ++k) {
    if (!b.given[k]) throw EvalError(fn + "() missing required argument '" + params[k] + "'");
  }
  return b;
}

namespace {

// Python int(str, base) for bases 2..36 (and 0, which reads the prefix).
bool parse_py_int(const std::string& text, int base, int64_t& out) {
  std::string s = strip(text, Value::none(), true, true);
  size_t p = 0;
  bool neg = false;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) neg = s[p++] == '-';
  auto has_prefix = [&](char c) {
    return p + 1 < s.size() && s[p] == '0' && std::tolower(static_cast<unsigned char>(s[p + 1])) == c;
  };
  if ((base == 16 || base == 0) && has_prefix('x')) {
    base = 16;
    p += 2;
  } else if ((base == 8 || base == 0) && has_prefix('o')) {
    base = 8;
    p += 2;
  } else if ((base == 2 || base == 0) && has_prefix('b')) {
    base = 2;
    p += 2;
  } else if (base == 0) {
    base = 10;
  }
  if (p >= s.size()) return false;
  unsigned __int128 acc = 0;
  bool last_digit = false;
  for (; p < s.size(); ++p) {
    char c = s[p];
    if (c == '_' && last_digit && p + 1 < s.size()) {
      last_digit = false;
      continue;
    }
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : std::isalpha(static_cast<unsigned char>(c)) ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                                                           : 99;
    if (d >= base) return false;
    acc = acc * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (acc > static_cast<unsigned __int128>(INT64_MAX) + 1) throw EvalError("integer too large");
    last_digit = true;
  }
  if (!last_digit) return false;
  if (acc > static_cast<unsigned __int128>(INT64_MAX)) {
    if (!neg) throw EvalError("integer too large");
    out = INT64_MIN;
    return true;
  }
  out = neg ? -static_cast<int64_t>(acc) : static_cast<int64_t>(acc);
  return true;
}

// Python float(str): decimal or inf/nan; no hex, no trailing garbage.
bool parse_py_float(const std::string& text, double& out) {
  std::string s = strip(text, Value::none(), true, true);
  std::string clean;
  for (size_t k = 0; k < s.size(); ++k) {
    if (s[k] == '_') {
      if (k == 0 || k + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[k - 1])) ||
          !std::isdigit(static_cast<unsigned char>(s[k + 1]))) {
        return false;
      }
      continue;
    }
    clean += s[k];
  }
  std::string body = clean;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) body.erase(0, 1);
  std::string low = to_lower(body);
  if (low == "inf" || low == "infinity" || low == "nan") {
    out = std::strtod(clean.c_str(), nullptr);
    return true;
  }
  size_t p = 0;
  size_t digits = 0;
  while (p < body.size() && std::isdigit(static_cast<unsigned char>(body[p]))) ++p, ++digits;
  if (p < body.size() && body[p] == '.') {
    ++p;
    while (p < body.size() && std::isdigit(static_cast<unsigned char>(body[p]))) ++p, ++digits;
  }
  if (digits == 0) return false;
  if (p < body.size() && (body[p] == 'e' || body[p] == 'E')) {
    ++p;
    if (p < body.size() && (body[p] == '+' || body[p] == '-')) ++p;
    size_t exp_digits = 0;
    while (p < body.size() && std::isdigit(static_cast<unsigned char>(body[p]))) ++p, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (p != body.size()) return false;
  out = std::strtod(clean.c_str(), nullptr);
  return true;
}

// The comparison key Jinja2 uses when case_sensitive=False: strings lowered.
Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(to_lower(v.s));
  return v;
}

Value attribute_of(const Value& item, const Value& attribute, bool strict) {
  if (attribute.kind == Value::Kind::None || attribute.is_undefined()) return item;
  // Jinja2's make_attrgetter: dotted paths, integer parts index.
  Value cur = item;
  for (const auto& part : split(py_str(attribute), Value::string("."), -1)) {
    int64_t idx = 0;
    if (!part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(c); }) &&
        parse_py_int(part, 10, idx)) {
      cur = get_item(cur, Value::integer(idx), strict);
    } else {
      cur = get_item(cur, Value::string(part), strict);
    }
  }
  return cur;
}

std::string base64(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t k = 0;
  for (; k + 2 < in.size(); k += 3) {
    uint32_t n = (static_cast<unsigned char>(in[k]) << 16) | (static_cast<unsigned char>(in[k + 1]) << 8) |
                 static_cast<unsigned char>(in[k + 2]);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += tbl[n & 63];
  }
  if (k + 1 == in.size()) {
    uint32_t n = static_cast<unsigned char>(in[k]) << 16;
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += "==";
  } else if (k + 2 == in.size()) {
    uint32_t n = (static_cast<unsigned char>(in[k]) << 16) | (static_cast<unsigned char>(in[k + 1]) << 8);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string uuid4() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

// stackql-deploy's ensure_list / ensure_dict: a value, or a JSON string encoding one.
Value ensure_kind(const Value& v, Value::Kind kind, const char* who, const char* what) {
  if (v.is_string()) {
    try {
      Value decoded = json_loads(v.s);
      if (decoded.kind == kind) return decoded;
    } catch (const EvalError&) {
    }
  } else if (v.kind == kind) {
    return v;
  }
  throw EvalError(std::string("(config.") + who + ") input must be a " + what + " or a JSON-encoded " + what +
                  " string");
}

Value html_safe_json(const Value& v, int indent) {
  std::string raw = json_dumps(v, true, indent);
  std::string out;
  for (char c : raw) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      case '\'': out += "\\u0027"; break;
      default: out += c;
    }
  }
  Value s = Value::string(std::move(out));
  s.markup = true;
  return s;
}

Value round_value(const Value& v, int64_t precision, const std::string& method) {
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) throw EvalError(std::string("type ") + type_name(v) + " doesn't define __round__ method");
  if (method == "common") {
    if (v.kind != Value::Kind::Float) return Value::integer(v.as_int());  // round(int, n) stays int
    double d = v.f;
    if (!std::isfinite(d)) return Value::real(d);
    if (precision >= 0) {
      // Correctly rounded decimal, ties to even: what Python's round() computes.
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), d);
      return Value::real(std::strtod(buf, nullptr));
    }
    double p = std::pow(10.0, static_cast<double>(-precision));
    return Value::real(std::nearbyint(d / p) * p);
  }
  if (method != "ceil" && method != "floor") throw EvalError("method must be 'common', 'ceil' or 'floor'");
  double p = std::pow(10.0, static_cast<double>(precision));
  double x = v.as_double() * p;
  return Value::real((method == "ceil" ? std::ceil(x) : std::floor(x)) / p);
}

Value min_max(const Value& seq, bool case_sensitive, const Value& attribute, bool want_max, const char* who) {
  std::vector<Value> items = py_iter(seq);
  if (items.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."), false);
  const Value* best = &items[0];
  Value best_key = sort_key(attribute_of(*best, attribute, false), case_sensitive);
  for (size_t k = 1; k < items.size(); ++k) {
    Value key = sort_key(attribute_of(items[k], attribute, false), case_sensitive);
    if (want_max ? py_lt(best_key, key) : py_lt(key, best_key)) {
      best = &items[k];
      best_key = key;
    }
  }
  (void)who;
  return *best;
}

void add_filters(EnvState& env) {
  auto& f = env.filters;
  f["default"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("default", args, kw, {"value", "default_value", "boolean"}, 1);
    const Value& v = b.get(0);
    bool boolean = b.has(2) && py_bool(b.get(2));
    if (v.is_undefined() || (boolean && !py_bool(v))) return b.has(1) ? b.get(1) : Value::string("");
    return v;
  };
  f["d"] = f["default"];
  f["length"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("length", args, kw, {"value"}, 1);
    return Value::integer(py_len(b.get(0)));
  };
  f["count"] = f["length"];
  auto string_filter = [&f](const std::string& name, std::string (*fn)(const std::string&)) {
    f[name] = [name, fn](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
      auto b = bind_args(name, args, kw, {"value"}, 1);
      return Value::string(fn(py_str(b.get(0))));
    };
  };
  string_filter("upper", [](const std::string& s) { return to_upper(s); });
  string_filter("lower", [](const std::string& s) { return to_lower(s); });
  string_filter("capitalize", capitalize);
  string_filter("title", title);
  f["string"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("string", args, kw, {"value"}, 1);
    return Value::string(py_str(b.get(0)));
  };
  f["trim"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("trim", args, kw, {"value", "chars"}, 1);
    Value chars = b.has(1) ? b.get(1) : Value::none();
    return Value::string(strip(py_str(b.get(0)), chars, true, true));
  };
  f["replace"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("replace", args, kw, {"s", "old", "new", "count"}, 3);
    int64_t count = b.has(3) && b.get(3).kind != Value::Kind::None ? need_int(b.get(3), "count") : -1;
    return Value::string(replace(py_str(b.get(0)), py_str(b.get(1)), py_str(b.get(2)), count));
  };
  f["int"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("int", args, kw, {"value", "default", "base"}, 1);
    const Value& v = b.get(0);
    Value dflt = b.has(1) ? b.get(1) : Value::integer(0);
    int base = b.has(2) ? static_cast<int>(need_int(b.get(2), "base")) : 10;
    if (v.is_undefined()) fail_undefined(v);
    int64_t out = 0;
    double d = 0;
    switch (v.kind) {
      case Value::Kind::Int:
      case Value::Kind::Bool: return Value::integer(v.as_int());
      case Value::Kind::Float:
        if (std::isnan(v.f)) return dflt;
        if (std::isinf(v.f)) throw EvalError("cannot convert float infinity to integer");
        return Value::integer(static_cast<int64_t>(std::trunc(v.f)));
      case Value::Kind::String:
        if (parse_py_int(v.s, base, out)) return Value::integer(out);
        if (parse_py_float(v.s, d)) {
          if (std::isnan(d)) return dflt;
          if (std::isinf(d)) throw EvalError("cannot convert float infinity to integer");
          return Value::integer(static_cast<int64_t>(std::trunc(d)));
        }
        return dflt;
      default: return dflt;
    }
  };
  f["float"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("float", args, kw, {"value", "default"}, 1);
    const Value& v = b.get(0);
    Value dflt = b.has(1) ? b.get(1) : Value::real(0.0);
    if (v.is_undefined()) fail_undefined(v);
    double d = 0;
    if (v.is_number()) return Value::real(v.as_double());
    if (v.is_string() && parse_py_float(v.s, d)) return Value::real(d);
    return dflt;
  };
  f["abs"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("abs", args, kw, {"x"}, 1);
    const Value& v = b.get(0);
    if (v.is_undefined()) fail_undefined(v);
    if (v.kind == Value::Kind::Float) return Value::real(std::fabs(v.f));
    if (v.kind == Value::Kind::Int || v.kind == Value::Kind::Bool) {
      if (v.as_int() == INT64_MIN) return Value::real(-static_cast<double>(INT64_MIN));
      return Value::integer(v.as_int() < 0 ? -v.as_int() : v.as_int());
    }
    throw EvalError(std::string("bad operand type for abs(): '") + type_name(v) + "'");
  };
  f["round"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("round", args, kw, {"value", "precision", "method"}, 1);
    int64_t precision = b.has(1) ? need_int(b.get(1), "precision") : 0;
    std::string m = b.has(2) ? py_str(b.get(2)) : "common";
    return round_value(b.get(0), precision, m);
  };
  f["join"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("join", args, kw, {"value", "d", "attribute"}, 1);
    std::string sep = b.has(1) ? py_str(b.get(1)) : "";
    Value attribute = b.has(2) ? b.get(2) : Value::none();
    std::string out;
    bool first = true;
    for (const auto& item : py_iter(b.get(0))) {
      if (!first) out += sep;
      first = false;
      out += py_str(attribute_of(item, attribute, false));
    }
    return Value::string(std::move(out));
  };
  f["first"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("first", args, kw, {"seq"}, 1);
    auto items = py_iter(b.get(0));
    if (items.empty()) return Value::undefined("No first item, sequence was empty.", false);
    return items.front();
  };
  f["last"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("last", args, kw, {"seq"}, 1);
    auto items = py_iter(b.get(0));
    if (items.empty()) return Value::undefined("No last item, sequence was empty.", false);
    return items.back();
  };
  f["list"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("list", args, kw, {"value"}, 1);
    return Value::new_list(py_iter(b.get(0)));
  };
  f["items"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("items", args, kw, {"value"}, 1);
    const Value& v = b.get(0);
    if (v.is_undefined()) {
      if (v.b) fail_undefined(v);
      return Value::new_list();
    }
    if (v.kind != Value::Kind::Dict) throw EvalError("Can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& [k, x] : v.dict->items) out.push_back(Value::new_tuple({k, x}));
    return Value::new_list(std::move(out));
  };
  f["dictsort"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("dictsort", args, kw, {"value", "case_sensitive", "by", "reverse"}, 1);
    const Value& v = b.get(0);
    if (v.kind != Value::Kind::Dict) throw EvalError("You can only sort by either 'key' or 'value'");
    bool cs = b.has(1) && py_bool(b.get(1));
    std::string by = b.has(2) ? py_str(b.get(2)) : "key";
    if (by != "key" && by != "value") throw EvalError("You can only sort by either 'key' or 'value'");
    bool reverse = b.has(3) && py_bool(b.get(3));
    std::vector<Value> out;
    for (const auto& [k, x] : v.dict->items) out.push_back(Value::new_tuple({k, x}));
    size_t pos = by == "key" ? 0 : 1;
    std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
      Value kx = sort_key((*x.list)[pos], cs);
      Value ky = sort_key((*y.list)[pos], cs);
      return reverse ? py_lt(ky, kx) : py_lt(kx, ky);
    });
    return Value::new_list(std::move(out));
  };
  f["sort"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("sort", args, kw, {"value", "reverse", "case_sensitive", "attribute"}, 1);
    bool reverse = b.has(1) && py_bool(b.get(1));
    bool cs = b.has(2) && py_bool(b.get(2));
    Value attribute = b.has(3) ? b.get(3) : Value::none();
    std::vector<Value> items = py_iter(b.get(0));
    std::vector<std::pair<Value, Value>> keyed;
    for (auto& item : items) keyed.emplace_back(sort_key(attribute_of(item, attribute, false), cs), item);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
      return reverse ? py_lt(y.first, x.first) : py_lt(x.first, y.first);
    });
    std::vector<Value> out;
    for (auto& kv : keyed) out.push_back(std::move(kv.second));
    return Value::new_list(std::move(out));
  };
  f["unique"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("unique", args, kw, {"value", "case_sensitive", "attribute"}, 1);
    bool cs = b.has(1) && py_bool(b.get(1));
    Value attribute = b.has(2) ? b.get(2) : Value::none();
    std::vector<Value> seen;
    std::vector<Value> out;
    for (auto& item : py_iter(b.get(0))) {
      Value key = sort_key(attribute_of(item, attribute, false), cs);
      bool dup = std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return py_eq(s, key); });
      if (!dup) {
        seen.push_back(key);
        out.push_back(item);
      }
    }
    return Value::new_list(std::move(out));
  };
  f["reverse"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("reverse", args, kw, {"value"}, 1);
    const Value& v = b.get(0);
    if (v.is_string()) {
      auto chars = utf8_chars(v.s);
      std::string out;
      for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
      return Value::string(std::move(out));
    }
    std::vector<Value> items = py_iter(v);
    std::reverse(items.begin(), items.end());
    return Value::new_list(std::move(items));
  };
  f["min"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("min", args, kw, {"value", "case_sensitive", "attribute"}, 1);
    return min_max(b.get(0), b.has(1) && py_bool(b.get(1)), b.has(2) ? b.get(2) : Value::none(), false, "min");
  };
  f["max"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("max", args, kw, {"value", "case_sensitive", "attribute"}, 1);
    return min_max(b.get(0), b.has(1) && py_bool(b.get(1)), b.has(2) ? b.get(2) : Value::none(), true, "max");
  };
  f["sum"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("sum", args, kw, {"iterable", "attribute", "start"}, 1);
    Value total = b.has(2) ? b.get(2) : Value::integer(0);
    Value attribute = b.has(1) ? b.get(1) : Value::none();
    for (const auto& item : py_iter(b.get(0))) total = binary_op("+", total, attribute_of(item, attribute, false));
    return total;
  };
  f["map"] = [](const EnvState& env, std::vector<Value>& args, Kwargs& kw) {
    if (args.empty()) throw EvalError("map() needs a value");
    std::vector<Value> items = py_iter(args[0]);
    std::vector<Value> out;
    Value attribute;
    Value dflt;
    bool has_default = false;
    for (const auto& [k, v] : kw) {
      if (k == "attribute") attribute = v;
      else if (k == "default") dflt = v, has_default = true;
    }
    if (!attribute.is_undefined()) {
      for (const auto& item : items) {
        Value v = attribute_of(item, attribute, false);
        out.push_back(v.is_undefined() && has_default ? dflt : v);
      }
      return Value::new_list(std::move(out));
    }
    if (args.size() < 2) throw EvalError("map requires a filter argument");
    std::string name = py_str(args[1]);
    auto fn = env.filters.find(name);
    if (fn == env.filters.end()) throw EvalError("No filter named '" + name + "'");
    for (const auto& item : items) {
      std::vector<Value> call{item};
      call.insert(call.end(), args.begin() + 2, args.end());
      Kwargs rest = kw;
      out.push_back(fn->second(env, call, rest));
    }
    return Value::new_list(std::move(out));
  };
  auto select = [&f](const std::string& name, bool by_attr, bool keep) {
    f[name] = [name, by_attr, keep](const EnvState& env, std::vector<Value>& args, Kwargs& kw) {
      if (args.empty()) throw EvalError(name + "() needs a value");
      size_t k = 1;
      Value attribute;
      if (by_attr) {
        if (args.size() < 2) throw EvalError(name + "() needs an attribute");
        attribute = args[k++];
      }
      std::vector<Value> out;
      for (const auto& item : py_iter(args[0])) {
        Value subject = by_attr ? attribute_of(item, attribute, false) : item;
        bool r;
        if (k >= args.size()) {
          r = py_bool(subject);
        } else {
          std::string test = py_str(args[k]);
          auto t = env.tests.find(test);
          if (t == env.tests.end()) throw EvalError("No test named '" + test + "'");
          std::vector<Value> call{subject};
          call.insert(call.end(), args.begin() + static_cast<long>(k) + 1, args.end());
          Kwargs rest = kw;
          r = t->second(env, call, rest);
        }
        if (r == keep) out.push_back(item);
      }
      return Value::new_list(std::move(out));
    };
  };
  select("select", false, true);
  select("reject", false, false);
  select("selectattr", true, true);
  select("rejectattr", true, false);
  f["attr"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("attr", args, kw, {"obj", "name"}, 2);
    return get_attr(b.get(0), py_str(b.get(1)), false);
  };
  f["tojson"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("tojson", args, kw, {"value", "indent"}, 1);
    int indent = b.has(1) && b.get(1).kind != Value::Kind::None ? static_cast<int>(need_int(b.get(1), "indent")) : -1;
    return html_safe_json(b.get(0), indent);
  };

  // stackql-deploy's filters.
  f["from_json"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("from_json", args, kw, {"value"}, 1);
    const Value& v = b.get(0);
    if (v.is_undefined()) fail_undefined(v);
    if (!v.is_string()) {
      throw EvalError(std::string("the JSON object must be str, bytes or bytearray, not ") + type_name(v));
    }
    return json_loads(v.s);
  };
  f["base64_encode"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("base64_encode", args, kw, {"value"}, 1);
    const Value& v = b.get(0);
    if (v.is_undefined()) fail_undefined(v);
    if (!v.is_string()) throw EvalError(std::string("'") + type_name(v) + "' object has no attribute 'encode'");
    return Value::string(base64(v.s));
  };
  f["merge_lists"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("merge_lists", args, kw, {"list1", "list2"}, 2);
    Value l1 = ensure_kind(b.get(0), Value::Kind::List, "merge_lists", "list");
    Value l2 = ensure_kind(b.get(1), Value::Kind::List, "merge_lists", "list");
    // Items compare by their sorted-key JSON, as stackql-deploy's set of json.dumps(sort_keys=True) does.
    std::vector<std::string> seen;
    std::vector<Value> out;
    for (const Value* l : {&l1, &l2}) {
      for (const auto& item : *l->list) {
        std::string key = json_dumps(item, true);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        out.push_back(json_loads(key));
      }
    }
    return Value::new_list(std::move(out));
  };
  f["merge_objects"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("merge_objects", args, kw, {"obj1", "obj2"}, 2);
    Value o1 = ensure_kind(b.get(0), Value::Kind::Dict, "merge_objects", "dict");
    Value o2 = ensure_kind(b.get(1), Value::Kind::Dict, "merge_objects", "dict");
    Value out = Value::new_dict();
    out.dict->items = o1.dict->items;
    for (const auto& [k, v] : o2.dict->items) out.dict->set(k, v);
    return out;
  };
  f["generate_patch_document"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("generate_patch_document", args, kw, {"properties"}, 1);
    const Value& props = b.get(0);
    if (props.is_undefined()) fail_undefined(props);
    if (props.kind != Value::Kind::Dict) {
      throw EvalError(std::string("'") + type_name(props) + "' object has no attribute 'items'");
    }
    Value doc = Value::new_list();
    for (const auto& [k, v] : props.dict->items) {
      Value value = v;
      if (v.is_string()) {
        // A string holding JSON (a rendered object, a number, true) goes in parsed, as stackql-deploy does.
        try {
          value = json_loads(v.s);
        } catch (const EvalError&) {
        }
      }
      Value op = Value::new_dict();
      op.dict->items.emplace_back(Value::string("op"), Value::string("add"));
      op.dict->items.emplace_back(Value::string("path"), Value::string("/" + py_str(k)));
      op.dict->items.emplace_back(Value::string("value"), value);
      doc.list->push_back(op);
    }
    return Value::string(json_dumps(doc, false));
  };
  f["sql_list"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("sql_list", args, kw, {"input_data"}, 1);
    Value items = b.get(0);
    if (items.is_string()) {
      try {
        items = json_loads(items.s);
      } catch (const EvalError&) {
        items = Value::new_list({items});
      }
    }
    if (!py_bool(items)) return Value::string("(NULL)");
    std::string out = "(";
    bool first = true;
    for (const auto& item : py_iter(items)) {
      if (!first) out += ",";
      first = false;
      out += "'" + py_str(item) + "'";
    }
    return Value::string(out + ")");
  };
  f["sql_escape"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("sql_escape", args, kw, {"value"}, 1);
    const Value& v = b.get(0);
    if (v.kind == Value::Kind::None) return Value::none();
    return Value::string(replace(py_str(v), "'", "''", -1));
  };
}

void add_tests(EnvState& env) {
  auto& t = env.tests;
  auto unary = [&t](const std::string& name, bool (*fn)(const Value&)) {
    t[name] = [name, fn](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
      auto b = bind_args(name, args, kw, {"value"}, 1);
      return fn(b.get(0));
    };
  };
  using K = Value::Kind;
  unary("defined", [](const Value& v) { return !v.is_undefined(); });
  unary("undefined", [](const Value& v) { return v.is_undefined(); });
  unary("none", [](const Value& v) { return v.kind == K::None; });
  unary("boolean", [](const Value& v) { return v.kind == K::Bool; });
  unary("true", [](const Value& v) { return v.kind == K::Bool && v.b; });
  unary("false", [](const Value& v) { return v.kind == K::Bool && !v.b; });
  unary("integer", [](const Value& v) { return v.kind == K::Int; });
  unary("float", [](const Value& v) { return v.kind == K::Float; });
  unary("number", [](const Value& v) { return v.is_number(); });
  unary("string", [](const Value& v) { return v.is_string(); });
  unary("mapping", [](const Value& v) { return v.kind == K::Dict; });
  unary("callable", [](const Value& v) { return v.kind == K::Callable; });
  unary("iterable", [](const Value& v) {
    return v.is_undefined() || v.is_string() || v.is_sequence() || v.kind == K::Dict;
  });
  unary("sequence", [](const Value& v) {
    return v.is_undefined() || v.is_string() || v.is_sequence() || v.kind == K::Dict;
  });
  unary("lower", [](const Value& v) {
    std::string s = py_str(v);
    return to_lower(s) == s && to_upper(s) != s;
  });
  unary("upper", [](const Value& v) {
    std::string s = py_str(v);
    return to_upper(s) == s && to_lower(s) != s;
  });
  unary("even", [](const Value& v) { return need_int(v, "value") % 2 == 0; });
  unary("odd", [](const Value& v) { return need_int(v, "value") % 2 != 0; });
  t["divisibleby"] = [](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
    auto b = bind_args("divisibleby", args, kw, {"value", "num"}, 2);
    return py_eq(binary_op("%", b.get(0), b.get(1)), Value::integer(0));
  };
  auto compare = [&t](std::initializer_list<const char*> names, int op) {
    for (const char* n : names) {
      t[n] = [op, n](const EnvState&, std::vector<Value>& args, Kwargs& kw) {
        auto b = bind_args(n, args, kw, {"value", "other"}, 2);
        const Value& x = b.get(0);
        const Value& y = b.get(1);
        switch (op) {
          case 0: return py_eq(x, y);
          case 1: return !py_eq(x, y);
          case 2: return py_lt(x, y);
          case 3: return !py_lt(y, x);
          case 4: return py_lt(y, x);
          case 5: return !py_lt(x, y);
          default: return py_contains(y, x);
        }
      };
    }
  };
  compare({"eq", "equalto", "=="}, 0);
  compare({"ne", "!="}, 1);
  compare({"lt", "lessthan", "<"}, 2);
  compare({"le", "<="}, 3);
  compare({"gt", "greaterthan", ">"}, 4);
  compare({"ge", ">="}, 5);
  compare({"in"}, 6);
}

void add_globals(EnvState& env) {
  auto& g = env.globals;
  g["range"] = Value::callable("range", [](std::vector<Value>& args, Kwargs& kw) {
    if (!kw.empty()) throw EvalError("range() takes no keyword arguments");
    if (args.empty() || args.size() > 3) throw EvalError("range expected 1 to 3 arguments");
    int64_t start = 0;
    int64_t stop = 0;
    int64_t step = 1;
    if (args.size() == 1) {
      stop = need_int(args[0], "range() argument");
    } else {
      start = need_int(args[0], "range() argument");
      stop = need_int(args[1], "range() argument");
      if (args.size() == 3) step = need_int(args[2], "range() argument");
    }
    if (step == 0) throw EvalError("range() arg 3 must not be zero");
    std::vector<Value> out;
    for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
      if (out.size() >= 100000) throw EvalError("range too big, maximum size for range is 100000");
      out.push_back(Value::integer(k));
    }
    return Value::new_list(std::move(out));
  });
  auto make_dict = [](std::vector<Value>& args, Kwargs& kw, bool is_namespace) {
    Value d = Value::new_dict();
    if (is_namespace) d.s = "namespace";
    for (const auto& a : args) {
      if (a.kind != Value::Kind::Dict) throw EvalError("dict() positional argument must be a mapping");
      for (const auto& [k, v] : a.dict->items) d.dict->set(k, v);
    }
    for (const auto& [k, v] : kw) d.dict->set(Value::string(k), v);
    return d;
  };
  g["dict"] = Value::callable("dict", [make_dict](std::vector<Value>& args, Kwargs& kw) {
    return make_dict(args, kw, false);
  });
  g["namespace"] = Value::callable("namespace", [make_dict](std::vector<Value>& args, Kwargs& kw) {
    return make_dict(args, kw, true);
  });
  g["uuid"] = Value::callable("uuid", [](std::vector<Value>& args, Kwargs& kw) {
    if (!args.empty() || !kw.empty()) throw EvalError("uuid() takes no arguments");
    return Value::string(uuid4());
  });
}

}  // namespace

void register_builtins(EnvState& env) {
  add_filters(env);
  add_tests(env);
  add_globals(env);
}

}  // namespace skyql::templating::detail
