// deploy/manifest — the stack model: stackql_manifest.yml and the anchored .iql files it points to.
// Internal to deploy/ (and its unit tests).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deploy.h"

namespace skyql::deploy {

struct Prop {
  std::string name;
  std::string description;
  std::optional<Json> value;          // `value`
  std::map<std::string, Json> values;  // `values: {env: {value: ...}}`
  std::vector<std::string> merge;               // names of context variables merged into the value
  int line = 0;                                 // 1-based, for messages
};

// An export: `name` (column == alias) or `{column: alias}`.
struct ExportSpec {
  std::string column;
  std::string alias;
};

struct Resource {
  std::string name;
  std::string type = "resource";  // resource | query | script | multi | command
  std::string file;               // .iql file relative to resources/ (default "<name>.iql")
  std::string description;
  std::vector<Prop> props;
  std::vector<ExportSpec> exports;
  std::vector<std::string> protected_names;
  std::optional<std::string> condition;  // `if`
  bool skip_validation = false;
  std::optional<std::string> sql;  // inline sql for query / command
  std::optional<std::string> run;  // script
  int line = 0;
};

struct Global {
  std::string name;
  std::string description;
  Json value;
  bool is_protected = false;
  int line = 0;
};

struct Manifest {
  std::string path;  // the manifest file, for messages
  std::string version;
  std::string name;
  std::string description;
  std::vector<std::string> providers;
  std::vector<Global> globals;
  std::vector<Resource> resources;
  std::vector<std::string> exports;  // stack-level exports (context variable names)
};

// Parses manifest text; `path` names it in errors. Throws InputError ("path:line:col: ...").
Manifest parse_manifest(const std::string& text, const std::string& path);
// Reads <stack_dir>/stackql_manifest.yml.
Manifest load_manifest(const std::string& stack_dir);

// One anchored statement of an .iql file.
struct Anchor {
  std::string name;  // lower case: exists, create, update, createorupdate, statecheck, exports, delete, command
  std::string sql;   // template text, trimmed
  int retries = 1;
  int retry_delay = 0;  // seconds
  int postdelete_retries = 10;
  int postdelete_retry_delay = 5;
  int line = 0;  // line of the anchor comment
};

// Splits .iql text at `/*+ name[, option=value ...] */` lines (preflight -> exists, postdeploy ->
// statecheck). Throws InputError naming `path` and the line for an unreadable option.
std::map<std::string, Anchor> parse_iql(const std::string& text, const std::string& path);

// Converts a YAML document fragment (already parsed) to JSON, keeping quoted scalars as strings and
// typing plain scalars (null, bool, int, float) as YAML 1.2's core schema does. Exposed for tests.
Json yaml_to_json(const std::string& yaml_text);

}  // namespace skyql::deploy
