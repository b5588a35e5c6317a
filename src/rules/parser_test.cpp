#include "huoju/rules/parser.hpp"

#include <gtest/gtest.h>

#include <random>

namespace huoju::rules {
namespace {

// S-expression of a tree, to check precedence and associativity.
std::string S(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNumber: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", n.number);
      return buf;
    }
    case NodeKind::kString:
      return "\"" + n.text + "\"";
    case NodeKind::kBool:
      return n.boolean ? "true" : "false";
    case NodeKind::kRef:
      return n.RefText();
    default:
      break;
  }
  std::string out = "(";
  out += n.kind == NodeKind::kList ? "list" : n.kind == NodeKind::kWhere ? "where" : n.text;
  for (const auto& c : n.children) {
    out += " " + S(*c);
  }
  return out + ")";
}

std::string P(std::string_view text) {
  auto r = ParseExpression(text);
  return r.ok() ? S(*r.root) : "ERROR " + r.error.ToString();
}

TEST(Parser, Precedence) {
  EXPECT_EQ(P("a or b and not c"), "(or a (and b (not c)))");
  EXPECT_EQ(P("a + b * c >= d - -e"), "(>= (+ a (* b c)) (- d (- e)))");
  EXPECT_EQ(P("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(P("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(P("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(P("not a == b"), "(not (== a b))");
  EXPECT_EQ(P("qc06 >= qc06_1 + qc06_2 + qc06_3 + qc06_4"),
            "(>= qc06 (+ (+ (+ qc06_1 qc06_2) qc06_3) qc06_4))");
  EXPECT_EQ(P("x in [\"1\", \"2\"] and y in codes(\"gbt4754\", \"xiao\")"),
            "(and (in x (list \"1\" \"2\")) (in y (codes \"gbt4754\" \"xiao\")))");
}

TEST(Parser, ReferencesLiteralsAndCalls) {
  EXPECT_EQ(P("GQ003.qd01 > 1e6"), "(> GQ003.qd01 1e+06)");
  EXPECT_EQ(P("sum(projects[*].expense where projects[*].source == \"2\")"),
            "(sum (where projects[*].expense (== projects[*].source \"2\")))");
  EXPECT_EQ(P("count_rows(GQ004.rows[*].x)"), "(count_rows GQ004.rows[*].x)");
  EXPECT_EQ(P("prev(qc05_0) <= 3.5"), "(<= (prev qc05_0) 3.5)");
  EXPECT_EQ(P("period_year()"), "(period_year)");
  EXPECT_EQ(P("\"深\\\"圳\\\\\" == name"), "(== \"深\"圳\\\" name)");
  EXPECT_EQ(P("true or false"), "(or true false)");
}

TEST(Parser, PositionsCountCharacters) {
  auto r = ParseExpression("\"深圳\" == x\n  and y");
  ASSERT_TRUE(r.ok());
  const Node& eq = *r.root->children[0];
  EXPECT_EQ(eq.line, 1);
  EXPECT_EQ(eq.column, 6);  // after 4 characters and a space
  EXPECT_EQ(r.root->line, 2);
  EXPECT_EQ(r.root->column, 3);
  EXPECT_EQ(r.root->children[1]->column, 7);
}

TEST(Parser, ErrorsCarryPositions) {
  EXPECT_EQ(P("(qc05_0 + qc55"), "ERROR 第1行第15列：缺少右括号");
  EXPECT_EQ(P("qc05_0 = 1"), "ERROR 第1行第8列：请使用“==”比较是否相等");
  EXPECT_EQ(P("a &&b"), "ERROR 第1行第3列：请使用“and”表示“并且”");
  EXPECT_EQ(P("a >"), "ERROR 第1行第4列：表达式不完整");
  EXPECT_EQ(P("a b"), "ERROR 第1行第3列：表达式后有多余的内容“b”");
  EXPECT_EQ(P("a < b < c"), "ERROR 第1行第7列：比较运算不能连写，请用“and”连接两个比较");
  EXPECT_EQ(P("\"abc"), "ERROR 第1行第1列：字符串缺少结束的双引号");
  EXPECT_EQ(P("x\n + 中"), "ERROR 第2行第4列：无法识别的字符“中”");
  EXPECT_EQ(P("1.x"), "ERROR 第1行第1列：数值格式错误：小数点后应有数字");
  EXPECT_EQ(P("a)"), "ERROR 第1行第2列：多余的右括号");
  EXPECT_EQ(P("t[1].c"), "ERROR 第1行第3列：行表引用应写作“表名[*].列名”");
  EXPECT_EQ(P("  "), "ERROR 第1行第3列：表达式为空");
  EXPECT_EQ(P("a where b"), "ERROR 第1行第3列：“where”只能用在聚合函数的括号内");
  EXPECT_EQ(P("1e999"), "ERROR 第1行第1列：数值超出范围");
  EXPECT_EQ(P("and"), "ERROR 第1行第1列：此处不应出现关键字“and”");
  EXPECT_EQ(P(std::string("a\xff")), "ERROR 第1行第2列：文本不是有效的UTF-8编码");
}

TEST(Parser, RefusesDeepNestingCleanly) {
  std::string deep(5000, '(');
  deep += "1";
  deep += std::string(5000, ')');
  auto r = ParseExpression(deep);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.message.find("嵌套过深"), std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 3000; ++i) {
    chain += "+1";
  }
  r = ParseExpression(chain);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.message.find("嵌套过深"), std::string::npos);

  EXPECT_FALSE(ParseExpression(std::string(20000, 'n')).ok());  // too long
  std::string nots;
  for (int i = 0; i < 1000; ++i) {
    nots += "not ";
  }
  EXPECT_FALSE(ParseExpression(nots + "a").ok());
  std::string ok;
  for (int i = 0; i < 100; ++i) {
    ok += "-(";
  }
  ok += "1" + std::string(100, ')');
  EXPECT_TRUE(ParseExpression(ok).ok());
}

TEST(Parser, SurvivesGarbage) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab_1.e+-*/()[]<>=!,\"\\ \n*whereinandornot中";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    int len = static_cast<int>(rng() % 40);
    for (int k = 0; k < len; ++k) {
      s += alphabet[rng() % alphabet.size()];
    }
    auto r = ParseExpression(s);
    if (!r.ok()) {
      EXPECT_FALSE(r.error.message.empty()) << s;
      EXPECT_GE(r.error.line, 1);
      EXPECT_GE(r.error.column, 1);
    }
  }
}

}  // namespace
}  // namespace huoju::rules
