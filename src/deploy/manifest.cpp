#include "deploy/manifest.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "deploy/deploy.h"

namespace skyql::deploy {
namespace {



std::string where(const std::string& path, const YAML::Mark& mark) {
  if (mark.is_null()) return path;
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

[[noreturn]] void fail(const std::string& path, const YAML::Node& node, const std::string& message) {
  throw InputError(where(path, node.Mark()) + ": " + message);
}

// Plain (unquoted) scalars are typed like YAML 1.2's core schema, which is also what PyYAML yields for
// the values stacks use; quoted scalars always stay strings.
Json plain_scalar(const std::string& s) {
  static const std::regex int_re(R"([-+]?[0-9]+)");
  static const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, int_re)) {
    try {
      return std::stoll(s);
    } catch (...) {
      return s;
    }
  }
  if (std::regex_match(s, float_re)) return std::stod(s);
  return s;
}

Json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const auto& item : node) arr.push_back(to_json(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) obj[kv.first.Scalar()] = to_json(kv.second);
      return obj;
    }
  }
  return nullptr;
}

std::string scalar(const std::string& path, const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) fail(path, node, "'" + field + "' must be a string");
  return node.Scalar();
}

std::vector<std::string> string_list(const std::string& path, const YAML::Node& node,
                                     const std::string& field) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (node.IsScalar()) return {node.Scalar()};
  if (!node.IsSequence()) fail(path, node, "'" + field + "' must be a list of names");
  for (const auto& item : node) out.push_back(scalar(path, item, field));
  return out;
}

bool boolean(const std::string& path, const YAML::Node& node, const std::string& field) {
  Json v = to_json(node);
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_null()) return false;
  fail(path, node, "'" + field + "' must be true or false");
}

Prop parse_prop(const std::string& path, const YAML::Node& node, const std::string& resource) {
  if (!node.IsMap()) fail(path, node, "each prop of resource '" + resource + "' must be a mapping with a name");
  Prop p;
  p.line = node.Mark().line + 1;
  if (!node["name"]) fail(path, node, "a prop of resource '" + resource + "' has no 'name'");
  p.name = scalar(path, node["name"], "name");
  if (node["description"]) p.description = node["description"].IsScalar() ? node["description"].Scalar() : "";
  if (node["value"]) p.value = to_json(node["value"]);
  if (const auto& values = node["values"]) {
    if (!values.IsMap())
      fail(path, values, "'values' of prop '" + p.name + "' must map environments to {value: ...}");
    for (const auto& kv : values) {
      const auto& env_node = kv.second;
      if (!env_node.IsMap() || !env_node["value"])
        fail(path, env_node, "'values." + kv.first.Scalar() + "' of prop '" + p.name + "' needs a 'value'");
      p.values[kv.first.Scalar()] = to_json(env_node["value"]);
    }
  }
  p.merge = string_list(path, node["merge"], "merge");
  if (!p.value && p.values.empty() && p.merge.empty())
    fail(path, node, "prop '" + p.name + "' of resource '" + resource + "' has neither 'value' nor 'values'");
  return p;
}

Resource parse_resource(const std::string& path, const YAML::Node& node) {
  if (!node.IsMap()) fail(path, node, "each resource must be a mapping with a name");
  Resource r;
  r.line = node.Mark().line + 1;
  if (!node["name"]) fail(path, node, "a resource has no 'name'");
  r.name = scalar(path, node["name"], "name");
  if (node["type"]) {
    r.type = scalar(path, node["type"], "type");
    static const std::vector<std::string> types{"resource", "query", "script", "multi", "command"};
    if (std::find(types.begin(), types.end(), r.type) == types.end())
      fail(path, node["type"], "resource '" + r.name + "' has type '" + r.type +
                                   "'; use one of resource, query, script, multi, command");
  }
  r.file = node["file"] ? scalar(path, node["file"], "file") : r.name + ".iql";
  if (node["description"] && node["description"].IsScalar()) r.description = node["description"].Scalar();
  if (const auto& props = node["props"]) {
    if (!props.IsSequence() && !props.IsNull()) fail(path, props, "'props' of resource '" + r.name + "' must be a list");
    for (const auto& p : props) r.props.push_back(parse_prop(path, p, r.name));
  }
  if (const auto& exports = node["exports"]) {
    if (!exports.IsSequence() && !exports.IsNull())
      fail(path, exports, "'exports' of resource '" + r.name + "' must be a list");
    bool dicts = false, names = false;
    for (const auto& e : exports) {
      if (e.IsScalar()) {
        names = true;
        r.exports.push_back({e.Scalar(), e.Scalar()});
      } else if (e.IsMap() && e.size() == 1) {
        dicts = true;
        auto kv = *e.begin();
        r.exports.push_back({kv.first.Scalar(), scalar(path, kv.second, "exports")});
      } else {
        fail(path, e, "an export of resource '" + r.name + "' must be a name or {column: alias}");
      }
    }
    // stackql-deploy requires the list to be all names or all mappings.
    if (dicts && names)
      fail(path, exports, "exports of resource '" + r.name + "' mix names and {column: alias}; use one form");
  }
  r.protected_names = string_list(path, node["protected"], "protected");
  if (node["if"]) r.condition = scalar(path, node["if"], "if");
  if (node["skip_validation"]) r.skip_validation = boolean(path, node["skip_validation"], "skip_validation");
  if (node["skipvalidation"]) r.skip_validation = boolean(path, node["skipvalidation"], "skipvalidation");
  if (node["sql"]) r.sql = scalar(path, node["sql"], "sql");
  if (node["run"]) r.run = scalar(path, node["run"], "run");
  return r;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

Json yaml_to_json(const std::string& yaml_text) { return to_json(YAML::Load(yaml_text)); }

Manifest parse_manifest(const std::string& text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(where(path, e.mark) + ": YAML error: " + e.msg);
  }
  if (!root.IsMap()) throw InputError(path + ": the manifest must be a YAML mapping (name, globals, resources)");
  Manifest m;
  m.path = path;
  if (root["version"]) m.version = root["version"].IsScalar() ? root["version"].Scalar() : "";
  if (root["name"]) m.name = scalar(path, root["name"], "name");
  if (root["description"] && root["description"].IsScalar()) m.description = root["description"].Scalar();
  m.providers = string_list(path, root["providers"], "providers");
  if (const auto& globals = root["globals"]) {
    if (!globals.IsSequence() && !globals.IsNull()) fail(path, globals, "'globals' must be a list");
    for (const auto& g : globals) {
      if (!g.IsMap() || !g["name"]) fail(path, g, "each global needs a 'name' and a 'value'");
      Global gl;
      gl.line = g.Mark().line + 1;
      gl.name = scalar(path, g["name"], "name");
      if (!g["value"]) fail(path, g, "global '" + gl.name + "' has no 'value'");
      gl.value = to_json(g["value"]);
      if (g["description"] && g["description"].IsScalar()) gl.description = g["description"].Scalar();
      if (g["protected"]) gl.is_protected = boolean(path, g["protected"], "protected");
      m.globals.push_back(std::move(gl));
    }
  }
  const auto& resources = root["resources"];
  if (!resources || !resources.IsSequence()) throw InputError(path + ": the manifest needs a 'resources' list");
  for (const auto& r : resources) {
    Resource res = parse_resource(path, r);
    for (const auto& other : m.resources)
      if (other.name == res.name) fail(path, r, "resource name '" + res.name + "' is used twice; names must be unique");
    m.resources.push_back(std::move(res));
  }
  m.exports = string_list(path, root["exports"], "exports");
  return m;
}

Manifest load_manifest(const std::string& stack_dir) {
  std::string path = stack_dir + "/stackql_manifest.yml";
  std::ifstream in(path);
  if (!in) {
    std::string alt = stack_dir + "/stackql_manifest.yaml";
    std::ifstream in2(alt);
    if (!in2) throw InputError(path + ": no manifest found — is '" + stack_dir + "' a stack directory? (try: skyql deploy init NAME)");
    std::stringstream ss;
    ss << in2.rdbuf();
    return parse_manifest(ss.str(), alt);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_manifest(ss.str(), path);
}

std::map<std::string, Anchor> parse_iql(const std::string& text, const std::string& path) {
  std::map<std::string, Anchor> out;
  std::optional<Anchor> current;
  std::vector<std::string> buffer;
  auto flush = [&] {
    if (current && !buffer.empty()) {
      std::string joined;
      for (size_t i = 0; i < buffer.size(); ++i) joined += (i ? "\n" : "") + buffer[i];
      current->sql = trim(joined);
      out[current->name] = *current;
    }
    buffer.clear();
  };
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = trim(line);
    size_t close = t.find("*/");
    if (t.rfind("/*+", 0) == 0 && close != std::string::npos) {
      flush();
      std::string body = t.substr(3, close - 3);
      std::vector<std::string> parts;
      std::stringstream ps(body);
      std::string part;
      while (std::getline(ps, part, ',')) parts.push_back(trim(part));
      Anchor a;
      a.line = lineno;
      a.name = parts.empty() ? "" : parts[0];
      std::transform(a.name.begin(), a.name.end(), a.name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (a.name == "preflight") a.name = "exists";
      if (a.name == "postdeploy") a.name = "statecheck";
      for (size_t i = 1; i < parts.size(); ++i) {
        auto eq = parts[i].find('=');
        if (eq == std::string::npos) continue;
        std::string key = trim(parts[i].substr(0, eq)), val = trim(parts[i].substr(eq + 1));
        int* slot = key == "retries"                  ? &a.retries
                    : key == "retry_delay"            ? &a.retry_delay
                    : key == "postdelete_retries"     ? &a.postdelete_retries
                    : key == "postdelete_retry_delay" ? &a.postdelete_retry_delay
                                                      : nullptr;
        if (!slot) continue;  // string options (callback short-circuit) are not used by skyql
        try {
          size_t used = 0;
          int v = std::stoi(val, &used);
          if (used != val.size() || v < 0) throw std::invalid_argument(val);
          *slot = v;
        } catch (const std::exception&) {
          throw InputError(path + ":" + std::to_string(lineno) + ": anchor '" + a.name + "' option '" + key +
                           "' must be a whole number of " + (key.find("delay") != std::string::npos ? "seconds" : "attempts") +
                           ", got '" + val + "'");
        }
      }
      current = a;
    } else {
      buffer.push_back(line);
    }
  }
  flush();
  return out;
}

}  // namespace skyql::deploy
