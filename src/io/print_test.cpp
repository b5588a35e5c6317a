#include "huoju/io/print.hpp"

#include <gtest/gtest.h>
#include <poppler/cpp/poppler-document.h>

#include <memory>
#include <string>
#include <vector>

#include "huoju/catalog/loader.hpp"
#include "huoju/io/scan.hpp"
#include "src/io/test_util.hpp"

namespace huoju::io {
namespace {

using nlohmann::json;
using test_util::Contains;
using test_util::HaveTool;
using test_util::RunCommand;
using test_util::TempDir;
using test_util::WriteFile;

const catalog::Catalog& Catalog2024() {
  static const std::unique_ptr<catalog::Catalog> kCatalog = [] {
    catalog::LoadResult r = catalog::LoadCatalog((test_util::RepoRoot() / "catalog/2024").string());
    EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "no catalog" : r.problems[0].ToString());
    return std::move(r.catalog);
  }();
  return *kCatalog;
}

FilingPrintHeader TestHeader() {
  FilingPrintHeader h;
  h.unit_name = "北京火炬示范科技有限公司";
  h.uscc = "91110108MA01ABCD2X";
  h.period_label = "2024年";
  h.filing_id = 1024;
  h.version = 3;
  h.data_hash = "3f9a1c2e";
  h.printed_at = "2025-03-20 14:05";
  h.qr_payload = "huoju:filing:1024:v3:3f9a1c2e";
  return h;
}

int PageCount(const std::string& pdf) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
  return doc == nullptr ? -1 : doc->pages();
}

/// `s` without spaces and line breaks: pdftotext drops the spaces between CJK characters and
/// breaks wrapped cells into lines.
std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\f') {
      out += c;
    }
  }
  return out;
}

::testing::AssertionResult Shows(const std::string& squeezed_text, const std::string& part) {
  return Contains(squeezed_text, Squeeze(part));
}

/// pdftotext of pages [first, last] (0 = to the end), squeezed; empty when the tool is missing.
std::string PdfText(const std::string& pdf, int first = 1, int last = 0) {
  TempDir dir;
  WriteFile(dir.path() / "in.pdf", pdf);
  std::string cmd = "pdftotext -enc UTF-8 -f " + std::to_string(first);
  if (last > 0) {
    cmd += " -l " + std::to_string(last);
  }
  return Squeeze(RunCommand(cmd + " '" + (dir.path() / "in.pdf").string() + "' - 2>/dev/null"));
}

json Gq002Values() {
  return {{"qc02", 98765.4}, {"qc05_0", 123456.7}, {"qc55", 100000},
          {"qc06", 2345.25}, {"qc07", 1.0e12},     {"qc41", 12.5},
          {"qc226_1", "1"},  {"qc226_2", "2"},     {"qc226", nullptr}};
}

class PrintFilingPdf : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(Catalog2024().FindForm("GQ-002"), nullptr);
    Result<std::string> pdf = RenderFilingPdf(Catalog2024(), *Catalog2024().FindForm("GQ-002"),
                                              Gq002Values(), TestHeader());
    ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
    pdf_ = pdf.value();
    test_util::Keep("gq002.pdf", pdf_);
  }
  std::string pdf_;
};

TEST_F(PrintFilingPdf, IsAPdfWithSeveralPages) {
  EXPECT_TRUE(pdf_.starts_with("%PDF-"));
  EXPECT_GE(PageCount(pdf_), 2);
}

TEST_F(PrintFilingPdf, TextShowsHeaderIndicatorsAndValues) {
  if (!HaveTool("pdftotext")) {
    GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  }
  std::string text = PdfText(pdf_);
  int pages = PageCount(pdf_);
  for (const std::string& part :
       {std::string("GQ-002 经济概况"), std::string("单位名称"),
        std::string("北京火炬示范科技有限公司"), std::string("统一社会信用代码"),
        std::string("91110108MA01ABCD2X"), std::string("报告期"), std::string("2024年"),
        std::string("数据版本"), std::string("第 3 版（3f9a1c2e）"), std::string("打印时间"),
        std::string("2025-03-20 14:05"), std::string("一、产值与收入"), std::string("指标名称"),
        std::string("计量单位"), std::string("营业收入"), std::string("其中：主营业务收入"),
        std::string("qc05_0"), std::string("千元"),
        // numbers keep their scale, never an exponent
        std::string("123456.7"), std::string("100000.0"), std::string("98765.4"),
        std::string("1000000000000.0"), std::string("12.50"),
        // decimal(15,1) rounding only when the value has no more digits
        std::string("2345.25"),
        // code lists as "code 名称"
        std::string("1 是"), std::string("2 初创期"), std::string("补充资料"),
        std::string("单位负责人（签字）："), std::string("填表人："), std::string("联系电话："),
        std::string("（单位盖章）"), std::string("日期："),
        "第 1 页 共 " + std::to_string(pages) + " 页",
        "第 " + std::to_string(pages) + " 页 共 " + std::to_string(pages) + " 页"}) {
    EXPECT_TRUE(Shows(text, part));
  }
  EXPECT_EQ(text.find("e+"), std::string::npos);
  // The signature block is on the last page only.
  EXPECT_FALSE(Shows(PdfText(pdf_, 1, 1), "单位负责人"));
  EXPECT_TRUE(Shows(PdfText(pdf_, pages, pages), "单位负责人（签字）"));
  EXPECT_TRUE(Shows(PdfText(pdf_, 2, 2), "GQ-002 经济概况（续）"));
}

TEST_F(PrintFilingPdf, QrCodeOnEveryPageDecodesFromThePdf) {
  Result<std::vector<std::string>> codes = ReadQrCodes(pdf_);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  ASSERT_EQ(static_cast<int>(codes->size()), PageCount(pdf_));
  for (const std::string& code : codes.value()) {
    EXPECT_EQ(code, TestHeader().qr_payload);
  }
  // max_pages bounds the work.
  Result<std::vector<std::string>> first = ReadQrCodes(pdf_, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 1U);
}

TEST_F(PrintFilingPdf, QrCodeDecodesFromPngAndJpegRasterisedAt150Dpi) {
  if (!HaveTool("pdftoppm")) {
    GTEST_SKIP() << "pdftoppm (poppler-utils) not installed";
  }
  TempDir dir;
  WriteFile(dir.path() / "form.pdf", pdf_);
  std::string pdf_path = (dir.path() / "form.pdf").string();
  std::string out = (dir.path() / "page").string();
  RunCommand("pdftoppm -r 150 -f 2 -l 2 -png -singlefile '" + pdf_path + "' '" + out + "'");
  RunCommand("pdftoppm -r 150 -f 1 -l 1 -jpeg -singlefile '" + pdf_path + "' '" + out + "'");
  for (const char* file : {"page.png", "page.jpg"}) {
    std::string bytes = test_util::ReadFile(dir.path() / file);
    ASSERT_FALSE(bytes.empty()) << file;
    Result<std::vector<std::string>> codes = ReadQrCodes(bytes);
    ASSERT_TRUE(codes.ok()) << file << ": " << codes.status().ToString();
    ASSERT_EQ(codes->size(), 1U) << file;
    EXPECT_EQ(codes->at(0), TestHeader().qr_payload) << file;
  }
}

TEST_F(PrintFilingPdf, TruncatedPdfIsInvalid) {
  for (size_t cut : {size_t{9}, pdf_.size() / 3, pdf_.size() / 2, pdf_.size() - 200}) {
    Result<std::vector<std::string>> codes = ReadQrCodes(pdf_.substr(0, cut));
    ASSERT_FALSE(codes.ok()) << "cut at " << cut;
    EXPECT_EQ(codes.status().code(), ErrorCode::kValidationFailed);
    EXPECT_TRUE(Shows(codes.status().message(), "扫描件文件已损坏"));
  }
}

TEST(PrintRowTablePdf, RowTableHasColumnHeadersCodesAndRows) {
  const catalog::Form* form = Catalog2024().FindForm("GQ-004");
  ASSERT_NE(form, nullptr);
  ASSERT_FALSE(form->row_tables.empty());
  json projects = json::array();
  for (int i = 1; i <= 40; ++i) {
    projects.push_back({{"seq", i},
                        {"name", "新型储能电池管理系统研发项目第" + std::to_string(i) + "期"},
                        {"source", "2"},
                        {"form", "10"},
                        {"start_date", "2024-01-15"},
                        {"staff", 12},
                        {"person_months", 96.5},
                        {"expense", 5000.2},
                        {"expense_gov", 1200}});
  }
  FilingPrintHeader header = TestHeader();
  header.qr_payload = "huoju:filing:2048:v1:aa55aa55";
  Result<std::string> pdf = RenderFilingPdf(Catalog2024(), *form, {{"projects", projects}}, header);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  test_util::Keep("gq004.pdf", pdf.value());
  EXPECT_TRUE(Contains(pdf.value(), "/MediaBox [ 0 0 841"));  // landscape: the table is wide
  int pages = PageCount(pdf.value());
  EXPECT_GE(pages, 2);
  Result<std::vector<std::string>> codes = ReadQrCodes(pdf.value());
  ASSERT_TRUE(codes.ok());
  EXPECT_EQ(static_cast<int>(codes->size()), pages);
  if (!HaveTool("pdftotext")) {
    GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  }
  std::string text = PdfText(pdf.value());
  for (const char* part :
       {"研究开发项目", "序号", "项目名称", "项目来源", "研发项目第1期", "研发项目第40期",
        "2 政府部门科技项目", "10 自主完成", "5000.2", "1200.0", "96.5", "2024-01-15"}) {
    EXPECT_TRUE(Shows(text, part));
  }
  // The column headers repeat on the page the table continues on.
  EXPECT_TRUE(Shows(PdfText(pdf.value(), 2, 2), "项目名称"));
}

TEST(PrintFilingPdfValues, BlankFormAndBadInput) {
  const catalog::Form* form = Catalog2024().FindForm("GQ-001");
  ASSERT_NE(form, nullptr);
  Result<std::string> blank = RenderFilingPdf(Catalog2024(), *form, json(), TestHeader());
  ASSERT_TRUE(blank.ok()) << blank.status().ToString();
  EXPECT_GE(PageCount(blank.value()), 1);

  Result<std::string> not_object =
      RenderFilingPdf(Catalog2024(), *form, json::array(), TestHeader());
  EXPECT_FALSE(not_object.ok());
  FilingPrintHeader no_qr = TestHeader();
  no_qr.qr_payload.clear();
  EXPECT_FALSE(RenderFilingPdf(Catalog2024(), *form, json::object(), no_qr).ok());

  // Wrong JSON types and invalid UTF-8 print as text instead of failing.
  json odd = {{"qb08", "二〇二〇"},
              {"qb101", json::array({1, 2})},
              {"qb03_0", "\xFF\xFE bad"},
              {"qb11", true},
              {"qb04_0", -1e-12}};
  Result<std::string> pdf = RenderFilingPdf(Catalog2024(), *form, odd, TestHeader());
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  test_util::Keep("gq001-odd.pdf", pdf.value());
  if (HaveTool("pdftotext")) {
    std::string text = PdfText(pdf.value());
    EXPECT_TRUE(Shows(text, "二〇二〇"));
    EXPECT_TRUE(Shows(text, "是"));
    EXPECT_TRUE(Shows(text, "企业概况"));
    EXPECT_FALSE(Shows(text, "-0.0"));
  }
}

TEST(PrintTablePdf, LongTableRepeatsHeaderAndNumbersPages) {
  Table table;
  table.title = "2024年国家高新区企业营业收入清单";
  table.subtitle_lines = {"范围：北京中关村科技园区", "打印时间：2025-03-20 14:05"};
  table.columns = {"序号",     "统一社会信用代码", "单位名称",
                   "所在地区", "营业收入（千元）", "从业人员（人）"};
  table.numeric_columns = {true, false, false, false, true, true};
  for (int i = 1; i <= 200; ++i) {
    table.rows.push_back({std::to_string(i), "91110108MA01AB" + std::to_string(1000 + i),
                          "北京示范科技有限公司第" + std::to_string(i) + "分公司", "北京市海淀区",
                          std::to_string(i * 1000) + ".5", std::to_string(i * 3)});
  }
  Result<std::string> pdf = RenderTablePdf(table);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  test_util::Keep("table.pdf", pdf.value());
  int pages = PageCount(pdf.value());
  EXPECT_GE(pages, 4);
  if (!HaveTool("pdftotext")) {
    GTEST_SKIP() << "pdftotext (poppler-utils) not installed";
  }
  std::string page1 = PdfText(pdf.value(), 1, 1);
  std::string page2 = PdfText(pdf.value(), 2, 2);
  EXPECT_TRUE(Shows(page1, "2024年国家高新区企业营业收入清单"));
  EXPECT_TRUE(Shows(page1, "范围：北京中关村科技园区"));
  EXPECT_TRUE(Shows(page1, "第 1 页 共 " + std::to_string(pages) + " 页"));
  EXPECT_TRUE(Shows(page2, "统一社会信用代码"));
  EXPECT_TRUE(Shows(page2, "营业收入（千元）"));
  EXPECT_TRUE(Shows(page2, "第 2 页 共 " + std::to_string(pages) + " 页"));
  std::string all = PdfText(pdf.value());
  EXPECT_TRUE(Shows(all, "北京示范科技有限公司第200分公司"));
  EXPECT_TRUE(Shows(all, "200000.5"));
  // No row is split: every row's company name appears whole exactly once.
  for (int i : {1, 37, 99, 200}) {
    std::string name = "北京示范科技有限公司第" + std::to_string(i) + "分公司";
    size_t at = all.find(name);
    ASSERT_NE(at, std::string::npos) << name;
    EXPECT_EQ(all.find(name, at + 1), std::string::npos) << name;
  }
}

TEST(PrintTablePdf, EmptyAndRaggedTables) {
  Table empty;
  empty.title = "空清单";
  empty.columns = {"单位名称", "金额"};
  Result<std::string> pdf = RenderTablePdf(empty);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(PageCount(pdf.value()), 1);

  Table ragged;
  ragged.title = "不齐的行";
  ragged.columns = {"甲", "乙", "丙"};
  ragged.rows = {{"1"}, {"1", "2", "3", "4"}, {std::string(3000, 'x')}};
  Result<std::string> pdf2 = RenderTablePdf(ragged);
  ASSERT_TRUE(pdf2.ok()) << pdf2.status().ToString();
  EXPECT_GE(PageCount(pdf2.value()), 1);
}

TEST(PrintConditionalSections, PrintedOnlyWhenFilled) {
  const catalog::Form* form = Catalog2024().FindForm("JSZYJG-NB");
  ASSERT_NE(form, nullptr);
  FilingPrintHeader header = TestHeader();
  header.qr_payload = "huoju:filing:9:v1:00";
  Result<std::string> pdf = RenderFilingPdf(Catalog2024(), *form, json::object(), header);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ASSERT_TRUE(HaveTool("pdftotext"));
  std::string text = PdfText(pdf.value());
  EXPECT_TRUE(Shows(text, "JSZYJG-NB"));
  EXPECT_FALSE(Shows(text, "市场化技术转移机构分表"));
  EXPECT_FALSE(Shows(text, "高校院所、医疗卫生机构分表"));
}

}  // namespace
}  // namespace huoju::io
