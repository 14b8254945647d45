#include "provider/validate.h"

#include <cmath>
#include <memory>
#include <mutex>
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex> under -fsanitize builds (CI uses -Werror).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <shared_mutex>
#include <unordered_map>

namespace skyql::provider {

namespace {

using nlohmann::json;

// libstdc++'s std::regex matches recursively; on very long strings a pattern like "[\s\S]*" can exhaust
// the stack. Values longer than this are checked for length but not for pattern.
constexpr size_t kMaxPatternInput = 16 * 1024;
constexpr int kMaxRefDepth = 64;

// Maps a Unicode property class to the bytes std::regex (char, UTF-8 input) can see: any non-ASCII
// letter/number arrives as bytes 0x80-0xff, so the class keeps its ASCII members and admits those bytes.
std::string unicode_class_members(const std::string& name) {
  if (name == "L" || name == "Lu" || name == "Ll" || name == "Alpha") return "A-Za-z\\x80-\\xff";
  if (name == "N" || name == "Nd") return "0-9\\x80-\\xff";
  if (name == "Z" || name == "Zs") return " \\x80-\\xff";
  if (name == "P" || name == "S" || name == "Punct")
    return "!-/:-@\\[-`{-~\\x80-\\xff";
  return "\\x80-\\xff";
}

// Rewrites the non-ECMAScript forms CloudFormation schemas use into what std::regex::ECMAScript accepts.
std::string to_ecmascript(const std::string& p, bool& icase) {
  std::string s = p;
  icase = false;
  if (s.rfind("(?i)", 0) == 0) {
    icase = true;
    s = s.substr(4);
  }
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == 'A') { out += '^'; ++i; continue; }
      if ((n == 'Z' || n == 'z')) { out += '$'; ++i; continue; }
      if (n == 'p' && i + 2 < s.size() && s[i + 2] == '{') {
        auto close = s.find('}', i + 3);
        if (close != std::string::npos) {
          std::string members = unicode_class_members(s.substr(i + 3, close - i - 3));
          out += in_class ? members : "[" + members + "]";
          i = close;
          continue;
        }
      }
      if (n == 'u' && i + 5 < s.size()) {
        unsigned long cp = std::strtoul(s.substr(i + 2, 4).c_str(), nullptr, 16);
        if (cp < 0x80) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02lx", cp);
          out += buf;
        } else {
          // Non-ASCII code points are UTF-8 bytes 0x80-0xff to std::regex.
          bool range_end = !out.empty() && out.back() == '-';
          out += range_end ? "\\xff" : "\\x80";
        }
        i += 5;
        continue;
      }
      out += c;
      out += n;
      ++i;
      continue;
    }
    if (c == '[' && !in_class) in_class = true;
    else if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

struct RegexCache {
  std::shared_mutex mutex;
  // nullptr: the pattern does not compile; it is then not enforced.
  std::unordered_map<std::string, std::shared_ptr<const std::regex>> compiled;

  std::shared_ptr<const std::regex> get(const std::string& pattern) {
    {
      std::shared_lock lock(mutex);
      auto it = compiled.find(pattern);
      if (it != compiled.end()) return it->second;
    }
    std::shared_ptr<const std::regex> re;
    try {
      bool icase = false;
      std::string ecma = to_ecmascript(pattern, icase);
      auto flags = std::regex::ECMAScript | std::regex::optimize;
      if (icase) flags |= std::regex::icase;
      re = std::make_shared<const std::regex>(ecma, flags);
    } catch (const std::regex_error&) {
      re = nullptr;
    }
    std::unique_lock lock(mutex);
    compiled.emplace(pattern, re);
    return re;
  }
};

RegexCache& regex_cache() {
  static RegexCache cache;
  return cache;
}

std::string escape_token(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "value";
  }
}

bool has_type(const json& v, const std::string& t) {
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer") {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
      double d = v.get<double>();
      return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
  }
  return true;  // unknown type names are not enforced
}

std::string short_json(const json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  std::optional<Violation> check(const json& schema, const json& v, const std::string& path, int depth = 0) {
    if (!schema.is_object()) return std::nullopt;  // `true`/`{}`-like schemas accept everything
    if (depth > kMaxRefDepth) return std::nullopt;

    if (auto it = schema.find("$ref"); it != schema.end() && it->is_string()) {
      const json* target = resolve(it->get<std::string>());
      if (target) {
        if (auto viol = check(*target, v, path, depth + 1)) return viol;
      }
    }
    if (auto viol = check_type(schema, v, path)) return viol;
    if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
      bool found = false;
      for (const auto& e : *it)
        if (equal(e, v)) { found = true; break; }
      if (!found) return Violation{path, "must be one of " + short_json(*it) + ", got " + short_json(v)};
    }
    if (auto it = schema.find("const"); it != schema.end() && !equal(*it, v))
      return Violation{path, "must be " + short_json(*it)};
    if (v.is_string()) {
      if (auto viol = check_string(schema, v.get_ref<const std::string&>(), path)) return viol;
    } else if (v.is_number()) {
      if (auto viol = check_number(schema, v, path)) return viol;
    } else if (v.is_object()) {
      if (auto viol = check_object(schema, v, path, depth)) return viol;
    } else if (v.is_array()) {
      if (auto viol = check_array(schema, v, path, depth)) return viol;
    }
    return check_combinators(schema, v, path, depth);
  }

 private:
  const json* resolve(const std::string& ref) {
    if (ref.empty() || ref[0] != '#') return nullptr;  // remote refs are not followed
    try {
      const json& target = root_.at(json::json_pointer(ref.substr(1)));
      return &target;
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  // Integers and floats compare by value ("1" == "1.0"), as JSON Schema says.
  static bool equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
  }

  std::optional<Violation> check_type(const json& schema, const json& v, const std::string& path) {
    auto it = schema.find("type");
    if (it == schema.end()) return std::nullopt;
    if (it->is_string()) {
      if (!has_type(v, it->get<std::string>()))
        return Violation{path, "must be of type " + it->get<std::string>() + ", got " + type_of(v)};
    } else if (it->is_array()) {
      for (const auto& t : *it)
        if (t.is_string() && has_type(v, t.get<std::string>())) return std::nullopt;
      return Violation{path, "must be of type " + short_json(*it) + ", got " + type_of(v)};
    }
    return std::nullopt;
  }

  std::optional<Violation> check_string(const json& schema, const std::string& s, const std::string& path) {
    if (auto it = schema.find("minLength"); it != schema.end() && it->is_number() &&
                                            utf8_length(s) < it->get<double>())
      return Violation{path, "must be at least " + it->dump() + " characters long"};
    if (auto it = schema.find("maxLength"); it != schema.end() && it->is_number() &&
                                            utf8_length(s) > it->get<double>())
      return Violation{path, "must be at most " + it->dump() + " characters long"};
    if (auto it = schema.find("pattern"); it != schema.end() && it->is_string() &&
                                          !pattern_matches(it->get<std::string>(), s))
      return Violation{path, "must match pattern " + it->get<std::string>() + ", got " + short_json(s)};
    return std::nullopt;
  }

  std::optional<Violation> check_number(const json& schema, const json& v, const std::string& path) {
    double d = v.get<double>();
    auto num = [&](const char* key) -> std::optional<double> {
      auto it = schema.find(key);
      if (it == schema.end() || !it->is_number()) return std::nullopt;
      return it->get<double>();
    };
    if (auto m = num("minimum"); m && d < *m) return Violation{path, "must be >= " + schema["minimum"].dump()};
    if (auto m = num("maximum"); m && d > *m) return Violation{path, "must be <= " + schema["maximum"].dump()};
    if (auto m = num("exclusiveMinimum"); m && d <= *m)
      return Violation{path, "must be > " + schema["exclusiveMinimum"].dump()};
    if (auto m = num("exclusiveMaximum"); m && d >= *m)
      return Violation{path, "must be < " + schema["exclusiveMaximum"].dump()};
    if (auto m = num("multipleOf"); m && *m > 0) {
      double q = d / *m;
      if (std::fabs(q - std::round(q)) > 1e-9) return Violation{path, "must be a multiple of " + schema["multipleOf"].dump()};
    }
    return std::nullopt;
  }

  std::optional<Violation> check_object(const json& schema, const json& v, const std::string& path, int depth) {
    if (auto it = schema.find("required"); it != schema.end() && it->is_array()) {
      for (const auto& r : *it)
        if (r.is_string() && !v.contains(r.get<std::string>()))
          return Violation{path + "/" + escape_token(r.get<std::string>()), "is required"};
    }
    const json* props = nullptr;
    if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) props = &*it;
    const json* pattern_props = nullptr;
    if (auto it = schema.find("patternProperties"); it != schema.end() && it->is_object()) pattern_props = &*it;
    auto additional = schema.find("additionalProperties");

    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      std::string child = path + "/" + escape_token(key);
      bool matched = false;
      if (props) {
        if (auto p = props->find(key); p != props->end()) {
          matched = true;
          if (auto viol = check(*p, it.value(), child, depth + 1)) return viol;
        }
      }
      if (pattern_props) {
        for (auto pp = pattern_props->begin(); pp != pattern_props->end(); ++pp) {
          if (pattern_matches(pp.key(), key)) {
            matched = true;
            if (auto viol = check(pp.value(), it.value(), child, depth + 1)) return viol;
          }
        }
      }
      if (!matched && additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>())
          return Violation{child, "is not a known property (additionalProperties is false)"};
        if (additional->is_object())
          if (auto viol = check(*additional, it.value(), child, depth + 1)) return viol;
      }
    }
    if (auto it = schema.find("minProperties"); it != schema.end() && it->is_number() && v.size() < it->get<double>())
      return Violation{path, "must have at least " + it->dump() + " properties"};
    if (auto it = schema.find("maxProperties"); it != schema.end() && it->is_number() && v.size() > it->get<double>())
      return Violation{path, "must have at most " + it->dump() + " properties"};
    if (auto it = schema.find("dependencies"); it != schema.end() && it->is_object()) {
      for (auto d = it->begin(); d != it->end(); ++d) {
        if (!v.contains(d.key())) continue;
        if (d.value().is_array()) {
          for (const auto& r : d.value())
            if (r.is_string() && !v.contains(r.get<std::string>()))
              return Violation{path + "/" + escape_token(r.get<std::string>()),
                               "is required when " + d.key() + " is set"};
        } else if (auto viol = check(d.value(), v, path, depth + 1)) {
          return viol;
        }
      }
    }
    return std::nullopt;
  }

  std::optional<Violation> check_array(const json& schema, const json& v, const std::string& path, int depth) {
    if (auto it = schema.find("minItems"); it != schema.end() && it->is_number() && v.size() < it->get<double>())
      return Violation{path, "must have at least " + it->dump() + " items"};
    if (auto it = schema.find("maxItems"); it != schema.end() && it->is_number() && v.size() > it->get<double>())
      return Violation{path, "must have at most " + it->dump() + " items"};
    if (auto it = schema.find("items"); it != schema.end()) {
      if (it->is_object()) {
        for (size_t i = 0; i < v.size(); ++i)
          if (auto viol = check(*it, v[i], path + "/" + std::to_string(i), depth + 1)) return viol;
      } else if (it->is_array()) {
        for (size_t i = 0; i < v.size() && i < it->size(); ++i)
          if (auto viol = check((*it)[i], v[i], path + "/" + std::to_string(i), depth + 1)) return viol;
      }
    }
    if (auto it = schema.find("uniqueItems"); it != schema.end() && it->is_boolean() && it->get<bool>()) {
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j)
          if (equal(v[i], v[j]))
            return Violation{path + "/" + std::to_string(j), "duplicates item " + std::to_string(i) + " (uniqueItems)"};
    }
    return std::nullopt;
  }

  std::optional<Violation> check_combinators(const json& schema, const json& v, const std::string& path, int depth) {
    if (auto it = schema.find("allOf"); it != schema.end() && it->is_array()) {
      for (const auto& s : *it)
        if (auto viol = check(s, v, path, depth + 1)) return viol;
    }
    if (auto it = schema.find("anyOf"); it != schema.end() && it->is_array() && !it->empty()) {
      std::optional<Violation> first;
      bool any = false;
      for (const auto& s : *it) {
        auto viol = check(s, v, path, depth + 1);
        if (!viol) { any = true; break; }
        if (!first) first = viol;
      }
      if (!any)
        return Violation{path, "must match at least one schema in anyOf (first mismatch: " + first->to_string() + ")"};
    }
    if (auto it = schema.find("oneOf"); it != schema.end() && it->is_array() && !it->empty()) {
      int matches = 0;
      std::optional<Violation> first;
      for (const auto& s : *it) {
        auto viol = check(s, v, path, depth + 1);
        if (!viol) ++matches;
        else if (!first) first = viol;
      }
      if (matches == 0)
        return Violation{path, "must match exactly one schema in oneOf, matches none (first mismatch: " +
                                   first->to_string() + ")"};
      if (matches > 1)
        return Violation{path, "must match exactly one schema in oneOf, matches " + std::to_string(matches)};
    }
    if (auto it = schema.find("not"); it != schema.end() && it->is_object()) {
      if (!check(*it, v, path, depth + 1)) return Violation{path, "must not match " + short_json(*it)};
    }
    return std::nullopt;
  }

  const json& root_;
};

}  // namespace

std::string Violation::to_string() const { return (path.empty() ? "/" : path) + ": " + message; }

bool pattern_matches(const std::string& pattern, const std::string& text) {
  if (text.size() > kMaxPatternInput) return true;
  auto re = regex_cache().get(pattern);
  if (!re) return true;
  try {
    return std::regex_search(text, *re);
  } catch (const std::regex_error&) {
    return true;  // complexity limits: do not refuse what we cannot decide
  }
}

std::optional<Violation> validate(const json& schema, const json& value) {
  return validate(schema, schema, value);
}

std::optional<Violation> validate(const json& root, const json& subschema, const json& value) {
  Validator v(root);
  return v.check(subschema, value, "");
}

}  // namespace skyql::provider
