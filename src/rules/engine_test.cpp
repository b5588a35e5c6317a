#include "huoju/rules/engine.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "src/rules/compile.hpp"
#include "src/rules/test_util.hpp"

namespace huoju::rules {
namespace {

using nlohmann::json;
using testing::GqCatalog;
using testing::MakeRule;

std::shared_ptr<const CompiledCatalog> CompileOrDie(
    catalog::Catalog cat, std::shared_ptr<const CompiledCatalog> prev = nullptr) {
  std::vector<catalog::Problem> problems;
  auto c = CompiledCatalog::Compile(std::make_shared<catalog::Catalog>(std::move(cat)), &problems,
                                    std::move(prev));
  for (const auto& p : problems) {
    ADD_FAILURE() << p.ToString();
  }
  return c;
}

// Evaluates `expr` on `values` (form GQ-002) by making it a rule's message placeholder.
class Expr : public ::testing::Test {
 protected:
  std::string Value(const std::string& expr, const json& values, const json& other = json::object(),
                    const json* prev = nullptr) {
    auto cat = GqCatalog();
    cat.forms[0].rules.push_back(MakeRule("T", "false", "", "{" + expr + "}"));
    auto cc = CompileOrDie(std::move(cat));
    if (!cc) {
      return "COMPILE ERROR";
    }
    json forms = {{"GQ-002", values}};
    if (!other.empty()) {
      forms["GQ-003"] = other;
    }
    auto cur = UnitPeriodData::FromJson(*cc, forms);
    EXPECT_TRUE(cur.ok()) << cur.status().ToString();
    std::optional<UnitPeriodData> p;
    if (prev != nullptr) {
      p.emplace(UnitPeriodData::FromJson(*cc, {{"GQ-002", *prev}}).value());
    }
    auto failures = cc->Evaluate("GQ-002", cur.value(), p ? &*p : nullptr, PeriodInfo::Year(2024));
    for (const auto& f : failures) {
      if (f.rule_id == "T") {
        return f.message;
      }
    }
    return "NO FAILURE";
  }
  // "true", "false" or "unknown" for a bool expression.
  std::string Truth(const std::string& expr, const json& values) {
    std::string v = Value("if(" + expr + ", 1, 0)", values);
    return v == "1" ? "true" : v == "0" ? "false" : v == "（空）" ? "unknown" : v;
  }
};

TEST_F(Expr, MissingValueArithmetic) {
  json v = {{"qc55", 5}, {"qc06", 0}};
  EXPECT_EQ(Value("qc55 + qc24", v), "5");  // blank counts 0
  EXPECT_EQ(Value("qc24 - qc55", v), "-5");
  EXPECT_EQ(Value("qc24 + qc25", v), "（空）");  // both blank
  EXPECT_EQ(Value("qc55 * qc24", v), "（空）");
  EXPECT_EQ(Value("qc55 / qc06", v), "（空）");  // division by zero
  EXPECT_EQ(Value("qc55 / 2", v), "2.5");
  EXPECT_EQ(Value("1e300 * 1e300", v), "（空）");  // overflow
  EXPECT_EQ(Value("abs(qc24)", v), "（空）");
  EXPECT_EQ(Value("coalesce(qc24, qc55, 7)", v), "5");
  EXPECT_EQ(Truth("is_missing(qc24)", v), "true");
  EXPECT_EQ(Truth("is_missing(qc06)", v), "false");
  EXPECT_EQ(Truth("is_missing(qb_name)", json{{"qb_name", ""}}), "true");
}

TEST_F(Expr, KleeneLogic) {
  json v = {{"qc55", 5}};
  EXPECT_EQ(Truth("qc24 > 1", v), "unknown");
  EXPECT_EQ(Truth("qc24 > 1 and qc55 > 10", v), "false");
  EXPECT_EQ(Truth("qc24 > 1 and qc55 > 1", v), "unknown");
  EXPECT_EQ(Truth("qc24 > 1 or qc55 > 1", v), "true");
  EXPECT_EQ(Truth("qc24 > 1 or qc55 > 10", v), "unknown");
  EXPECT_EQ(Truth("not (qc24 > 1)", v), "unknown");
  EXPECT_EQ(Value("if(qc24 > 1, 1, 2)", v), "（空）");
}

TEST_F(Expr, Functions) {
  json v = {{"qc55", -2.345},
            {"qb_name", "深圳abc"},
            {"qb_multi", {"1", "2"}},
            {"qb_date", "2024-01-31"},
            {"qb_src", "21"}};
  EXPECT_EQ(Value("round(qc55, 2)", v), "-2.35");
  EXPECT_EQ(Value("round(1234.5, -2)", v), "1200");
  EXPECT_EQ(Value("min(3, qc55, 1)", v), "-2.345");
  EXPECT_EQ(Value("max(3, qc55, 1)", v), "3");
  EXPECT_EQ(Value("min(3, qc24)", v), "（空）");
  EXPECT_EQ(Value("len(qb_name)", v), "5");
  EXPECT_EQ(Value("count_selected(qb_multi)", v), "2");
  EXPECT_EQ(Value("count_selected(qb_multi)", json::object()), "0");
  EXPECT_EQ(Truth("starts_with(qb_name, \"深\")", v), "true");
  EXPECT_EQ(Truth("approx(qc55, -2.3, 0.05)", v), "true");
  EXPECT_EQ(Truth("approx(qc55, -2.3, 0.01)", v), "false");
  EXPECT_EQ(Truth("qb_src in [\"1\", \"21\"]", v), "true");
  EXPECT_EQ(Truth("qb_src in codes(\"project_source\")", v), "true");
  EXPECT_EQ(Truth("qb_src in codes(\"project_source\", \"1\")", v), "false");
  EXPECT_EQ(Truth("qb_src in codes(\"project_source\", \"2\")", v), "true");
  EXPECT_EQ(Truth("qb_src in [\"1\"]", json::object()), "unknown");
  EXPECT_EQ(Value("add_months(qb_date, 1)", v), "2024-02-29");
  EXPECT_EQ(Value("add_months(qb_date, -13)", v), "2022-12-31");
  EXPECT_EQ(Value("year(qb_date) * 100 + month(qb_date)", v), "202401");
  EXPECT_EQ(Value("days_between(qb_date, date(\"2024-03-01\"))", v), "30");
  EXPECT_EQ(Value("days_between(period_start(), period_end())", v), "365");
  EXPECT_EQ(Value("period_year()", v), "2024");
  EXPECT_EQ(Truth("qb_date < period_end()", v), "true");
  EXPECT_EQ(Value("qb_flag", json{{"qb_flag", true}}), "是");
  EXPECT_EQ(Value("qb_multi", v), "1、2");
}

TEST_F(Expr, UsccAndIdCardVectors) {
  for (const char* code : {"91350100M000100Y43", "912201011239989159", "914403001922038216",
                           "91110000802100433B", "91440300708461136T", "91110000600037341L"}) {
    EXPECT_EQ(Truth("uscc(qb_uscc)", json{{"qb_uscc", code}}), "true") << code;
  }
  for (const char* code : {"91350100M000100Y4Z", "91110000600037342L"}) {
    EXPECT_EQ(Truth("uscc(qb_uscc)", json{{"qb_uscc", code}}), "false") << code;
  }
  for (const char* id : {"11010519491231002X", "360426199101010071", "120103198806018241"}) {
    EXPECT_EQ(Truth("idcard(qb_id)", json{{"qb_id", id}}), "true") << id;
  }
  EXPECT_EQ(Truth("idcard(qb_id)", json{{"qb_id", "360426199101010072"}}), "false");
  EXPECT_EQ(Truth("uscc(qb_uscc)", json::object()), "unknown");
}

TEST_F(Expr, OtherFormsAndDerivedIndicators) {
  json v = {{"qc05_0", 10}, {"qc55", 4}};
  EXPECT_EQ(Value("GQ003.qd01 + 1", v, json{{"qd01", 41}}), "42");
  EXPECT_EQ(Value("GQ003.qd01", v), "（空）");  // form not filed
  EXPECT_EQ(Value("qc_net * 2", v), "12");
  // A value given for a derived indicator is ignored: it is computed.
  json w = v;
  w["qc_net"] = 100;
  EXPECT_EQ(Value("qc_net", w), "6");
}

TEST(CompiledCatalogTest, FormsReadByItsRules) {
  auto cat = GqCatalog();
  const auto own_only = CompileOrDie(cat);
  const int gq002 = own_only->FormIndex("GQ-002");
  EXPECT_EQ(own_only->FormsReadBy(gq002).current, std::set<std::string>{"GQ-002"});
  cat.forms[0].rules.push_back(MakeRule("X", "GQ003.qd01 >= 0", "", "{prev(qc05_0)}"));
  const auto cross = CompileOrDie(cat);
  const auto read = cross->FormsReadBy(cross->FormIndex("GQ-002"));
  EXPECT_EQ(read.current, (std::set<std::string>{"GQ-002", "GQ-003"}));
  EXPECT_EQ(read.previous, std::set<std::string>{"GQ-002"});  // prev() in a message counts
  EXPECT_TRUE(cross->FormsReadBy(-1).current.empty());
}

TEST_F(Expr, Aggregates) {
  json rows = json::array({
      {{"name", "a"}, {"source", "1"}, {"expense", 10}, {"gov", 2}},
      {{"name", "b"}, {"source", "2"}, {"expense", 20}},
      {{"name", "c"}, {"source", "2"}},
  });
  json v = {{"projects", rows}};
  EXPECT_EQ(Value("sum(projects[*].expense)", v), "30");
  EXPECT_EQ(Value("count(projects[*].expense)", v), "2");
  EXPECT_EQ(Value("count(projects[*].name)", v), "3");
  EXPECT_EQ(Value("avg(projects[*].expense)", v), "15");
  EXPECT_EQ(Value("min(projects[*].expense)", v), "10");
  EXPECT_EQ(Value("max(projects[*].expense)", v), "20");
  EXPECT_EQ(Value("sum(projects[*].expense where projects[*].source == \"2\")", v), "20");
  EXPECT_EQ(Value("count_rows(projects where projects[*].source == \"2\")", v), "2");
  EXPECT_EQ(Value("count_rows(projects)", v), "3");
  EXPECT_EQ(Value("sum(projects[*].gov where projects[*].expense > 100)", v), "0");
  EXPECT_EQ(Value("max(projects[*].gov where projects[*].expense > 100)", v), "（空）");
  EXPECT_EQ(Value("sum(projects[*].expense)", json::object()), "0");
  EXPECT_EQ(Value("avg(projects[*].expense)", json::object()), "（空）");
}

TEST_F(Expr, Prev) {
  json prev = {{"qc05_0", 50}};
  EXPECT_EQ(Value("prev(qc05_0)", json::object(), json::object(), &prev), "50");
  EXPECT_EQ(Value("prev(qc55)", json::object(), json::object(), &prev), "（空）");
  EXPECT_EQ(Value("prev(qc05_0)", json::object()), "（空）");  // no previous filing
  json p2 = {{"qc05_0", 50}, {"qc55", 20}};
  EXPECT_EQ(Value("prev(qc_net)", json::object(), json::object(), &p2), "30");
}

TEST(Engine, RuleSemanticsToleranceAndMessages) {
  auto cat = GqCatalog();
  auto& rules = cat.forms[0].rules;
  rules.push_back(MakeRule("GQ002-R01", "qc05_0 >= qc55", "",
                           "营业收入{qc05_0}千元应不小于主营业务收入{qc55}千元"));
  auto r2 = MakeRule("GQ002-R02", "qc06 >= qc06_1 + qc06_2 + qc06_3 + qc06_4");
  r2.tolerance = 1;
  rules.push_back(r2);
  rules.push_back(MakeRule("GQ002-R03", "qc55 / qc05_0 <= 0.5", "qc05_0 > 100"));
  auto r4 = MakeRule("GQ002-R04", "gov <= expense", "",
                     "第{row_number()}行政府资金{gov}大于经费{expense}");
  r4.for_each = "projects";
  rules.push_back(r4);
  auto r5 = MakeRule("GQ002-R05", "GQ003.qd01 >= GQ003.qd03");
  r5.severity = catalog::Severity::kWarning;
  r5.cells = {"GQ003.qd03"};
  rules.push_back(r5);
  auto cc = CompileOrDie(std::move(cat));
  ASSERT_TRUE(cc);

  auto run = [&](const json& forms) {
    auto d = UnitPeriodData::FromJson(*cc, forms);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    std::map<std::string, Failure> out;
    for (auto& f : cc->Evaluate("GQ-002", d.value(), nullptr, PeriodInfo::Year(2024))) {
      out[f.rule_id] = f;
    }
    return out;
  };

  auto f = run({{"GQ-002", {{"qc05_0", 100}, {"qc55", 120}}}});
  ASSERT_TRUE(f.count("GQ002-R01"));
  EXPECT_EQ(f["GQ002-R01"].message, "营业收入100千元应不小于主营业务收入120千元");
  EXPECT_EQ(f["GQ002-R01"].cells, (std::vector<std::string>{"qc05_0", "qc55"}));
  EXPECT_FALSE(f.count("GQ002-R03"));  // when false
  // Blank expr operand: unknown, passes; blank 其中 items count 0.
  f = run({{"GQ-002", {{"qc55", 120}, {"qc06", 5}, {"qc06_1", 6}}}});
  EXPECT_FALSE(f.count("GQ002-R01"));
  EXPECT_FALSE(f.count("GQ002-R02"));  // 5 >= 6 within tolerance 1
  EXPECT_TRUE(f.count("GQ002-.qc05_0.required") == 0);
  EXPECT_TRUE(f.count("GQ002.qc05_0.required"));
  EXPECT_EQ(f["GQ002.qc05_0.required"].message, "“营业收入”为必填项");
  f = run({{"GQ-002", {{"qc05_0", 1}, {"qc06", 5}, {"qc06_1", 6.5}}}});
  EXPECT_TRUE(f.count("GQ002-R02"));
  f = run({{"GQ-002", {{"qc05_0", 200}, {"qc55", 150}}}});
  EXPECT_TRUE(f.count("GQ002-R03"));
  f = run({{"GQ-002", {{"qc05_0", 200}, {"qc55", 0}}}});
  EXPECT_FALSE(f.count("GQ002-R03"));

  // for_each: one failure per row, row cells.
  auto d = UnitPeriodData::FromJson(
      *cc, {{"GQ-002",
             {{"qc05_0", 1},
              {"projects", json::array({{{"name", "a"}, {"expense", 5}, {"gov", 6}},
                                        {{"name", "b"}, {"expense", 5}, {"gov", 5}},
                                        {{"name", "c"}, {"gov", 7}}})}}}});
  ASSERT_TRUE(d.ok());
  std::vector<Failure> rows;
  for (auto& x : cc->Evaluate("GQ-002", d.value(), nullptr, PeriodInfo::Year(2024))) {
    if (x.rule_id == "GQ002-R04") {
      rows.push_back(x);
    }
  }
  ASSERT_EQ(rows.size(), 1u);  // row 3: expense blank → unknown → passes
  EXPECT_EQ(rows[0].message, "第1行政府资金6大于经费5");
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{"projects[1].gov", "projects[1].expense"}));

  f = run({{"GQ-002", {{"qc05_0", 1}}}, {"GQ-003", {{"qd01", 1}, {"qd03", 2}}}});
  ASSERT_TRUE(f.count("GQ002-R05"));
  EXPECT_EQ(f["GQ002-R05"].severity, catalog::Severity::kWarning);
  EXPECT_EQ(f["GQ002-R05"].cells, (std::vector<std::string>{"GQ003.qd03"}));
}

TEST(Engine, BuiltInIndicatorChecks) {
  auto cc = CompileOrDie(GqCatalog());
  ASSERT_TRUE(cc);
  auto ids = [&](const json& forms) {
    auto d = UnitPeriodData::FromJson(*cc, forms);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    std::set<std::string> out;
    for (auto& f : cc->Evaluate("GQ-002", d.value(), nullptr, PeriodInfo::Year(2024))) {
      out.insert(f.rule_id + (f.cells.empty() ? "" : "@" + f.cells[0]));
    }
    return out;
  };
  EXPECT_EQ(ids({{"GQ-002", {{"qc05_0", 1}}}}), std::set<std::string>{});
  auto got = ids(
      {{"GQ-002",
        {{"qc55", -1},
         {"qc120", -5},
         {"qc_ratio", 101},
         {"qb_name", "一二三四五六"},
         {"qb_src", "9"},
         {"qb_multi", {"1", "2", "9"}},
         {"qb_flag", true},
         {"projects",
          json::array(
              {{{"source", "7"}}, {{"name", "太长的名字"}}, json::object(), {{"name", "x"}}})}}}});
  std::set<std::string> want = {
      "GQ002.qc05_0.required@qc05_0",
      "GQ002.qc55.range@qc55",
      "GQ002.qc_ratio.range@qc_ratio",
      "GQ002.qb_name.length@qb_name",
      "GQ002.qb_src.code@qb_src",
      "GQ002.qb_multi.selections@qb_multi",
      "GQ002.qb_multi.code@qb_multi",
      "GQ002.qb_cond.required@qb_cond",
      "GQ002.projects.rows@projects",
      "GQ002.projects.name.required@projects[1].name",
      "GQ002.projects.name.required@projects[3].name",
      "GQ002.projects.source.code@projects[1].source",
      "GQ002.projects.name.length@projects[2].name",
  };
  EXPECT_EQ(got, want);
}

TEST(Engine, JsonInputErrors) {
  auto cc = CompileOrDie(GqCatalog());
  ASSERT_TRUE(cc);
  EXPECT_FALSE(UnitPeriodData::FromJson(*cc, {{"GQ-999", json::object()}}).ok());
  EXPECT_FALSE(UnitPeriodData::FromJson(*cc, {{"GQ-002", {{"nope", 1}}}}).ok());
  EXPECT_FALSE(UnitPeriodData::FromJson(*cc, {{"GQ-002", {{"qc55", "abc"}}}}).ok());
  EXPECT_FALSE(UnitPeriodData::FromJson(*cc, {{"GQ-002", {{"qb_date", "2024-02-30"}}}}).ok());
  EXPECT_TRUE(UnitPeriodData::FromJson(*cc, {{"GQ-002", {{"qc55", "12.5"}}}}).ok());
}

// prev() across a catalog year through a crosswalk with rename, merge and split.
TEST(Engine, PrevThroughCrosswalk) {
  catalog::Catalog old;
  old.year = 2023;
  catalog::Form of;
  of.code = "GQ-002";
  of.ref_name = "GQ002";
  for (const char* c : {"qc05", "qc55", "qc236_a", "qc236_b", "qc07"}) {
    of.indicators.push_back(testing::Ind(c, c));
  }
  old.forms.push_back(of);
  auto old_cc = CompileOrDie(old);
  ASSERT_TRUE(old_cc);

  auto cat = GqCatalog();
  catalog::FormCrosswalk cw;
  cw.renamed = {{"qc05", "qc05_0"}};
  cw.merged = {{"qc236", {"qc236_a", "qc236_b"}}};
  cw.split = {{"qc07", {{"qc07_1", 0.25}, {"qc07_2", 0.75}}}};
  cat.crosswalk["GQ-002"] = cw;
  auto& rules = cat.forms[0].rules;
  for (const char* e : {"prev(qc05_0)", "prev(qc236)", "prev(qc07_1)", "prev(qc07_2)", "prev(qc55)",
                        "prev(qc24)"}) {
    rules.push_back(MakeRule(e, "false", "", std::string("{") + e + "}"));
  }
  auto cc = CompileOrDie(cat, old_cc);
  ASSERT_TRUE(cc);
  auto prev = UnitPeriodData::FromJson(
      *old_cc, {{"GQ-002", {{"qc05", 100}, {"qc55", 60}, {"qc236_a", 3}, {"qc07", 40}}}});
  ASSERT_TRUE(prev.ok());
  UnitPeriodData cur(*cc);
  std::map<std::string, std::string> got;
  for (auto& f : cc->Evaluate("GQ-002", cur, &prev.value(), PeriodInfo::Year(2024))) {
    got[f.rule_id] = f.message;
  }
  EXPECT_EQ(got["prev(qc05_0)"], "100");
  EXPECT_EQ(got["prev(qc236)"], "3");  // qc236_b blank counts 0
  EXPECT_EQ(got["prev(qc07_1)"], "10");
  EXPECT_EQ(got["prev(qc07_2)"], "30");
  EXPECT_EQ(got["prev(qc55)"], "60");      // unmentioned: same code
  EXPECT_EQ(got["prev(qc24)"], "（空）");  // not in the old form

  // Previous data of the same catalog year reads the same codes, no crosswalk.
  auto same = UnitPeriodData::FromJson(*cc, {{"GQ-002", {{"qc05_0", 7}, {"qc236", 8}}}});
  got.clear();
  for (auto& f : cc->Evaluate("GQ-002", cur, &same.value(), PeriodInfo::Year(2024))) {
    got[f.rule_id] = f.message;
  }
  EXPECT_EQ(got["prev(qc05_0)"], "7");
  EXPECT_EQ(got["prev(qc236)"], "8");
}

// A GQ filing of ~100 indicators and ~40 rules must audit in well under 100 µs.
TEST(Engine, PerFilingSpeed) {
  auto cat = GqCatalog();
  auto& f = cat.forms[0];
  for (int i = 0; i < 80; ++i) {
    f.indicators.push_back(testing::Ind("x" + std::to_string(i), "x"));
  }
  for (int i = 0; i < 40; ++i) {
    std::string a = "x" + std::to_string(i * 2 % 80), b = "x" + std::to_string((i * 2 + 1) % 80);
    f.rules.push_back(MakeRule("P" + std::to_string(i),
                               a + " >= " + b + " + x" + std::to_string((i + 7) % 80) + " - qc55",
                               a + " > 0"));
  }
  auto cc = CompileOrDie(cat);
  ASSERT_TRUE(cc);
  json v = {{"qc05_0", 1}};
  for (int i = 0; i < 80; ++i) {
    v["x" + std::to_string(i)] = (i * 37) % 11;
  }
  auto d = UnitPeriodData::FromJson(*cc, {{"GQ-002", v}}).value();
  std::vector<Failure> out;
  int fi = cc->FormIndex("GQ-002");
  const int kIters = 20000;
  auto t0 = std::chrono::steady_clock::now();
  size_t total = 0;
  for (int i = 0; i < kIters; ++i) {
    out.clear();
    cc->Evaluate(fi, d, nullptr, PeriodInfo::Year(2024), &out);
    total += out.size();
  }
  double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      kIters;
  std::printf("per-filing audit: %.2f us (%zu rules, %zu failures)\n", us,
              cc->program().forms[fi].rules.size(), total / kIters);
  EXPECT_LT(us, 100);
}

}  // namespace
}  // namespace huoju::rules

namespace huoju::rules {
namespace {

// Decimal sums are inexact in binary; a total that equals its parts must still compare equal
// (found by the DuckDB batch comparison: thousands of false failures on generated data).
TEST_F(Expr, DecimalSumsCompareEqual) {
  EXPECT_EQ(Truth("qc05_0 >= qc55 + qc06", {{"qc05_0", 0.3}, {"qc55", 0.1}, {"qc06", 0.2}}),
            "true");
  EXPECT_EQ(Truth("qc05_0 == qc55 + qc06", {{"qc05_0", 0.3}, {"qc55", 0.1}, {"qc06", 0.2}}),
            "true");
  EXPECT_EQ(Truth("qc05_0 < qc55 + qc06", {{"qc05_0", 0.3}, {"qc55", 0.1}, {"qc06", 0.2}}),
            "false");
  EXPECT_EQ(Truth("qc05_0 >= qc55 + qc06", {{"qc05_0", 0.29}, {"qc55", 0.1}, {"qc06", 0.2}}),
            "false");
  EXPECT_EQ(Truth("qc05_0 == qc55 + qc06",
                  {{"qc05_0", 123456789012.3}, {"qc55", 123456789012.2}, {"qc06", 0.1}}),
            "true");
  EXPECT_EQ(Truth("qc05_0 == qc55 + qc06",
                  {{"qc05_0", 123456789012.4}, {"qc55", 123456789012.2}, {"qc06", 0.1}}),
            "false");
}

}  // namespace
}  // namespace huoju::rules

namespace huoju::rules {
namespace {

std::string RepoCatalogDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const fs::path& start : {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec),
                                fs::absolute(fs::path(__FILE__), ec)}) {
    for (fs::path p = start; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      if (fs::exists(p / "catalog/2024/catalog.yaml")) {
        return (p / "catalog/2024").string();
      }
    }
  }
  return "catalog/2024";
}

// The repository's 2024 catalog, compiled; null (with the loader's failure reported) if it fails.
std::shared_ptr<const CompiledCatalog> RepoCatalog() {
  auto loaded = catalog::LoadCatalog(RepoCatalogDir());
  if (!loaded.ok()) {
    ADD_FAILURE() << "the 2024 catalog does not load";
    return nullptr;
  }
  std::vector<catalog::Problem> problems;
  return CompiledCatalog::Compile(std::move(loaded.catalog), &problems);
}

TEST(SignedScan, RequiredIfFollowsTheCatalogCondition) {
  auto compiled = RepoCatalog();
  ASSERT_NE(compiled, nullptr);
  const int gq002 = compiled->FormIndex("GQ-002");  // required_if qc05_0 >= 200000
  UnitPeriodData data(*compiled);
  const PeriodInfo year = PeriodInfo::Year(2024);
  EXPECT_FALSE(compiled->SignedScanRequired(gq002, data, nullptr, year));  // blank
  ASSERT_TRUE(data.SetForm("GQ-002", {{"qc05_0", 199999.9}}).ok());
  EXPECT_FALSE(compiled->SignedScanRequired(gq002, data, nullptr, year));
  ASSERT_TRUE(data.SetForm("GQ-002", {{"qc05_0", 200000}}).ok());
  EXPECT_TRUE(compiled->SignedScanRequired(gq002, data, nullptr, year));
  EXPECT_FALSE(compiled->SignedScanRequired(-1, data, nullptr, year));
}

// A value of `type` that SetForm accepts; `n` varies it.
json SampleValue(const catalog::IndicatorType& type, int n) {
  using catalog::ValueType;
  switch (type.kind) {
    case ValueType::kInt:
    case ValueType::kYear:
      return n % 2 == 0 ? json(2000 + n) : json(std::to_string(n));  // numeric text is a number
    case ValueType::kDecimal:
    case ValueType::kPercent:
      return n % 3 == 0 ? json(nullptr) : json(n * 1.25 - 7);
    case ValueType::kDate:
      return "2024-05-0" + std::to_string(1 + n % 9);
    case ValueType::kBool:
      return n % 2 == 0;
    case ValueType::kMultiCode:
      return json::array({"0" + std::to_string(n % 10), 17});
    default:
      return "文本" + std::to_string(n);
  }
}

void ExpectSameSlots(const UnitPeriodData& a, const UnitPeriodData& b, int fi) {
  const auto& fa = a.form(fi);
  const auto& fb = b.form(fi);
  auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  ASSERT_EQ(fa.numbers.size(), fb.numbers.size());
  for (size_t i = 0; i < fa.numbers.size(); ++i) {
    EXPECT_TRUE(same(fa.numbers[i], fb.numbers[i])) << "number slot " << i;
  }
  EXPECT_EQ(fa.texts, fb.texts);
  EXPECT_EQ(fa.lists, fb.lists);
  ASSERT_EQ(fa.tables.size(), fb.tables.size());
  for (size_t t = 0; t < fa.tables.size(); ++t) {
    EXPECT_EQ(fa.tables[t].rows, fb.tables[t].rows);
    EXPECT_EQ(fa.tables[t].texts, fb.tables[t].texts);
    EXPECT_EQ(fa.tables[t].lists, fb.tables[t].lists);
    ASSERT_EQ(fa.tables[t].numbers.size(), fb.tables[t].numbers.size());
    for (size_t c = 0; c < fa.tables[t].numbers.size(); ++c) {
      ASSERT_EQ(fa.tables[t].numbers[c].size(), fb.tables[t].numbers[c].size());
      for (size_t r = 0; r < fa.tables[t].numbers[c].size(); ++r) {
        EXPECT_TRUE(same(fa.tables[t].numbers[c][r], fb.tables[t].numbers[c][r]));
      }
    }
  }
}

// The stored-text reader gives what SetForm gives from the parsed document, for every form of
// the real catalog (fixed cells of every type, row tables), and the same errors.
TEST(SetFormText, MatchesSetFormOnEveryFormOfTheCatalog) {
  auto compiled = RepoCatalog();
  ASSERT_NE(compiled, nullptr);
  int tables = 0;
  for (const auto& form : compiled->catalog().forms) {
    SCOPED_TRACE(form.code);
    json values = json::object();
    int n = 0;
    for (const auto& ind : form.indicators) {
      values[ind.code] = SampleValue(ind.type, n++);
    }
    for (const auto& rt : form.row_tables) {
      json rows = json::array();
      for (int r = 0; r < 2; ++r) {
        json row = json::object();
        for (const auto& col : rt.columns) {
          row[col.code] = SampleValue(col.type, n++);
        }
        rows.push_back(row);
      }
      values[rt.code] = rows;
      ++tables;
    }
    const int fi = compiled->FormIndex(form.code);
    UnitPeriodData by_document(*compiled);
    UnitPeriodData by_text(*compiled);
    ASSERT_TRUE(by_document.SetForm(form.code, values).ok());
    ASSERT_TRUE(by_text.SetFormText(form.code, values.dump()).ok());
    ExpectSameSlots(by_document, by_text, fi);
    // Without the row tables the document is never built; the result is the same.
    json fixed = json::object();
    for (const auto& ind : form.indicators) {
      fixed[ind.code] = values[ind.code];
    }
    UnitPeriodData fixed_by_document(*compiled);
    UnitPeriodData fixed_by_text(*compiled);
    ASSERT_TRUE(fixed_by_document.SetForm(form.code, fixed).ok());
    ASSERT_TRUE(fixed_by_text.SetFormText(form.code, fixed.dump()).ok());
    ExpectSameSlots(fixed_by_document, fixed_by_text, fi);
  }
  EXPECT_GT(tables, 0);

  UnitPeriodData data(*compiled);
  auto both = [&](const json& values) {
    UnitPeriodData by_document(*compiled);
    Status a = by_document.SetForm("GQ-002", values);
    Status b = data.SetFormText("GQ-002", values.dump());
    EXPECT_EQ(a.ToString(), b.ToString()) << values.dump();
    return b;
  };
  EXPECT_FALSE(both({{"qc05_0", "十二"}}).ok());            // not a number
  EXPECT_FALSE(both({{"no_such_code", 1}}).ok());           // unknown indicator
  EXPECT_FALSE(both(json::array({1, 2})).ok());             // not an object
  EXPECT_FALSE(both({{"qc05_0", json::array({1})}}).ok());  // a list for a number
  EXPECT_FALSE(both({{"qc05_0", {{"a", 1}}}}).ok());        // an object for a number
  // Not JSON: refused, and the form is left blank rather than half read.
  ASSERT_TRUE(data.SetFormText("GQ-002", R"({"qc05_0": 5})").ok());
  const auto [kind, slot] = compiled->Slot(compiled->FormIndex("GQ-002"), "qc05_0");
  ASSERT_EQ(kind, 0);
  EXPECT_EQ(data.form(compiled->FormIndex("GQ-002")).numbers[slot], 5);
  Status bad = data.SetFormText("GQ-002", R"({"qc05_0": 6, "qc06_0": )");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("不是有效的 JSON"), std::string::npos) << bad.message();
  EXPECT_TRUE(std::isnan(data.form(compiled->FormIndex("GQ-002")).numbers[slot]));
  EXPECT_FALSE(data.SetFormText("NO-SUCH", "{}").ok());
}

}  // namespace
}  // namespace huoju::rules
