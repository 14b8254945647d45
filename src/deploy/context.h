// deploy/context — the variables a stack's templates see, built as stackql-deploy builds them:
//   user variables (process environment < env file < -e), exposed as top-level names to globals and
//   under `vars.NAME` everywhere; -e and env-file variables are also top-level for props and queries;
//   stack_name, stack_env; globals rendered in order (each sees the ones before it); per resource:
//   resource_name, idempotency_token, its props rendered in order (value | values[env], then merge);
//   exports of earlier resources as NAME and RESOURCE.NAME.
// Internal to deploy/ (and its unit tests).
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deploy/deploy.h"
#include "deploy/manifest.h"

namespace skyql::deploy {

// Replaces every protected value in a line with "****" (longest value first).
class Masker {
 public:
  void add(const std::string& value);
  void add_json(const Json& value);  // strings as is, anything else by its dump() as well
  std::string mask(std::string text) const;

 private:
  std::set<std::string, std::greater<>> secrets_;  // reverse order puts longer prefixes first
};

// KEY=VALUE lines; `export ` prefixes, # comments, and single/double quotes are understood.
std::vector<std::pair<std::string, std::string>> parse_env_file(const std::string& text);

struct Variables {
  Json all = Json::object();       // environment + env file + -e (globals, `vars`)
  Json explicit_ = Json::object();  // env file + -e (top level for props and queries)
};
// Collects the user variables. A missing explicitly-named env file is an InputError.
Variables load_variables(const Options& options);

// Renders a manifest value: strings through the template engine ("True"/"False" become "true"/"false"),
// mappings and lists member by member; a member string that renders to a JSON object or array is embedded
// as JSON (so '{{ global_tags }}' inside a list nests the tags).
Json render_value(Renderer& r, const Json& value, const Json& context,
                            const std::string& where);

// The form a rendered value takes in the context: objects and arrays as compact JSON text, booleans as
// "true"/"false", null as "", strings and numbers unchanged.
Json to_context_value(const Json& rendered);

// The global context: variables, `vars`, stack_name, stack_env and the rendered globals (protected ones
// are added to `masker`). A global that renders empty is an InputError naming it.
Json render_globals(Renderer& r, const Manifest& m, const Variables& vars,
                              const std::string& stack_name, const std::string& stack_env, Masker& masker);

// The resource's context: `base` + resource_name + idempotency_token + props (in order, each seeing the
// earlier ones). Protected props go to `masker`. Throws InputError for a prop with no value for the env
// and for a merge of something that is not in the context or not mergeable.
Json resource_context(Renderer& r, const Manifest& m, const Resource& res, const Json& base,
                                const std::string& stack_env, const std::string& idempotency_token,
                                Masker& masker);

// A fresh random (version 4) UUID.
std::string uuid4();

}  // namespace skyql::deploy
