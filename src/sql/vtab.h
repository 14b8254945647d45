// sql/vtab — internal: the SQLite module "awscc" (one virtual table per resource type) and StackQL's SQL
// functions string() and json_equal().
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

namespace skyql::sql {

class Session;

// Registers module "awscc": CREATE VIRTUAL TABLE temp."awscc.events.connections" USING awscc(events, connections)
// (or connections_list_only). `session` must outlive the connection.
int register_resource_module(sqlite3* db, Session* session);
int register_functions(sqlite3* db);

// Column names of a created table, for "did you mean" on unknown columns. Empty when unknown.
std::vector<std::string> table_columns(sqlite3* db, const std::string& table);

}  // namespace skyql::sql
