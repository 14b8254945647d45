// sql/meta — SHOW and DESCRIBE statements, answered from the installed provider without AWS calls.
//
// Promises (StackQL's meta statements; keywords case-insensitive, one optional trailing ';'):
//   SHOW PROVIDERS                                   -> name, version
//   SHOW SERVICES IN awscc [LIKE '%x%']              -> id, name, title
//   SHOW RESOURCES IN awscc.events [LIKE '%x%']      -> name, id   (includes *_list_only tables)
//   SHOW METHODS IN awscc.events.connections         -> MethodName, RequiredParams, SQLVerb
//   DESCRIBE [EXTENDED] awscc.events.connections     -> name, type [, description]
// Unknown names throw provider::NotFound ("... not found — did you mean ...?"); malformed statements
// throw MetaSyntaxError saying the accepted form. Only the one resource named is loaded.
#pragma once

#include <stdexcept>
#include <string_view>

#include "output/output.h"
#include "provider/provider.h"

namespace skyql::sql {

struct MetaSyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// True when the statement starts with SHOW, DESCRIBE or DESC (after blanks and comments).
bool is_meta_statement(std::string_view statement);

output::ResultSet run_meta_statement(const provider::Store& store, std::string_view statement);

}  // namespace skyql::sql
