#include "emulator/service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "provider/provider.h"
#include "provider/validate.h"

namespace skyql::emulator {

namespace {

using nlohmann::json;
using Tokens = std::vector<std::string>;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
const char* const kTerminal[] = {"SUCCESS", "FAILED", "CANCEL_COMPLETE"};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_terminal(const std::string& status) {
  return std::find(std::begin(kTerminal), std::end(kTerminal), status) != std::end(kTerminal);
}

ApiError invalid_request(const std::string& message) { return ApiError(400, "InvalidRequestException", message); }
ApiError validation_error(const std::string& message) { return ApiError(400, "ValidationException", message); }

// "/properties/A/B" -> {"A", "B"}; pointers elsewhere in the schema are ignored.
std::optional<Tokens> property_tokens(const std::string& pointer) {
  Tokens out;
  try {
    json::json_pointer p(pointer);
    std::string s = p.to_string();
    size_t pos = 1;
    while (pos <= s.size()) {
      size_t next = s.find('/', pos);
      std::string t = s.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      // unescape ~1 and ~0
      std::string u;
      for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '~' && i + 1 < t.size()) {
          u += t[i + 1] == '1' ? '/' : '~';
          ++i;
        } else {
          u += t[i];
        }
      }
      out.push_back(u);
      if (next == std::string::npos) break;
      pos = next + 1;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (out.size() < 2 || out[0] != "properties") return std::nullopt;
  out.erase(out.begin());
  return out;
}

std::string tokens_path(const Tokens& t) {
  std::string s;
  for (const auto& x : t) s += "/" + x;
  return s;
}

// Calls fn(parent_object, key, path) for every place `tokens` names in `node`, "*" spanning array items.
// Parents that do not exist are skipped; the key itself may be absent.
template <typename Node, typename Fn>
void visit(Node& node, const Tokens& tokens, size_t i, const std::string& path, Fn&& fn) {
  if (i >= tokens.size()) return;
  const std::string& t = tokens[i];
  if (node.is_array()) {
    for (size_t k = 0; k < node.size(); ++k) {
      if (t == "*" || t == std::to_string(k))
        visit(node[k], tokens, t == "*" ? i + 1 : i + 1, path + "/" + std::to_string(k), fn);
    }
    return;
  }
  if (!node.is_object()) return;
  if (i + 1 == tokens.size()) {
    fn(node, t, path + "/" + t);
    return;
  }
  auto it = node.find(t);
  if (it == node.end()) return;
  visit(*it, tokens, i + 1, path + "/" + t, fn);
}

std::string random_hex(std::mt19937_64& rng, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[rng() % 16];
  return s;
}

std::string random_uuid(std::mt19937_64& rng) {
  std::string h = random_hex(rng, 32);
  h[12] = '4';
  h[16] = "89ab"[rng() % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "MyBucketName" -> "my-bucket-name"
std::string kebab(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0 && !std::isupper(static_cast<unsigned char>(s[i - 1]))) out += '-';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string iso_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Everything the emulator needs from one type's schema, computed once.
struct TypeInfo {
  std::string type_name;
  std::string service;   // "events"
  std::string resource;  // "connection"
  json original;         // the CloudFormation schema
  json validation;       // same, minus readOnly names in the root "required"
  Tokens primary;        // top-level property names
  std::vector<Tokens> read_only, write_only, create_only;
  std::set<std::string> handlers;
  std::vector<std::string> list_required;  // properties the list handler needs in ResourceModel
};

std::shared_ptr<TypeInfo> make_type_info(const std::string& type_name, json schema) {
  auto t = std::make_shared<TypeInfo>();
  t->type_name = type_name;
  auto parts = Tokens{};
  size_t pos = 0;
  while (true) {
    size_t next = type_name.find("::", pos);
    parts.push_back(type_name.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) break;
    pos = next + 2;
  }
  t->service = parts.size() > 1 ? lower(parts[1]) : "service";
  t->resource = parts.size() > 2 ? kebab(parts[2]) : "resource";
  auto pointers = [&](const char* key) {
    std::vector<Tokens> out;
    if (auto it = schema.find(key); it != schema.end() && it->is_array())
      for (const auto& p : *it)
        if (p.is_string())
          if (auto tokens = property_tokens(p.get<std::string>())) out.push_back(*tokens);
    return out;
  };
  t->read_only = pointers("readOnlyProperties");
  t->write_only = pointers("writeOnlyProperties");
  t->create_only = pointers("createOnlyProperties");
  for (const auto& p : pointers("primaryIdentifier"))
    if (!p.empty()) t->primary.push_back(p[0]);
  if (auto it = schema.find("handlers"); it != schema.end() && it->is_object()) {
    for (auto h = it->begin(); h != it->end(); ++h) t->handlers.insert(h.key());
    if (auto list = it->find("list"); list != it->end()) {
      const json hs = list->value("handlerSchema", json::object());
      if (hs.contains("required") && hs["required"].is_array())
        for (const auto& r : hs["required"])
          if (r.is_string()) t->list_required.push_back(r.get<std::string>());
    }
  }
  t->validation = schema;
  if (auto it = t->validation.find("required"); it != t->validation.end() && it->is_array()) {
    json kept = json::array();
    for (const auto& r : *it) {
      bool ro = std::any_of(t->read_only.begin(), t->read_only.end(),
                            [&](const Tokens& p) { return p.size() == 1 && r == p[0]; });
      if (!ro) kept.push_back(r);
    }
    *it = kept;
  }
  t->original = std::move(schema);
  return t;
}

// The schema of the property at `tokens`, following $refs; nullptr when the schema does not say.
const json* property_schema(const json& root, const Tokens& tokens) {
  auto deref = [&](const json* s) -> const json* {
    for (int i = 0; s && i < 16 && s->is_object() && s->contains("$ref"); ++i) {
      try {
        s = &root.at(json::json_pointer((*s)["$ref"].get<std::string>().substr(1)));
      } catch (const std::exception&) {
        return nullptr;
      }
    }
    return s;
  };
  const json* s = &root;
  for (const auto& t : tokens) {
    s = deref(s);
    if (!s || !s->is_object()) return nullptr;
    if (t == "*") {
      auto it = s->find("items");
      if (it == s->end()) return nullptr;
      s = &*it;
      continue;
    }
    auto props = s->find("properties");
    if (props == s->end() || !props->contains(t)) return nullptr;
    s = &(*props)[t];
  }
  return deref(s);
}

struct Request {
  std::string token;
  int64_t seq = 0;
  std::string account, region, type_name, identifier, operation, status;
  double event_time = 0;
  int64_t due_ms = 0;
  std::string client_token, fingerprint;
  json model;  // the resource after the mutation (CREATE/UPDATE)
  std::string status_message, error_code;
  bool will_fail = false;
};

std::string scope_key(const std::string& account, const std::string& region, const std::string& type) {
  return account + '\x1f' + region + '\x1f' + type;
}

class Db {
 public:
  explicit Db(const std::string& state_dir) {
    std::string path = ":memory:";
    if (!state_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(state_dir, ec);
      if (ec) throw std::runtime_error("cannot create state directory " + state_dir + ": " + ec.message());
      path = (std::filesystem::path(state_dir) / "emulator.db").string();
    }
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
      throw std::runtime_error("cannot open emulator state " + path + ": " + sqlite3_errmsg(db_));
    // WAL + synchronous=NORMAL: a committed transaction is in the OS before we answer, so a killed
    // process loses nothing it acknowledged (only a power loss could).
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
    exec(
        "CREATE TABLE IF NOT EXISTS resources(account TEXT, region TEXT, type_name TEXT, identifier TEXT,"
        " properties TEXT NOT NULL, PRIMARY KEY(account, region, type_name, identifier)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS requests(token TEXT PRIMARY KEY, seq INTEGER, account TEXT, region TEXT,"
        " type_name TEXT, identifier TEXT, operation TEXT, status TEXT, event_time REAL, due_ms INTEGER,"
        " client_token TEXT, fingerprint TEXT, model TEXT, status_message TEXT, error_code TEXT,"
        " will_fail INTEGER);");
  }
  ~Db() { sqlite3_close(db_); }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw std::runtime_error("emulator state: " + msg);
    }
  }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("emulator state: ") + sqlite3_errmsg(db_));
    return st;
  }

  void run(const char* sql, const std::vector<json>& args) {
    sqlite3_stmt* st = prepare(sql);
    for (size_t i = 0; i < args.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const json& a = args[i];
      if (a.is_null()) sqlite3_bind_null(st, idx);
      else if (a.is_string()) sqlite3_bind_text(st, idx, a.get_ref<const std::string&>().c_str(), -1, SQLITE_TRANSIENT);
      else if (a.is_number_float()) sqlite3_bind_double(st, idx, a.get<double>());
      else if (a.is_boolean()) sqlite3_bind_int64(st, idx, a.get<bool>() ? 1 : 0);
      else sqlite3_bind_int64(st, idx, a.get<int64_t>());
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("emulator state: ") + sqlite3_errmsg(db_));
  }

  void save_request(const Request& r) {
    run("INSERT OR REPLACE INTO requests VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {r.token, r.seq, r.account, r.region, r.type_name, r.identifier, r.operation, r.status, r.event_time,
         r.due_ms, r.client_token, r.fingerprint, r.model.is_null() ? json() : json(r.model.dump()),
         r.status_message, r.error_code, r.will_fail});
  }
  void put_resource(const Request& r, const json& props) {
    run("INSERT OR REPLACE INTO resources VALUES(?,?,?,?,?)",
        {r.account, r.region, r.type_name, r.identifier, props.dump()});
  }
  void delete_resource(const Request& r) {
    run("DELETE FROM resources WHERE account=? AND region=? AND type_name=? AND identifier=?",
        {r.account, r.region, r.type_name, r.identifier});
  }

  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::string col(sqlite3_stmt* st, int i) {
  const unsigned char* t = sqlite3_column_text(st, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

struct Service::Impl {
  Options options;
  Db db;
  std::mt19937_64 fault_rng;
  std::mutex fault_mutex;
  std::mt19937_64 id_rng{std::random_device{}()};  // ids and tokens: never repeat across restarts

  std::mutex type_mutex;
  std::unordered_map<std::string, std::shared_ptr<TypeInfo>> types;  // nullptr: unknown type
  std::unique_ptr<provider::Store> store;

  std::shared_mutex mutex;  // guards everything below and `db`
  std::unordered_map<std::string, std::map<std::string, json>> resources;  // scope -> identifier -> model
  std::unordered_map<std::string, Request> requests;                        // token -> request
  std::map<int64_t, std::string> request_order;                             // seq -> token
  std::map<std::string, std::string> busy;            // scope + id -> token of the request in progress
  std::map<std::string, std::string> client_tokens;   // account + client token -> request token
  std::multimap<int64_t, std::string> pending;        // due -> token
  std::atomic<int64_t> next_due{INT64_MAX};
  int64_t seq = 0;

  explicit Impl(const Options& o) : options(o), db(o.state_dir), fault_rng(o.seed) { load(); }

  void load() {
    sqlite3_stmt* st = db.prepare("SELECT account, region, type_name, identifier, properties FROM resources");
    while (sqlite3_step(st) == SQLITE_ROW)
      resources[scope_key(col(st, 0), col(st, 1), col(st, 2))][col(st, 3)] = json::parse(col(st, 4));
    sqlite3_finalize(st);
    st = db.prepare(
        "SELECT token, seq, account, region, type_name, identifier, operation, status, event_time, due_ms,"
        " client_token, fingerprint, model, status_message, error_code, will_fail FROM requests ORDER BY seq");
    while (sqlite3_step(st) == SQLITE_ROW) {
      Request r;
      r.token = col(st, 0);
      r.seq = sqlite3_column_int64(st, 1);
      r.account = col(st, 2);
      r.region = col(st, 3);
      r.type_name = col(st, 4);
      r.identifier = col(st, 5);
      r.operation = col(st, 6);
      r.status = col(st, 7);
      r.event_time = sqlite3_column_double(st, 8);
      r.due_ms = sqlite3_column_int64(st, 9);
      r.client_token = col(st, 10);
      r.fingerprint = col(st, 11);
      if (sqlite3_column_type(st, 12) != SQLITE_NULL) r.model = json::parse(col(st, 12));
      r.status_message = col(st, 13);
      r.error_code = col(st, 14);
      r.will_fail = sqlite3_column_int64(st, 15) != 0;
      track(r);
      seq = std::max(seq, r.seq);
      requests.emplace(r.token, std::move(r));
    }
    sqlite3_finalize(st);
    update_next_due();
  }

  void track(const Request& r) {
    request_order[r.seq] = r.token;
    if (!r.client_token.empty()) client_tokens[r.account + '\x1f' + r.client_token] = r.token;
    if (!is_terminal(r.status)) {
      busy[scope_key(r.account, r.region, r.type_name) + '\x1f' + r.identifier] = r.token;
      pending.emplace(r.due_ms, r.token);
    }
  }

  void update_next_due() { next_due = pending.empty() ? INT64_MAX : pending.begin()->first; }

  // ---- types ----

  std::shared_ptr<TypeInfo> type(const std::string& type_name) {
    std::lock_guard lock(type_mutex);
    if (auto it = types.find(type_name); it != types.end()) {
      if (!it->second) throw type_not_found(type_name);
      return it->second;
    }
    std::optional<json> schema;
    if (options.schema_source) {
      schema = options.schema_source(type_name);
    } else {
      if (!store) store = provider::Store::open(options.home.empty() ? provider::default_home() : options.home);
      schema = store->schema(type_name);
    }
    auto info = schema ? make_type_info(type_name, std::move(*schema)) : nullptr;
    types[type_name] = info;
    if (!info) throw type_not_found(type_name);
    return info;
  }

  static ApiError type_not_found(const std::string& type_name) {
    return ApiError(404, "TypeNotFoundException",
                    "The type '" + type_name + "' cannot be found (it is not in the installed awscc provider).");
  }

  static void require_handler(const TypeInfo& t, const std::string& handler, const std::string& operation) {
    if (!t.handlers.count(handler))
      throw ApiError(405, "UnsupportedActionException",
                     "Resource type " + t.type_name + " does not support " + operation +
                         " (its schema has no " + handler + " handler).");
  }

  // ---- models ----

  // What GetResource/ListResources show: the model without writeOnly properties.
  json visible(const TypeInfo& t, json model) const {
    for (const auto& w : t.write_only)
      visit(model, w, 0, "", [](json& parent, const std::string& key, const std::string&) { parent.erase(key); });
    return model;
  }

  json strip_read_only(const TypeInfo& t, json model) const {
    for (const auto& r : t.read_only)
      visit(model, r, 0, "", [](json& parent, const std::string& key, const std::string&) { parent.erase(key); });
    return model;
  }

  void check_valid(const TypeInfo& t, const json& model) {
    if (auto v = provider::validate(t.validation, model))
      throw invalid_request("Model validation failed (#" + v->path + ": " + v->message + ")");
  }

  std::string identifier_of(const TypeInfo& t, const json& model) const {
    std::string id;
    for (size_t i = 0; i < t.primary.size(); ++i) {
      if (i) id += '|';
      auto it = model.find(t.primary[i]);
      if (it == model.end()) continue;
      id += it->is_string() ? it->get<std::string>() : it->dump();
    }
    return id;
  }

  // A plausible value for a generated (readOnly) property: the first candidate matching its pattern.
  json generate(const TypeInfo& t, const std::string& name, const json* schema, const std::string& region,
                const std::string& hint) {
    std::string type = "string";
    if (schema && schema->contains("type") && (*schema)["type"].is_string()) type = (*schema)["type"];
    if (schema && schema->contains("enum") && (*schema)["enum"].is_array() && !(*schema)["enum"].empty())
      return (*schema)["enum"][0];
    if (type == "integer" || type == "number") return 1;
    if (type == "boolean") return false;
    if (type == "array") return json::array();
    if (type == "object") return json::object();
    std::string pattern = schema ? schema->value("pattern", "") : "";
    std::string lname = lower(name);
    std::string acct = options.account;
    std::string uuid = random_uuid(id_rng);
    std::string hex = random_hex(id_rng, 17);
    std::string base = hint.empty() ? t.resource + "-" + random_hex(id_rng, 8) : hint;
    std::vector<std::string> candidates;
    bool arn_like = ends_with(lname, "arn") || pattern.find("arn:") != std::string::npos ||
                    name.find("Arn") != std::string::npos || name.find("ARN") != std::string::npos;
    if (arn_like) {
      std::string svc = t.service;
      // The service an ARN belongs to is often spelled out in its pattern ("...:secretsmanager:...").
      for (const std::string& s : {std::string("secretsmanager"), std::string("iam"), std::string("kms"),
                                   std::string("logs"), std::string("s3")})
        if (pattern.find(":" + s + ":") != std::string::npos) svc = s;
      auto arn_at = std::min(name.find("Arn"), name.find("ARN"));
      std::string res = arn_at != std::string::npos && arn_at > 0 ? kebab(name.substr(0, arn_at)) : t.resource;
      std::string prefix = "arn:aws:" + svc + ":" + region + ":" + acct + ":";
      for (const std::string& r : {t.resource, res}) {
        candidates.push_back(prefix + r + "/" + base);
        candidates.push_back(prefix + r + "/" + base + "/" + uuid);
        candidates.push_back(prefix + r + ":" + base);
        candidates.push_back(prefix + r + ":" + base + "-" + random_hex(id_rng, 6));
        candidates.push_back("arn:aws:" + svc + "::" + acct + ":" + r + "/" + base);
      }
      candidates.push_back(prefix + base);
      candidates.push_back("arn:aws:" + svc + ":::" + base);
    } else if (ends_with(lname, "id")) {
      std::string abbrev;
      for (char c : t.resource)
        if (c != '-' && abbrev.size() < 4) abbrev += c;
      candidates = {abbrev + "-" + hex, uuid, hex, random_hex(id_rng, 8), std::to_string(100000000000 + id_rng() % 899999999999)};
    } else if (ends_with(lname, "time") || ends_with(lname, "date") || ends_with(lname, "at")) {
      candidates = {iso_now(), std::to_string(std::time(nullptr))};
    } else if (ends_with(lname, "name")) {
      candidates = {base, t.resource + "-" + random_hex(id_rng, 8), random_hex(id_rng, 12)};
    } else {
      candidates = {kebab(name) + "-" + random_hex(id_rng, 8), uuid, hex, random_hex(id_rng, 8)};
    }
    if (!pattern.empty()) {
      for (const auto& c : candidates)
        if (!schema || !provider::validate(*schema, *schema, c)) return c;
    }
    return candidates.front();
  }

  // Fills readOnly properties and an absent primary identifier, as the service would on create.
  void generate_read_only(const TypeInfo& t, json& model, const std::string& region) {
    std::string hint;
    for (const auto& p : t.primary)
      if (model.contains(p) && model[p].is_string()) hint = model[p].get<std::string>();
    for (const auto& p : t.primary) {
      if (!model.contains(p)) {
        model[p] = generate(t, p, property_schema(t.original, {p}), region, "");
        if (hint.empty() && model[p].is_string()) hint = model[p].get<std::string>();
      }
    }
    for (const auto& r : t.read_only) {
      if (r.size() == 1 && std::find(t.primary.begin(), t.primary.end(), r[0]) != t.primary.end()) continue;
      const json* s = property_schema(t.original, r);
      visit(model, r, 0, "", [&](json& parent, const std::string& key, const std::string&) {
        if (!parent.contains(key)) parent[key] = generate(t, key, s, region, hint);
      });
    }
  }

  // ---- requests ----

  json event(const Request& r) {
    json e = {{"TypeName", r.type_name},
              {"RequestToken", r.token},
              {"Operation", r.operation},
              {"OperationStatus", r.status},
              {"EventTime", r.event_time}};
    if (!r.identifier.empty()) e["Identifier"] = r.identifier;
    if (!r.status_message.empty()) e["StatusMessage"] = r.status_message;
    if (!r.error_code.empty()) e["ErrorCode"] = r.error_code;
    if (!is_terminal(r.status)) e["RetryAfter"] = static_cast<double>(r.due_ms) / 1000.0;
    if (r.status == "SUCCESS" && r.operation != "DELETE" && r.model.is_object()) {
      try {
        e["ResourceModel"] = visible(*type(r.type_name), r.model).dump();
      } catch (const std::exception&) {
      }
    }
    return e;
  }

  // Completes requests whose time has come. Caller holds the exclusive lock.
  void settle_locked(int64_t now) {
    bool changed = false;
    while (!pending.empty() && pending.begin()->first <= now) {
      std::string token = pending.begin()->second;
      pending.erase(pending.begin());
      auto it = requests.find(token);
      if (it == requests.end()) continue;
      Request& r = it->second;
      if (is_terminal(r.status)) continue;
      std::string scope = scope_key(r.account, r.region, r.type_name);
      db.exec("BEGIN");
      try {
        if (r.status == "CANCEL_IN_PROGRESS") {
          r.status = "CANCEL_COMPLETE";
        } else if (r.will_fail) {
          r.status = "FAILED";
          r.error_code = "InternalFailure";
          r.status_message = "Handler failed: injected failure (--fail-rate).";
        } else {
          r.status = "SUCCESS";
          if (r.operation == "DELETE") {
            resources[scope].erase(r.identifier);
            db.delete_resource(r);
          } else {
            resources[scope][r.identifier] = r.model;
            db.put_resource(r, r.model);
          }
        }
        r.event_time = static_cast<double>(now) / 1000.0;
        db.save_request(r);
        db.exec("COMMIT");
      } catch (...) {
        db.exec("ROLLBACK");
        throw;
      }
      busy.erase(scope + '\x1f' + r.identifier);
      changed = true;
    }
    (void)changed;
    update_next_due();
  }

  void settle_if_due() {
    int64_t now = now_ms();
    if (now < next_due.load()) return;
    std::unique_lock lock(mutex);
    settle_locked(now);
  }

  // Idempotency: the request already made with this ClientToken, if any. Caller holds the exclusive lock.
  std::optional<json> replay(const std::string& account, const std::string& client_token,
                             const std::string& fingerprint) {
    if (client_token.empty()) return std::nullopt;
    auto it = client_tokens.find(account + '\x1f' + client_token);
    if (it == client_tokens.end()) return std::nullopt;
    const Request& r = requests.at(it->second);
    if (r.fingerprint != fingerprint)
      throw ApiError(409, "ClientTokenConflictException",
                     "ClientToken " + client_token + " was already used for a different request; "
                     "use a new ClientToken for a new request.");
    return json{{"ProgressEvent", event(r)}};
  }

  // Records a mutation of this account's resource and answers with its first ProgressEvent.
  json accept_mutation(const char* operation, const TypeInfo& t, const std::string& region, const std::string& id,
                       const std::string& client_token, const std::string& fingerprint, json model, bool will_fail) {
    Request r;
    r.account = options.account;
    r.region = region;
    r.type_name = t.type_name;
    r.identifier = id;
    r.operation = operation;
    r.client_token = client_token;
    r.fingerprint = fingerprint;
    r.model = std::move(model);
    return accept(std::move(r), will_fail);
  }

  json accept(Request r, bool will_fail) {
    int64_t now = now_ms();
    r.token = random_uuid(id_rng);
    r.seq = ++seq;
    r.status = "IN_PROGRESS";
    r.event_time = static_cast<double>(now) / 1000.0;
    r.due_ms = now + options.async_ms;
    r.will_fail = will_fail;
    db.save_request(r);  // autocommit: durable before we answer
    track(r);
    json reply{{"ProgressEvent", event(r)}};
    requests.emplace(r.token, r);
    update_next_due();
    if (options.async_ms <= 0) settle_locked(now);
    return reply;
  }

  std::string client_token_of(const json& req) {
    if (!req.contains("ClientToken")) return "";
    const auto& c = req["ClientToken"];
    if (!c.is_string() || c.get<std::string>().empty() || c.get<std::string>().size() > 128)
      throw validation_error("ClientToken must be a string of 1 to 128 characters.");
    return c.get<std::string>();
  }

  void check_not_busy(const std::string& scope, const std::string& id, const std::string& type_name) {
    if (auto it = busy.find(scope + '\x1f' + id); it != busy.end())
      throw ApiError(409, "ConcurrentOperationException",
                     "Another " + requests.at(it->second).operation + " request (" + it->second +
                         ") is in progress on " + type_name + " '" + id + "'; wait for it to finish.");
  }

  ApiError not_found(const std::string& type_name, const std::string& id) {
    return ApiError(404, "ResourceNotFoundException",
                    "Resource of type '" + type_name + "' with identifier '" + id + "' was not found.");
  }

  // ---- operations ----

  json create(const json& req, const std::string& region, bool will_fail) {
    auto t = type(string_member(req, "TypeName"));
    require_handler(*t, "create", "CreateResource");
    std::string desired_text = string_member(req, "DesiredState");
    std::string client_token = client_token_of(req);
    json desired;
    try {
      desired = json::parse(desired_text);
    } catch (const json::parse_error& e) {
      throw invalid_request("DesiredState is not valid JSON: " + std::string(e.what()));
    }
    if (!desired.is_object()) throw invalid_request("DesiredState must be a JSON object of properties.");
    std::string fingerprint = "CREATE\n" + t->type_name + "\n" + desired.dump();
    std::unique_lock lock(mutex);
    settle_locked(now_ms());
    if (auto r = replay(options.account, client_token, fingerprint)) return *r;
    for (const auto& ro : t->read_only)
      visit(desired, ro, 0, "", [&](json& parent, const std::string& key, const std::string& path) {
        if (parent.contains(key))
          throw invalid_request("Model validation failed (#" + path + ": is read-only and cannot be set; "
                                "remove it from DesiredState)");
      });
    check_valid(*t, desired);
    json model = desired;
    generate_read_only(*t, model, region);
    std::string id = identifier_of(*t, model);
    std::string scope = scope_key(options.account, region, t->type_name);
    check_not_busy(scope, id, t->type_name);
    if (auto s = resources.find(scope); s != resources.end() && s->second.count(id))
      throw ApiError(400, "AlreadyExistsException",
                     "Resource of type '" + t->type_name + "' with identifier '" + id + "' already exists.");
    return accept_mutation("CREATE", *t, region, id, client_token, fingerprint, std::move(model), will_fail);
  }

  json update(const json& req, const std::string& region, bool will_fail) {
    auto t = type(string_member(req, "TypeName"));
    require_handler(*t, "update", "UpdateResource");
    std::string id = string_member(req, "Identifier");
    std::string patch_text = string_member(req, "PatchDocument");
    std::string client_token = client_token_of(req);
    json patch;
    try {
      patch = json::parse(patch_text);
    } catch (const json::parse_error& e) {
      throw invalid_request("PatchDocument is not valid JSON: " + std::string(e.what()));
    }
    if (!patch.is_array()) throw invalid_request("PatchDocument must be a JSON Patch (RFC 6902) array of operations.");
    std::string fingerprint = "UPDATE\n" + t->type_name + "\n" + id + "\n" + patch.dump();
    std::unique_lock lock(mutex);
    settle_locked(now_ms());
    if (auto r = replay(options.account, client_token, fingerprint)) return *r;
    std::string scope = scope_key(options.account, region, t->type_name);
    check_not_busy(scope, id, t->type_name);  // also covers a create still in progress
    auto s = resources.find(scope);
    if (s == resources.end() || !s->second.count(id)) throw not_found(t->type_name, id);
    const json& current = s->second.at(id);
    json patched;
    try {
      patched = current.patch(patch);
    } catch (const json::exception& e) {
      throw invalid_request("PatchDocument cannot be applied: " + std::string(e.what()));
    }
    if (!patched.is_object()) throw invalid_request("PatchDocument must leave the resource model a JSON object.");
    for (const auto& co : t->create_only) {
      json before = json::object(), after = json::object();
      visit(current, co, 0, "", [&](const json& p, const std::string& k, const std::string& path) {
        if (p.contains(k)) before[path] = p.at(k);
      });
      visit(patched, co, 0, "", [&](const json& p, const std::string& k, const std::string& path) {
        if (p.contains(k)) after[path] = p.at(k);
      });
      if (before != after)
        throw ApiError(400, "NotUpdatableException",
                       "Invalid patch update: createOnlyProperties [/properties" + tokens_path(co) +
                           "] cannot be updated; delete and re-create the resource to change it.");
    }
    for (const auto& ro : t->read_only) {
      json before = json::object(), after = json::object();
      visit(current, ro, 0, "", [&](const json& p, const std::string& k, const std::string& path) {
        if (p.contains(k)) before[path] = p.at(k);
      });
      visit(patched, ro, 0, "", [&](const json& p, const std::string& k, const std::string& path) {
        if (p.contains(k)) after[path] = p.at(k);
      });
      if (before != after)
        throw invalid_request("Model validation failed (#" + tokens_path(ro) + ": is read-only and cannot be changed)");
    }
    check_valid(*t, strip_read_only(*t, patched));
    return accept_mutation("UPDATE", *t, region, id, client_token, fingerprint, std::move(patched), will_fail);
  }

  json remove(const json& req, const std::string& region, bool will_fail) {
    auto t = type(string_member(req, "TypeName"));
    require_handler(*t, "delete", "DeleteResource");
    std::string id = string_member(req, "Identifier");
    std::string client_token = client_token_of(req);
    std::string fingerprint = "DELETE\n" + t->type_name + "\n" + id;
    std::unique_lock lock(mutex);
    settle_locked(now_ms());
    if (auto r = replay(options.account, client_token, fingerprint)) return *r;
    std::string scope = scope_key(options.account, region, t->type_name);
    check_not_busy(scope, id, t->type_name);  // also covers a create still in progress
    auto s = resources.find(scope);
    if (s == resources.end() || !s->second.count(id)) throw not_found(t->type_name, id);
    return accept_mutation("DELETE", *t, region, id, client_token, fingerprint, json(), will_fail);
  }

  json get(const json& req, const std::string& region) {
    auto t = type(string_member(req, "TypeName"));
    require_handler(*t, "read", "GetResource");
    std::string id = string_member(req, "Identifier");
    settle_if_due();
    std::shared_lock lock(mutex);
    auto s = resources.find(scope_key(options.account, region, t->type_name));
    if (s == resources.end()) throw not_found(t->type_name, id);
    auto it = s->second.find(id);
    if (it == s->second.end()) throw not_found(t->type_name, id);
    return {{"TypeName", t->type_name},
            {"ResourceDescription", {{"Identifier", id}, {"Properties", visible(*t, it->second).dump()}}}};
  }

  static int page_size(const json& req) {
    if (!req.contains("MaxResults")) return kDefaultPageSize;
    const auto& m = req["MaxResults"];
    if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > kMaxPageSize)
      throw validation_error("1 validation error detected: Value '" + m.dump() +
                             "' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100");
    return m.get<int>();
  }

  static std::optional<std::string> next_token_of(const json& req, const std::string& kind) {
    if (!req.contains("NextToken")) return std::nullopt;
    const auto& n = req["NextToken"];
    std::optional<std::string> decoded = n.is_string() ? unbase64(n.get<std::string>()) : std::nullopt;
    if (!decoded || decoded->rfind(kind + ":", 0) != 0)
      throw invalid_request("NextToken is not one this service returned; start again without NextToken.");
    return decoded->substr(kind.size() + 1);
  }

  json list(const json& req, const std::string& region) {
    auto t = type(string_member(req, "TypeName"));
    require_handler(*t, "list", "ListResources");
    int limit = page_size(req);
    auto after = next_token_of(req, "r");
    json filter = json::object();
    if (req.contains("ResourceModel")) {
      try {
        filter = json::parse(req["ResourceModel"].get<std::string>());
      } catch (const std::exception&) {
        throw invalid_request("ResourceModel must be a JSON object of properties.");
      }
      if (!filter.is_object()) throw invalid_request("ResourceModel must be a JSON object of properties.");
    }
    for (const auto& r : t->list_required)
      if (!filter.contains(r))
        throw invalid_request("Missing or invalid ResourceModel property in " + t->type_name +
                              " list handler request input: Required property: [" + r +
                              "]; pass it in ResourceModel, e.g. {\"" + r + "\": \"...\"}.");
    settle_if_due();
    std::shared_lock lock(mutex);
    json descriptions = json::array();
    std::optional<std::string> last;
    bool more = false;
    auto s = resources.find(scope_key(options.account, region, t->type_name));
    if (s != resources.end()) {
      auto it = after ? s->second.upper_bound(*after) : s->second.begin();
      for (; it != s->second.end(); ++it) {
        bool match = true;
        for (auto f = filter.begin(); f != filter.end(); ++f)
          if (!it->second.contains(f.key()) || it->second[f.key()] != f.value()) match = false;
        if (!match) continue;
        if (static_cast<int>(descriptions.size()) == limit) {
          more = true;
          break;
        }
        descriptions.push_back({{"Identifier", it->first}, {"Properties", visible(*t, it->second).dump()}});
        last = it->first;
      }
    }
    json out{{"TypeName", t->type_name}, {"ResourceDescriptions", descriptions}};
    if (more && last) out["NextToken"] = base64("r:" + *last);
    return out;
  }

  json request_status(const json& req) {
    std::string token = string_member(req, "RequestToken");
    settle_if_due();
    std::shared_lock lock(mutex);
    auto it = requests.find(token);
    if (it == requests.end() || it->second.account != options.account)
      throw ApiError(404, "RequestTokenNotFoundException", "Request token '" + token + "' was not found.");
    return {{"ProgressEvent", event(it->second)}};
  }

  json list_requests(const json& req, const std::string& region) {
    int limit = page_size(req);
    auto after = next_token_of(req, "q");
    std::set<std::string> ops, statuses;
    if (req.contains("ResourceRequestStatusFilter")) {
      const auto& f = req["ResourceRequestStatusFilter"];
      if (!f.is_object()) throw validation_error("ResourceRequestStatusFilter must be an object.");
      for (const auto& o : f.value("Operations", json::array())) ops.insert(o.get<std::string>());
      for (const auto& o : f.value("OperationStatuses", json::array())) statuses.insert(o.get<std::string>());
    }
    settle_if_due();
    std::shared_lock lock(mutex);
    json summaries = json::array();
    int64_t start = INT64_MAX;
    if (after) {
      try {
        start = std::stoll(*after);
      } catch (const std::exception&) {
        throw invalid_request("NextToken is not one this service returned; start again without NextToken.");
      }
    }
    bool more = false;
    int64_t last = 0;
    // Newest first.
    for (auto it = std::make_reverse_iterator(request_order.lower_bound(start)); it != request_order.rend(); ++it) {
      const Request& r = requests.at(it->second);
      if (r.account != options.account || r.region != region) continue;
      if (!ops.empty() && !ops.count(r.operation)) continue;
      if (!statuses.empty() && !statuses.count(r.status)) continue;
      if (static_cast<int>(summaries.size()) == limit) {
        more = true;
        break;
      }
      summaries.push_back(event(r));
      last = r.seq;
    }
    json out{{"ResourceRequestStatusSummaries", summaries}};
    if (more) out["NextToken"] = base64("q:" + std::to_string(last));
    return out;
  }

  json cancel(const json& req) {
    std::string token = string_member(req, "RequestToken");
    std::unique_lock lock(mutex);
    settle_locked(now_ms());
    auto it = requests.find(token);
    if (it == requests.end() || it->second.account != options.account)
      throw ApiError(404, "RequestTokenNotFoundException", "Request token '" + token + "' was not found.");
    Request& r = it->second;
    if (r.status != "PENDING" && r.status != "IN_PROGRESS")
      throw ApiError(500, "ConcurrentModificationException",
                     "Request " + token + " is " + r.status + "; only PENDING or IN_PROGRESS requests can be cancelled.");
    r.status = "CANCEL_IN_PROGRESS";
    r.event_time = static_cast<double>(now_ms()) / 1000.0;
    db.save_request(r);
    json reply{{"ProgressEvent", event(r)}};
    // The handler stops at once; the next look at the request sees CANCEL_COMPLETE.
    for (auto p = pending.begin(); p != pending.end(); ++p)
      if (p->second == token) {
        pending.erase(p);
        break;
      }
    pending.emplace(now_ms(), token);
    update_next_due();
    return reply;
  }

  static std::string string_member(const json& req, const char* name) {
    auto it = req.find(name);
    if (it == req.end() || !it->is_string() || it->get<std::string>().empty())
      throw validation_error(std::string("1 validation error detected: Value null at '") +
                             static_cast<char>(std::tolower(name[0])) + (name + 1) +
                             "' failed to satisfy constraint: Member must not be null");
    return it->get<std::string>();
  }
};

Service::Service(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
Service::~Service() = default;

double Service::draw() {
  std::lock_guard lock(impl_->fault_mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(impl_->fault_rng);
}

json Service::handle(const std::string& operation, const json& request, const std::string& region) {
  if (!request.is_object()) throw ApiError(400, "SerializationException", "The request body must be a JSON object.");
  auto& s = *impl_;
  auto mutation_fails = [&] { return s.options.fail_rate > 0 && draw() < s.options.fail_rate; };
  if (operation == "GetResource") return s.get(request, region);
  if (operation == "ListResources") return s.list(request, region);
  if (operation == "CreateResource") return s.create(request, region, mutation_fails());
  if (operation == "UpdateResource") return s.update(request, region, mutation_fails());
  if (operation == "DeleteResource") return s.remove(request, region, mutation_fails());
  if (operation == "GetResourceRequestStatus") return s.request_status(request);
  if (operation == "ListResourceRequests") return s.list_requests(request, region);
  if (operation == "CancelResourceRequest") return s.cancel(request);
  throw ApiError(400, "UnknownOperationException", "Operation " + operation + " is not a Cloud Control API operation.");
}

}  // namespace skyql::emulator
