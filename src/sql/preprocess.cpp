#include "sql/preprocess.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <sqlite3.h>

namespace skyql::sql {
namespace {

enum class Tok { Space, Comment, Hint, Ident, QuotedIdent, String, Number, Punct };

struct Token {
  Tok type;
  size_t begin;
  size_t end;
};

bool is_ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

// A lexer just precise enough to never mistake a quote, comment or identifier for something else.
std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const size_t start = i;
    const unsigned char c = s[i];
    if (std::isspace(c)) {
      while (i < n && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::Space, start, i});
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') ++i;
      out.push_back({Tok::Comment, start, i});
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const bool hint = i + 2 < n && s[i + 2] == '+';
      const size_t close = s.find("*/", i + 2);
      i = close == std::string::npos ? n : close + 2;
      out.push_back({hint ? Tok::Hint : Tok::Comment, start, i});
    } else if (c == '\'' || c == '"' || c == '`') {
      ++i;
      while (i < n) {
        if (s[i] == static_cast<char>(c)) {
          if (i + 1 < n && s[i + 1] == static_cast<char>(c)) {
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      out.push_back({c == '\'' ? Tok::String : Tok::QuotedIdent, start, i});
    } else if (c == '[') {
      while (i < n && s[i] != ']') ++i;
      if (i < n) ++i;
      out.push_back({Tok::QuotedIdent, start, i});
    } else if (std::isdigit(c) || (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                       ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
        ++i;
      out.push_back({Tok::Number, start, i});
    } else if (is_ident_start(c)) {
      while (i < n && is_ident_char(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::Ident, start, i});
    } else {
      ++i;
      out.push_back({Tok::Punct, start, i});
    }
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

bool is_provider(const std::string& word) { return lower(word) == "awscc"; }

struct Lexed {
  const std::string& text;
  std::vector<Token> toks;
  std::string str(size_t i) const { return text.substr(toks[i].begin, toks[i].end - toks[i].begin); }
  bool significant(size_t i) const {
    return toks[i].type != Tok::Space && toks[i].type != Tok::Comment && toks[i].type != Tok::Hint;
  }
  // Next significant token index at or after i, or toks.size().
  size_t next(size_t i) const {
    while (i < toks.size() && !significant(i)) ++i;
    return i;
  }
  bool is_word(size_t i, const char* word) const {
    return i < toks.size() && toks[i].type == Tok::Ident && upper(str(i)) == word;
  }
  bool is_punct(size_t i, char ch) const {
    return i < toks.size() && toks[i].type == Tok::Punct && text[toks[i].begin] == ch;
  }
};

std::string unquote_ident(const std::string& s) {
  if (s.size() >= 2 && (s[0] == '"' || s[0] == '`' || s[0] == '[')) return s.substr(1, s.size() - 2);
  return s;
}

std::string quote_ident(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

bool Preprocessed::has_hint(const std::string& word) const {
  return std::find(hints.begin(), hints.end(), upper(word)) != hints.end();
}

size_t Preprocessed::original_offset(size_t rewritten_offset) const {
  size_t best_out = 0, best_in = 0;
  for (const auto& [out, in] : anchors) {
    if (out > rewritten_offset) break;
    best_out = out;
    best_in = in;
  }
  return best_in + (rewritten_offset - best_out);
}

Preprocessed preprocess(const std::string& statement, const ColumnMapper& map_column) {
  Lexed lx{statement, tokenize(statement)};
  const auto& toks = lx.toks;
  Preprocessed result;

  // Hints: words inside /*+ ... */.
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].type != Tok::Hint) continue;
    std::string body = lx.str(i);
    body = body.substr(3, body.size() >= 5 ? body.size() - 5 : 0);
    std::string word;
    for (char ch : body + " ") {
      if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
        word += ch;
      } else if (!word.empty()) {
        result.hints.push_back(upper(word));
        word.clear();
      }
    }
  }

  // Three-part names: replacement text per token range.
  struct Replacement {
    size_t first, last;  // token indices, inclusive
    std::string text;
  };
  std::vector<Replacement> replacements;
  std::vector<size_t> table_tokens;  // first token index of each resource name
  for (size_t i = 0; i + 4 < toks.size(); ++i) {
    if (toks[i].type != Tok::Ident || !is_provider(lx.str(i))) continue;
    if (i > 0 && lx.is_punct(i - 1, '.')) continue;
    if (!lx.is_punct(i + 1, '.') || !lx.is_punct(i + 3, '.')) continue;
    const auto part = [&](size_t k) {
      return toks[k].type == Tok::Ident || toks[k].type == Tok::QuotedIdent;
    };
    if (!part(i + 2) || !part(i + 4)) continue;
    TableRef ref;
    ref.service = unquote_ident(lx.str(i + 2));
    ref.resource = unquote_ident(lx.str(i + 4));
    ref.dotted = "awscc." + ref.service + "." + ref.resource;
    replacements.push_back({i, i + 4, quote_ident(ref.dotted)});
    table_tokens.push_back(i);
    const bool seen = std::any_of(result.tables.begin(), result.tables.end(),
                                  [&](const TableRef& t) { return t.dotted == ref.dotted; });
    if (!seen) result.tables.push_back(ref);
    i += 4;
  }
  const auto table_at = [&](size_t i) -> std::string {
    for (size_t k = 0; k < table_tokens.size(); ++k)
      if (table_tokens[k] == i) return replacements[k].text.substr(1, replacements[k].text.size() - 2);
    return "";
  };
  const auto skip_table = [&](size_t i) -> size_t {  // token index after the table name at i
    for (const auto& r : replacements)
      if (r.first == i) return r.last + 1;
    return i + 1;
  };

  // Statement kind and DML target.
  size_t i = lx.next(0);
  if (lx.is_word(i, "EXPLAIN")) {
    result.explain = true;
    i = lx.next(i + 1);
    if (lx.is_word(i, "QUERY")) i = lx.next(lx.next(i + 1) + 1);
  }
  size_t target_end = toks.size();
  if (lx.is_word(i, "SELECT") || lx.is_word(i, "WITH") || lx.is_word(i, "VALUES")) {
    result.kind = StatementKind::Select;
  } else if (lx.is_word(i, "INSERT") || lx.is_word(i, "REPLACE")) {
    result.kind = StatementKind::Insert;
    while (i < toks.size() && !lx.is_word(i, "INTO")) i = lx.next(i + 1);
    i = lx.next(i + 1);
    result.target = table_at(i);
    target_end = skip_table(i);
  } else if (lx.is_word(i, "UPDATE")) {
    result.kind = StatementKind::Update;
    i = lx.next(i + 1);
    if (lx.is_word(i, "OR")) i = lx.next(lx.next(i + 1) + 1);
    result.target = table_at(i);
    target_end = skip_table(i);
  } else if (lx.is_word(i, "DELETE")) {
    result.kind = StatementKind::Delete;
    i = lx.next(lx.next(i + 1) + 1);  // DELETE FROM <t>
    result.target = table_at(i);
    target_end = skip_table(i);
  }

  // Column-name mapping for INSERT (col, ...) and UPDATE ... SET col = ..., on a resource target.
  std::vector<std::pair<size_t, std::string>> renamed;
  if (!result.target.empty() && result.kind == StatementKind::Insert) {
    size_t k = lx.next(target_end);
    if (lx.is_punct(k, '(')) {
      for (k = lx.next(k + 1); k < toks.size() && !lx.is_punct(k, ')'); k = lx.next(k + 1)) {
        if (toks[k].type == Tok::Ident || toks[k].type == Tok::QuotedIdent) {
          const std::string name = unquote_ident(lx.str(k));
          renamed.emplace_back(k, quote_ident(map_column(result.target, name)));
        }
      }
    }
  } else if (!result.target.empty() && result.kind == StatementKind::Update) {
    size_t k = lx.next(target_end);
    if (lx.is_word(k, "SET")) {
      int depth = 0;
      bool at_start = true;
      for (k = lx.next(k + 1); k < toks.size(); k = lx.next(k + 1)) {
        if (lx.is_punct(k, '(')) ++depth;
        if (lx.is_punct(k, ')')) --depth;
        if (depth == 0 && (lx.is_word(k, "WHERE") || lx.is_word(k, "FROM") || lx.is_word(k, "RETURNING")))
          break;
        if (depth == 0 && at_start && (toks[k].type == Tok::Ident || toks[k].type == Tok::QuotedIdent) &&
            lx.is_punct(lx.next(k + 1), '=')) {
          renamed.emplace_back(k, quote_ident(map_column(result.target, unquote_ident(lx.str(k)))));
        }
        at_start = depth == 0 && lx.is_punct(k, ',');
      }
    }
  }

  // RETURNING on a resource target: cut it off.
  size_t cut = toks.size();
  if (!result.target.empty() && result.kind != StatementKind::Select) {
    int depth = 0;
    for (size_t k = target_end; k < toks.size(); ++k) {
      if (lx.is_punct(k, '(')) ++depth;
      if (lx.is_punct(k, ')')) --depth;
      if (depth == 0 && lx.is_word(k, "RETURNING")) {
        cut = k;
        const size_t from = toks[k].end;
        std::string rest = statement.substr(from);
        while (!rest.empty() && (std::isspace(static_cast<unsigned char>(rest.back())) || rest.back() == ';'))
          rest.pop_back();
        rest.erase(0, rest.find_first_not_of(" \t\r\n"));
        result.returning = rest;
        break;
      }
    }
  }

  // Emit.
  size_t r = 0;
  for (size_t k = 0; k < cut; ++k) {
    result.anchors.emplace_back(result.sql.size(), toks[k].begin);
    if (r < replacements.size() && replacements[r].first == k) {
      result.sql += replacements[r].text;
      k = replacements[r].last;
      ++r;
      continue;
    }
    const auto it = std::find_if(renamed.begin(), renamed.end(), [&](const auto& p) { return p.first == k; });
    if (it != renamed.end()) {
      result.sql += it->second;
      continue;
    }
    result.sql += lx.str(k);
  }
  return result;
}

std::vector<std::string> split_statements(const std::string& script) {
  const auto toks = tokenize(script);
  std::vector<std::string> out;
  size_t start = 0;
  const auto flush = [&](size_t end) {
    std::string piece = script.substr(start, end - start);
    const auto piece_toks = tokenize(piece);
    const bool empty = std::all_of(piece_toks.begin(), piece_toks.end(), [&](const Token& t) {
      return t.type == Tok::Space || t.type == Tok::Comment || t.type == Tok::Hint ||
             (t.type == Tok::Punct && piece[t.begin] == ';');
    });
    if (!empty) {
      while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.back()))) piece.pop_back();
      size_t lead = 0;
      while (lead < piece.size() && std::isspace(static_cast<unsigned char>(piece[lead]))) ++lead;
      out.push_back(piece.substr(lead));
    }
    start = end;
  };
  for (const auto& t : toks) {
    if (t.type != Tok::Punct || script[t.begin] != ';') continue;
    // sqlite3_complete knows CREATE TRIGGER ... BEGIN ...; END; is one statement.
    const std::string so_far = script.substr(start, t.end - start);
    if (sqlite3_complete(so_far.c_str())) flush(t.end);
  }
  if (start < script.size()) flush(script.size());
  return out;
}

std::string describe_position(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace skyql::sql
