#include "huoju/rules/check.hpp"

#include <gtest/gtest.h>

#include "src/rules/test_util.hpp"

namespace huoju::rules {
namespace {

using testing::GqCatalog;
using testing::MakeRule;

// Problems of a catalog with one extra rule (optionally for_each projects).
std::vector<catalog::Problem> CheckRule(const std::string& expr, const std::string& when = "",
                                        const std::string& for_each = "",
                                        const std::string& message = "") {
  auto cat = GqCatalog();
  auto r = MakeRule("GQ002-X", expr, when, message);
  r.for_each = for_each;
  cat.forms[0].rules.push_back(r);
  return CheckCatalogRules(cat);
}

std::string First(const std::vector<catalog::Problem>& p) {
  return p.empty() ? "OK" : p[0].ToString();
}

TEST(Check, CleanCatalogHasNoProblems) {
  EXPECT_EQ(First(CheckCatalogRules(GqCatalog())), "OK");
  EXPECT_EQ(First(CheckRule("qc06 >= qc06_1 + qc06_2 + qc06_3 + qc06_4", "qc05_0 > 0")), "OK");
  EXPECT_EQ(First(CheckRule("gov <= expense and row_number() > 0", "", "projects")), "OK");
  EXPECT_EQ(First(CheckRule("sum(projects[*].expense where projects[*].source in [\"1\"]) >= 0")),
            "OK");
  EXPECT_EQ(First(CheckRule("count_rows(projects) <= GQ003.qd01")), "OK");
  EXPECT_EQ(First(CheckRule("true", "", "", "值{qc05_0}与{GQ003.qd01}，{深圳}")), "OK");
}

TEST(Check, SyntaxErrorPointsIntoTheExpression) {
  auto p = CheckRule("(qc05_0 + qc55");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].source.file, "forms/GQ-002.yaml");
  EXPECT_EQ(p[0].source.line, 20);
  EXPECT_EQ(p[0].source.column, 11 + 14);
  EXPECT_EQ(p[0].message, "规则GQ002-X：第1行第15列：缺少右括号");
  // Columns of the source are bytes: a Chinese character before the error counts 3.
  p = CheckRule("\"深\" == (qb_name");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].source.column, 11 + 17);
  EXPECT_EQ(p[0].message, "规则GQ002-X：第1行第16列：缺少右括号");
}

TEST(Check, EachErrorClass) {
  auto has = [](const std::vector<catalog::Problem>& ps, const std::string& what) {
    for (const auto& p : ps) {
      if (p.message.find(what) != std::string::npos) {
        return true;
      }
    }
    ADD_FAILURE() << "no problem containing " << what << "; got " << First(ps);
    return false;
  };
  has(CheckRule("qc99 > 0"), "未知的指标“qc99”");
  has(CheckRule("GQ009.qd01 > 0"), "未知的表“GQ009”");
  has(CheckRule("GQ003.qd99 > 0"), "表GQ003中没有指标“qd99”");
  has(CheckRule("sum(projects[*].nope) > 0"), "行表“projects”中没有列“nope”");
  has(CheckRule("sum(nothing[*].x) > 0"), "没有行表“nothing”");
  has(CheckRule("qb_src in codes(\"nolist\")"), "未知的代码表“nolist”");
  has(CheckRule("qb_src in codes(\"project_source\", \"9\")"), "没有层级“9”");
  has(CheckRule("qc05_0 + qb_name > 0"), "“+”的右边应为数值，实为文本");
  has(CheckRule("qc05_0 == qb_name"), "比较的两边类型不同");
  has(CheckRule("qc05_0 + 1"), "结果应为逻辑值，实为数值");
  has(CheckRule("true", "qc05_0"), "结果应为逻辑值");
  has(CheckRule("len(qc05_0) > 1"), "len()的第1个参数应为文本");
  has(CheckRule("qc05_0 in [\"1\"]"), "“in”的左边应为文本或代码");
  has(CheckRule("projects[*].expense > 0"), "只能用在聚合函数");
  has(CheckRule("sum(qc05_0) > 0"), "sum()的参数应为行表的一列");
  has(CheckRule("sum(projects[*].name) > 0"), "只能用于数值列");
  has(CheckRule("expense > 0"), "未知的指标“expense”");  // bare column outside for_each
  has(CheckRule("row_number() > 0"), "只能用在for_each规则中");
  has(CheckRule("prev(prev(qc05_0)) > 0"), "prev()的参数应为一个固定指标");
  has(CheckRule("prev(1) > 0"), "prev()的参数应为一个固定指标");
  has(CheckRule("prev(expense) > 0", "", "projects"), "prev()只能用于固定指标");
  has(CheckRule("foo(1) > 0"), "未知的函数“foo”");
  has(CheckRule("abs(1, 2) > 0"), "abs()需要1个参数，实有2个");
  has(CheckRule("date(\"2024-13-01\") < period_end()"), "日期“2024-13-01”无效");
  has(CheckRule("qb_flag < true"), "逻辑值只能用");
  has(CheckRule("true", "", "nosuch"), "for_each的行表“nosuch”不存在");
  has(CheckRule("true", "", "", "值{qc98}"), "message占位符{qc98}");
  has(CheckRule("projects > 0"), "是行表");
  has(CheckRule("codes(\"project_source\") == 1"), "codes()只能用在“in”的右边");
  has(CheckRule("[\"1\"] == 1"), "列表只能用在“in”的右边");
  has(CheckRule("if(true, 1, \"a\") > 0"), "参数类型应一致");
}

TEST(Check, CollectsAllErrorsAndOtherExpressions) {
  auto cat = GqCatalog();
  cat.forms[0].rules.push_back(MakeRule("A", "qc97 > 0"));
  cat.forms[0].rules.push_back(MakeRule("B", "qc98 > 0", "qc99 > 0"));
  cat.forms[0].indicators[1].required_when = "nope == 1";
  cat.forms[0].row_tables[0].visible_when = "qb_flag";
  catalog::Section sec;
  sec.title = "一、";
  sec.visible_when = "qb_name + 1 > 0";
  sec.visible_when_source = {"forms/GQ-002.yaml", 5, 20};
  cat.forms[0].sections.push_back(sec);
  auto p = CheckCatalogRules(cat);
  ASSERT_EQ(p.size(), 5u) << First(p);
  EXPECT_NE(p[0].message.find("栏目“一、”的visible_when"), std::string::npos) << p[0].message;
  EXPECT_EQ(p[0].source.line, 5);
  EXPECT_EQ(p[0].source.column, 20);  // at the text operand, column 1
  EXPECT_NE(p[1].message.find("GQ002.qc55的required_when"), std::string::npos) << p[1].message;
  EXPECT_NE(p[2].message.find("规则A"), std::string::npos);
  EXPECT_NE(p[3].message.find("规则B"), std::string::npos);
  EXPECT_EQ(p[3].source.column, 11 + 0);  // qc98 at column 1 of expr
  EXPECT_NE(p[4].message.find("规则B的when"), std::string::npos);
}

TEST(Check, DerivedIndicatorCycleAcrossForms) {
  auto cat = GqCatalog();
  cat.forms[0].indicators[1].formula = "GQ003.qd01 + 1";
  cat.forms[1].indicators[0].formula = "GQ002.qc55 * 2";
  auto p = CheckCatalogRules(cat);
  ASSERT_FALSE(p.empty());
  EXPECT_NE(p[0].message.find("派生指标循环引用"), std::string::npos) << First(p);
  cat.forms[1].indicators[0].formula = "qb_missing + 1";
  p = CheckCatalogRules(cat);
  ASSERT_FALSE(p.empty());
  EXPECT_NE(First(p).find("未知的指标“qb_missing”"), std::string::npos) << First(p);
}

}  // namespace
}  // namespace huoju::rules
