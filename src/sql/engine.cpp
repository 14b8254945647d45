#include "sql/engine.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "aws/cloudcontrol.h"
#include "provider/provider.h"
#include "sql/meta.h"
#include "sql/preprocess.h"
#include "sql/session.h"
#include "sql/vtab.h"

namespace skyql::sql {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string squash(const std::string& s) {
  std::string out;
  for (char ch : s)
    if (ch != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Up to three candidates closest to `name` (case and underscores ignored), nearest first.
std::vector<std::string> nearest(const std::string& name, const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  const std::string key = squash(name);
  for (const auto& c : candidates) {
    const std::string ck = squash(c);
    size_t d = edit_distance(key, ck);
    if (!key.empty() && (ck.find(key) != std::string::npos || key.find(ck) != std::string::npos)) d = std::min<size_t>(d, 1);
    if (d <= std::max<size_t>(2, key.size() / 3)) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() == 3) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

output::Cell cell_of(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
      return output::Cell::null();
    case SQLITE_INTEGER:
      return output::Cell::integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: {
      // SQLite's own rendering of a REAL (shortest text that round-trips, as the sqlite3 shell shows it).
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      return output::Cell{output::Cell::Kind::Real, p ? p : ""};
    }
    default: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      return output::Cell::string(p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(st, i))) : "");
    }
  }
}

constexpr const char* kProgressTable = "_skyql_progress";

}  // namespace

struct Engine::Impl {
  Impl(const provider::Store& store, std::shared_ptr<aws::CloudControlClient> client, EngineOptions options)
      : session(store, std::move(client), std::move(options)) {}
  ~Impl() {
    if (db) sqlite3_close(db);
  }

  Session session;
  sqlite3* db = nullptr;
  std::set<std::string> created;

  void open() {
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) throw SqlError("cannot open SQLite in memory");
    sqlite3_extended_result_codes(db, 1);
    register_resource_module(db, &session);
    register_functions(db);
    exec("CREATE TEMP TABLE " + std::string(kProgressTable) +
         "(TypeName, Identifier, RequestToken, Operation, OperationStatus, EventTime, StatusMessage, ErrorCode, "
         "ResourceModel, RetryAfter, HooksRequestToken, region)");
  }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db);
      sqlite3_free(err);
      throw SqlError(msg);
    }
  }

  void ensure_table(const std::string& dotted, const std::string& service, const std::string& resource) {
    if (created.count(dotted)) return;
    if (!valid_name(service) || !valid_name(resource)) {
      throw SqlError("no resource " + dotted + ": names are awscc.<service>.<resource> (try SHOW SERVICES IN awscc)");
    }
    exec("CREATE VIRTUAL TABLE temp.\"" + dotted + "\" USING awscc(" + service + ", " + resource + ")");
    created.insert(dotted);
  }

  std::string map_column(const std::string& dotted, const std::string& column) {
    const auto first = dotted.find('.'), second = dotted.find('.', first + 1);
    ensure_table(dotted, dotted.substr(first + 1, second - first - 1), dotted.substr(second + 1));
    const auto columns = table_columns(db, dotted);
    for (const auto& c : columns)
      if (c == column) return c;
    std::string name = dotted.substr(second + 1);
    const std::string suffix = "_list_only";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      name.resize(name.size() - suffix.size());
    const auto& r = session.resource(dotted.substr(first + 1, second - first - 1), name);
    if (const auto* f = r.field(column)) {
      for (const auto& c : columns)
        if (c == f->name) return c;
    }
    for (const auto& c : columns)
      if (lower(c) == lower(column)) return c;
    throw SqlError(unknown_column_message(column, {dotted}));
  }

  std::string unknown_column_message(const std::string& column, const std::vector<std::string>& tables) {
    std::vector<std::string> all;
    for (const auto& t : tables)
      for (const auto& c : table_columns(db, t)) all.push_back(c);
    const auto near = nearest(column, all);
    std::string msg = "no such column: " + column;
    if (!tables.empty()) msg += " in " + join(tables, ", ");
    if (!near.empty()) msg += " — did you mean " + join(near, ", ") + "?";
    else if (!tables.empty()) msg += " — DESCRIBE " + tables[0] + " lists the columns";
    return msg;
  }

  std::string prepare_error(const Preprocessed& pre, const std::string& original) {
    std::string msg = sqlite3_errmsg(db);
    const int offset = sqlite3_error_offset(db);
    const std::string prefix = "no such column: ";
    if (msg.rfind(prefix, 0) == 0) {
      std::string column = msg.substr(prefix.size());
      const auto dot = column.rfind('.');
      if (dot != std::string::npos) column = column.substr(dot + 1);
      std::vector<std::string> tables;
      for (const auto& t : pre.tables) tables.push_back(t.dotted);
      return unknown_column_message(column, tables);
    }
    if (offset >= 0) {
      msg += " at " + describe_position(original, pre.original_offset(static_cast<size_t>(offset)));
    }
    return msg;
  }

  output::ResultSet read_rows(sqlite3_stmt* st) {
    output::ResultSet rs;
    const int n = sqlite3_column_count(st);
    for (int i = 0; i < n; ++i) rs.columns.emplace_back(sqlite3_column_name(st, i));
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw SqlError(sqlite3_errmsg(db));
      std::vector<output::Cell> row;
      row.reserve(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) row.push_back(cell_of(st, i));
      rs.rows.push_back(std::move(row));
    }
    return rs;
  }

  output::ResultSet query(const std::string& sql, const std::string& what) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw SqlError(what + ": " + sqlite3_errmsg(db));
    }
    try {
      auto rs = read_rows(st);
      sqlite3_finalize(st);
      return rs;
    } catch (...) {
      sqlite3_finalize(st);
      throw;
    }
  }

  // The writes' ProgressEvents as rows; RETURNING (cut off by preprocess) selects from them.
  output::ResultSet progress_result(const std::string& returning) {
    exec("DELETE FROM temp." + std::string(kProgressTable));
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db,
                       ("INSERT INTO temp." + std::string(kProgressTable) +
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)").c_str(),
                       -1, &ins, nullptr);
    for (const auto& [region, e] : session.take_events()) {
      const auto text = [&](int i, const std::string& s) {
        if (s.empty()) sqlite3_bind_null(ins, i);
        else sqlite3_bind_text(ins, i, s.c_str(), -1, SQLITE_TRANSIENT);
      };
      text(1, e.type_name);
      text(2, e.identifier);
      text(3, e.request_token);
      text(4, e.operation);
      text(5, e.operation_status);
      sqlite3_bind_double(ins, 6, e.event_time);
      text(7, e.status_message);
      text(8, e.error_code);
      text(9, e.resource_model);
      if (e.retry_after) sqlite3_bind_double(ins, 10, *e.retry_after);
      else sqlite3_bind_null(ins, 10);
      text(11, e.hooks_request_token);
      text(12, region);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    const std::string select = returning.empty() ? "*" : returning;
    return query("SELECT " + select + " FROM temp." + std::string(kProgressTable), "RETURNING " + select);
  }

  output::ResultSet planned_result() {
    output::ResultSet rs;
    rs.columns = {"operation", "region", "type_name", "identifier", "body"};
    for (const auto& c : session.take_planned()) {
      const auto opt = [](const std::string& s) { return s.empty() ? output::Cell::null() : output::Cell::string(s); };
      rs.rows.push_back({output::Cell::string(c.operation), opt(c.region), output::Cell::string(c.type_name),
                         opt(c.identifier), opt(c.body)});
    }
    return rs;
  }

  StatementResult run(const std::string& statement) {
    StatementResult result;
    result.statement = statement;
    if (is_meta_statement(statement)) {
      result.returns_rows = true;
      try {
        result.result = run_meta_statement(session.store(), statement);
      } catch (const SqlError&) {
        throw;
      } catch (const std::exception& e) {
        throw SqlError(e.what());
      }
      return result;
    }
    Preprocessed pre;
    try {
      pre = preprocess(statement, [&](const std::string& dotted, const std::string& column) {
        return map_column(dotted, column);
      });
      for (const auto& t : pre.tables) ensure_table(t.dotted, t.service, t.resource);
    } catch (const SqlError&) {
      throw;
    } catch (const std::exception& e) {
      throw SqlError(e.what());
    }
    const bool dml = !pre.explain && !pre.target.empty() &&
                     (pre.kind == StatementKind::Insert || pre.kind == StatementKind::Update ||
                      pre.kind == StatementKind::Delete);
    session.begin_statement(pre.has_hint("AWAIT"), dml ? pre.target : "");

    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db, pre.sql.c_str(), -1, &st, &tail) != SQLITE_OK) {
      throw SqlError(prepare_error(pre, statement));
    }
    if (!st) return result;  // only comments
    try {
      result.result = read_rows(st);
    } catch (...) {
      sqlite3_finalize(st);
      session.take_events();
      session.take_planned();
      throw;
    }
    result.returns_rows = sqlite3_column_count(st) > 0;
    sqlite3_finalize(st);

    if (session.options().dry_run && !pre.tables.empty() && !pre.explain) {
      result.result = planned_result();
      result.returns_rows = true;
    } else if (dml) {
      result.result = progress_result(pre.returning);
      result.returns_rows = true;
    }
    return result;
  }
};

Engine::Engine(const provider::Store& store, std::shared_ptr<aws::CloudControlClient> client, EngineOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(client), std::move(options))) {
  impl_->open();
}

Engine::~Engine() = default;

EngineOptions& Engine::options() { return impl_->session.mutable_options(); }

StatementResult Engine::execute_statement(const std::string& statement) { return impl_->run(statement); }

void Engine::execute(const std::string& script, const std::function<void(const StatementResult&)>& on_result) {
  for (const auto& statement : split_statements(script)) on_result(impl_->run(statement));
}

std::vector<StatementResult> Engine::execute(const std::string& script) {
  std::vector<StatementResult> out;
  execute(script, [&](const StatementResult& r) { out.push_back(r); });
  return out;
}

std::vector<std::string> Engine::services() const { return impl_->session.store().services(); }

std::vector<std::string> Engine::resources(const std::string& service) const {
  std::vector<std::string> out;
  try {
    for (const auto& e : impl_->session.store().resources(service)) {
      out.push_back(e.name);
      if (e.list_only) out.push_back(e.name + "_list_only");
    }
  } catch (const std::exception&) {
  }
  return out;
}

std::vector<std::string> Engine::columns(const std::string& dotted) {
  const auto first = dotted.find('.'), second = dotted.find('.', first == std::string::npos ? 0 : first + 1);
  if (first == std::string::npos || second == std::string::npos) return {};
  try {
    impl_->ensure_table(dotted, dotted.substr(first + 1, second - first - 1), dotted.substr(second + 1));
  } catch (const std::exception&) {
    return {};
  }
  return table_columns(impl_->db, dotted);
}

}  // namespace skyql::sql
