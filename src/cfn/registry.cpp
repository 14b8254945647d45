#include "cfn/registry.h"

#include "http/http_client.h"

#include <sqlite3.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cfn/convert.h"

namespace skyql::cfn {
namespace {

namespace fs = std::filesystem;

struct SchemaFile {
  std::string name;  // base file name, e.g. aws-events-connection.json
  std::string text;
};

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

bool is_schema_name(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name.front() != '.';
}

std::string download(const std::string& url) {
  http::ClientOptions options;
  options.connect_timeout = std::chrono::seconds(20);
  options.request_timeout = std::chrono::minutes(10);
  http::Client client(options);
  http::Request request;
  request.url = url;
  request.headers = {{"User-Agent", "skyql/0.1"}};
  http::Response response = client.perform(std::move(request));
  std::string why;
  if (response.error != http::TransportError::None) {
    why = response.error_message;
  } else if (response.status != 200) {
    why = "HTTP " + std::to_string(response.status);
  } else {
    return std::move(response.body);
  }
  throw PullError("cannot download " + url + ": " + why +
                  " — check the network or the URL, or pass --from with a local CloudformationSchema.zip");
}

std::string zip_error_text(int code) {
  zip_error_t ze;
  zip_error_init_with_code(&ze, code);
  std::string s = zip_error_strerror(&ze);
  zip_error_fini(&ze);
  return s;
}

// Reads every *.json entry of an open archive; `label` names the archive in errors.
std::vector<SchemaFile> read_archive(zip_t* za, const std::string& label) {
  std::vector<SchemaFile> out;
  const std::string fix = " — the archive is damaged; download it again";
  zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
      throw PullError("cannot read entry " + std::to_string(i) + " of " + label + ": " + zip_strerror(za) + fix);
    }
    std::string name = fs::path(st.name).filename().string();
    if (!is_schema_name(name)) continue;
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!f) throw PullError("cannot read " + name + " in " + label + ": " + zip_strerror(za) + fix);
    std::string text;
    char buf[1 << 15];
    zip_int64_t got;
    while ((got = zip_fread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(got));
    if (got < 0) {
      std::string why = zip_file_strerror(f);
      zip_fclose(f);
      throw PullError("cannot read " + name + " in " + label + ": " + why + fix);
    }
    zip_fclose(f);
    out.push_back({name, std::move(text)});
  }
  return out;
}

std::vector<SchemaFile> read_zip_file(const std::string& path) {
  int code = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!za) {
    throw PullError("cannot open schema archive " + path + ": " + zip_error_text(code) +
                    " — pass a CloudformationSchema.zip or a folder of aws-*.json files");
  }
  try {
    auto files = read_archive(za, path);
    zip_discard(za);
    return files;
  } catch (...) {
    zip_discard(za);
    throw;
  }
}

std::vector<SchemaFile> read_zip_buffer(const std::string& data, const std::string& label) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &ze);
  if (!src) {
    zip_error_fini(&ze);
    throw PullError("cannot read the archive downloaded from " + label);
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
  if (!za) {
    std::string why = zip_error_strerror(&ze);
    zip_source_free(src);
    zip_error_fini(&ze);
    throw PullError("the file downloaded from " + label + " is not a valid zip archive (" + why +
                    ") — check the URL");
  }
  zip_error_fini(&ze);
  try {
    auto files = read_archive(za, label);
    zip_discard(za);
    return files;
  } catch (...) {
    zip_discard(za);
    throw;
  }
}

std::vector<SchemaFile> read_folder(const std::string& dir) {
  std::vector<SchemaFile> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !is_schema_name(name)) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) throw PullError("cannot read " + e.path().string() + " — check its permissions");
    out.push_back({name, ss.str()});
  }
  if (ec) throw PullError("cannot list " + dir + ": " + ec.message());
  return out;
}

std::vector<SchemaFile> read_source(const std::string& from) {
  if (is_url(from)) return read_zip_buffer(download(from), from);
  std::error_code ec;
  if (fs::is_directory(from, ec)) return read_folder(from);
  if (!fs::exists(from, ec)) {
    throw PullError("schema source " + from + " does not exist — pass a CloudformationSchema.zip, a folder of "
                    "aws-*.json files or an http(s) URL");
  }
  return read_zip_file(from);
}

std::set<std::string> read_types(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw PullError("cannot read types file " + path + " — pass a file with one type name per line");
  std::set<std::string> types;
  std::string line;
  while (std::getline(in, line)) {
    auto b = line.find_first_not_of(" \t\r");
    auto e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    types.insert(line.substr(b, e - b + 1));
  }
  return types;
}

// The database under construction; removed unless committed.
class TempDb {
 public:
  TempDb(const fs::path& dir, const std::string& provider) {
    path_ = dir / ("." + provider + ".db.tmp-" + std::to_string(getpid()));
    fs::remove(path_);
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw PullError("cannot write provider in " + dir.string() + " (" + why +
                      ") — pass --home or set SKYQL_HOME to a writable directory");
    }
    exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
         "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
         "CREATE TABLE services(name TEXT PRIMARY KEY, title TEXT NOT NULL, resources INTEGER NOT NULL);"
         "CREATE TABLE resources(service TEXT NOT NULL, name TEXT NOT NULL, type_name TEXT NOT NULL,"
         " list_only INTEGER NOT NULL, model TEXT NOT NULL, schema TEXT NOT NULL, PRIMARY KEY(service, name));"
         "CREATE INDEX resources_by_type ON resources(type_name);"
         "BEGIN;");
  }
  ~TempDb() {
    if (db_) sqlite3_close(db_);
    if (!committed_) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "unknown error";
      sqlite3_free(err);
      throw PullError("cannot write provider database " + path_.string() + ": " + why +
                      " — check free space and permissions of the home directory");
    }
  }

  void insert(const char* sql, const std::vector<std::string>& texts, const std::vector<long long>& ints = {}) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) fail();
    int i = 1;
    for (const auto& t : texts) sqlite3_bind_text(stmt, i++, t.data(), static_cast<int>(t.size()), SQLITE_STATIC);
    for (auto v : ints) sqlite3_bind_int64(stmt, i++, v);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) fail();
  }

  // Commits, closes and atomically replaces `target`.
  void install(const fs::path& target) {
    exec("COMMIT;");
    if (sqlite3_close(db_) != SQLITE_OK) fail();
    db_ = nullptr;
    // Make the new file durable before it replaces the old one.
    if (FILE* f = std::fopen(path_.c_str(), "rb")) {
      fsync(fileno(f));
      std::fclose(f);
    }
    std::error_code ec;
    fs::rename(path_, target, ec);
    if (ec) {
      throw PullError("cannot install " + target.string() + ": " + ec.message() +
                      " — check permissions of the home directory");
    }
    committed_ = true;
  }

 private:
  [[noreturn]] void fail() {
    throw PullError("cannot write provider database " + path_.string() + ": " + sqlite3_errmsg(db_) +
                    " — check free space and permissions of the home directory");
  }
  fs::path path_;
  sqlite3* db_ = nullptr;
  bool committed_ = false;
};

fs::path prepare_home(const std::string& home) {
  if (home.empty()) throw PullError("no provider home — pass --home or set SKYQL_HOME");
  fs::path dir = fs::path(home) / "providers";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw PullError("cannot create " + dir.string() + ": " + (ec ? ec.message() : "not a directory") +
                    " — pass --home or set SKYQL_HOME to a writable directory");
  }
  // Leftovers of interrupted pulls.
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().find(".db.tmp-") != std::string::npos) fs::remove(e.path(), ec);
  }
  return dir;
}

std::string now_utc() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

PullReport pull(const PullOptions& options) {
  PullReport report;
  const std::string from = options.from.empty() ? kDefaultSchemaUrl : options.from;
  // Check the destination first: no point downloading into a home we cannot write.
  fs::path dir = prepare_home(options.home);
  TempDb db(dir, options.provider);

  std::optional<std::set<std::string>> types;
  if (!options.types_file.empty()) types = read_types(options.types_file);

  auto files = read_source(from);
  if (files.empty()) {
    throw PullError("no aws-*.json schemas found in " + from + " — pass AWS's CloudformationSchema.zip");
  }
  std::sort(files.begin(), files.end(), [](auto& a, auto& b) { return a.name < b.name; });

  std::map<std::string, std::map<std::string, std::string>> tables;  // service -> name -> type
  std::set<std::string> seen_types;
  for (auto& file : files) {
    ++report.schemas_read;
    nlohmann::ordered_json schema;
    try {
      schema = nlohmann::ordered_json::parse(file.text);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find("] ");
      throw PullError("schema " + file.name + " is not valid JSON (" +
                      (pos == std::string::npos ? what : what.substr(pos + 2)) +
                      ") — the download is damaged; fetch the archive again");
    }
    std::string type_name = schema.is_object() && schema.contains("typeName") && schema["typeName"].is_string()
                                ? schema["typeName"].get<std::string>()
                                : "";
    if (types && !types->count(type_name)) {
      ++report.filtered_out;
      continue;
    }
    seen_types.insert(type_name);
    provider::Resource r;
    try {
      r = convert_schema(file.name, schema);
    } catch (const ConversionError& e) {
      report.skipped.push_back(file.name + ": " + e.what());
      continue;
    }
    r.provider = options.provider;
    auto& service_tables = tables[r.service];
    if (auto it = service_tables.find(r.name); it != service_tables.end()) {
      report.skipped.push_back(file.name + ": table " + r.full_name() + " already comes from " + it->second);
      continue;
    }
    service_tables[r.name] = r.type_name;
    ++report.resources;
    if (r.has_list_only()) ++report.list_only;
    db.insert("INSERT INTO resources(service, name, type_name, model, schema, list_only) VALUES (?, ?, ?, ?, ?, ?)",
              {r.service, r.name, r.type_name, provider::to_json(r).dump(), file.text},
              {r.has_list_only() ? 1 : 0});
    file.text.clear();
    file.text.shrink_to_fit();
  }
  if (types) {
    for (const auto& t : *types) {
      if (!seen_types.count(t)) report.types_missing.push_back(t);
    }
  }
  if (report.resources == 0) {
    throw PullError("no resource could be generated from " + from +
                    (types ? " with the types in " + options.types_file : std::string()) + " — nothing installed");
  }
  for (const auto& [service, names] : tables) {
    if (names.empty()) continue;
    ++report.services;
    // Title: the CloudFormation namespace of the service's types ("AWS::Events").
    const std::string& type = names.begin()->second;
    std::string title = type.substr(0, type.rfind("::"));
    db.insert("INSERT INTO services(name, title, resources) VALUES (?, ?, ?)", {service, title},
              {static_cast<long long>(names.size())});
  }
  const std::vector<std::pair<std::string, std::string>> meta = {
      {"provider", options.provider},
      {"source", from},
      {"types_file", options.types_file},
      {"generated_at", now_utc()},
      {"generator", "skyql 0.1.0"},
      {"services", std::to_string(report.services)},
      {"resources", std::to_string(report.resources)},
      {"list_only", std::to_string(report.list_only)},
  };
  for (const auto& [k, v] : meta) db.insert("INSERT INTO meta(key, value) VALUES (?, ?)", {k, v});
  fs::path target = dir / (options.provider + ".db");
  db.install(target);
  report.path = target.string();
  return report;
}

}  // namespace skyql::cfn
