// Test helpers of the rules module: small catalogs built in C++ (no YAML loader).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "huoju/catalog/model.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::rules::testing {

inline catalog::IndicatorType Type(catalog::ValueType k, int max_chars = 0, std::string list = "",
                                   int max_selected = 0) {
  catalog::IndicatorType t;
  t.kind = k;
  t.max_chars = max_chars;
  t.code_list = std::move(list);
  t.max_selected = max_selected;
  return t;
}

inline catalog::Indicator Ind(std::string code, std::string name,
                              catalog::IndicatorType t = Type(catalog::ValueType::kDecimal)) {
  catalog::Indicator i;
  i.code = std::move(code);
  i.name = std::move(name);
  i.type = std::move(t);
  i.source = {"forms/test.yaml", 10, 3};
  return i;
}

inline catalog::Rule MakeRule(std::string id, std::string expr, std::string when = "",
                              std::string message = "") {
  catalog::Rule r;
  r.id = std::move(id);
  r.expr = std::move(expr);
  r.when = std::move(when);
  r.message = message.empty() ? r.id + "不通过" : std::move(message);
  r.source = {"forms/GQ-002.yaml", 20, 11};
  return r;
}

/// A GQ-002-like form with every value type, a row table and a second form GQ-003.
inline catalog::Catalog GqCatalog(int year = 2024) {
  using catalog::ValueType;
  catalog::Catalog cat;
  cat.year = year;
  cat.previous_year = year - 1;
  cat.code_lists.emplace("project_source", CodeList::FromCodes({{"1", "本企业自选", "1", ""},
                                                                {"2", "政府部门科技项目", "1", ""},
                                                                {"21", "国家级", "2", "2"},
                                                                {"3", "其他企业委托", "1", ""}})
                                               .value());
  catalog::Form f;
  f.code = "GQ-002";
  f.ref_name = "GQ002";
  f.source = {"forms/GQ-002.yaml", 1, 1};
  for (const char* c : {"qc05_0", "qc55", "qc06", "qc06_1", "qc06_2", "qc06_3", "qc06_4", "qc236",
                        "qc07_1", "qc07_2", "qc24", "qc25"}) {
    f.indicators.push_back(Ind(c, std::string("指标") + c));
  }
  f.indicators[0].name = "营业收入";
  f.indicators[0].required = true;
  auto profit = Ind("qc120", "营业利润");
  profit.negative_allowed = true;
  f.indicators.push_back(profit);
  auto derived = Ind("qc_net", "派生净额");
  derived.negative_allowed = true;
  derived.formula = "qc05_0 - qc55";
  f.indicators.push_back(derived);
  auto ratio = Ind("qc_ratio", "比例", Type(ValueType::kPercent));
  ratio.max = 100;
  f.indicators.push_back(ratio);
  f.indicators.push_back(Ind("qb_name", "企业名称", Type(ValueType::kText, 5)));
  f.indicators.push_back(Ind("qb_uscc", "统一社会信用代码", Type(ValueType::kText, 18)));
  f.indicators.push_back(Ind("qb_id", "身份证号", Type(ValueType::kText, 18)));
  f.indicators.push_back(Ind("qb_src", "项目来源", Type(ValueType::kCode, 0, "project_source")));
  f.indicators.push_back(
      Ind("qb_multi", "多选", Type(ValueType::kMultiCode, 0, "project_source", 2)));
  f.indicators.push_back(Ind("qb_date", "日期", Type(ValueType::kDate)));
  f.indicators.push_back(Ind("qb_flag", "是否", Type(ValueType::kBool)));
  auto cond = Ind("qb_cond", "条件必填");
  cond.required_when = "qb_flag == true";
  f.indicators.push_back(cond);

  catalog::RowTable t;
  t.code = "projects";
  t.title = "研究开发项目";
  t.max_rows = 3;
  t.source = {"forms/GQ-002.yaml", 50, 3};
  catalog::Column c1{"name", "项目名称", "", Type(ValueType::kText, 4), true, {}};
  catalog::Column c2{"source", "项目来源", "", Type(ValueType::kCode, 0, "project_source"),
                     false,    {}};
  catalog::Column c3{"expense", "经费", "千元", Type(ValueType::kDecimal), false, {}};
  catalog::Column c4{"gov", "政府资金", "千元", Type(ValueType::kDecimal), false, {}};
  t.columns = {c1, c2, c3, c4};
  f.row_tables.push_back(t);
  cat.forms.push_back(f);

  catalog::Form g;
  g.code = "GQ-003";
  g.ref_name = "GQ003";
  g.indicators.push_back(Ind("qd01", "从业人员期末人数", Type(ValueType::kInt)));
  g.indicators.push_back(Ind("qd03", "留学归国人员", Type(ValueType::kInt)));
  cat.forms.push_back(g);
  return cat;
}

}  // namespace huoju::rules::testing
