// sql/ — runs StackQL's awscc SQL: every resource type is a table awscc.<service>.<resource>.
//
// Promises:
//  - SQLite does the SQL (joins, subqueries, CTEs, aggregates, json_each ...). Each resource is a virtual
//    table; region and data__Identifier are pushed down (IN lists whole), writes go through xUpdate.
//  - SELECT with an identifier -> GetResource (missing -> no row); without one -> ListResources then
//    GetResource for every item, concurrently; `region IN (...)` fans out concurrently. Within one
//    statement no resource is fetched twice.
//  - INSERT -> CreateResource (checked against the schema first), UPDATE -> UpdateResource (the JSON Patch
//    given in data__PatchDocument, or built from the SET columns; createOnly changes refused), DELETE ->
//    DeleteResource. The result of a write is its ProgressEvent (RETURNING picks fields); with
//    /*+ AWAIT */ the final one, and FAILED is an error with the handler's code and message.
//  - SHOW / DESCRIBE are answered from the provider (sql/meta.h). Dry-run plans calls and makes none.
//  - Errors are SqlError: one line naming the statement's problem and how to fix it.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "output/output.h"

namespace skyql::provider {
class Store;
}
namespace skyql::aws {
class CloudControlClient;
}

namespace skyql::sql {

struct EngineOptions {
  std::string default_region;   // used when a statement does not constrain region; "" = region required
  bool dry_run = false;         // plan API calls, make none; each statement's result lists the calls
  bool allow_partial = false;   // a failing region in a fan-out warns instead of failing the statement
  int concurrency = 50;         // API calls in flight for one statement
  std::ostream* diagnostics = nullptr;  // progress and warnings (nullptr = std::cerr)
  bool diagnostics_tty = false;         // AWAIT progress as one live line instead of plain lines
};

// An API call a dry run would have made.
struct PlannedCall {
  std::string operation;   // CreateResource | UpdateResource | DeleteResource | GetResource | ListResources
  std::string region;
  std::string type_name;
  std::string identifier;
  std::string body;        // DesiredState / PatchDocument JSON, or ""
};

struct StatementResult {
  std::string statement;       // as given
  bool returns_rows = false;   // false for statements with nothing to show (CREATE TABLE, ...)
  output::ResultSet result;
};

struct SqlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Session;

class Engine {
 public:
  // `store` must outlive the engine. `client` may be null when only meta statements or dry runs are run.
  Engine(const provider::Store& store, std::shared_ptr<aws::CloudControlClient> client, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs every `;`-separated statement in order and returns their results; the first failing statement
  // throws SqlError (earlier statements have run).
  std::vector<StatementResult> execute(const std::string& script);
  // Same, handing each result over as soon as its statement completes.
  void execute(const std::string& script, const std::function<void(const StatementResult&)>& on_result);
  // Runs one statement (no splitting).
  StatementResult execute_statement(const std::string& statement);

  EngineOptions& options();

  // Names for completion: services, resources of a service, columns of "awscc.svc.res".
  std::vector<std::string> services() const;
  std::vector<std::string> resources(const std::string& service) const;
  std::vector<std::string> columns(const std::string& dotted);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyql::sql
