// Lexer and recursive-descent parser following Jinja2's grammar (jinja2/lexer.py, jinja2/parser.py):
// the same operator precedence, the same whitespace control and newline handling, so a template means the
// same thing here as in Python.
#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "template/ast.h"

namespace skyql::templating::detail {
namespace {

struct Token {
  enum class Type { Data, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, Eof };
  Type type;
  std::string text;
  Value value;
  int line;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

void rstrip(std::string& s) {
  while (!s.empty() && is_space(s.back())) s.pop_back();
}

class Lexer {
 public:
  Lexer(std::string_view source, const std::string& name) : name_(name) {
    // Jinja2 normalises newlines to "\n" and, with keep_trailing_newline=False, drops one final newline.
    src_.reserve(source.size());
    for (size_t k = 0; k < source.size(); ++k) {
      if (source[k] == '\r') {
        src_ += '\n';
        if (k + 1 < source.size() && source[k + 1] == '\n') ++k;
      } else {
        src_ += source[k];
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
  }

  std::vector<Token> tokenize() {
    while (pos_ < src_.size()) {
      size_t next = find_tag_start(pos_);
      add_data(src_.substr(pos_, next - pos_));
      pos_ = next;
      if (pos_ >= src_.size()) break;
      char kind = src_[pos_ + 1];
      bool strip_before = pos_ + 2 < src_.size() && src_[pos_ + 2] == '-';
      if (strip_before) strip_last_data();
      if (kind == '#') {
        lex_comment(strip_before);
      } else if (kind == '%' && try_raw()) {
        continue;
      } else {
        lex_tag(kind == '{');
      }
    }
    tokens_.push_back(Token{Token::Type::Eof, "", {}, line_});
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& message, int line) { throw TemplateError(name_, line, message); }

  size_t find_tag_start(size_t from) const {
    size_t p = from;
    while ((p = src_.find('{', p)) != std::string::npos) {
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#')) return p;
      ++p;
    }
    return src_.size();
  }

  void add_data(std::string text) {
    if (lstrip_next_) {
      size_t k = 0;
      while (k < text.size() && is_space(text[k])) ++k;
      text.erase(0, k);
      lstrip_next_ = false;
    }
    int start_line = line_;
    line_ += static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    if (!text.empty()) tokens_.push_back(Token{Token::Type::Data, std::move(text), {}, start_line});
    data_open_ = !tokens_.empty() && tokens_.back().type == Token::Type::Data;
  }

  void strip_last_data() {
    if (!tokens_.empty() && tokens_.back().type == Token::Type::Data) rstrip(tokens_.back().text);
  }

  void advance(size_t n) {
    line_ += static_cast<int>(std::count(src_.begin() + pos_, src_.begin() + pos_ + n, '\n'));
    pos_ += n;
  }

  void lex_comment(bool strip_before) {
    int start = line_;
    size_t end = src_.find("#}", pos_ + 2 + (strip_before ? 1 : 0));
    if (end == std::string::npos) fail("missing end of comment tag '#}'", start);
    lstrip_next_ = end > pos_ + 2 && src_[end - 1] == '-';
    advance(end + 2 - pos_);
  }

  // {% raw %}...{% endraw %}: the body is data, untouched.
  bool try_raw() {
    size_t p = pos_ + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0) return false;
    p += 3;
    while (p < src_.size() && is_space(src_[p])) ++p;
    bool strip_after = p < src_.size() && src_[p] == '-';
    if (strip_after) ++p;
    if (src_.compare(p, 2, "%}") != 0) return false;
    p += 2;
    int start = line_;
    // Find {%[-+]? *endraw *-?%}
    size_t q = p;
    while (true) {
      q = src_.find("{%", q);
      if (q == std::string::npos) fail("missing end of raw directive; expected '{% endraw %}'", start);
      size_t r = q + 2;
      bool strip_body = r < src_.size() && src_[r] == '-';
      if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) ++r;
      while (r < src_.size() && is_space(src_[r])) ++r;
      if (src_.compare(r, 6, "endraw") == 0) {
        r += 6;
        while (r < src_.size() && is_space(src_[r])) ++r;
        bool strip_next = r < src_.size() && src_[r] == '-';
        if (strip_next) ++r;
        if (src_.compare(r, 2, "%}") == 0) {
          std::string body = src_.substr(p, q - p);
          if (strip_after) {
            size_t k = 0;
            while (k < body.size() && is_space(body[k])) ++k;
            body.erase(0, k);
          }
          if (strip_body) rstrip(body);
          advance(p - pos_);
          int body_line = line_;
          advance(r + 2 - pos_);
          if (!body.empty()) tokens_.push_back(Token{Token::Type::Data, std::move(body), {}, body_line});
          lstrip_next_ = strip_next;
          return true;
        }
      }
      q += 2;
    }
  }

  void lex_tag(bool is_var) {
    int start = line_;
    tokens_.push_back(Token{is_var ? Token::Type::VarBegin : Token::Type::BlockBegin, "", {}, line_});
    advance(2);
    if (pos_ < src_.size() && (src_[pos_] == '-' || (!is_var && src_[pos_] == '+'))) advance(1);
    const char* end = is_var ? "}}" : "%}";
    int depth = 0;
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) advance(1);
      if (pos_ >= src_.size()) {
        fail(std::string("unexpected end of template; expected '") + end + "' to close the tag opened here",
             start);
      }
      if (depth == 0) {
        bool strip = src_[pos_] == '-' && src_.compare(pos_ + 1, 2, end) == 0;
        if (strip || src_.compare(pos_, 2, end) == 0) {
          tokens_.push_back(Token{is_var ? Token::Type::VarEnd : Token::Type::BlockEnd, "", {}, line_});
          advance(strip ? 3 : 2);
          lstrip_next_ = strip;
          return;
        }
      }
      lex_token(depth);
    }
  }

  void lex_token(int& depth) {
    char c = src_[pos_];
    int line = line_;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t e = pos_;
      while (e < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
      tokens_.push_back(Token{Token::Type::Name, src_.substr(pos_, e - pos_), {}, line});
      advance(e - pos_);
      return;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      lex_number();
      return;
    }
    if (c == '\'' || c == '"') {
      lex_string();
      return;
    }
    static const char* const two[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : two) {
      if (src_.compare(pos_, 2, op) == 0) {
        tokens_.push_back(Token{Token::Type::Op, op, {}, line});
        advance(2);
        return;
      }
    }
    if (std::string_view("+-*/%~|.,:()[]{}<>=").find(c) != std::string_view::npos) {
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) fail(std::string("unexpected '") + c + "'", line);
        --depth;
      }
      tokens_.push_back(Token{Token::Type::Op, std::string(1, c), {}, line});
      advance(1);
      return;
    }
    fail(std::string("unexpected char '") + c + "'", line);
  }

  void lex_number() {
    size_t e = pos_;
    auto digits = [&](size_t& p) {
      size_t start = p;
      while (p < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[p])) ||
                                 (src_[p] == '_' && p > start && p + 1 < src_.size() &&
                                  std::isdigit(static_cast<unsigned char>(src_[p + 1]))))) {
        ++p;
      }
    };
    digits(e);
    bool is_float = false;
    // foo.0.1 is two item lookups, not a float (Jinja2's float regex has the same look-behind).
    bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';
    if (!after_dot && e + 1 < src_.size() && src_[e] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      ++e;
      digits(e);
    }
    if (!after_dot && e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t p = e + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) {
        is_float = true;
        e = p;
        digits(e);
      }
    }
    std::string text = src_.substr(pos_, e - pos_);
    std::string clean;
    for (char ch : text) {
      if (ch != '_') clean += ch;
    }
    Token t{is_float ? Token::Type::Float : Token::Type::Int, text, {}, line_};
    if (is_float) {
      t.value = Value::real(std::stod(clean));
    } else {
      try {
        t.value = Value::integer(std::stoll(clean));
      } catch (const std::out_of_range&) {
        t.value = Value::real(std::stod(clean));
      }
    }
    tokens_.push_back(std::move(t));
    advance(e - pos_);
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // String literals unescape like Python's "unicode-escape" codec, as Jinja2 does.
  void lex_string() {
    char quote = src_[pos_];
    int line = line_;
    size_t p = pos_ + 1;
    std::string out;
    while (true) {
      if (p >= src_.size()) fail("unexpected end of string literal", line);
      char c = src_[p];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        ++p;
        continue;
      }
      if (p + 1 >= src_.size()) fail("unexpected end of string literal", line);
      char n = src_[p + 1];
      p += 2;
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\n': break;
        case 'x':
        case 'u':
        case 'U': {
          int len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < len; ++k) {
            int h = p + k < src_.size() ? hex_value(src_[p + k]) : -1;
            if (h < 0) fail(std::string("truncated \\") + n + " escape in string literal", line);
            cp = cp * 16 + static_cast<uint32_t>(h);
          }
          p += len;
          append_utf8(out, cp);
          break;
        }
        default:
          if (n >= '0' && n <= '7') {
            uint32_t cp = static_cast<uint32_t>(n - '0');
            for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k, ++p) {
              cp = cp * 8 + static_cast<uint32_t>(src_[p] - '0');
            }
            append_utf8(out, cp);
          } else {
            out += '\\';
            out += n;
          }
      }
    }
    Token t{Token::Type::String, src_.substr(pos_, p + 1 - pos_), Value::string(std::move(out)), line};
    tokens_.push_back(std::move(t));
    advance(p + 1 - pos_);
  }

  std::string src_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
  bool lstrip_next_ = false;
  bool data_open_ = false;
  std::vector<Token> tokens_;
};

NodePtr make(Node::Kind kind, int line) {
  auto n = std::make_shared<Node>();
  n->kind = kind;
  n->line = line;
  return n;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& name) : toks_(std::move(tokens)), name_(name) {}

  NodePtr parse_template() {
    std::string found;
    NodePtr body = subparse({}, &found, "", 0);
    return body;
  }

  NodePtr parse_standalone_expression() {
    // The expression was wrapped as {{ ... }} by the caller.
    expect_type(Token::Type::VarBegin, "'{{'");
    NodePtr e = parse_tuple();
    expect_type(Token::Type::VarEnd, "end of expression");
    if (cur().type != Token::Type::Eof) fail_unexpected("end of expression");
    return e;
  }

 private:
  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t k = 1) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  void next() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(const char* op) const { return cur().type == Token::Type::Op && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == Token::Type::Name && cur().text == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }

  [[noreturn]] void fail(const std::string& message, int line) { throw TemplateError(name_, line, message); }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case Token::Type::Data: return "template data";
      case Token::Type::VarBegin: return "'{{'";
      case Token::Type::VarEnd: return "end of print statement '}}'";
      case Token::Type::BlockBegin: return "'{%'";
      case Token::Type::BlockEnd: return "end of statement block '%}'";
      case Token::Type::Name: return "'" + t.text + "'";
      case Token::Type::String: return "string " + t.text;
      case Token::Type::Int:
      case Token::Type::Float: return "number " + t.text;
      case Token::Type::Op: return "'" + t.text + "'";
      case Token::Type::Eof: return "end of template";
    }
    return "token";
  }

  [[noreturn]] void fail_unexpected(const std::string& expected) {
    fail("expected " + expected + ", got " + describe(cur()), cur().line);
  }

  void expect_op(const char* op) {
    if (!skip_op(op)) fail_unexpected(std::string("'") + op + "'");
  }
  void expect_type(Token::Type type, const char* what) {
    if (cur().type != type) fail_unexpected(what);
    next();
  }
  void expect_block_end() { expect_type(Token::Type::BlockEnd, "end of statement block '%}'"); }
  std::string expect_name(const char* what) {
    if (cur().type != Token::Type::Name) fail_unexpected(what);
    std::string n = cur().text;
    next();
    return n;
  }

  // Statements until a block tag named in `ends`; returns with the position after that tag's name.
  NodePtr subparse(std::initializer_list<const char*> ends, std::string* found, const std::string& opener,
                   int opener_line) {
    NodePtr block = make(Node::Kind::Block, cur().line);
    while (true) {
      const Token& t = cur();
      switch (t.type) {
        case Token::Type::Data: {
          NodePtr n = make(Node::Kind::Text, t.line);
          n->s = t.text;
          block->kids.push_back(n);
          next();
          break;
        }
        case Token::Type::VarBegin: {
          next();
          NodePtr n = make(Node::Kind::Print, t.line);
          n->kids.push_back(parse_tuple());
          expect_type(Token::Type::VarEnd, "end of print statement '}}'");
          block->kids.push_back(n);
          break;
        }
        case Token::Type::BlockBegin: {
          next();
          if (cur().type != Token::Type::Name) fail_unexpected("a tag name");
          for (const char* e : ends) {
            if (cur().text == e) {
              *found = e;
              next();
              return block;
            }
          }
          block->kids.push_back(parse_statement(ends, opener));
          break;
        }
        case Token::Type::Eof: {
          if (ends.size() == 0) return block;
          std::string list;
          for (const char* e : ends) list += (list.empty() ? "'" : " or '") + std::string(e) + "'";
          fail("unexpected end of template; expected " + list + " to close '" + opener + "' from line " +
                   std::to_string(opener_line),
               t.line);
        }
        default: fail_unexpected("template data or a tag");
      }
    }
  }

  NodePtr parse_statement(std::initializer_list<const char*> ends, const std::string& opener) {
    const Token& t = cur();
    int line = t.line;
    std::string tag = t.text;
    next();
    if (tag == "if") return parse_if(line);
    if (tag == "for") return parse_for(line);
    if (tag == "set") return parse_set(line);
    std::string message = "unknown tag '" + tag + "'";
    if (ends.size() > 0) {
      std::string list;
      for (const char* e : ends) list += (list.empty() ? "'" : " or '") + std::string(e) + "'";
      message += "; expected " + list + " to close '" + opener + "'";
    }
    fail(message, line);
  }

  NodePtr parse_if(int line) {
    NodePtr n = make(Node::Kind::If, line);
    std::string found;
    n->kids.push_back(parse_expression(false));
    expect_block_end();
    while (true) {
      n->kids.push_back(subparse({"elif", "else", "endif"}, &found, "if", line));
      if (found == "elif") {
        n->kids.push_back(parse_expression(false));
        expect_block_end();
        continue;
      }
      if (found == "else") {
        expect_block_end();
        n->kids.push_back(subparse({"endif"}, &found, "if", line));
      }
      expect_block_end();
      return n;
    }
  }

  NodePtr parse_for(int line) {
    NodePtr n = make(Node::Kind::For, line);
    bool paren = skip_op("(");
    do {
      n->names.push_back(expect_name("a loop variable name"));
    } while (skip_op(","));
    if (paren) expect_op(")");
    if (!skip_name("in")) fail_unexpected("'in'");
    n->kids.push_back(parse_tuple(false));
    NodePtr filter;
    if (skip_name("if")) filter = parse_expression();
    if (is_name("recursive")) fail("recursive loops are not supported", cur().line);
    expect_block_end();
    std::string found;
    n->kids.push_back(subparse({"endfor", "else"}, &found, "for", line));
    NodePtr else_body;
    if (found == "else") {
      expect_block_end();
      else_body = subparse({"endfor"}, &found, "for", line);
    }
    expect_block_end();
    n->kids.push_back(else_body);
    n->kids.push_back(filter);
    return n;
  }

  NodePtr parse_set(int line) {
    NodePtr n = make(Node::Kind::Set, line);
    std::string first = expect_name("a variable name");
    n->names.push_back(first);
    if (skip_op(".")) {
      n->flag = true;
      n->names.push_back(expect_name("an attribute name"));
    } else {
      while (skip_op(",")) n->names.push_back(expect_name("a variable name"));
    }
    if (skip_op("=")) {
      n->kids.push_back(parse_tuple());
      expect_block_end();
      return n;
    }
    if (n->flag || n->names.size() > 1) fail_unexpected("'='");
    expect_block_end();
    std::string found;
    NodePtr body = subparse({"endset"}, &found, "set", line);
    expect_block_end();
    n->s = "block";
    n->kids.push_back(body);
    return n;
  }

  // expression (',' expression)* — a tuple when there is a comma.
  NodePtr parse_tuple(bool with_condexpr = true, bool explicit_parens = false) {
    int line = cur().line;
    std::vector<NodePtr> items;
    bool comma = false;
    while (true) {
      if (!items.empty()) {
        if (!skip_op(",")) break;
        comma = true;
      }
      if (is_tuple_end()) break;
      items.push_back(parse_expression(with_condexpr));
    }
    if (!comma && items.size() == 1) return items[0];
    if (items.empty() && !explicit_parens) fail_unexpected("an expression");
    NodePtr t = make(Node::Kind::TupleLit, line);
    t->kids = std::move(items);
    return t;
  }

  bool is_tuple_end() const {
    const Token& t = cur();
    if (t.type == Token::Type::VarEnd || t.type == Token::Type::BlockEnd || t.type == Token::Type::Eof) {
      return true;
    }
    return t.type == Token::Type::Op && (t.text == ")" || t.text == "]" || t.text == "}") ;
  }

  NodePtr parse_expression(bool with_condexpr = true) {
    NodePtr e = parse_or();
    if (!with_condexpr) return e;
    while (is_name("if")) {
      int line = cur().line;
      next();
      NodePtr cond = parse_or();
      NodePtr other;
      if (skip_name("else")) other = parse_expression();
      NodePtr c = make(Node::Kind::CondExpr, line);
      c->kids = {cond, e, other};
      e = c;
    }
    return e;
  }

  NodePtr binary(const std::string& op, NodePtr l, NodePtr r, int line) {
    NodePtr n = make(Node::Kind::Binary, line);
    n->s = op;
    n->kids = {std::move(l), std::move(r)};
    return n;
  }

  NodePtr parse_or() {
    NodePtr l = parse_and();
    while (is_name("or")) {
      int line = cur().line;
      next();
      l = binary("or", l, parse_and(), line);
    }
    return l;
  }

  NodePtr parse_and() {
    NodePtr l = parse_not();
    while (is_name("and")) {
      int line = cur().line;
      next();
      l = binary("and", l, parse_not(), line);
    }
    return l;
  }

  NodePtr parse_not() {
    if (is_name("not")) {
      NodePtr n = make(Node::Kind::Unary, cur().line);
      next();
      n->s = "not";
      n->kids.push_back(parse_not());
      return n;
    }
    return parse_compare();
  }

  NodePtr parse_compare() {
    int line = cur().line;
    NodePtr first = parse_math1();
    NodePtr cmp;
    while (true) {
      std::string op;
      const Token& t = cur();
      if (t.type == Token::Type::Op &&
          (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" || t.text == ">" ||
           t.text == ">=")) {
        op = t.text;
        next();
      } else if (is_name("in")) {
        op = "in";
        next();
      } else if (is_name("not") && peek().type == Token::Type::Name && peek().text == "in") {
        op = "notin";
        next();
        next();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(Node::Kind::Compare, line);
        cmp->kids.push_back(first);
      }
      cmp->names.push_back(op);
      cmp->kids.push_back(parse_math1());
    }
    return cmp ? cmp : first;
  }

  NodePtr parse_math1() {
    NodePtr l = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().text;
      int line = cur().line;
      next();
      l = binary(op, l, parse_concat(), line);
    }
    return l;
  }

  NodePtr parse_concat() {
    NodePtr l = parse_math2();
    while (is_op("~")) {
      int line = cur().line;
      next();
      l = binary("~", l, parse_math2(), line);
    }
    return l;
  }

  NodePtr parse_math2() {
    NodePtr l = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().text;
      int line = cur().line;
      next();
      l = binary(op, l, parse_pow(), line);
    }
    return l;
  }

  NodePtr parse_pow() {
    NodePtr l = parse_unary();
    while (is_op("**")) {
      int line = cur().line;
      next();
      l = binary("**", l, parse_unary(), line);
    }
    return l;
  }

  NodePtr parse_unary(bool with_filter = true) {
    NodePtr node;
    if (is_op("-") || is_op("+")) {
      node = make(Node::Kind::Unary, cur().line);
      node->s = cur().text;
      next();
      node->kids.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(node);
    if (with_filter) node = parse_filter_expr(node);
    return node;
  }

  NodePtr literal(Value v, int line) {
    NodePtr n = make(Node::Kind::Literal, line);
    n->value = std::move(v);
    return n;
  }

  NodePtr parse_primary() {
    const Token& t = cur();
    int line = t.line;
    switch (t.type) {
      case Token::Type::Name: {
        std::string n = t.text;
        next();
        if (n == "true" || n == "True") return literal(Value::boolean(true), line);
        if (n == "false" || n == "False") return literal(Value::boolean(false), line);
        if (n == "none" || n == "None") return literal(Value::none(), line);
        NodePtr name = make(Node::Kind::Name, line);
        name->s = n;
        return name;
      }
      case Token::Type::String: {
        std::string s;
        while (cur().type == Token::Type::String) {
          s += cur().value.s;
          next();
        }
        return literal(Value::string(std::move(s)), line);
      }
      case Token::Type::Int:
      case Token::Type::Float: {
        Value v = t.value;
        next();
        return literal(std::move(v), line);
      }
      case Token::Type::Op:
        if (t.text == "(") {
          next();
          NodePtr e = parse_tuple(true, true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") {
          next();
          NodePtr l = make(Node::Kind::ListLit, line);
          while (!is_op("]")) {
            if (!l->kids.empty()) {
              expect_op(",");
              if (is_op("]")) break;
            }
            l->kids.push_back(parse_expression());
          }
          next();
          return l;
        }
        if (t.text == "{") {
          next();
          NodePtr d = make(Node::Kind::DictLit, line);
          while (!is_op("}")) {
            if (!d->kids.empty()) {
              expect_op(",");
              if (is_op("}")) break;
            }
            d->kids.push_back(parse_expression());
            expect_op(":");
            d->kids.push_back(parse_expression());
          }
          next();
          return d;
        }
        break;
      default: break;
    }
    fail_unexpected("an expression");
  }

  NodePtr parse_postfix(NodePtr node) {
    while (true) {
      int line = cur().line;
      if (is_op(".")) {
        next();
        if (cur().type == Token::Type::Name) {
          NodePtr g = make(Node::Kind::GetAttr, line);
          g->s = cur().text;
          g->kids.push_back(node);
          next();
          node = g;
        } else if (cur().type == Token::Type::Int) {
          NodePtr g = make(Node::Kind::GetItem, line);
          g->kids = {node, literal(cur().value, line)};
          next();
          node = g;
        } else {
          fail_unexpected("an attribute name");
        }
      } else if (is_op("[")) {
        next();
        node = parse_subscript(node, line);
      } else if (is_op("(")) {
        NodePtr call = make(Node::Kind::Call, line);
        call->kids.push_back(node);
        parse_call_args(call);
        node = call;
      } else {
        return node;
      }
    }
  }

  NodePtr parse_subscript(NodePtr obj, int line) {
    NodePtr parts[3];
    bool slice = false;
    if (!is_op(":")) parts[0] = parse_expression();
    if (skip_op(":")) {
      slice = true;
      if (!is_op("]") && !is_op(":")) parts[1] = parse_expression();
      if (skip_op(":") && !is_op("]")) parts[2] = parse_expression();
    }
    expect_op("]");
    if (!slice) {
      NodePtr g = make(Node::Kind::GetItem, line);
      g->kids = {obj, parts[0]};
      return g;
    }
    NodePtr s = make(Node::Kind::Slice, line);
    s->kids = {obj, parts[0], parts[1], parts[2]};
    return s;
  }

  // '(' args ')' appended to n->kids, keyword names in n->names (keyword args come last).
  void parse_call_args(const NodePtr& n) {
    expect_op("(");
    std::vector<NodePtr> positional;
    std::vector<std::pair<std::string, NodePtr>> keywords;
    while (!is_op(")")) {
      if (!positional.empty() || !keywords.empty()) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (cur().type == Token::Type::Name && peek().type == Token::Type::Op && peek().text == "=") {
        std::string key = cur().text;
        next();
        next();
        keywords.emplace_back(key, parse_expression());
      } else {
        if (!keywords.empty()) fail("positional argument follows keyword argument", cur().line);
        positional.push_back(parse_expression());
      }
    }
    next();
    for (auto& p : positional) n->kids.push_back(p);
    for (auto& [k, v] : keywords) {
      n->names.push_back(k);
      n->kids.push_back(v);
    }
  }

  NodePtr parse_filter_expr(NodePtr node) {
    while (true) {
      int line = cur().line;
      if (is_op("|")) {
        next();
        NodePtr f = make(Node::Kind::Filter, line);
        f->s = expect_name("a filter name");
        while (is_op(".") && peek().type == Token::Type::Name) {
          next();
          f->s += "." + cur().text;
          next();
        }
        f->kids.push_back(node);
        if (is_op("(")) parse_call_args(f);
        node = f;
      } else if (is_name("is")) {
        next();
        NodePtr t = make(Node::Kind::Test, line);
        t->flag = skip_name("not");
        t->s = expect_name("a test name");
        while (is_op(".") && peek().type == Token::Type::Name) {
          next();
          t->s += "." + cur().text;
          next();
        }
        t->kids.push_back(node);
        const Token& c = cur();
        if (is_op("(")) {
          parse_call_args(t);
        } else if ((c.type == Token::Type::Name || c.type == Token::Type::String || c.type == Token::Type::Int ||
                    c.type == Token::Type::Float || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and")) {
          if (is_name("is")) fail("you cannot chain multiple tests with 'is'", c.line);
          t->kids.push_back(parse_postfix(parse_primary()));
        }
        node = t;
      } else if (is_op("(")) {
        NodePtr call = make(Node::Kind::Call, line);
        call->kids.push_back(node);
        parse_call_args(call);
        node = call;
      } else {
        return node;
      }
    }
  }

  std::vector<Token> toks_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace

NodePtr parse_template(std::string_view source, const std::string& name) {
  Lexer lexer(source, name);
  Parser parser(lexer.tokenize(), name);
  return parser.parse_template();
}

NodePtr parse_expression(std::string_view source, const std::string& name) {
  std::string wrapped = "{{ " + std::string(source) + " }}";
  Lexer lexer(wrapped, name);
  Parser parser(lexer.tokenize(), name);
  return parser.parse_standalone_expression();
}

}  // namespace skyql::templating::detail
