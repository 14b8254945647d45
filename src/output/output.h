// output/ — rendering result sets as table (aligned, fits the terminal), json (array of objects, like
// StackQL), csv (RFC 4180) or text (tab-separated). Knows nothing of SQL or AWS.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace skyql::output {

enum class Format { Table, Json, Csv, Text };
// "table" | "json" | "csv" | "text"; throws std::invalid_argument naming the accepted values.
Format parse_format(const std::string& name);

// One cell. Kind tells JSON output how to print the text (numbers unquoted, NULL as null).
struct Cell {
  enum class Kind { Null, Integer, Real, Text };
  Kind kind = Kind::Null;
  std::string text;
  static Cell null() { return {}; }
  static Cell integer(long long v) { return {Kind::Integer, std::to_string(v)}; }
  static Cell real(double v);
  static Cell string(std::string v) { return {Kind::Text, std::move(v)}; }
};

struct ResultSet {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

struct WriteOptions {
  Format format = Format::Table;
  bool headers = true;           // -H turns them off
  std::optional<int> max_width;  // table: terminal width; nullopt = do not truncate
};

void write(std::ostream& out, const ResultSet& rs, const WriteOptions& options);

}  // namespace skyql::output
