#include "provider/provider.h"

#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "provider/naming.h"

namespace skyql::provider {
namespace {

constexpr const char* kRegion = "region";
constexpr const char* kRegionDescription = "AWS region.";

const std::vector<std::pair<Handler, const char*>>& handler_names() {
  static const std::vector<std::pair<Handler, const char*>> names = {
      {Handler::Create, "create"}, {Handler::Read, "read"},   {Handler::Update, "update"},
      {Handler::Delete, "delete"}, {Handler::List, "list"}};
  return names;
}

std::optional<Handler> handler_from_name(const std::string& name) {
  for (const auto& [h, n] : handler_names()) {
    if (name == n) return h;
  }
  return std::nullopt;
}

nlohmann::json field_to_json(const Field& f) {
  nlohmann::json j = {{"name", f.name}, {"property", f.property}, {"type", f.type},
                      {"description", f.description}};
  if (!f.children.empty()) {
    auto& c = j["children"] = nlohmann::json::array();
    for (const auto& child : f.children) c.push_back(field_to_json(child));
  }
  return j;
}

Field field_from_json(const nlohmann::json& j) {
  Field f;
  f.name = j.value("name", "");
  f.property = j.value("property", "");
  f.type = j.value("type", "");
  f.description = j.value("description", "");
  if (auto it = j.find("children"); it != j.end()) {
    for (const auto& c : *it) f.children.push_back(field_from_json(c));
  }
  return f;
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array()) {
    for (const auto& s : *it) out.push_back(s.get<std::string>());
  }
  return out;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const char* handler_name(Handler h) {
  for (const auto& [handler, name] : handler_names()) {
    if (handler == h) return name;
  }
  return "unknown";
}

std::vector<Method> Resource::methods() const {
  // Order as on StackQL's pages: the write methods, then the two SELECT methods.
  std::vector<Method> out;
  if (has(Handler::Create)) {
    std::vector<std::string> params = required;
    params.push_back(kRegion);
    out.push_back({"create_resource", name, "INSERT", params});
  }
  if (has(Handler::Delete)) out.push_back({"delete_resource", name, "DELETE", {"data__Identifier", kRegion}});
  if (has(Handler::Update)) {
    out.push_back({"update_resource", name, "UPDATE", {"data__Identifier", "data__PatchDocument", kRegion}});
  }
  if (has(Handler::List)) out.push_back({"list_resources", list_only_name(), "SELECT", {kRegion}});
  if (has(Handler::Read)) out.push_back({"get_resource", name, "SELECT", {"data__Identifier", kRegion}});
  return out;
}

std::vector<Field> Resource::list_only_fields() const {
  std::vector<Field> out;
  for (const auto& id : primary_identifier) {
    if (const Field* f = field(id)) {
      Field copy = *f;
      copy.children.clear();
      out.push_back(std::move(copy));
    } else {
      // A nested identifier ("Foo/Bar") is a column of its own in the list view.
      std::string col;
      for (size_t start = 0; start <= id.size();) {
        size_t slash = id.find('/', start);
        if (!col.empty()) col += '_';
        col += column_name(id.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
      }
      out.push_back({col, id, "string", "", {}});
    }
  }
  out.push_back({kRegion, "", "string", kRegionDescription, {}});
  return out;
}

const Field* Resource::field(const std::string& name_or_property) const {
  for (const auto& f : fields) {
    if (f.name == name_or_property || (!f.property.empty() && f.property == name_or_property)) return &f;
  }
  return nullptr;
}

nlohmann::json to_json(const Resource& r) {
  nlohmann::json j;
  j["provider"] = r.provider;
  j["service"] = r.service;
  j["name"] = r.name;
  j["type_name"] = r.type_name;
  j["description"] = r.description;
  auto& fields = j["fields"] = nlohmann::json::array();
  for (const auto& f : r.fields) fields.push_back(field_to_json(f));
  j["primary_identifier"] = r.primary_identifier;
  j["read_only"] = r.read_only;
  j["write_only"] = r.write_only;
  j["create_only"] = r.create_only;
  j["required"] = r.required;
  auto& perms = j["permissions"] = nlohmann::json::object();
  for (const auto& [h, list] : r.permissions) perms[handler_name(h)] = list;
  if (r.list_handler_schema) j["list_handler_schema"] = *r.list_handler_schema;
  return j;
}

Resource resource_from_json(const nlohmann::json& j) {
  Resource r;
  r.provider = j.value("provider", "awscc");
  r.service = j.value("service", "");
  r.name = j.value("name", "");
  r.type_name = j.value("type_name", "");
  r.description = j.value("description", "");
  if (auto it = j.find("fields"); it != j.end()) {
    for (const auto& f : *it) r.fields.push_back(field_from_json(f));
  }
  r.primary_identifier = strings(j, "primary_identifier");
  r.read_only = strings(j, "read_only");
  r.write_only = strings(j, "write_only");
  r.create_only = strings(j, "create_only");
  r.required = strings(j, "required");
  if (auto it = j.find("permissions"); it != j.end()) {
    for (const auto& [k, v] : it->items()) {
      if (auto h = handler_from_name(k)) r.permissions[*h] = v.get<std::vector<std::string>>();
    }
  }
  if (auto it = j.find("list_handler_schema"); it != j.end()) r.list_handler_schema = *it;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Store

struct Store::Impl {
  sqlite3* db = nullptr;
  std::string path;
  ~Impl() {
    if (db) sqlite3_close(db);
  }

  // Runs a query binding text parameters; calls row(stmt) for each row.
  template <typename RowFn>
  void query(const char* sql, const std::vector<std::string>& params, RowFn&& row) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error("provider database " + path + " is unreadable (" + sqlite3_errmsg(db) +
                               ") — run: skyql registry pull awscc");
    }
    for (size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), static_cast<int>(params[i].size()),
                        SQLITE_TRANSIENT);
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
      throw std::runtime_error("provider database " + path + " is unreadable (" + sqlite3_errmsg(db) +
                               ") — run: skyql registry pull awscc");
    }
  }
};

namespace {
std::string column_text(sqlite3_stmt* stmt, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt, col))) : std::string();
}

// The candidates closest to `wanted` (all those at the smallest distance, at most three), only when
// close enough to be a plausible typo, or when one name contains the other.
std::vector<std::string> nearest(const std::string& wanted, const std::vector<std::string>& candidates) {
  const std::string w = lower(wanted);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    const std::string lc = lower(c);
    size_t d = edit_distance(w, lc);
    bool contains = w.size() >= 3 && lc.size() >= 3 && (lc.find(w) != std::string::npos || w.find(lc) != std::string::npos);
    if (d <= std::max<size_t>(2, std::min(w.size(), lc.size()) / 4)) {
      scored.emplace_back(d, c);
    } else if (contains) {
      scored.emplace_back(3, c);
    }
  }
  std::stable_sort(scored.begin(), scored.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (d != scored.front().first || out.size() == 3) break;
    out.push_back(c);
  }
  return out;
}

std::string did_you_mean(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  std::string s = " — did you mean ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " or " : ", ";
    s += names[i];
  }
  return s + "?";
}
}  // namespace

std::unique_ptr<Store> Store::open(const std::string& home, const std::string& provider) {
  namespace fs = std::filesystem;
  std::string path = (fs::path(home) / "providers" / (provider + ".db")).string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw std::runtime_error("provider " + provider + " is not installed (no " + path + ") — run: skyql registry pull " +
                             provider);
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open provider database " + path + " — run: skyql registry pull " + provider);
  }
  std::unique_ptr<Store> store(new Store());
  store->impl_ = std::move(impl);
  store->provider_ = provider;
  store->home_ = home;
  return store;
}

Store::~Store() = default;

std::vector<std::string> Store::providers_installed() const {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(home_) / "providers", ec)) {
    if (e.path().extension() == ".db" && e.path().stem().string().front() != '.') out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Store::services() const {
  std::vector<std::string> out;
  impl_->query("SELECT name FROM services ORDER BY name", {},
               [&](sqlite3_stmt* s) { out.push_back(column_text(s, 0)); });
  return out;
}

std::vector<std::pair<std::string, std::string>> Store::services_with_titles() const {
  std::vector<std::pair<std::string, std::string>> out;
  impl_->query("SELECT name, title FROM services ORDER BY name", {},
               [&](sqlite3_stmt* s) { out.emplace_back(column_text(s, 0), column_text(s, 1)); });
  return out;
}

std::string Store::version() const {
  std::string v;
  impl_->query("SELECT value FROM meta WHERE key = 'generated_at'", {},
               [&](sqlite3_stmt* s) { v = column_text(s, 0).substr(0, 10); });
  return v;
}

std::vector<ResourceEntry> Store::resources(const std::string& service) const {
  std::vector<ResourceEntry> out;
  impl_->query("SELECT service, name, type_name, list_only FROM resources WHERE service = ? ORDER BY name",
               {lower(service)}, [&](sqlite3_stmt* s) {
                 out.push_back({column_text(s, 0), column_text(s, 1), column_text(s, 2),
                                sqlite3_column_int(s, 3) != 0});
               });
  if (out.empty()) {
    std::vector<std::string> near;
    for (const auto& sv : nearest(service, services())) near.push_back(provider_ + "." + sv);
    throw NotFound("service " + provider_ + "." + service + " not found" +
                   (near.empty() ? " — list them with: SHOW SERVICES IN " + provider_ : did_you_mean(near)));
  }
  return out;
}

std::vector<ResourceEntry> Store::all_resources() const {
  std::vector<ResourceEntry> out;
  impl_->query("SELECT service, name, type_name, list_only FROM resources ORDER BY service, name", {},
               [&](sqlite3_stmt* s) {
                 out.push_back({column_text(s, 0), column_text(s, 1), column_text(s, 2),
                                sqlite3_column_int(s, 3) != 0});
               });
  return out;
}

Resource Store::resource(const std::string& service_in, const std::string& name_in) const {
  const std::string service = lower(service_in);
  std::string name = lower(name_in);
  const std::string suffix = "_list_only";
  bool list_only = name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  std::string base = list_only ? name.substr(0, name.size() - suffix.size()) : name;
  std::optional<Resource> found;
  impl_->query("SELECT model, list_only FROM resources WHERE service = ? AND name = ?", {service, base},
               [&](sqlite3_stmt* s) {
                 if (!list_only || sqlite3_column_int(s, 1) != 0) {
                   found = resource_from_json(nlohmann::json::parse(column_text(s, 0)));
                 }
               });
  if (found) return *found;
  // Not found: name the closest tables, in this service first, else anywhere.
  auto entries = resources(service);  // throws NotFound for an unknown service
  std::vector<std::string> names;
  for (const auto& e : entries) {
    names.push_back(e.name);
    if (e.list_only) names.push_back(e.name + suffix);
  }
  const std::string wanted = provider_ + "." + service + "." + name;
  std::vector<std::string> near;
  for (const auto& n : nearest(name, names)) near.push_back(provider_ + "." + service + "." + n);
  if (near.empty()) {
    std::vector<std::string> elsewhere;
    impl_->query("SELECT service FROM resources WHERE name = ? ORDER BY service", {base},
                 [&](sqlite3_stmt* s) { elsewhere.push_back(provider_ + "." + column_text(s, 0) + "." + name); });
    near = elsewhere;
    if (near.size() > 3) near.resize(3);
  }
  std::string hint = near.empty() ? " — list them with: SHOW RESOURCES IN " + provider_ + "." + service : did_you_mean(near);
  throw NotFound("resource " + wanted + " not found" + hint);
}

Resource Store::resolve(const std::string& dotted) const {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    parts.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() == 3) {
    if (lower(parts[0]) != provider_) {
      throw NotFound("provider " + parts[0] + " not found" + did_you_mean(nearest(parts[0], providers_installed())));
    }
    parts.erase(parts.begin());
  }
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    throw NotFound("'" + dotted + "' is not a resource name — write provider.service.resource, e.g. " + provider_ +
                   ".events.connections");
  }
  return resource(parts[0], parts[1]);
}

std::optional<Resource> Store::by_type_name(const std::string& type_name) const {
  std::optional<Resource> found;
  impl_->query("SELECT model FROM resources WHERE type_name = ?", {type_name},
               [&](sqlite3_stmt* s) { found = resource_from_json(nlohmann::json::parse(column_text(s, 0))); });
  return found;
}

std::optional<nlohmann::json> Store::schema(const std::string& type_name) const {
  std::optional<nlohmann::json> found;
  impl_->query("SELECT schema FROM resources WHERE type_name = ?", {type_name},
               [&](sqlite3_stmt* s) { found = nlohmann::json::parse(column_text(s, 0)); });
  return found;
}

std::optional<std::string> Store::schema_text(const std::string& type_name) const {
  std::optional<std::string> found;
  impl_->query("SELECT schema FROM resources WHERE type_name = ?", {type_name},
               [&](sqlite3_stmt* s) { found = column_text(s, 0); });
  return found;
}

std::string default_home() {
  if (const char* h = std::getenv("SKYQL_HOME"); h && *h) return h;
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    if (const passwd* pw = getpwuid(getuid())) home = pw->pw_dir;
  }
  return std::string(home ? home : ".") + "/.skyql";
}

}  // namespace skyql::provider
