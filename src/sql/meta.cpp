#include "sql/meta.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace skyql::sql {
namespace {

using output::Cell;
using output::ResultSet;

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Token {
  std::string text;
  bool quoted = false;
};

// Skips blanks and SQL comments (-- line, /* block */) from `i`.
size_t skip_blank(std::string_view s, size_t i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = skip_blank(s, 0);
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"' || c == '`') {
      std::string text;
      size_t j = i + 1;
      for (; j < s.size(); ++j) {
        if (s[j] == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {
            text += c;
            ++j;
            continue;
          }
          break;
        }
        text += s[j];
      }
      if (j >= s.size()) throw MetaSyntaxError("unterminated quoted string in: " + std::string(s));
      out.push_back({text, c == '\''});
      i = j + 1;
    } else if (c == ';') {
      out.push_back({";", false});
      ++i;
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != ';' && s[j] != '\'' &&
             s[j] != '"' && s[j] != '`') {
        ++j;
      }
      out.push_back({std::string(s.substr(i, j - i)), false});
      i = j;
    }
    i = skip_blank(s, i);
  }
  // One trailing ';' is allowed.
  if (!out.empty() && out.back().text == ";" ) out.pop_back();
  for (const auto& t : out) {
    if (!t.quoted && t.text == ";") throw MetaSyntaxError("run one statement at a time: " + std::string(s));
  }
  return out;
}

// SQL LIKE: '%' any run, '_' one character; case-insensitive as in SQLite.
bool like(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0, star_p = std::string_view::npos, star_t = 0;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '_' || (pattern[p] != '%' && eq(pattern[p], text[t])))) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star_p = p++;
      star_t = t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view statement)
      : tokens_(std::move(tokens)), statement_(statement) {}

  bool at_end() const { return pos_ >= tokens_.size(); }
  bool accept(const char* keyword) {
    if (!at_end() && !tokens_[pos_].quoted && upper(tokens_[pos_].text) == keyword) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(const char* keyword, const char* form) {
    if (!accept(keyword)) fail(form);
  }
  std::string name(const char* form) {
    if (at_end()) fail(form);
    return tokens_[pos_++].text;
  }
  std::optional<std::string> like_pattern(const char* form) {
    if (!accept("LIKE")) return std::nullopt;
    if (at_end() || !tokens_[pos_].quoted) fail(form);
    return tokens_[pos_++].text;
  }
  void end(const char* form) {
    if (!at_end()) fail(form);
  }
  [[noreturn]] void fail(const char* form) const {
    throw MetaSyntaxError("cannot parse '" + std::string(statement_) + "' — expected " + form);
  }

 private:
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::string_view statement_;
};

std::vector<std::string> split_dotted(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

void check_provider(const provider::Store& store, const std::string& name) {
  if (lower(name) == store.provider()) return;
  std::string msg = "provider " + name + " not found";
  auto installed = store.providers_installed();
  if (!installed.empty()) msg += " — did you mean " + installed.front() + "?";
  throw provider::NotFound(msg);
}

ResultSet show_providers(const provider::Store& store) {
  ResultSet rs{{"name", "version"}, {}};
  for (const auto& p : store.providers_installed()) {
    rs.rows.push_back({Cell::string(p), Cell::string(p == store.provider() ? store.version() : "")});
  }
  return rs;
}

ResultSet show_services(const provider::Store& store, const std::string& provider_name,
                        const std::optional<std::string>& pattern) {
  check_provider(store, provider_name);
  ResultSet rs{{"id", "name", "title"}, {}};
  for (const auto& s : store.services_with_titles()) {
    if (pattern && !like(s.first, *pattern)) continue;
    rs.rows.push_back({Cell::string(store.provider() + "." + s.first), Cell::string(s.first), Cell::string(s.second)});
  }
  return rs;
}

ResultSet show_resources(const provider::Store& store, const std::string& dotted,
                         const std::optional<std::string>& pattern) {
  auto parts = split_dotted(dotted);
  if (parts.size() == 2) {
    check_provider(store, parts[0]);
    parts.erase(parts.begin());
  }
  if (parts.size() != 1 || parts[0].empty()) {
    throw MetaSyntaxError("SHOW RESOURCES IN takes provider.service, e.g. SHOW RESOURCES IN " + store.provider() +
                          ".events");
  }
  ResultSet rs{{"name", "id"}, {}};
  for (const auto& e : store.resources(parts[0])) {
    std::vector<std::string> names = {e.name};
    if (e.list_only) names.push_back(e.name + "_list_only");
    for (const auto& n : names) {
      if (pattern && !like(n, *pattern)) continue;
      rs.rows.push_back({Cell::string(n), Cell::string(store.provider() + "." + e.service + "." + n)});
    }
  }
  return rs;
}

std::string table_of(const std::string& dotted) {
  auto parts = split_dotted(dotted);
  return lower(parts.back());
}

ResultSet show_methods(const provider::Store& store, const std::string& dotted) {
  auto r = store.resolve(dotted);
  const std::string table = table_of(dotted);
  ResultSet rs{{"MethodName", "RequiredParams", "SQLVerb"}, {}};
  for (const auto& m : r.methods()) {
    if (m.resource != table) continue;
    std::string params;
    for (const auto& p : m.required_params) params += (params.empty() ? "" : ", ") + p;
    rs.rows.push_back({Cell::string(m.name), Cell::string(params), Cell::string(m.sql_verb)});
  }
  return rs;
}

ResultSet describe(const provider::Store& store, const std::string& dotted, bool extended) {
  auto r = store.resolve(dotted);
  const bool list_only = table_of(dotted) == r.list_only_name();
  const auto fields = list_only ? r.list_only_fields() : r.fields;
  ResultSet rs;
  rs.columns = {"name", "type"};
  if (extended) rs.columns.push_back("description");
  for (const auto& f : fields) {
    std::vector<Cell> row = {Cell::string(f.name), Cell::string(f.type)};
    if (extended) row.push_back(Cell::string(f.description));
    rs.rows.push_back(std::move(row));
  }
  return rs;
}

}  // namespace

bool is_meta_statement(std::string_view statement) {
  size_t i = skip_blank(statement, 0);
  size_t j = i;
  while (j < statement.size() && std::isalpha(static_cast<unsigned char>(statement[j]))) ++j;
  const std::string word = upper(statement.substr(i, j - i));
  return word == "SHOW" || word == "DESCRIBE" || word == "DESC";
}

output::ResultSet run_meta_statement(const provider::Store& store, std::string_view statement) {
  Parser p(tokenize(statement), statement);
  if (p.accept("DESCRIBE") || p.accept("DESC")) {
    constexpr const char* form = "DESCRIBE [EXTENDED] provider.service.resource";
    bool extended = p.accept("EXTENDED");
    std::string name = p.name(form);
    p.end(form);
    return describe(store, name, extended);
  }
  constexpr const char* form =
      "SHOW PROVIDERS | SHOW SERVICES IN provider [LIKE '...'] | SHOW RESOURCES IN provider.service [LIKE '...'] | "
      "SHOW METHODS IN provider.service.resource";
  p.expect("SHOW", form);
  if (p.accept("PROVIDERS")) {
    p.end("SHOW PROVIDERS");
    return show_providers(store);
  }
  if (p.accept("SERVICES")) {
    constexpr const char* f = "SHOW SERVICES IN provider [LIKE '%pattern%']";
    p.expect("IN", f);
    std::string name = p.name(f);
    auto pattern = p.like_pattern(f);
    p.end(f);
    return show_services(store, name, pattern);
  }
  if (p.accept("RESOURCES")) {
    constexpr const char* f = "SHOW RESOURCES IN provider.service [LIKE '%pattern%']";
    p.expect("IN", f);
    std::string name = p.name(f);
    auto pattern = p.like_pattern(f);
    p.end(f);
    return show_resources(store, name, pattern);
  }
  if (p.accept("METHODS")) {
    constexpr const char* f = "SHOW METHODS IN provider.service.resource";
    p.expect("IN", f);
    std::string name = p.name(f);
    p.end(f);
    return show_methods(store, name);
  }
  p.fail(form);
}

}  // namespace skyql::sql
