#include "huoju/catalog/loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "huoju/app/catalog_command.hpp"

namespace huoju::catalog {
namespace {

namespace fs = std::filesystem;

// __FILE__ may be relative (ccache base_dir rewriting), so also look upwards from the working
// directory and from the test binary.
fs::path TestdataDir() {
  fs::path here = fs::path(__FILE__).parent_path() / "testdata";
  if (fs::is_directory(here)) {
    return here;
  }
  std::error_code ec;
  for (const fs::path& start : {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec)}) {
    for (fs::path p = start; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      if (fs::is_directory(p / "src/catalog/testdata")) {
        return p / "src/catalog/testdata";
      }
    }
  }
  return here;
}

std::string Dir(const std::string& name) {
  return (TestdataDir() / name).string();
}

// 1-based line of the `nth` line of `dir/file` containing `needle` (0 if none).
int LineOf(const std::string& dir, const std::string& file, std::string_view needle, int nth = 1) {
  std::ifstream in(fs::path(dir) / file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos && --nth == 0) {
      return n;
    }
  }
  return 0;
}

std::string Dump(const LoadResult& r) {
  std::string out;
  for (const auto& p : r.problems) {
    out += p.ToString() + "\n";
  }
  return out;
}

// A problem in `file` at `line` whose message contains `text`.
::testing::AssertionResult HasProblem(const LoadResult& r, const std::string& file, int line,
                                      std::string_view text) {
  if (line == 0) {
    return ::testing::AssertionFailure() << "test bug: needle line not found in " << file;
  }
  for (const auto& p : r.problems) {
    if (p.source.file == file && p.source.line == line &&
        p.message.find(text) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no problem " << file << ":" << line << " containing “" << text << "” in:\n"
         << Dump(r);
}

size_t CountProblems(const LoadResult& r, std::string_view text) {
  size_t n = 0;
  for (const auto& p : r.problems) {
    n += p.message.find(text) != std::string::npos ? 1 : 0;
  }
  return n;
}

TEST(CatalogLoader, LoadsValidCatalog) {
  std::string dir = Dir("valid");
  LoadResult r = LoadCatalog(dir);
  ASSERT_TRUE(r.ok()) << Dump(r);
  const Catalog& c = *r.catalog;
  EXPECT_EQ(c.year, 2024);
  EXPECT_EQ(c.title, "测试年度统计调查");
  EXPECT_EQ(c.previous_year, 2023);
  ASSERT_EQ(c.regimes.size(), 2u);
  EXPECT_EQ(c.regimes[0].id, "gq");
  EXPECT_EQ(c.regimes[0].approval, "国统制〔2024〕187号");
  EXPECT_EQ(c.regimes[1].name, "科技企业孵化器统计调查制度");

  ASSERT_NE(c.FindCodeList("industries"), nullptr);
  EXPECT_EQ(c.FindCodeList("industries")->Find("3911")->parent, "391");
  EXPECT_EQ(c.code_list_titles.at("industries"), "行业分类（测试）");
  ASSERT_NE(c.FindCodeList("project_source"), nullptr);
  EXPECT_EQ(c.FindCodeList("project_source")->Find("21")->parent, "2");
  EXPECT_EQ(c.code_list_titles.at("project_source"), "项目来源");

  ASSERT_EQ(c.forms.size(), 3u);
  const Form* gq2 = c.FindForm("GQ-002");
  ASSERT_NE(gq2, nullptr);
  EXPECT_EQ(c.FindFormByRef("GQ002"), gq2);
  EXPECT_EQ(gq2->ref_name, "GQ002");
  EXPECT_EQ(gq2->regime, "gq");
  EXPECT_EQ(gq2->period, PeriodType::kAnnual);
  EXPECT_EQ(gq2->filers, std::vector<std::string>{"enterprise"});
  EXPECT_EQ(gq2->signed_scan, "required");
  EXPECT_EQ(gq2->calendar.due.months_after, 3);
  EXPECT_EQ(gq2->calendar.due.day, 31);
  EXPECT_EQ(gq2->calendar.review_due.day, 30);
  EXPECT_EQ(gq2->review_chain, (std::vector<std::string>{"zone_or_city", "province", "center"}));
  ASSERT_EQ(gq2->sections.size(), 2u);
  EXPECT_EQ(gq2->sections[1].visible_when, "qc05_0 > 0");
  EXPECT_EQ(gq2->sections[0].indicators, (std::vector<std::string>{"qc05_0", "qc55", "qc120"}));
  ASSERT_EQ(gq2->indicators.size(), 5u);
  const Indicator* qc05 = gq2->FindIndicator("qc05_0");
  ASSERT_NE(qc05, nullptr);
  EXPECT_EQ(qc05->type.kind, ValueType::kDecimal);
  EXPECT_EQ(qc05->type.precision, 15);
  EXPECT_EQ(qc05->type.scale, 1);
  EXPECT_TRUE(qc05->required);
  EXPECT_EQ(qc05->min, 0.0);
  EXPECT_EQ(qc05->section, "一、收入");
  EXPECT_EQ(qc05->source.file, "forms/GQ-002.yaml");
  EXPECT_EQ(qc05->source.line, LineOf(dir, "forms/GQ-002.yaml", "code: qc05_0"));
  EXPECT_EQ(qc05->source.column, 15);
  EXPECT_EQ(gq2->FindIndicator("qc55")->parent, "qc05_0");
  EXPECT_EQ(gq2->FindIndicator("qc120")->formula, "qc05_0 - qc220 + prev(qc120)");
  EXPECT_TRUE(gq2->FindIndicator("qc120")->negative_allowed);
  EXPECT_EQ(gq2->FindIndicator("qc220")->section, "二、成本");
  const Indicator* qb03 = gq2->FindIndicator("qb03_1");
  EXPECT_EQ(qb03->type.kind, ValueType::kCode);
  EXPECT_EQ(qb03->type.code_list, "industries");
  EXPECT_EQ(qb03->required_when, "qc05_0 > 0");
  ASSERT_EQ(gq2->row_tables.size(), 1u);
  const RowTable& projects = gq2->row_tables[0];
  EXPECT_EQ(projects.code, "projects");
  EXPECT_EQ(projects.max_rows, 2000);
  ASSERT_EQ(projects.columns.size(), 3u);
  EXPECT_EQ(projects.columns[0].type.kind, ValueType::kText);
  EXPECT_EQ(projects.columns[0].type.max_chars, 100);
  EXPECT_TRUE(projects.columns[0].required);
  EXPECT_EQ(projects.columns[1].type.code_list, "project_source");
  EXPECT_EQ(projects.FindColumn("expense")->unit, "千元");
  ASSERT_EQ(gq2->prefill.size(), 2u);
  EXPECT_EQ(gq2->prefill[0].from, "unit.industry_code");

  ASSERT_EQ(gq2->rules.size(), 2u);
  const Rule& r1 = gq2->rules[0];
  EXPECT_EQ(r1.id, "GQ002-R01");
  EXPECT_EQ(r1.severity, Severity::kError);
  EXPECT_EQ(r1.expr, "qc05_0 >= qc55");
  EXPECT_EQ(r1.source.file, "forms/GQ-002.yaml");
  EXPECT_EQ(r1.source.line, LineOf(dir, "forms/GQ-002.yaml", "expr: qc05_0 >= qc55"));
  EXPECT_EQ(r1.source.column, 11);  // `    expr: q`: the expression's first character
  const Rule& r2 = gq2->rules[1];
  EXPECT_EQ(r2.severity, Severity::kWarning);
  EXPECT_EQ(r2.for_each, "projects");
  EXPECT_EQ(r2.tolerance, 0.5);
  EXPECT_EQ(r2.cells, std::vector<std::string>{"qc05_0"});
  EXPECT_EQ(r2.expr, "expense >= 0");
  EXPECT_EQ(r2.source.column, 12);  // after the opening quote
  EXPECT_EQ(r2.when_source.line, r2.source.line + 1);

  const Form* gq3 = c.FindForm("GQ-003");
  ASSERT_NE(gq3, nullptr);
  EXPECT_EQ(gq3->period, PeriodType::kMonth);
  EXPECT_EQ(gq3->calendar.months, (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(gq3->calendar.due.day, 0);  // last
  EXPECT_EQ(gq3->calendar.review_due.day, 0);
  EXPECT_EQ(gq3->FindIndicator("qd02")->type.kind, ValueType::kInt);
  EXPECT_EQ(gq3->FindIndicator("qd02")->max, 1000000.0);
  ASSERT_EQ(gq3->rules.size(), 1u);
  EXPECT_EQ(gq3->rules[0].expr, "qd01 <= GQ002.qc05_0");
  // A block scalar: the expression starts on the line after `expr: |`.
  EXPECT_EQ(gq3->rules[0].source.line, LineOf(dir, "forms/GQ-003.yaml", "qd01 <= GQ002") + 0);
  EXPECT_EQ(gq3->rules[0].source.column, 7);

  const Form* fh = c.FindForm("FH-001");
  ASSERT_NE(fh, nullptr);
  EXPECT_TRUE(fh->provisional);
  EXPECT_EQ(fh->period, PeriodType::kQuarter);
  EXPECT_EQ(fh->signed_scan, "required_if");
  EXPECT_EQ(fh->signed_scan_when, "fh02 > 100");
  EXPECT_EQ(fh->calendar.opens.months_after, 1);  // default
  EXPECT_EQ(fh->FindIndicator("fh01")->type.max_chars, 50);
  EXPECT_EQ(fh->FindIndicator("fh03")->type.kind, ValueType::kMultiCode);
  EXPECT_EQ(fh->FindIndicator("fh03")->type.max_selected, 2);
  EXPECT_EQ(fh->FindIndicator("fh04")->type.kind, ValueType::kDate);
  EXPECT_EQ(fh->FindIndicator("fh05")->type.kind, ValueType::kBool);
  EXPECT_EQ(fh->FindIndicator("fh06")->type.kind, ValueType::kFile);
  EXPECT_EQ(fh->FindIndicator("fh07")->type.kind, ValueType::kPercent);
  EXPECT_EQ(fh->FindIndicator("fh08")->type.kind, ValueType::kYear);
  EXPECT_EQ(fh->FindIndicator("fh09")->type.kind, ValueType::kText);
  EXPECT_EQ(fh->FindIndicator("fh09")->type.max_chars, 0);
  EXPECT_EQ(fh->rules[0].message, "在孵企业数 {fh02} 不应为负");
  EXPECT_EQ(fh->rules[0].expr, "fh02 >= 0");

  ASSERT_EQ(c.crosswalk.count("GQ-002"), 1u);
  const FormCrosswalk& cw = c.crosswalk.at("GQ-002");
  EXPECT_EQ(cw.renamed.at("qc05"), "qc05_0");
  EXPECT_EQ(cw.merged.at("qc220"), (std::vector<std::string>{"qc220_a", "qc220_b"}));
  EXPECT_EQ(cw.split.at("qc07").at("qc55"), 0.5);
  EXPECT_EQ(cw.added, std::vector<std::string>{"qb03_1"});
  EXPECT_EQ(cw.dropped, std::vector<std::string>{"qc99"});
}

TEST(CatalogLoader, ReportsYamlSyntaxErrorsAndKeepsGoing) {
  std::string dir = Dir("broken-syntax");
  LoadResult r = LoadCatalog(dir);
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.catalog, nullptr);
  // The unclosed `[` is detected where the flow sequence is read on.
  bool syntax_in_form = false;
  for (const auto& p : r.problems) {
    syntax_in_form |= p.source.file == "forms/A-001.yaml" && p.source.line > 0 &&
                      p.message.find("YAML 语法错误") != std::string::npos;
  }
  EXPECT_TRUE(syntax_in_form) << Dump(r);
  EXPECT_TRUE(HasProblem(r, "codes/tabbed.yaml", 4, "YAML 语法错误")) << Dump(r);
  ASSERT_NE(r.catalog->FindForm("A-002"), nullptr);  // the good form still loads
  EXPECT_EQ(r.catalog->FindForm("A-002")->indicators.size(), 2u);
}

TEST(CatalogLoader, ReportsStructureProblems) {
  std::string dir = Dir("broken-structure");
  LoadResult r = LoadCatalog(dir);
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.catalog, nullptr);
  auto at = [&](const std::string& file, std::string_view needle, std::string_view text,
                int nth = 1) {
    EXPECT_TRUE(HasProblem(r, file, LineOf(dir, file, needle, nth), text));
  };
  const std::string cat = "catalog.yaml";
  at(cat, "titel", "目录文件含未知字段“titel”");
  at(cat, "year: 2024", "目录文件缺少字段 title");
  at(cat, "no-such-file", "代码表 missing 的文件 ../shared/no-such-file.csv 无法读取");
  at(cat, "notitle", "代码表 notitle 的 title 不能为空");
  at(cat, "制度甲重复", "制度 gq 重复");
  at(cat, "id: fh", "制度 fh 的 name 不能为空");

  at("codes/dup.yaml", "name: 乙", "代码表 dup 中代码 1 重复");
  at("codes/dup.yaml", "parent: \"9\"", "代码表 dup 中上级代码 9 不存在");

  const std::string s1 = "forms/S-001.yaml";
  at(s1, "code: S-001", "表 S-001 缺少字段 title");
  at(s1, "regime: nosuch", "表 S-001 的制度 nosuch 不存在");
  at(s1, "yearly", "period 值“yearly”无效");
  at(s1, "alien", "填报单位类型“alien”无效");
  at(s1, "months: [1, 13]", "月份“13”无效");
  at(s1, "day: 32", "day 32 无效");
  at(s1, "months_after: x", "months_after 应为整数");
  at(s1, "county", "审核层级“county”无效");
  at(s1, "decimal(15)", "指标 s1: 类型“decimal(15)”应写成 decimal(p,s)");
  at(s1, "reqired", "指标 s1 含未知字段“reqired”");
  at(s1, "name: \"\"", "指标 s2 的 name 不能为空");
  at(s1, "required: maybe", "指标 s2 的 required 应为 true 或 false");
  at(s1, "min: abc", "指标 s2 的 min 应为数值");
  at(s1, "code: s1", "表 S-001 中指标 s1 重复", 2);
  at(s1, "code(nolist)", "不存在的代码表 nolist");
  at(s1, "multi_code(dup, 0)", "最多选择数应为正整数");
  at(s1, "money", "未知类型“money”");
  at(s1, "type: int, type: text", "指标 s6 的字段 type 重复");
  at(s1, "min_rows: 10", "行表 items 的 min_rows 10 大于 max_rows 5");
  at(s1, "列一重复", "行表 items 中列 c1 重复");
  at(s1, "nosuchtable", "规则 S001-R01 的 for_each 引用了不存在的行表 nosuchtable");
  at(s1, "id: S001-R01", "规则编号 S001-R01 重复", 2);
  at(s1, "fatal", "severity 值“fatal”无效");
  at(s1, "message: \"\"", "规则 S001-R02 的 message 不能为空");

  at("forms/S-002.yaml", "跨表重复", "规则编号 S001-R02 重复（已在 forms/S-001.yaml:");
  at("forms/S-003.yaml", "code: S-002", "表 S-002 的文件应命名为 forms/S-002.yaml");
  at("forms/S-003.yaml", "code: S-002", "表号 S-002 重复（已在 forms/S-002.yaml:1 定义）");
  at("forms/S002.yaml", "code: S002", "在规则中同名 S002");

  // Problems come sorted by file and position, and every one has a position.
  for (size_t i = 1; i < r.problems.size(); ++i) {
    const auto& a = r.problems[i - 1].source;
    const auto& b = r.problems[i].source;
    EXPECT_LE(std::tie(a.file, a.line, a.column), std::tie(b.file, b.line, b.column));
  }
  for (const auto& p : r.problems) {
    EXPECT_GT(p.source.line, 0) << p.ToString();
  }
}

TEST(CatalogLoader, ReportsReferenceProblems) {
  std::string dir = Dir("broken-refs");
  LoadResult r = LoadCatalog(dir);
  EXPECT_FALSE(r.ok());
  auto at = [&](const std::string& file, std::string_view needle, std::string_view text) {
    EXPECT_TRUE(HasProblem(r, file, LineOf(dir, file, needle), text));
  };
  const std::string f = "forms/R-001.yaml";
  at(f, "parent: qc05", "指标 qc55 的上级指标 qc05 不存在");
  at(f, "code: p1", "指标 p1 的上级指标构成循环: p1 → p2 → p1");
  EXPECT_EQ(CountProblems(r, "上级指标构成循环"), 1u) << Dump(r);
  at(f, "code: f1", "指标 f1 的计算公式存在循环引用: f1 → f2 → f3 → f1");
  at(f, "code: f4", "指标 f4 的计算公式存在循环引用: f4 → f4");
  EXPECT_EQ(CountProblems(r, "循环引用"), 2u) << Dump(r);
  // The parent problem points at the `parent` value (byte column, 1-based).
  std::ifstream in(fs::path(dir) / f);
  std::string line;
  for (int n = 1; std::getline(in, line) && n < LineOf(dir, f, "parent: qc05"); ++n) {
  }
  for (const auto& p : r.problems) {
    if (p.message.find("qc05 不存在") != std::string::npos) {
      EXPECT_EQ(p.source.column, static_cast<int>(line.find("qc05}")) + 1);
    }
  }

  // Summary layouts: ids, dimensions and indicators are checked against the form.
  at(f, "{id: ok, title: 重复", "编号 ok 重复");
  at(f, "bad-id", "编号“bad-id”应为字母、数字和下划线");
  at(f, "bad-id", "最多按 2 个维度汇总");
  at(f, "bad-id", "汇总维度“planet”无效");
  at(f, "bad-id", "引用了不存在的指标 nosuch");
  at(f, "bad-id", "指标 y1（年份）不是可汇总的数值指标");

  const std::string x = "crosswalk.yaml";
  at(x, "from: 2022", "对照表的 from 2022 与 catalog.yaml 的 previous 2023 不一致");
  at(x, "R-999", "对照表引用了本年度不存在的表 R-999");
  at(x, "renamed:", "renamed 中，新指标 nosuch 在本年度表中不存在");
  at(x, "nosuch2", "merged 中，新指标 nosuch2 在本年度表中不存在");
  at(x, "nosuch3", "split 中，新指标 nosuch3 在本年度表中不存在");
  at(x, "qc55: 1.5", "split 中 s0 → qc55 的比例应为 (0, 1] 内的数");
  at(x, "nosuch4", "new 中，新指标 nosuch4 在本年度表中不存在");
  at(x, "added", "对照表 R-001 含未知字段“added”");
  EXPECT_EQ(CountProblems(r, "r1 在本年度"), 0u) << Dump(r);
}

TEST(CatalogLoader, MissingDirectoryOrCatalogFile) {
  LoadResult none = LoadCatalog(Dir("no-such-dir"));
  EXPECT_EQ(none.catalog, nullptr);
  ASSERT_EQ(none.problems.size(), 1u);
  EXPECT_NE(none.problems[0].message.find("目录不存在"), std::string::npos);

  LoadResult r = LoadCatalog(Dir("broken-nocatalog"));
  EXPECT_FALSE(r.ok());
  ASSERT_NE(r.catalog, nullptr);
  EXPECT_EQ(r.problems[0].ToString(), "catalog.yaml: 文件不存在");
}

// The command prints to stdout; capture it.
std::string RunCommand(const std::vector<std::string>& args, int* code) {
  ::testing::internal::CaptureStdout();
  *code = app::RunCatalogCommand(args);
  return ::testing::internal::GetCapturedStdout();
}

TEST(CatalogCommand, CheckAndList) {
  int code = -1;
  std::string out = RunCommand({"check", Dir("valid")}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("目录检查通过: 测试年度统计调查（2024）: 2 个制度，3 张表"), std::string::npos)
      << out;

  out = RunCommand({"check", Dir("broken-refs")}, &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find(Dir("broken-refs") + "/forms/R-001.yaml:"), std::string::npos) << out;
  EXPECT_NE(out.find("个问题"), std::string::npos);

  out = RunCommand({"list", Dir("valid")}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("GQ-002"), std::string::npos) << out;
  EXPECT_NE(out.find("暂定"), std::string::npos);
  EXPECT_NE(out.find("月报"), std::string::npos);
  EXPECT_NE(out.find("合计: 2 个制度，3 张表，16 个指标，1 个行表，4 条规则，暂定表 1 张"),
            std::string::npos)
      << out;

  RunCommand({"check", "--help"}, &code);
  EXPECT_EQ(code, 0);
  RunCommand({"list", "--help"}, &code);
  EXPECT_EQ(code, 0);
  RunCommand({"--help"}, &code);
  EXPECT_EQ(code, 0);
  RunCommand({"check"}, &code);
  EXPECT_EQ(code, 2);
  RunCommand({"frobnicate", "x"}, &code);
  EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace huoju::catalog
