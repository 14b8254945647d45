#include "template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace skyql::templating::detail {

Value Value::new_list(std::vector<Value> items) {
  Value v = make(Kind::List);
  v.list = std::make_shared<std::vector<Value>>(std::move(items));
  return v;
}

Value Value::new_tuple(std::vector<Value> items) {
  Value v = make(Kind::Tuple);
  v.list = std::make_shared<std::vector<Value>>(std::move(items));
  return v;
}

Value Value::new_dict() {
  Value v = make(Kind::Dict);
  v.dict = std::make_shared<Dict>();
  return v;
}

Value Value::callable(std::string name, NativeFn fn) {
  Value v = make(Kind::Callable);
  v.fn = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

const Value* Dict::find(const Value& key) const {
  if (key.is_string()) {
    return find(key.s);
  }
  for (const auto& [k, v] : items) {
    if (py_eq(k, key)) {
      return &v;
    }
  }
  return nullptr;
}

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.s == key) {
      return &v;
    }
  }
  return nullptr;
}

void Dict::set(const Value& key, Value value) {
  const Value* existing = find(key);
  if (existing != nullptr) {
    const_cast<Value&>(*existing) = std::move(value);
    return;
  }
  items.emplace_back(key, std::move(value));
}

void fail_undefined(const Value& v) {
  throw EvalError(v.s);
}

const char* type_name(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Undefined: return "Undefined";
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return "str";
    case Value::Kind::List: return "list";
    case Value::Kind::Tuple: return "tuple";
    case Value::Kind::Dict: return "dict";
    case Value::Kind::Callable: return "function";
  }
  return "object";
}

namespace {

// Decodes one UTF-8 code point at s[pos]; invalid bytes decode as themselves (Latin-1) so nothing is lost.
uint32_t decode_utf8(const std::string& s, size_t& pos) {
  auto c = static_cast<unsigned char>(s[pos]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  bool valid = extra > 0 && pos + extra < s.size();
  for (int k = 1; valid && k <= extra; ++k) {
    valid = (static_cast<unsigned char>(s[pos + k]) & 0xC0) == 0x80;
  }
  if (!valid) {
    ++pos;
    return c;
  }
  uint32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[pos + k]) & 0x3F);
  }
  pos += extra + 1;
  return cp;
}


// Python's str.isprintable() for non-ASCII code points, approximated by the ranges that matter in practice
// (C1 controls, separators and format characters, private use).
bool printable(uint32_t cp) {
  if (cp <= 0xA0 || cp == 0xAD) return false;
  if ((cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F)) {
    return false;
  }
  if (cp == 0x3000 || cp == 0xFEFF || (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFFF0 && cp <= 0xFFFB)) {
    return false;
  }
  return cp < 0xE0000;
}

std::string repr_string(const std::string& s) {
  char quote = '\'';
  if (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) {
    quote = '"';
  }
  std::string out(1, quote);
  size_t pos = 0;
  char buf[16];
  while (pos < s.size()) {
    uint32_t cp = decode_utf8(s, pos);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      out += buf;
    } else if (cp < 0x7F || printable(cp)) {
      append_utf8(out, cp);
    } else if (cp <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      out += buf;
    } else if (cp <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08x", cp);
      out += buf;
    }
  }
  out += quote;
  return out;
}

std::string repr_items(const std::vector<Value>& items) {
  std::string out;
  for (size_t k = 0; k < items.size(); ++k) {
    if (k > 0) out += ", ";
    out += py_repr(items[k]);
  }
  return out;
}

}  // namespace

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    decode_utf8(s, pos);
    out.push_back(s.substr(start, pos - start));
  }
  return out;
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Python's layout: fixed for 1e-4 <= |d| < 1e16, else exponent.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int decpt = exp + 1;  // value = 0.digits * 10^decpt
  std::string out = negative ? "-" : "";
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(-decpt, '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out += digits + std::string(decpt - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return out + ebuf;
}

std::string py_repr(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Undefined: return "Undefined";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return v.b ? "True" : "False";
    case Value::Kind::Int: return std::to_string(v.i);
    case Value::Kind::Float: return float_repr(v.f);
    case Value::Kind::String: return v.markup ? "Markup(" + repr_string(v.s) + ")" : repr_string(v.s);
    case Value::Kind::List:
      if (!v.s.empty()) return v.s + "([" + repr_items(*v.list) + "])";
      return "[" + repr_items(*v.list) + "]";
    case Value::Kind::Tuple:
      if (v.list->size() == 1) return "(" + py_repr((*v.list)[0]) + ",)";
      return "(" + repr_items(*v.list) + ")";
    case Value::Kind::Dict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, val] : v.dict->items) {
        if (!first) out += ", ";
        first = false;
        out += py_repr(k) + ": " + py_repr(val);
      }
      out += "}";
      if (v.s == "namespace") return "<Namespace " + out + ">";
      return out;
    }
    case Value::Kind::Callable: return "<function " + v.fn->name + ">";
  }
  return "";
}

std::string py_str(const Value& v) {
  if (v.kind == Value::Kind::String) return v.s;
  if (v.kind == Value::Kind::Undefined) {
    if (v.b) fail_undefined(v);
    return "";
  }
  return py_repr(v);
}

bool py_bool(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Undefined:
      if (v.b) fail_undefined(v);
      return false;
    case Value::Kind::None: return false;
    case Value::Kind::Bool: return v.b;
    case Value::Kind::Int: return v.i != 0;
    case Value::Kind::Float: return v.f != 0;
    case Value::Kind::String: return !v.s.empty();
    case Value::Kind::List:
    case Value::Kind::Tuple: return !v.list->empty();
    case Value::Kind::Dict: return !v.dict->items.empty();
    case Value::Kind::Callable: return true;
  }
  return false;
}

bool py_eq(const Value& a, const Value& b) {
  if (a.is_undefined() && a.b) fail_undefined(a);
  if (b.is_undefined() && b.b) fail_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.kind == Value::Kind::Float || b.kind == Value::Kind::Float) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.s == b.s;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      if (a.list->size() != b.list->size()) return false;
      for (size_t k = 0; k < a.list->size(); ++k) {
        if (!py_eq((*a.list)[k], (*b.list)[k])) return false;
      }
      return true;
    }
    case Value::Kind::Dict: {
      if (a.dict->items.size() != b.dict->items.size()) return false;
      for (const auto& [k, v] : a.dict->items) {
        const Value* other = b.dict->find(k);
        if (other == nullptr || !py_eq(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::Callable: return a.fn == b.fn;
    default: return false;
  }
}

bool py_lt(const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.kind == Value::Kind::Float || b.kind == Value::Kind::Float) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.kind == b.kind) {
    if (a.is_string()) return a.s < b.s;  // UTF-8 byte order equals code point order
    if (a.is_sequence()) {
      size_t n = std::min(a.list->size(), b.list->size());
      for (size_t k = 0; k < n; ++k) {
        const Value& x = (*a.list)[k];
        const Value& y = (*b.list)[k];
        if (!py_eq(x, y)) return py_lt(x, y);
      }
      return a.list->size() < b.list->size();
    }
  }
  throw EvalError(std::string("'<' not supported between instances of '") + type_name(a) + "' and '" +
                  type_name(b) + "'");
}

std::vector<Value> py_iter(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Undefined:
      if (v.b) fail_undefined(v);
      return {};
    case Value::Kind::List:
    case Value::Kind::Tuple: return *v.list;
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      for (const auto& kv : v.dict->items) keys.push_back(kv.first);
      return keys;
    }
    case Value::Kind::String: {
      std::vector<Value> chars;
      for (auto& c : utf8_chars(v.s)) chars.push_back(Value::string(std::move(c)));
      return chars;
    }
    default: throw EvalError(std::string("'") + type_name(v) + "' object is not iterable");
  }
}

int64_t py_len(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Undefined:
      if (v.b) fail_undefined(v);
      return 0;
    case Value::Kind::String: return static_cast<int64_t>(utf8_chars(v.s).size());
    case Value::Kind::List:
    case Value::Kind::Tuple: return static_cast<int64_t>(v.list->size());
    case Value::Kind::Dict: return static_cast<int64_t>(v.dict->items.size());
    default: throw EvalError(std::string("object of type '") + type_name(v) + "' has no len()");
  }
}

bool py_contains(const Value& container, const Value& item) {
  switch (container.kind) {
    case Value::Kind::String:
      if (item.is_undefined()) fail_undefined(item);
      if (!item.is_string()) {
        throw EvalError(std::string("'in <string>' requires string as left operand, not ") + type_name(item));
      }
      return container.s.find(item.s) != std::string::npos;
    case Value::Kind::List:
    case Value::Kind::Tuple:
      for (const auto& x : *container.list) {
        if (py_eq(x, item)) return true;
      }
      return false;
    case Value::Kind::Dict: return container.dict->find(item) != nullptr;
    case Value::Kind::Undefined:
      if (container.b) fail_undefined(container);
      return false;
    default: throw EvalError(std::string("argument of type '") + type_name(container) + "' is not iterable");
  }
}

Value from_json(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      Value d = Value::new_dict();
      for (const auto& [k, v] : j.items()) d.dict->items.emplace_back(Value::string(k), from_json(v));
      return d;
    }
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& v : j) items.push_back(from_json(v));
      return Value::new_list(std::move(items));
    }
    case Json::value_t::string: return Value::string(j.get<std::string>());
    case Json::value_t::boolean: return Value::boolean(j.get<bool>());
    case Json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::integer(static_cast<int64_t>(u));
      return Value::real(static_cast<double>(u));
    }
    case Json::value_t::number_float: return Value::real(j.get<double>());
    default: return Value::none();
  }
}

Json to_json(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Bool: return v.b;
    case Value::Kind::Int: return v.i;
    case Value::Kind::Float: return v.f;
    case Value::Kind::String: return v.s;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      Json a = Json::array();
      for (const auto& x : *v.list) a.push_back(to_json(x));
      return a;
    }
    case Value::Kind::Dict: {
      Json o = Json::object();
      for (const auto& [k, x] : v.dict->items) o[py_str(k)] = to_json(x);
      return o;
    }
    default: return nullptr;
  }
}

namespace {

void dump_string(std::string& out, const std::string& s) {
  out += '"';
  size_t pos = 0;
  char buf[16];
  while (pos < s.size()) {
    uint32_t cp = decode_utf8(s, pos);
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (cp >= 0x20 && cp < 0x7F) {
          out += static_cast<char>(cp);
        } else if (cp < 0x10000) {
          std::snprintf(buf, sizeof buf, "\\u%04x", cp);
          out += buf;
        } else {
          uint32_t u = cp - 0x10000;
          std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF));
          out += buf;
        }
    }
  }
  out += '"';
}

std::string json_key(const Value& k) {
  switch (k.kind) {
    case Value::Kind::String: return k.s;
    case Value::Kind::Bool: return k.b ? "true" : "false";
    case Value::Kind::None: return "null";
    case Value::Kind::Int: return std::to_string(k.i);
    case Value::Kind::Float: return float_repr(k.f);
    default: throw EvalError(std::string("keys must be str, int, float, bool or None, not ") + type_name(k));
  }
}

void dump(std::string& out, const Value& v, bool sort_keys, int indent, int level) {
  auto newline = [&](int lvl) {
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  const char* item_sep = indent >= 0 ? "," : ", ";
  switch (v.kind) {
    case Value::Kind::None: out += "null"; return;
    case Value::Kind::Bool: out += v.b ? "true" : "false"; return;
    case Value::Kind::Int: out += std::to_string(v.i); return;
    case Value::Kind::Float:
      if (std::isnan(v.f)) out += "NaN";
      else if (std::isinf(v.f)) out += v.f > 0 ? "Infinity" : "-Infinity";
      else out += float_repr(v.f);
      return;
    case Value::Kind::String: dump_string(out, v.s); return;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
      if (v.list->empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t k = 0; k < v.list->size(); ++k) {
        if (k > 0) out += item_sep;
        if (indent >= 0) newline(level + 1);
        dump(out, (*v.list)[k], sort_keys, indent, level + 1);
      }
      if (indent >= 0) newline(level);
      out += ']';
      return;
    }
    case Value::Kind::Dict: {
      if (v.dict->items.empty()) {
        out += "{}";
        return;
      }
      std::vector<std::pair<std::string, const Value*>> entries;
      for (const auto& [k, x] : v.dict->items) entries.emplace_back(json_key(k), &x);
      if (sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      out += '{';
      for (size_t k = 0; k < entries.size(); ++k) {
        if (k > 0) out += item_sep;
        if (indent >= 0) newline(level + 1);
        dump_string(out, entries[k].first);
        out += ": ";
        dump(out, *entries[k].second, sort_keys, indent, level + 1);
      }
      if (indent >= 0) newline(level);
      out += '}';
      return;
    }
    default:
      throw EvalError(std::string("Object of type ") + type_name(v) + " is not JSON serializable");
  }
}

}  // namespace

std::string json_dumps(const Value& v, bool sort_keys, int indent) {
  std::string out;
  dump(out, v, sort_keys, indent, 0);
  return out;
}

Value json_loads(const std::string& text) {
  try {
    return from_json(Json::parse(text));
  } catch (const nlohmann::json::parse_error& e) {
    // Python's json.loads message differs in wording; what matters is that it fails here too.
    throw EvalError("invalid JSON: " + std::string(e.what()).substr(std::string(e.what()).find(':') + 2));
  }
}

}  // namespace skyql::templating::detail
