#include "deploy/context.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

extern char** environ;

namespace skyql::deploy {

void Masker::add(const std::string& value) {
  if (!value.empty()) secrets_.insert(value);
}

void Masker::add_json(const Json& value) {
  if (value.is_string()) {
    add(value.get<std::string>());
  } else if (!value.is_null()) {
    add(value.dump());
  }
}

std::string Masker::mask(std::string text) const {
  for (const auto& secret : secrets_) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "****");
      pos += 4;
    }
  }
  return text;
}

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool looks_like_json_container(const std::string& s) {
  return !s.empty() && (s.front() == '{' || s.front() == '[');
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_env_file(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.rfind("export ", 0) == 0) t = trim(t.substr(7));
    auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(t.substr(0, eq));
    std::string value = trim(t.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else {
      auto hash = value.find(" #");  // an inline comment after an unquoted value
      if (hash != std::string::npos) value = trim(value.substr(0, hash));
    }
    out.emplace_back(key, value);
  }
  return out;
}

Variables load_variables(const Options& options) {
  Variables v;
  if (options.include_process_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) v.all[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  std::string env_file = options.env_file;
  bool named = !env_file.empty();
  if (!named) env_file = ".env";
  if (std::filesystem::exists(env_file)) {
    std::ifstream in(env_file);
    std::stringstream ss;
    ss << in.rdbuf();
    for (auto& [k, val] : parse_env_file(ss.str())) {
      // As python-dotenv does: the environment wins over the file.
      if (!v.all.contains(k)) v.all[k] = val;
      v.explicit_[k] = val;
    }
  } else if (named) {
    throw InputError(env_file + ": env file not found — check --env-file");
  }
  for (const auto& [k, val] : options.vars) {
    v.all[k] = val;
    v.explicit_[k] = val;
  }
  return v;
}

Json render_value(Renderer& r, const Json& value, const Json& context, const std::string& where) {
  if (value.is_string()) {
    std::string out = r.render(value.get<std::string>(), context, where);
    if (out == "True") return "true";
    if (out == "False") return "false";
    return out;
  }
  if (value.is_object() || value.is_array()) {
    Json out = value.is_object() ? Json::object() : Json::array();
    for (auto it = value.begin(); it != value.end(); ++it) {
      Json item = render_value(r, *it, context, where);
      if (it->is_string() && item.is_string() && looks_like_json_container(item.get<std::string>())) {
        Json parsed = Json::parse(item.get<std::string>(), nullptr, false);
        if (!parsed.is_discarded()) item = std::move(parsed);
      }
      if (value.is_object()) {
        out[it.key()] = std::move(item);
      } else {
        out.push_back(std::move(item));
      }
    }
    return out;
  }
  return value;
}

Json to_context_value(const Json& rendered) {
  if (rendered.is_object() || rendered.is_array()) return rendered.dump();
  if (rendered.is_boolean()) return rendered.get<bool>() ? "true" : "false";
  if (rendered.is_null()) return "";
  return rendered;
}

Json render_globals(Renderer& r, const Manifest& m, const Variables& vars, const std::string& stack_name,
                    const std::string& stack_env, Masker& masker) {
  // Globals see every user variable at top level; props and queries see only the explicit ones
  // (plus `vars`), so a stray environment variable cannot shadow an undefined template name.
  Json globals_ctx = vars.all;
  Json ctx = vars.explicit_;
  for (Json* c : {&globals_ctx, &ctx}) {
    (*c)["vars"] = vars.all;
    (*c)["stack_name"] = stack_name;
    (*c)["stack_env"] = stack_env;
  }
  for (const auto& g : m.globals) {
    std::string where = m.path + ":" + std::to_string(g.line) + " (global '" + g.name + "')";
    Json value = to_context_value(render_value(r, g.value, globals_ctx, where));
    if (value.is_string() && value.get<std::string>().empty())
      throw InputError(where + ": renders empty — give it a value (e.g. -e NAME=VALUE or an .env file)");
    if (g.is_protected) masker.add_json(value);
    globals_ctx[g.name] = value;
    ctx[g.name] = value;
  }
  return ctx;
}

namespace {

Json parse_mergeable(const Json& v) {
  if (v.is_string()) return Json::parse(v.get<std::string>(), nullptr, false);
  return v;
}

}  // namespace

Json resource_context(Renderer& r, const Manifest& m, const Resource& res, const Json& base,
                      const std::string& stack_env, const std::string& idempotency_token, Masker& masker) {
  Json ctx = base;
  ctx["resource_name"] = res.name;
  ctx["idempotency_token"] = idempotency_token;
  for (const auto& p : res.props) {
    std::string where = m.path + ":" + std::to_string(p.line) + " (resource '" + res.name + "', prop '" + p.name + "')";
    Json value;
    bool has_value = false;
    if (p.value) {
      value = to_context_value(render_value(r, *p.value, ctx, where));
      has_value = true;
    } else if (!p.values.empty()) {
      auto it = p.values.find(stack_env);
      if (it == p.values.end())
        throw InputError(where + ": no value for environment '" + stack_env + "' — add values." + stack_env +
                         ".value or a plain 'value'");
      value = to_context_value(render_value(r, it->second, ctx, where));
      has_value = true;
    }
    if (!p.merge.empty()) {
      Json merged = has_value ? parse_mergeable(value) : Json();
      if (merged.is_discarded())
        throw InputError(where + ": cannot merge into a value that is not a JSON list or object");
      for (const auto& item : p.merge) {
        if (!ctx.contains(item))
          throw InputError(where + ": merge item '" + item + "' is not a variable of the stack");
        Json add = parse_mergeable(ctx[item]);
        if (merged.is_null() && (add.is_array() || add.is_object())) {
          merged = add;
        } else if (merged.is_array() && add.is_array()) {
          for (const auto& e : add)
            if (std::find(merged.begin(), merged.end(), e) == merged.end()) merged.push_back(e);
        } else if (merged.is_object() && add.is_object()) {
          for (auto it = add.begin(); it != add.end(); ++it) merged[it.key()] = it.value();
        } else {
          throw InputError(where + ": cannot merge '" + item + "' — both must be lists or both objects");
        }
      }
      value = to_context_value(merged);
    }
    if (std::find(res.protected_names.begin(), res.protected_names.end(), p.name) != res.protected_names.end())
      masker.add_json(value);
    ctx[p.name] = value;
  }
  return ctx;
}

std::string uuid4() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  uint64_t a = gen(), b = gen();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

}  // namespace skyql::deploy
