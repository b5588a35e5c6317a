#include "huoju/io/spreadsheet.hpp"

#include <gtest/gtest.h>
#include <zip.h>

#include <string>

#include "src/io/test_util.hpp"

namespace huoju::io {
namespace {

using test_util::Contains;

/// The uncompressed entry `name` of the zip `bytes` (libzip from memory); empty if absent.
std::string ZipEntry(const std::string& bytes, const char* name) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  EXPECT_NE(source, nullptr);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  if (archive == nullptr) {
    zip_source_free(source);
    ADD_FAILURE() << "not a zip: " << zip_error_strerror(&error);
    return "";
  }
  std::string out;
  zip_stat_t st;
  if (zip_stat(archive, name, 0, &st) == 0) {
    zip_file_t* file = zip_fopen(archive, name, 0);
    out.resize(st.size);
    zip_int64_t n = zip_fread(file, out.data(), st.size);
    EXPECT_EQ(n, static_cast<zip_int64_t>(st.size));
    zip_fclose(file);
  }
  zip_close(archive);
  zip_error_fini(&error);
  return out;
}

Table SampleTable() {
  Table t;
  t.title = "2024年企业营业收入汇总表";
  t.subtitle_lines = {"范围：全部国家高新区", "单位：千元"};
  t.columns = {"地区", "企业数", "营业收入", "备注"};
  t.numeric_columns = {false, true, true, false};
  t.rows = {{"北京市", "1024", "123456.7", "含中关村"},
            {"上海市", "87", "-42.25", ""},
            {"合计", "不详", "1e5", "=SUM(A1:A2)"}};
  return t;
}

TEST(SpreadsheetXlsx, WritesValuesStringsAndLayout) {
  Result<std::string> xlsx = WriteTableXlsx(SampleTable());
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().ToString();
  ASSERT_TRUE(xlsx->starts_with("PK\x03\x04"));
  std::string sheet = ZipEntry(xlsx.value(), "xl/worksheets/sheet1.xml");
  std::string strings = ZipEntry(xlsx.value(), "xl/sharedStrings.xml");
  std::string workbook = ZipEntry(xlsx.value(), "xl/workbook.xml");
  ASSERT_FALSE(sheet.empty());
  ASSERT_FALSE(strings.empty());
  // Numbers in numeric columns are numbers.
  EXPECT_TRUE(Contains(sheet, "<v>1024</v>"));
  EXPECT_TRUE(Contains(sheet, "<v>123456.7</v>"));
  EXPECT_TRUE(Contains(sheet, "<v>-42.25</v>"));
  // Chinese text goes to the shared strings, including text in numeric columns that is not a
  // plain number, and formulas stay text.
  for (const char* s : {"2024年企业营业收入汇总表", "范围：全部国家高新区", "地区", "营业收入",
                        "北京市", "含中关村", "不详", "1e5", "=SUM(A1:A2)"}) {
    EXPECT_TRUE(Contains(strings, s));
  }
  EXPECT_FALSE(Contains(sheet, "<f>"));
  // Title merged across all columns, header frozen below the subtitles.
  EXPECT_TRUE(Contains(sheet, "<mergeCell ref=\"A1:D1\"/>"));
  EXPECT_TRUE(Contains(sheet, "<mergeCell ref=\"A2:D2\"/>"));
  EXPECT_TRUE(Contains(sheet, "ySplit=\"4\""));
  EXPECT_TRUE(Contains(sheet, "state=\"frozen\""));
  EXPECT_TRUE(Contains(sheet, "<cols>"));
  EXPECT_TRUE(Contains(workbook, "2024年企业营业收入汇总表"));  // sheet name
}

TEST(SpreadsheetXlsx, OneColumnAndOddTitles) {
  Table t;
  t.title = "清单[1]: a/b?*";
  t.columns = {"名称"};
  t.rows = {{"甲"}, {}};
  Result<std::string> xlsx = WriteTableXlsx(t);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().ToString();
  EXPECT_TRUE(Contains(ZipEntry(xlsx.value(), "xl/sharedStrings.xml"), "清单[1]: a/b?*"));
  EXPECT_TRUE(Contains(ZipEntry(xlsx.value(), "xl/workbook.xml"), "清单_1__ a_b__"));

  Table big;
  big.title = "大表";
  big.columns = {"序号", "名称"};
  big.numeric_columns = {true};
  for (int i = 0; i < 260000; ++i) {  // beyond the constant-memory threshold
    big.rows.push_back({std::to_string(i), "单位" + std::to_string(i)});
  }
  Result<std::string> large = WriteTableXlsx(big);
  ASSERT_TRUE(large.ok()) << large.status().ToString();
  std::string sheet = ZipEntry(large.value(), "xl/worksheets/sheet1.xml");
  EXPECT_TRUE(Contains(sheet, "<v>259999</v>"));
  EXPECT_TRUE(Contains(sheet, "单位259999"));  // inline string in constant-memory mode
}

TEST(SpreadsheetCsv, QuotesPerRfc4180WithBomAndCrlf) {
  Table t;
  t.title = "不输出";
  t.subtitle_lines = {"不输出"};
  t.columns = {"名称", "金额", "备注"};
  t.rows = {{"北京,海淀", "12.5", "他说\"好\""}, {"多行\n文本", "-3", "=1+2"}, {"仅一列"}};
  std::string csv = WriteTableCsv(t);
  EXPECT_EQ(csv,
            "\xEF\xBB\xBF"
            "名称,金额,备注\r\n"
            "\"北京,海淀\",12.5,\"他说\"\"好\"\"\"\r\n"
            "\"多行\n文本\",-3,'=1+2\r\n"
            "仅一列,,\r\n");
}

TEST(SpreadsheetCsv, EmptyTable) {
  Table t;
  EXPECT_EQ(WriteTableCsv(t), "\xEF\xBB\xBF\r\n");
}

}  // namespace
}  // namespace huoju::io
