// The "awscc" virtual table module, modelled on SQLite's ext/misc/series.c.
//
// A table is one resource type: its properties as columns (snake_case), `region`, and the HIDDEN columns
// data__Identifier, data__PatchDocument (and their StackQL aliases Identifier, PatchDocument). A
// *_list_only table has the primary identifier columns and region only.
#include "sql/vtab.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "provider/provider.h"
#include "provider/validate.h"
#include "sql/session.h"

namespace skyql::sql {
namespace {

using nlohmann::json;

enum class ColumnKind { Property, Region, Identifier, PatchDocument };

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::Property;
  const provider::Field* field = nullptr;  // Property columns
  bool identifying = false;                // part of the primary identifier
};

struct RowKey {
  std::string region;
  std::string identifier;
};

struct ResourceTable {
  sqlite3_vtab base;  // must be first
  Session* session = nullptr;
  const provider::Resource* resource = nullptr;
  bool list_only = false;
  std::string dotted;  // "awscc.events.connections" or "awscc.events.connections_list_only"
  std::string main_dotted;
  std::vector<Column> columns;
  // Rows handed out during the current statement; rowid = index. Writes find their resource here.
  std::vector<RowKey> row_keys;
  uint64_t generation = 0;
};

struct ResourceCursor {
  sqlite3_vtab_cursor base;  // must be first
  std::vector<Item> rows;
  size_t pos = 0;
  size_t rowid_base = 0;
  bool lazy = false;  // rows of an UPDATE/DELETE target: properties fetched only if a column is read
};

ResourceTable* table_of(sqlite3_vtab* v) { return reinterpret_cast<ResourceTable*>(v); }
ResourceCursor* cursor_of(sqlite3_vtab_cursor* c) { return reinterpret_cast<ResourceCursor*>(c); }

void set_error(sqlite3_vtab* v, const std::string& message) {
  sqlite3_free(v->zErrMsg);
  v->zErrMsg = sqlite3_mprintf("%s", message.c_str());
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string sql_type(const std::string& type) {
  if (type == "integer") return "INTEGER";
  if (type == "number") return "REAL";
  return "TEXT";
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<Column> build_columns(const provider::Resource& r, bool list_only) {
  std::vector<Column> cols;
  std::set<std::string> taken;
  const auto add = [&](Column c) {
    if (!taken.insert(lower(c.name)).second) return;
    cols.push_back(std::move(c));
  };
  const auto fields = list_only ? r.list_only_fields() : r.fields;
  for (const auto& f : fields) {
    Column c;
    c.name = f.name;
    if (f.name == "region") {
      c.kind = ColumnKind::Region;
    } else {
      c.field = &f;
      c.identifying = contains(r.primary_identifier, f.property);
    }
    add(std::move(c));
  }
  add({"data__Identifier", ColumnKind::Identifier, nullptr, false});
  if (!list_only) add({"data__PatchDocument", ColumnKind::PatchDocument, nullptr, false});
  add({"Identifier", ColumnKind::Identifier, nullptr, false});
  if (!list_only) add({"PatchDocument", ColumnKind::PatchDocument, nullptr, false});
  return cols;
}

// Fields live in the Resource held by the session (stable); list_only_fields() returns copies, so the
// Column::field pointers are re-pointed at the resource's own fields by property name.
void bind_fields(std::vector<Column>& cols, const provider::Resource& r) {
  for (auto& c : cols) {
    if (c.kind != ColumnKind::Property) continue;
    c.field = r.field(c.name);
  }
}

std::string missing_message(const ResourceTable* t, bool need_region, bool need_identifier) {
  std::vector<std::string> names, clauses;
  if (need_region) {
    names.push_back("region");
    clauses.push_back("region = '...'");
  }
  if (need_identifier) {
    names.push_back("data__Identifier");
    clauses.push_back("data__Identifier = '...'");
  }
  std::string msg = t->dotted + " needs " + names[0];
  if (names.size() > 1) msg += " and " + names[1];
  msg += ": add WHERE " + clauses[0];
  if (clauses.size() > 1) msg += " AND " + clauses[1];
  if (!t->list_only && t->resource->has_list_only() && need_identifier)
    msg += " (or query " + t->main_dotted + "_list_only)";
  return msg;
}

// ---- connect -------------------------------------------------------------------------------------

int resource_connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
                     char** err) {
  auto* session = static_cast<Session*>(aux);
  if (argc < 5) {
    *err = sqlite3_mprintf("usage: CREATE VIRTUAL TABLE t USING awscc(<service>, <resource>)");
    return SQLITE_ERROR;
  }
  const std::string service = argv[3], name = argv[4];
  const provider::Resource* r = nullptr;
  try {
    r = &session->resource(service, name);
  } catch (const std::exception& e) {
    *err = sqlite3_mprintf("%s", e.what());
    return SQLITE_ERROR;
  }
  const bool list_only = name.size() > 10 && name.compare(name.size() - 10, 10, "_list_only") == 0;
  if (list_only && !r->has_list_only()) {
    *err = sqlite3_mprintf("%s has no list handler, so there is no %s: query %s with data__Identifier",
                           r->full_name().c_str(), name.c_str(), r->full_name().c_str());
    return SQLITE_ERROR;
  }
  auto columns = build_columns(*r, list_only);
  bind_fields(columns, *r);
  std::string ddl = "CREATE TABLE x(";
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    if (i) ddl += ", ";
    const bool hidden = c.kind == ColumnKind::Identifier || c.kind == ColumnKind::PatchDocument;
    ddl += quote(c.name) + " " + (c.field ? sql_type(c.field->type) : std::string("TEXT")) + (hidden ? " HIDDEN" : "");
  }
  ddl += ")";
  const int rc = sqlite3_declare_vtab(db, ddl.c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("cannot declare %s: %s", r->full_name().c_str(), sqlite3_errmsg(db));
    return rc;
  }
  auto* t = new ResourceTable();
  std::memset(&t->base, 0, sizeof t->base);
  t->session = session;
  t->resource = r;
  t->list_only = list_only;
  t->main_dotted = r->full_name();
  t->dotted = list_only ? t->main_dotted + "_list_only" : t->main_dotted;
  t->columns = std::move(columns);
  *out = &t->base;
  return SQLITE_OK;
}

int resource_disconnect(sqlite3_vtab* v) {
  delete table_of(v);
  return SQLITE_OK;
}

// ---- planning ------------------------------------------------------------------------------------
//
// idxNum bits (argvIndex order: region first, then the identifier):
constexpr int kRegion = 1;       // region = ? (or IN) is argv[0]
constexpr int kRegionIn = 2;     //   ... taken whole: sqlite3_vtab_in_first/next over it
constexpr int kIdent = 4;        // data__Identifier = ? (or IN), or the single primary-identifier column
constexpr int kIdentIn = 8;      //   ... taken whole
constexpr int kFetch = 16;       // a column beyond the identifiers is used: GetResource every item
// region and data__Identifier are claimed with omit (rows returned match exactly); an equality on the
// primary-identifier property is used as the identifier but left for SQLite to check too.
// A plan missing a required input gets kMissing cost so SQLite prefers one that supplies it (a join);
// if none can, xFilter names what is missing.
constexpr double kMissing = 1e18;

int resource_best_index(sqlite3_vtab* v, sqlite3_index_info* info) {
  auto* t = table_of(v);
  int region_c = -1, ident_c = -1, prop_ident_c = -1;
  const auto& single_id = t->resource->primary_identifier;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ || c.iColumn < 0) continue;
    const auto& col = t->columns[static_cast<size_t>(c.iColumn)];
    if (col.kind == ColumnKind::Region && region_c < 0) region_c = i;
    if (col.kind == ColumnKind::Identifier && ident_c < 0) ident_c = i;
    if (!t->list_only && col.kind == ColumnKind::Property && col.identifying && single_id.size() == 1 &&
        prop_ident_c < 0)
      prop_ident_c = i;
  }
  int idx = 0, argv_index = 0;
  std::string desc;
  if (region_c >= 0) {
    idx |= kRegion;
    info->aConstraintUsage[region_c].argvIndex = ++argv_index;
    info->aConstraintUsage[region_c].omit = 1;
    if (sqlite3_vtab_in(info, region_c, -1)) {
      sqlite3_vtab_in(info, region_c, 1);
      idx |= kRegionIn;
    }
    desc += (idx & kRegionIn) ? "region IN (...)" : "region=?";
  }
  const int id_c = ident_c >= 0 ? ident_c : prop_ident_c;
  if (id_c >= 0) {
    idx |= kIdent;
    info->aConstraintUsage[id_c].argvIndex = ++argv_index;
    info->aConstraintUsage[id_c].omit = id_c == ident_c ? 1 : 0;
    if (sqlite3_vtab_in(info, id_c, -1)) {
      sqlite3_vtab_in(info, id_c, 1);
      idx |= kIdentIn;
    }
    desc += desc.empty() ? "" : " AND ";
    desc += id_c == ident_c ? "data__Identifier" : t->columns[static_cast<size_t>(info->aConstraint[id_c].iColumn)].name;
    desc += (idx & kIdentIn) ? " IN (...)" : "=?";
  }
  // Which columns the statement reads: identifiers and region come from ListResources alone.
  if (!t->list_only) {
    for (size_t i = 0; i < t->columns.size(); ++i) {
      const auto bit = i < 63 ? (sqlite3_uint64{1} << i) : (sqlite3_uint64{1} << 63);
      if (!(info->colUsed & bit)) continue;
      const auto& col = t->columns[i];
      if (col.kind == ColumnKind::Property && !col.identifying) idx |= kFetch;
    }
  }
  if (idx & kFetch) desc += desc.empty() ? "get" : " get";
  const bool have_region = (idx & kRegion) || !t->session->options().default_region.empty();
  double cost;
  sqlite3_int64 rows;
  if (!have_region) {
    cost = kMissing;
    rows = 1000000;
  } else if (idx & kIdent) {
    cost = 10;
    rows = (idx & kIdentIn) ? 10 : 1;
  } else if (t->list_only || t->resource->has_list_only()) {
    cost = (idx & kFetch) ? 1e6 : 1e5;
    rows = 1000;
  } else {
    cost = kMissing;
    rows = 1000000;
  }
  info->idxNum = idx;
  info->idxStr = sqlite3_mprintf("%s", desc.c_str());
  info->needToFreeIdxStr = 1;
  info->estimatedCost = cost;
  info->estimatedRows = rows;
  return SQLITE_OK;
}

// ---- scanning ------------------------------------------------------------------------------------

int resource_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* c = new ResourceCursor();
  std::memset(&c->base, 0, sizeof c->base);
  *out = &c->base;
  return SQLITE_OK;
}

int resource_close(sqlite3_vtab_cursor* c) {
  delete cursor_of(c);
  return SQLITE_OK;
}

// Values of one xFilter argument: an IN list taken whole, or a single value. NULLs are dropped.
std::vector<std::string> argument_values(sqlite3_value* arg, bool whole_in) {
  std::vector<std::string> out;
  const auto add = [&](sqlite3_value* v) {
    if (!v || sqlite3_value_type(v) == SQLITE_NULL) return;
    std::string s(reinterpret_cast<const char*>(sqlite3_value_text(v)), static_cast<size_t>(sqlite3_value_bytes(v)));
    if (!contains(out, s)) out.push_back(std::move(s));
  };
  if (whole_in) {
    sqlite3_value* v = nullptr;
    for (int rc = sqlite3_vtab_in_first(arg, &v); rc == SQLITE_OK && v; rc = sqlite3_vtab_in_next(arg, &v)) add(v);
  } else {
    add(arg);
  }
  return out;
}

int resource_filter(sqlite3_vtab_cursor* cur, int idx, const char*, int argc, sqlite3_value** argv) {
  auto* c = cursor_of(cur);
  auto* t = table_of(cur->pVtab);
  Session& s = *t->session;
  if (t->generation != s.generation()) {
    t->row_keys.clear();
    t->generation = s.generation();
  }
  c->rows.clear();
  c->pos = 0;
  if (t->list_only && s.dml_target() == t->dotted) {
    set_error(cur->pVtab, t->dotted + " is read-only: write to " + t->main_dotted);
    return SQLITE_ERROR;
  }
  int a = 0;
  std::vector<std::string> regions, identifiers;
  if ((idx & kRegion) && a < argc) regions = argument_values(argv[a++], idx & kRegionIn);
  else if (!s.options().default_region.empty()) regions.push_back(s.options().default_region);
  if ((idx & kIdent) && a < argc) identifiers = argument_values(argv[a++], idx & kIdentIn);
  const bool have_region = (idx & kRegion) || !regions.empty();
  c->lazy = !t->list_only && s.dml_target() == t->main_dotted;
  const bool need_identifier = !t->list_only && !(idx & kIdent) && (c->lazy || !t->resource->has_list_only());
  if (!have_region || need_identifier) {
    set_error(cur->pVtab, missing_message(t, !have_region, need_identifier || (!have_region && !t->list_only && !(idx & kIdent))));
    return SQLITE_ERROR;
  }
  try {
    if (c->lazy) {
      for (const auto& region : regions)
        for (const auto& id : identifiers) c->rows.push_back({region, id, nullptr});
    } else if (idx & kIdent) {
      c->rows = s.lookup(*t->resource, regions, identifiers);
    } else {
      c->rows = s.scan(*t->resource, regions, !t->list_only && (idx & kFetch));
    }
  } catch (const std::exception& e) {
    set_error(cur->pVtab, e.what());
    return SQLITE_ERROR;
  }
  c->rowid_base = t->row_keys.size();
  for (const auto& row : c->rows) t->row_keys.push_back({row.region, row.identifier});
  return SQLITE_OK;
}

int resource_next(sqlite3_vtab_cursor* cur) {
  ++cursor_of(cur)->pos;
  return SQLITE_OK;
}

int resource_eof(sqlite3_vtab_cursor* cur) {
  auto* c = cursor_of(cur);
  return c->pos >= c->rows.size();
}

int resource_rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  auto* c = cursor_of(cur);
  *rowid = static_cast<sqlite3_int64>(c->rowid_base + c->pos);
  return SQLITE_OK;
}

std::vector<std::string> split_identifier(const std::string& id) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t bar = id.find('|', start);
    parts.push_back(id.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return parts;
}

void result_json(sqlite3_context* ctx, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      sqlite3_result_null(ctx);
      break;
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      break;
    }
    case json::value_t::boolean:
      sqlite3_result_text(ctx, v.get<bool>() ? "true" : "false", -1, SQLITE_STATIC);
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      sqlite3_result_int64(ctx, v.get<sqlite3_int64>());
      break;
    case json::value_t::number_float:
      sqlite3_result_double(ctx, v.get<double>());
      break;
    default: {
      const std::string s = v.dump();
      sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
  }
}

int resource_column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int i) {
  auto* c = cursor_of(cur);
  auto* t = table_of(cur->pVtab);
  // UPDATE asks for columns it does not change: leave them unset so xUpdate sees "no change".
  if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
  auto& row = c->rows[c->pos];
  const auto& col = t->columns[static_cast<size_t>(i)];
  switch (col.kind) {
    case ColumnKind::Region:
      sqlite3_result_text(ctx, row.region.c_str(), -1, SQLITE_TRANSIENT);
      return SQLITE_OK;
    case ColumnKind::Identifier:
      sqlite3_result_text(ctx, row.identifier.c_str(), -1, SQLITE_TRANSIENT);
      return SQLITE_OK;
    case ColumnKind::PatchDocument:
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    case ColumnKind::Property:
      break;
  }
  if (!row.properties && c->lazy) {
    try {
      row.properties = t->session->get(row.region, t->resource->type_name, row.identifier);
    } catch (const std::exception& e) {
      sqlite3_result_error(ctx, e.what(), -1);
      return SQLITE_ERROR;
    }
  }
  const std::string& property = col.field ? col.field->property : col.name;
  if (row.properties && row.properties->is_object()) {
    auto it = row.properties->find(property);
    if (it != row.properties->end()) {
      result_json(ctx, *it);
      return SQLITE_OK;
    }
  }
  // Identifier parts are known even when a list handler returned less.
  const auto& pid = t->resource->primary_identifier;
  const auto at = std::find(pid.begin(), pid.end(), property);
  if (at != pid.end()) {
    const auto parts = split_identifier(row.identifier);
    const auto k = static_cast<size_t>(at - pid.begin());
    if (parts.size() == pid.size()) {
      sqlite3_result_text(ctx, parts[k].c_str(), -1, SQLITE_TRANSIENT);
      return SQLITE_OK;
    }
  }
  sqlite3_result_null(ctx);
  return SQLITE_OK;
}

// ---- writes --------------------------------------------------------------------------------------

std::string value_text(sqlite3_value* v) {
  const auto* p = sqlite3_value_text(v);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(v))) : "";
}

// A column value as the JSON the schema expects: JSON text for objects/arrays is parsed, numbers and
// booleans given as text are converted (StackQL INSERTs quote every value).
json to_property_value(const std::string& dotted, const Column& col, sqlite3_value* v) {
  const std::string type = col.field ? col.field->type : "";
  const int vt = sqlite3_value_type(v);
  if (vt == SQLITE_INTEGER) {
    const auto n = sqlite3_value_int64(v);
    if (type == "boolean") return n != 0;
    if (type == "string") return std::to_string(n);
    return n;
  }
  if (vt == SQLITE_FLOAT) {
    const double d = sqlite3_value_double(v);
    if (type == "string") return value_text(v);
    if (type == "integer" && std::floor(d) == d) return static_cast<long long>(d);
    return d;
  }
  const std::string s = value_text(v);
  if (type == "object" || type == "array" || (type.empty() && !s.empty() && (s[0] == '{' || s[0] == '['))) {
    try {
      return json::parse(s);
    } catch (const json::exception& e) {
      if (type.empty()) return s;
      throw SqlError(dotted + "." + col.name + " takes JSON " + type + " text: " + e.what());
    }
  }
  if (type == "boolean") {
    const std::string l = lower(s);
    if (l == "true") return true;
    if (l == "false") return false;
  }
  if (type == "integer") {
    try {
      size_t used = 0;
      const long long n = std::stoll(s, &used);
      if (used == s.size()) return n;
    } catch (const std::exception&) {
    }
  }
  if (type == "number") {
    try {
      size_t used = 0;
      const double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (const std::exception&) {
    }
  }
  return s;
}

bool pointer_listed(const std::vector<std::string>& pointers, const std::string& property) {
  return contains(pointers, "/properties/" + property);
}

void insert_row(ResourceTable* t, int argc, sqlite3_value** argv) {
  const auto& r = *t->resource;
  Session& s = *t->session;
  std::string region;
  json desired = json::object();
  for (int i = 2; i < argc; ++i) {
    const auto& col = t->columns[static_cast<size_t>(i - 2)];
    sqlite3_value* v = argv[i];
    if (sqlite3_value_type(v) == SQLITE_NULL) continue;
    if (col.kind == ColumnKind::Region) region = value_text(v);
    if (col.kind != ColumnKind::Property) continue;
    if (sqlite3_value_type(v) == SQLITE_TEXT && sqlite3_value_bytes(v) == 0) continue;  // '' = not given
    const std::string& property = col.field ? col.field->property : col.name;
    if (pointer_listed(r.read_only, property)) {
      throw SqlError(t->dotted + "." + col.name + " is read-only (AWS sets it): leave it out of the INSERT");
    }
    desired[property] = to_property_value(t->dotted, col, v);
  }
  if (region.empty()) region = s.options().default_region;
  if (region.empty()) {
    throw SqlError("INSERT INTO " + t->dotted + " needs region: add region to the column list (or set --region)");
  }
  if (!r.has(provider::Handler::Create)) {
    throw SqlError(r.type_name + " has no create handler: Cloud Control cannot create it");
  }
  if (const auto schema = s.store().schema(r.type_name)) {
    if (const auto violation = provider::validate(*schema, desired)) {
      throw SqlError("INSERT INTO " + t->dotted + ": " + violation->to_string() + " (nothing was created)");
    }
  }
  s.create(r, region, desired);
}

void update_row(ResourceTable* t, const RowKey& key, int argc, sqlite3_value** argv) {
  const auto& r = *t->resource;
  json patch = json::array();
  json given;
  for (int i = 2; i < argc; ++i) {
    const auto& col = t->columns[static_cast<size_t>(i - 2)];
    sqlite3_value* v = argv[i];
    if (sqlite3_value_nochange(v)) continue;
    switch (col.kind) {
      case ColumnKind::PatchDocument: {
        if (sqlite3_value_type(v) == SQLITE_NULL) break;
        try {
          given = json::parse(value_text(v));
        } catch (const json::exception& e) {
          throw SqlError("data__PatchDocument must be a JSON Patch array: " + std::string(e.what()));
        }
        if (given.is_object()) given = json::array({given});
        if (!given.is_array()) throw SqlError("data__PatchDocument must be a JSON Patch array ([{\"op\": ...}])");
        break;
      }
      case ColumnKind::Region:
      case ColumnKind::Identifier:
        if (value_text(v) == (col.kind == ColumnKind::Region ? key.region : key.identifier)) break;
        throw SqlError("UPDATE cannot move a resource: " + col.name + " is fixed (DELETE it and INSERT it anew)");
      case ColumnKind::Property: {
        const std::string& property = col.field ? col.field->property : col.name;
        if (pointer_listed(r.create_only, property)) {
          throw SqlError(t->dotted + "." + col.name + " is createOnly: changing it means the resource must be "
                         "replaced (DELETE it and INSERT it anew); nothing was updated");
        }
        if (pointer_listed(r.read_only, property)) {
          throw SqlError(t->dotted + "." + col.name + " is read-only (AWS sets it) and cannot be updated");
        }
        if (sqlite3_value_type(v) == SQLITE_NULL) {
          patch.push_back({{"op", "remove"}, {"path", "/" + property}});
        } else {
          patch.push_back({{"op", "add"}, {"path", "/" + property}, {"value", to_property_value(t->dotted, col, v)}});
        }
        break;
      }
    }
  }
  if (given.is_array())
    for (auto& op : given) patch.push_back(op);
  if (patch.empty()) {
    throw SqlError("UPDATE " + t->dotted + " changes nothing: SET data__PatchDocument = '[...]' or a column");
  }
  if (!r.has(provider::Handler::Update)) {
    throw SqlError(r.type_name + " has no update handler: it must be replaced (DELETE it and INSERT it anew)");
  }
  t->session->update(r, key.region, key.identifier, patch);
}

int resource_update(sqlite3_vtab* v, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  auto* t = table_of(v);
  try {
    if (t->list_only) {
      throw SqlError(t->dotted + " is read-only: write to " + t->main_dotted);
    }
    const auto key_of = [&](sqlite3_value* id) -> const RowKey& {
      const auto n = sqlite3_value_int64(id);
      if (n < 0 || static_cast<size_t>(n) >= t->row_keys.size()) throw SqlError("internal: unknown rowid");
      return t->row_keys[static_cast<size_t>(n)];
    };
    if (argc == 1) {
      const RowKey key = key_of(argv[0]);
      if (!t->resource->has(provider::Handler::Delete)) {
        throw SqlError(t->resource->type_name + " has no delete handler: Cloud Control cannot delete it");
      }
      t->session->remove(*t->resource, key.region, key.identifier);
    } else if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
      insert_row(t, argc, argv);
      *rowid = static_cast<sqlite3_int64>(t->row_keys.size());
      t->row_keys.push_back({});
    } else {
      const RowKey key = key_of(argv[0]);
      update_row(t, key, argc, argv);
    }
  } catch (const std::exception& e) {
    set_error(v, e.what());
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

int resource_find_function(sqlite3_vtab*, int, const char*, void (**)(sqlite3_context*, int, sqlite3_value**),
                           void**) {
  return 0;
}

sqlite3_module resource_module = {
    /* iVersion    */ 0,
    /* xCreate     */ resource_connect,
    /* xConnect    */ resource_connect,
    /* xBestIndex  */ resource_best_index,
    /* xDisconnect */ resource_disconnect,
    /* xDestroy    */ resource_disconnect,
    /* xOpen       */ resource_open,
    /* xClose      */ resource_close,
    /* xFilter     */ resource_filter,
    /* xNext       */ resource_next,
    /* xEof        */ resource_eof,
    /* xColumn     */ resource_column,
    /* xRowid      */ resource_rowid,
    /* xUpdate     */ resource_update,
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindMethod */ resource_find_function,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

// ---- functions -----------------------------------------------------------------------------------

// string(x): x as text — StackQL uses it to pass JSON text (a patch document) through unchanged.
void fn_string(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const std::string s = value_text(argv[0]);
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

// json_equal(a, b): 1 when a and b are the same JSON value (object key order and whitespace ignored).
void fn_json_equal(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return sqlite3_result_null(ctx);
  }
  const auto as_json = [](sqlite3_value* v) -> json {
    switch (sqlite3_value_type(v)) {
      case SQLITE_INTEGER:
        return sqlite3_value_int64(v);
      case SQLITE_FLOAT:
        return sqlite3_value_double(v);
      default: {
        const std::string s = value_text(v);
        try {
          return json::parse(s);
        } catch (const json::exception&) {
          return s;
        }
      }
    }
  };
  sqlite3_result_int(ctx, as_json(argv[0]) == as_json(argv[1]) ? 1 : 0);
}

}  // namespace

int register_resource_module(sqlite3* db, Session* session) {
  return sqlite3_create_module_v2(db, "awscc", &resource_module, session, nullptr);
}

int register_functions(sqlite3* db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function(db, "string", 1, flags, nullptr, fn_string, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "json_equal", 2, flags, nullptr, fn_json_equal, nullptr, nullptr);
  return rc;
}

std::vector<std::string> table_columns(sqlite3* db, const std::string& table) {
  std::vector<std::string> out;
  sqlite3_stmt* st = nullptr;
  const std::string q = "SELECT name FROM pragma_table_xinfo(?, 'temp')";
  if (sqlite3_prepare_v2(db, q.c_str(), -1, &st, nullptr) != SQLITE_OK) return out;
  sqlite3_bind_text(st, 1, table.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  return out;
}

}  // namespace skyql::sql
