// huoju/rules/parser.hpp
//
// Lexer and recursive-descent parser of the audit-rule language (docs/rule-language.md).
// Produces an untyped syntax tree; names are resolved and types checked by the compiler
// (check.hpp / engine.hpp). Pure functions, thread-safe, never throw and never crash on any
// input: the text length and the nesting depth are bounded, and every problem becomes a
// Chinese message with a 1-based line:column relative to the expression text.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace huoju::rules {

/// Longest expression accepted, in bytes. Real rules are a few hundred bytes.
inline constexpr size_t kMaxExpressionBytes = 16 * 1024;
/// Deepest nesting accepted (parentheses, operators, calls). Bounds the parser's and the
/// evaluator's recursion.
inline constexpr int kMaxNestingDepth = 200;

enum class NodeKind {
  kNumber,  ///< number
  kString,  ///< text (decoded, UTF-8)
  kBool,    ///< boolean
  kList,    ///< ["1", "2"]: children are the items
  kRef,     ///< reference, see Node::form/name/table/column
  kCall,    ///< text = function name, children = arguments
  kWhere,   ///< `list where cond` inside a call: children = {list, cond}
  kUnary,   ///< text = "-" or "not", children = {operand}
  kBinary,  ///< text = operator (or and == != < <= > >= + - * / in), children = {lhs, rhs}
};

/// One syntax-tree node. Positions are 1-based, relative to the parsed text; columns count
/// Unicode code points (a Chinese character is one column).
struct Node {
  NodeKind kind = NodeKind::kNumber;
  int line = 1;
  int column = 1;
  double number = 0;
  bool boolean = false;
  /// kString: the text; kCall: the function name; kUnary/kBinary: the operator.
  std::string text;
  /// kRef: the reference is `[form.]name` or `[form.]name[*].column`.
  /// `a` → name=a; `A.b` → form=A, name=b; `t[*].c` → name=t, star, column=c;
  /// `A.t[*].c` → form=A, name=t, star, column=c.
  std::string form;
  std::string name;
  bool star = false;
  std::string column_name;
  std::vector<std::unique_ptr<Node>> children;
  /// Height of this subtree (a leaf is 1); never above kMaxNestingDepth.
  int height = 1;

  /// The reference as written (`GQ003.qd01`, `projects[*].expense`); kRef only.
  std::string RefText() const;
};

struct ParseError {
  int line = 1;
  int column = 1;
  std::string message;  ///< Chinese, without position
  /// "第1行第12列：缺少右括号"
  std::string ToString() const;
};

struct ParseResult {
  std::unique_ptr<Node> root;  ///< null when error is set
  ParseError error;
  bool ok() const { return root != nullptr; }
};

/// Parses one expression (a rule's `expr`/`when`, a formula, a visibility condition).
ParseResult ParseExpression(std::string_view text);

}  // namespace huoju::rules
