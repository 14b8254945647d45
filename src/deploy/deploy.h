// deploy/ — stackql-deploy compatible stacks: a `stackql_manifest.yml` plus `resources/*.iql` files.
//
// Promises:
//  - build / test / teardown / plan of a stack directory for one environment, following stackql-deploy's
//    lifecycle (exists, statecheck or exports as proxies, create / update / createorupdate, exports that
//    feed later resources, delete in reverse order), see docs/DEPLOY.md.
//  - Every input problem (YAML syntax with line and column, a missing .iql, an anchor the resource type
//    needs, a prop without a value for the environment, an unknown resource type) is reported as one
//    InputError before any statement runs.
//  - Mutations wait for completion (AWAIT). --on-failure rollback deletes what this run created, newest
//    first. plan and --dry-run never change anything; --dry-run runs no statement at all.
//  - Values named in `protected` (and protected globals) never appear in any line this layer writes.
// Statements go through the StatementRunner seam, so this layer knows nothing of HTTP or SQL internals.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "output/output.h"

namespace skyql::deploy {

// Values keep insertion order, as Python dicts (and so stackql-deploy) do.
using Json = nlohmann::ordered_json;

// Bad stack input, found before anything runs. The message names the file (and line:column when known).
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A statement failed; `code` is the AWS error code when there is one ("ValidationException").
struct StatementError : std::runtime_error {
  StatementError(const std::string& message, std::string code = "")
      : std::runtime_error(message), code(std::move(code)) {}
  std::string code;
};

// The seam to the SQL engine: runs one statement and returns its rows (empty for mutations).
// Mutations must wait for the Cloud Control request to finish. Throws StatementError.
class StatementRunner {
 public:
  virtual ~StatementRunner() = default;
  virtual output::ResultSet run(const std::string& sql) = 0;
};

// The seam to the template engine (Jinja2 dialect). `where` names the file/anchor for error messages.
class Renderer {
 public:
  virtual ~Renderer() = default;
  virtual std::string render(const std::string& source, const Json& context,
                             const std::string& where) = 0;
  // A Jinja2 expression (the manifest's `if:`), evaluated for truth.
  virtual bool truthy(const std::string& expression, const Json& context,
                      const std::string& where) = 0;
};
// The Jinja2 renderer from template/ with stackql-deploy's filters and uuid(); strict makes undefined
// variables an error.
std::unique_ptr<Renderer> make_jinja_renderer(bool strict);

enum class Command { Build, Test, Teardown, Plan };
enum class OnFailure { Error, Ignore, Rollback };
enum class LogLevel { Debug, Info, Warning, Error };

struct Options {
  std::string stack_dir;
  std::string stack_env;
  std::vector<std::pair<std::string, std::string>> vars;  // -e KEY=VAL, in order
  std::string env_file;                                   // default: <cwd>/.env when it exists
  bool dry_run = false;
  bool show_queries = false;
  OnFailure on_failure = OnFailure::Error;
  std::string output_file;
  LogLevel log_level = LogLevel::Info;
  bool strict = false;
  bool include_process_env = true;  // environment variables feed globals (tests turn it off)
};

enum class Action { Created, Updated, Unchanged, Deleted, Absent, Skipped, Exported, Ran, Failed,
                    RolledBack, WouldCreate, WouldUpdate, WouldDelete, Tested };
const char* action_name(Action a);

struct ResourceOutcome {
  std::string resource;
  Action action = Action::Skipped;
  double seconds = 0;
  std::vector<std::string> statements;  // plan: what would run (masked)
};

struct Summary {
  bool ok = true;
  std::string error;  // "resource 'x', anchor 'create': ValidationException: ..." when !ok
  std::vector<ResourceOutcome> resources;
  std::vector<std::string> rolled_back;       // resources deleted by --on-failure rollback, in order
  Json exports = Json::object();  // stack-level exports (name -> value)
  double elapsed_seconds = 0;
};

// Runs `command` on the stack. `runner` may be null only with dry_run. Progress lines and the summary go
// to `out`. Throws InputError for bad input (before anything runs); statement failures end up in the
// Summary (ok=false) after rollback when asked for.
Summary run(Command command, const Options& options, StatementRunner* runner, Renderer& renderer,
            std::ostream& out);

// `skyql deploy init NAME`: writes a starter stack into directory `name` (must not exist).
void init_stack(const std::string& name, const std::string& provider);

// Formats elapsed time as stackql-deploy does ("0:00:01.234567").
std::string format_elapsed(double seconds);

}  // namespace skyql::deploy
