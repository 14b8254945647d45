// sql/preprocess — the thin rewrite of a StackQL statement into one SQLite can prepare.
//
// Only what SQLite cannot parse as written is touched:
//  - three-part names `awscc.<service>.<resource>` become the quoted identifier "awscc.<service>.<resource>"
//    (a virtual table the engine creates in the temp schema on first use);
//  - `/*+ hints */` (anywhere) are collected, upper-cased (AWAIT, CREATE, ...); SQLite sees plain comments;
//  - PascalCase column names in an INSERT column list or an UPDATE SET list on a resource are mapped to
//    its snake_case columns (`AuthorizationType` -> authorization_type), because SQLite compares names
//    case-insensitively and `Name` vs `name` could not both be columns;
//  - `RETURNING ...` on a resource is cut off and handed back: SQLite refuses RETURNING on virtual tables,
//    so the engine applies it to the statement's ProgressEvents.
// Positions in the rewritten text map back to the original for syntax errors.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace skyql::sql {

enum class StatementKind { Select, Insert, Update, Delete, Other };

struct TableRef {
  std::string dotted;    // "awscc.events.connections" (lower-cased provider, as written otherwise)
  std::string service;   // "events"
  std::string resource;  // "connections" or "connections_list_only"
};

struct Preprocessed {
  std::string sql;                  // what SQLite prepares
  std::vector<std::string> hints;   // words of every /*+ ... */ comment, upper-cased
  std::vector<TableRef> tables;     // every resource referenced, first use first, no duplicates
  StatementKind kind = StatementKind::Other;
  bool explain = false;             // EXPLAIN [QUERY PLAN] ...
  std::string target;               // dotted name of the INSERT/UPDATE/DELETE target when it is a resource
  std::string returning;            // the RETURNING expression list (without the keyword), or ""

  bool has_hint(const std::string& word) const;
  // Byte offset in `sql` -> byte offset in the original statement.
  size_t original_offset(size_t rewritten_offset) const;
  std::vector<std::pair<size_t, size_t>> anchors;  // (rewritten offset, original offset) per token
};

// Maps a column name as written in an INSERT/UPDATE column list of resource `dotted` to the table's
// column name; throws std::runtime_error (naming the nearest columns) for names that are not columns.
using ColumnMapper = std::function<std::string(const std::string& dotted, const std::string& column)>;

Preprocessed preprocess(const std::string& statement, const ColumnMapper& map_column);

// Splits a script into statements at top-level `;` (quotes, comments and CREATE TRIGGER bodies respected).
// Statements that are only whitespace/comments are dropped; hints stay with the statement they precede.
std::vector<std::string> split_statements(const std::string& script);

// 1-based line and column of a byte offset, for error messages.
std::string describe_position(const std::string& text, size_t offset);

}  // namespace skyql::sql
