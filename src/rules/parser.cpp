#include "huoju/rules/parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace huoju::rules {

std::string Node::RefText() const {
  std::string out;
  if (!form.empty()) {
    out += form;
    out += '.';
  }
  out += name;
  if (star) {
    out += "[*].";
    out += column_name;
  }
  return out;
}

std::string ParseError::ToString() const {
  return "第" + std::to_string(line) + "行第" + std::to_string(column) + "列：" + message;
}

namespace {

enum class Tok { kEnd, kNumber, kString, kIdent, kPunct };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // ident / decoded string / punctuation
  double number = 0;
  int line = 1;
  int column = 1;
};

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if (b < 0x80) {
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  bool Run(std::vector<Token>* out, ParseError* err) {
    while (true) {
      SkipSpace();
      Token t;
      t.line = line_;
      t.column = column_;
      if (pos_ >= s_.size()) {
        out->push_back(std::move(t));
        return true;
      }
      char c = s_[pos_];
      if (IsIdentStart(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() && IsIdentChar(s_[pos_])) {
          Advance(1);
        }
        t.kind = Tok::kIdent;
        t.text = std::string(s_.substr(start, pos_ - start));
      } else if (IsDigit(c)) {
        if (!LexNumber(&t, err)) {
          return false;
        }
      } else if (c == '"') {
        if (!LexString(&t, err)) {
          return false;
        }
      } else {
        static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">="};
        std::string_view rest = s_.substr(pos_);
        bool two = false;
        for (auto op : kTwo) {
          if (rest.substr(0, 2) == op) {
            t.text = std::string(op);
            two = true;
          }
        }
        if (two) {
          Advance(2);
        } else if (std::string_view("()[],.*+-/<>").find(c) != std::string_view::npos) {
          t.text = std::string(1, c);
          Advance(1);
        } else {
          return Fail(err, t, Unexpected(rest));
        }
        t.kind = Tok::kPunct;
      }
      out->push_back(std::move(t));
    }
  }

 private:
  static std::string Unexpected(std::string_view rest) {
    if (rest.substr(0, 2) == "&&") {
      return "请使用“and”表示“并且”";
    }
    if (rest.substr(0, 2) == "||") {
      return "请使用“or”表示“或者”";
    }
    if (rest[0] == '=') {
      return "请使用“==”比较是否相等";
    }
    if (rest[0] == '!') {
      return "请使用“not”表示否定，“!=”表示不等";
    }
    if (rest[0] == '\'') {
      return "字符串应使用双引号";
    }
    size_t n = Utf8SequenceLength(rest, 0);
    return "无法识别的字符“" + std::string(rest.substr(0, n == 0 ? 1 : n)) + "”";
  }

  static bool Fail(ParseError* err, const Token& at, std::string msg) {
    err->line = at.line;
    err->column = at.column;
    err->message = std::move(msg);
    return false;
  }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      Advance(1);
    }
  }

  // Advances over n bytes that form whole code points, tracking line/column.
  void Advance(size_t n) {
    size_t end = pos_ + n;
    while (pos_ < end) {
      char c = s_[pos_];
      if (c == '\n') {
        ++line_;
        column_ = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        ++column_;
      }
      ++pos_;
    }
  }

  bool LexNumber(Token* t, ParseError* err) {
    size_t start = pos_;
    while (pos_ < s_.size() && IsDigit(s_[pos_])) {
      Advance(1);
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      if (pos_ + 1 >= s_.size() || !IsDigit(s_[pos_ + 1])) {
        return Fail(err, *t, "数值格式错误：小数点后应有数字");
      }
      Advance(1);
      while (pos_ < s_.size() && IsDigit(s_[pos_])) {
        Advance(1);
      }
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < s_.size() && (s_[p] == '+' || s_[p] == '-')) {
        ++p;
      }
      if (p >= s_.size() || !IsDigit(s_[p])) {
        return Fail(err, *t, "数值格式错误：指数部分应有数字");
      }
      Advance(p - pos_);
      while (pos_ < s_.size() && IsDigit(s_[pos_])) {
        Advance(1);
      }
    }
    if (pos_ < s_.size() && IsIdentStart(s_[pos_])) {
      return Fail(err, *t, "数值格式错误：数字后紧跟字母");
    }
    std::string digits(s_.substr(start, pos_ - start));
    errno = 0;
    double v = std::strtod(digits.c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(v)) {
      return Fail(err, *t, "数值超出范围");
    }
    t->kind = Tok::kNumber;
    t->number = v;
    t->text = std::move(digits);
    return true;
  }

  bool LexString(Token* t, ParseError* err) {
    Advance(1);  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) {
        return Fail(err, *t, "字符串缺少结束的双引号");
      }
      char c = s_[pos_];
      if (c == '"') {
        Advance(1);
        break;
      }
      if (c == '\n') {
        return Fail(err, *t, "字符串缺少结束的双引号");
      }
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) {
          return Fail(err, *t, "字符串缺少结束的双引号");
        }
        char e = s_[pos_ + 1];
        if (e == '"' || e == '\\') {
          out += e;
          Advance(2);
          continue;
        }
        Token at;
        at.line = line_;
        at.column = column_;
        return Fail(err, at, "字符串中只能使用“\\\"”和“\\\\”两种转义");
      }
      size_t n = Utf8SequenceLength(s_, pos_);  // validated up front: n >= 1
      out.append(s_.substr(pos_, n));
      Advance(n);
    }
    t->kind = Tok::kString;
    t->text = std::move(out);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

bool IsKeyword(const std::string& s) {
  return s == "and" || s == "or" || s == "not" || s == "in" || s == "where" || s == "true" ||
         s == "false";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  std::unique_ptr<Node> Run(ParseError* err) {
    auto n = ParseOr();
    if (n && !failed_ && Peek().kind != Tok::kEnd) {
      const Token& t = Peek();
      if (t.kind == Tok::kPunct && t.text == ")") {
        Fail(t, "多余的右括号");
      } else if (t.kind == Tok::kIdent && t.text == "where") {
        Fail(t, "“where”只能用在聚合函数的括号内");
      } else {
        Fail(t, "表达式后有多余的内容“" + Describe(t) + "”");
      }
    }
    if (failed_) {
      *err = err_;
      return nullptr;
    }
    return n;
  }

 private:
  // Guards the recursion depth of the parser itself.
  struct Enter {
    explicit Enter(Parser* p) : p(p) { ++p->depth_; }
    ~Enter() { --p->depth_; }
    Parser* p;
  };

  const Token& Peek() const { return t_[std::min(i_, t_.size() - 1)]; }
  const Token& Next() {
    const Token& t = Peek();
    if (i_ < t_.size() - 1) {
      ++i_;
    }
    return t;
  }
  bool IsPunct(const char* p) const { return Peek().kind == Tok::kPunct && Peek().text == p; }
  bool IsWord(const char* w) const { return Peek().kind == Tok::kIdent && Peek().text == w; }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd:
        return "表达式结尾";
      case Tok::kString:
        return "\"" + t.text + "\"";
      default:
        return t.text;
    }
  }

  std::nullptr_t Fail(const Token& at, std::string msg) {
    if (!failed_) {
      failed_ = true;
      err_.line = at.line;
      err_.column = at.column;
      err_.message = std::move(msg);
    }
    return nullptr;
  }

  bool TooDeep(const Token& at) {
    // Parentheses and unary operators take two or three frames per tree level; the tree height
    // itself is bounded in Adopt.
    if (depth_ > 3 * kMaxNestingDepth) {
      Fail(at, "表达式嵌套过深（超过" + std::to_string(kMaxNestingDepth) + "层）");
      return true;
    }
    return false;
  }

  std::unique_ptr<Node> Make(NodeKind kind, const Token& at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = at.line;
    n->column = at.column;
    return n;
  }

  // Adds a child and keeps the height bound; returns false (after failing) when exceeded.
  bool Adopt(Node* parent, std::unique_ptr<Node> child) {
    parent->height = std::max(parent->height, child->height + 1);
    parent->children.push_back(std::move(child));
    if (parent->height > kMaxNestingDepth) {
      Fail(Token{Tok::kEnd, "", 0, parent->line, parent->column},
           "表达式嵌套过深（超过" + std::to_string(kMaxNestingDepth) + "层）");
      return false;
    }
    return true;
  }

  std::unique_ptr<Node> Binary(const Token& op, std::unique_ptr<Node> l, std::unique_ptr<Node> r) {
    auto n = Make(NodeKind::kBinary, op);
    n->text = op.text;
    if (!Adopt(n.get(), std::move(l)) || !Adopt(n.get(), std::move(r))) {
      return nullptr;
    }
    return n;
  }

  std::unique_ptr<Node> ParseOr() {
    Enter guard(this);
    if (TooDeep(Peek())) {
      return nullptr;
    }
    auto l = ParseAnd();
    while (l && IsWord("or")) {
      const Token& op = Next();
      auto r = ParseAnd();
      if (!r) {
        return nullptr;
      }
      l = Binary(op, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Node> ParseAnd() {
    auto l = ParseNot();
    while (l && IsWord("and")) {
      const Token& op = Next();
      auto r = ParseNot();
      if (!r) {
        return nullptr;
      }
      l = Binary(op, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Node> ParseNot() {
    if (IsWord("not")) {
      Enter guard(this);
      const Token& op = Next();
      if (TooDeep(op)) {
        return nullptr;
      }
      auto operand = ParseNot();
      if (!operand) {
        return nullptr;
      }
      auto n = Make(NodeKind::kUnary, op);
      n->text = "not";
      if (!Adopt(n.get(), std::move(operand))) {
        return nullptr;
      }
      return n;
    }
    return ParseComparison();
  }

  bool IsComparison() const {
    if (IsWord("in")) {
      return true;
    }
    if (Peek().kind != Tok::kPunct) {
      return false;
    }
    const std::string& p = Peek().text;
    return p == "==" || p == "!=" || p == "<" || p == "<=" || p == ">" || p == ">=";
  }

  std::unique_ptr<Node> ParseComparison() {
    auto l = ParseAdditive();
    if (l && IsComparison()) {
      const Token& op = Next();
      auto r = ParseAdditive();
      if (!r) {
        return nullptr;
      }
      if (IsComparison()) {
        return Fail(Peek(), "比较运算不能连写，请用“and”连接两个比较");
      }
      return Binary(op, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Node> ParseAdditive() {
    auto l = ParseMultiplicative();
    while (l && (IsPunct("+") || IsPunct("-"))) {
      const Token& op = Next();
      auto r = ParseMultiplicative();
      if (!r) {
        return nullptr;
      }
      l = Binary(op, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Node> ParseMultiplicative() {
    auto l = ParseUnary();
    while (l && (IsPunct("*") || IsPunct("/"))) {
      const Token& op = Next();
      auto r = ParseUnary();
      if (!r) {
        return nullptr;
      }
      l = Binary(op, std::move(l), std::move(r));
    }
    return l;
  }

  std::unique_ptr<Node> ParseUnary() {
    if (IsPunct("-")) {
      Enter guard(this);
      const Token& op = Next();
      if (TooDeep(op)) {
        return nullptr;
      }
      auto operand = ParseUnary();
      if (!operand) {
        return nullptr;
      }
      auto n = Make(NodeKind::kUnary, op);
      n->text = "-";
      if (!Adopt(n.get(), std::move(operand))) {
        return nullptr;
      }
      return n;
    }
    return ParsePrimary();
  }

  std::unique_ptr<Node> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kEnd:
        return Fail(t, "表达式不完整");
      case Tok::kNumber: {
        Next();
        auto n = Make(NodeKind::kNumber, t);
        n->number = t.number;
        return n;
      }
      case Tok::kString: {
        Next();
        auto n = Make(NodeKind::kString, t);
        n->text = t.text;
        return n;
      }
      case Tok::kPunct:
        if (t.text == "(") {
          Next();
          auto inner = ParseOr();
          if (!inner) {
            return nullptr;
          }
          if (!IsPunct(")")) {
            return Fail(Peek(), "缺少右括号");
          }
          Next();
          return inner;
        }
        if (t.text == "[") {
          return ParseList();
        }
        if (t.text == ")") {
          return Fail(t, "括号内缺少表达式");
        }
        return Fail(t, "此处不应出现“" + t.text + "”");
      case Tok::kIdent:
        break;
    }
    if (t.text == "true" || t.text == "false") {
      Next();
      auto n = Make(NodeKind::kBool, t);
      n->boolean = t.text == "true";
      return n;
    }
    if (IsKeyword(t.text)) {
      return Fail(t, "此处不应出现关键字“" + t.text + "”");
    }
    Next();
    if (IsPunct("(")) {
      return ParseCall(t);
    }
    return ParseRef(t);
  }

  std::unique_ptr<Node> ParseList() {
    Enter guard(this);
    const Token& open = Next();
    if (TooDeep(open)) {
      return nullptr;
    }
    auto n = Make(NodeKind::kList, open);
    if (IsPunct("]")) {
      Next();
      return n;
    }
    while (true) {
      auto item = ParseOr();
      if (!item || !Adopt(n.get(), std::move(item))) {
        return nullptr;
      }
      if (IsPunct(",")) {
        Next();
        continue;
      }
      if (IsPunct("]")) {
        Next();
        return n;
      }
      return Fail(Peek(), "列表缺少右方括号“]”或逗号");
    }
  }

  std::unique_ptr<Node> ParseCall(const Token& name) {
    Enter guard(this);
    if (TooDeep(name)) {
      return nullptr;
    }
    Next();  // (
    auto n = Make(NodeKind::kCall, name);
    n->text = name.text;
    if (IsPunct(")")) {
      Next();
      return n;
    }
    while (true) {
      auto arg = ParseOr();
      if (!arg) {
        return nullptr;
      }
      if (IsWord("where")) {
        const Token& w = Next();
        auto cond = ParseOr();
        if (!cond) {
          return nullptr;
        }
        auto where = Make(NodeKind::kWhere, w);
        if (!Adopt(where.get(), std::move(arg)) || !Adopt(where.get(), std::move(cond))) {
          return nullptr;
        }
        arg = std::move(where);
      }
      if (!Adopt(n.get(), std::move(arg))) {
        return nullptr;
      }
      if (IsPunct(",")) {
        Next();
        continue;
      }
      if (IsPunct(")")) {
        Next();
        return n;
      }
      return Fail(Peek(), "缺少右括号");
    }
  }

  bool ExpectName(std::string* out, const char* what) {
    if (Peek().kind != Tok::kIdent || IsKeyword(Peek().text)) {
      Fail(Peek(), std::string("此处应为") + what);
      return false;
    }
    *out = Next().text;
    return true;
  }

  std::unique_ptr<Node> ParseRef(const Token& first) {
    auto n = Make(NodeKind::kRef, first);
    n->name = first.text;
    if (IsPunct(".")) {
      Next();
      n->form = n->name;
      if (!ExpectName(&n->name, "指标或行表名")) {
        return nullptr;
      }
    }
    if (IsPunct("[")) {
      Next();
      if (!IsPunct("*")) {
        return Fail(Peek(), "行表引用应写作“表名[*].列名”");
      }
      Next();
      if (!IsPunct("]")) {
        return Fail(Peek(), "缺少右方括号“]”");
      }
      Next();
      if (!IsPunct(".")) {
        return Fail(Peek(), "“[*]”后应为“.列名”");
      }
      Next();
      n->star = true;
      if (!ExpectName(&n->column_name, "列名")) {
        return nullptr;
      }
    }
    if (IsPunct("(")) {
      return Fail(Peek(), "函数名不能带表名前缀");
    }
    return n;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  ParseError err_;
};

}  // namespace

ParseResult ParseExpression(std::string_view text) {
  ParseResult r;
  if (text.size() > kMaxExpressionBytes) {
    r.error.message = "表达式过长（超过" + std::to_string(kMaxExpressionBytes) + "字节）";
    return r;
  }
  // Validate UTF-8 once so the lexer can step over whole code points.
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      r.error = {line, column, "文本不是有效的UTF-8编码"};
      return r;
    }
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
  std::vector<Token> toks;
  if (!Lexer(text).Run(&toks, &r.error)) {
    return r;
  }
  if (toks.size() == 1) {
    r.error = {toks[0].line, toks[0].column, "表达式为空"};
    return r;
  }
  r.root = Parser(std::move(toks)).Run(&r.error);
  return r;
}

}  // namespace huoju::rules
