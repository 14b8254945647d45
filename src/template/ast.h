// Private to template/: the syntax tree the parser builds and the renderer walks.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "template/value.h"

namespace skyql::templating::detail {

struct Node;
using NodePtr = std::shared_ptr<Node>;

struct Node {
  enum class Kind {
    // statements
    Block,    // kids: statements
    Text,     // s
    Print,    // kids[0]
    If,       // kids: cond, body, cond, body, ... [, else body]
    For,      // names: targets; kids: iter, body, else (nullable), filter (nullable)
    Set,      // names: targets, or [namespace, attribute] when flag; kids[0]: expr, or body when block
    // expressions
    Literal,  // value
    Name,     // s
    GetAttr,  // kids[0].s
    GetItem,  // kids[0][kids[1]]
    Slice,    // kids[0][kids[1]:kids[2]:kids[3]] (nullable parts)
    Call,     // kids[0](kids[1..]); the last names.size() args are keyword args called names
    Filter,   // s: filter name; kids[0] operand, then args as in Call
    Test,     // s: test name; kids[0] operand, then args; flag: negated
    Unary,    // s: "-" "+" "not"; kids[0]
    Binary,   // s: operator ("+", "and", "or", "~", "//", ...); kids[0], kids[1]
    Compare,  // kids[0] then one operand per operator in names ("==", "<", "in", "notin", ...)
    CondExpr, // kids: cond, then, else (nullable)
    ListLit,
    TupleLit,
    DictLit,  // kids: key, value, key, value, ...
  };
  Kind kind;
  int line = 0;
  std::string s;
  bool flag = false;
  Value value;
  std::vector<NodePtr> kids;
  std::vector<std::string> names;
};

// Throws TemplateError(name, line, message) on a syntax error.
NodePtr parse_template(std::string_view source, const std::string& name);
NodePtr parse_expression(std::string_view source, const std::string& name);

}  // namespace skyql::templating::detail
