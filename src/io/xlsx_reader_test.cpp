#include "huoju/io/xlsx_reader.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "huoju/io/spreadsheet.hpp"
#include "src/io/test_util.hpp"

namespace huoju::io {
namespace {

using test_util::Contains;

/// A zip archive in memory of (name, content) entries, deflated.
std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(out);
  zip_t* z = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  EXPECT_NE(z, nullptr);
  for (const auto& [name, content] : entries) {
    zip_source_t* s = zip_source_buffer(z, content.data(), content.size(), 0);
    zip_int64_t idx = zip_file_add(z, name.c_str(), s, ZIP_FL_OVERWRITE);
    EXPECT_GE(idx, 0);
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 9);
  }
  EXPECT_EQ(zip_close(z), 0);
  zip_stat_t st;
  zip_source_stat(out, &st);
  std::string bytes(st.size, '\0');
  zip_source_open(out);
  zip_source_read(out, bytes.data(), st.size);
  zip_source_close(out);
  zip_source_free(out);
  zip_error_fini(&error);
  return bytes;
}

const char* kContentTypes =
    R"(<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>)";
const char* kRootRels =
    R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)";
const char* kWorkbookRels =
    R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>)";

std::string Workbook(bool date1904 = false) {
  return std::string(
             R"(<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)") +
         (date1904 ? R"(<x:workbookPr date1904="1"/>)" : "") +
         R"(<x:sheets><x:sheet name="数据" sheetId="1" r:id="rId1"/><x:sheet name="_meta" sheetId="2" state="hidden" r:id="rId2"/></x:sheets></x:workbook>)";
}

const char* kStyles =
    R"(<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="#,##0.00&quot;元&quot;;[Red]-#,##0.00"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>)";

const char* kShared =
    R"(<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>营业收入</t></si><si><r><t>高新</t></r><r><rPr><b/></rPr><t xml:space="preserve">技术 企业</t></r><rPh><t>こう</t></rPh></si><si><t/></si></sst>)";

std::string Sheet1() {
  return R"(<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
         R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="AB1" t="inlineStr"><is><t>行内</t></is></c></row>)"
         R"(<row r="3"><c r="A3"><v>123.5</v></c><c r="B3" s="1"><v>45292</v></c><c r="C3" s="2"><v>45292.5</v></c><c r="D3" s="3"><v>-7</v></c><c r="E3" t="b"><v>1</v></c><c r="F3" t="e"><v>#DIV/0!</v></c><c r="G3" t="str"><f>A1</f><v>公式结果</v></c><c r="H3" t="d"><v>2024-03-05T00:00:00</v></c><c r="I3" s="1"/></row>)"
         R"(<row><c><v>1</v></c><c><v>2</v></c></row>)"
         R"(</sheetData></worksheet>)";
}

std::string Sheet2() {
  return R"(<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>form</t></is></c><c r="B1" t="inlineStr"><is><t>GQ-002</t></is></c></row></sheetData></worksheet>)";
}

std::vector<std::pair<std::string, std::string>> Parts(const std::string& sheet1 = Sheet1(),
                                                       bool date1904 = false) {
  return {{"[Content_Types].xml", kContentTypes},
          {"_rels/.rels", kRootRels},
          {"xl/workbook.xml", Workbook(date1904)},
          {"xl/_rels/workbook.xml.rels", kWorkbookRels},
          {"xl/styles.xml", kStyles},
          {"xl/sharedStrings.xml", kShared},
          {"xl/worksheets/sheet1.xml", sheet1},
          {"xl/worksheets/sheet2.xml", Sheet2()}};
}

/// Every cell of every sheet as "sheet!A1" → XlsxCell, or the failure.
Result<std::map<std::string, XlsxCell>> ReadEverything(const std::string& bytes,
                                                       const XlsxLimits& limits = {}) {
  HUOJU_ASSIGN_OR_RETURN(auto reader, XlsxReader::Open(bytes, limits));
  std::map<std::string, XlsxCell> out;
  for (const auto& sheet : reader->sheets()) {
    HUOJU_RETURN_IF_ERROR(reader->ReadSheet(sheet, [&](int64_t row, const auto& cells) {
      for (const XlsxCell& c : cells) {
        EXPECT_EQ(c.row, row);
        out[sheet.name + "!" + CellName(c.row, c.col)] = c;
      }
      return Status::Ok();
    }));
  }
  return out;
}

TEST(XlsxCellRef, ParsesAndNames) {
  int64_t row = 0;
  int col = 0;
  ASSERT_TRUE(ParseCellRef("AB12", &row, &col));
  EXPECT_EQ(row, 12);
  EXPECT_EQ(col, 28);
  ASSERT_TRUE(ParseCellRef("XFD1048576", &row, &col));
  EXPECT_EQ(col, 16384);
  for (const char* bad : {"", "A", "12", "a1", "A0", "A1B", "A-1", "AAAAAAAAA1"}) {
    EXPECT_FALSE(ParseCellRef(bad, &row, &col)) << bad;
  }
  EXPECT_EQ(ColumnName(1), "A");
  EXPECT_EQ(ColumnName(26), "Z");
  EXPECT_EQ(ColumnName(27), "AA");
  EXPECT_EQ(ColumnName(16384), "XFD");
  EXPECT_EQ(CellName(3, 4), "D3");
}

TEST(XlsxDates, Serial1900And1904) {
  EXPECT_EQ(SerialToDateText(1), "1900-01-01");
  EXPECT_EQ(SerialToDateText(59), "1900-02-28");
  EXPECT_EQ(SerialToDateText(60), "1900-02-29");
  EXPECT_EQ(SerialToDateText(61), "1900-03-01");
  EXPECT_EQ(SerialToDateText(45292), "2024-01-01");
  EXPECT_EQ(SerialToDateText(45292.75), "2024-01-01 18:00:00");
  EXPECT_EQ(SerialToDateText(0, true), "1904-01-01");
  EXPECT_EQ(SerialToDateText(43830, true), "2024-01-01");
}

TEST(XlsxReader, ReadsEveryCellKind) {
  auto cells = ReadEverything(MakeZip(Parts()));
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  auto& m = cells.value();
  EXPECT_EQ(m["数据!A1"].text, "营业收入");
  EXPECT_EQ(m["数据!B1"].text, "高新技术 企业");  // rich runs joined, phonetic run left out
  EXPECT_EQ(m.count("数据!C1"), 0U);              // the empty string is an empty cell
  EXPECT_EQ(m["数据!AB1"].text, "行内");
  EXPECT_EQ(m["数据!A3"].type, XlsxCellType::kNumber);
  EXPECT_DOUBLE_EQ(m["数据!A3"].number, 123.5);
  EXPECT_EQ(m["数据!B3"].type, XlsxCellType::kDate);
  EXPECT_EQ(m["数据!B3"].text, "2024-01-01");
  EXPECT_EQ(m["数据!C3"].text, "2024-01-01 12:00:00");  // custom date format with quoted 年月日
  EXPECT_EQ(m["数据!D3"].type, XlsxCellType::kNumber);  // [Red] and quoted 元 are no date
  EXPECT_DOUBLE_EQ(m["数据!D3"].number, -7);
  EXPECT_EQ(m["数据!E3"].type, XlsxCellType::kBool);
  EXPECT_EQ(m["数据!E3"].number, 1);
  EXPECT_EQ(m["数据!F3"].type, XlsxCellType::kError);
  EXPECT_EQ(m["数据!F3"].text, "#DIV/0!");
  EXPECT_EQ(m["数据!G3"].text, "公式结果");
  EXPECT_EQ(m["数据!H3"].type, XlsxCellType::kDate);
  EXPECT_EQ(m["数据!H3"].text, "2024-03-05");
  EXPECT_EQ(m.count("数据!I3"), 0U);  // styled, no value
  // Rows and cells without references follow the previous ones.
  EXPECT_DOUBLE_EQ(m["数据!A4"].number, 1);
  EXPECT_DOUBLE_EQ(m["数据!B4"].number, 2);
  EXPECT_EQ(m["_meta!B1"].text, "GQ-002");
}

TEST(XlsxReader, SheetsInOrderWithHiddenFlag) {
  auto reader = XlsxReader::Open(MakeZip(Parts()));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ(reader.value()->sheets().size(), 2U);
  EXPECT_EQ(reader.value()->sheets()[0].name, "数据");
  EXPECT_FALSE(reader.value()->sheets()[0].hidden);
  EXPECT_TRUE(reader.value()->sheets()[1].hidden);
  EXPECT_EQ(reader.value()->sheets()[1].path, "xl/worksheets/sheet2.xml");
  EXPECT_NE(reader.value()->FindSheet("_meta"), nullptr);
  EXPECT_EQ(reader.value()->FindSheet("nope"), nullptr);
}

TEST(XlsxReader, Date1904System) {
  auto cells = ReadEverything(MakeZip(Parts(Sheet1(), true)));
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  EXPECT_EQ(cells.value()["数据!B3"].text, "2028-01-02");  // 45292 days after 1904-01-01
}

TEST(XlsxReader, ReadsWhatLibxlsxwriterWrites) {
  Table t;
  t.title = "清单";
  t.columns = {"单位", "收入"};
  t.numeric_columns = {false, true};
  t.rows = {{"北京某某科技有限公司", "12.5"}, {"上海", "-3"}};
  auto xlsx = WriteTableXlsx(t);
  ASSERT_TRUE(xlsx.ok());
  auto cells = ReadEverything(xlsx.value());
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  auto& m = cells.value();
  EXPECT_EQ(m["清单!A1"].text, "清单");
  EXPECT_EQ(m["清单!A3"].text, "北京某某科技有限公司");
  EXPECT_DOUBLE_EQ(m["清单!B3"].number, 12.5);
  EXPECT_DOUBLE_EQ(m["清单!B4"].number, -3);
}

TEST(XlsxReader, ReadsConstantMemoryInlineStrings) {
  Table t;
  t.title = "大清单";
  t.columns = {"单位", "收入"};
  t.numeric_columns = {false, true};
  for (int i = 0; i < 260'000; ++i) {  // above the constant-memory threshold (cells)
    t.rows.push_back({"单位" + std::to_string(i), std::to_string(i)});
  }
  auto xlsx = WriteTableXlsx(t);
  ASSERT_TRUE(xlsx.ok());
  auto reader = XlsxReader::Open(xlsx.value());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  int64_t rows = 0;
  std::string last;
  ASSERT_TRUE(reader.value()
                  ->ReadSheet(reader.value()->sheets()[0],
                              [&](int64_t row, const std::vector<XlsxCell>& cells) {
                                ++rows;
                                if (row == 260'002) {
                                  last = cells[0].text + "=" +
                                         std::to_string(static_cast<int>(cells[1].number));
                                }
                                return Status::Ok();
                              })
                  .ok());
  EXPECT_EQ(rows, 260'002);
  EXPECT_EQ(last, "单位259999=259999");

  // A sheet this big is scanned on a second thread: a callback's failure still stops the read
  // at once and comes back unchanged, and every row before it arrived in order.
  int64_t seen = 0;
  int64_t expected_row = 0;
  Status stopped = reader.value()->ReadSheet(
      reader.value()->sheets()[0], [&](int64_t row, const std::vector<XlsxCell>& cells) {
        EXPECT_EQ(row, ++expected_row);
        EXPECT_FALSE(cells.empty());
        return ++seen == 100'000 ? Status::Invalid("第十万行停下") : Status::Ok();
      });
  EXPECT_EQ(stopped.message(), "第十万行停下");
  EXPECT_EQ(seen, 100'000);
}

TEST(XlsxReader, CallbackStatusStopsReading) {
  auto reader = XlsxReader::Open(MakeZip(Parts()));
  ASSERT_TRUE(reader.ok());
  int calls = 0;
  Status st = reader.value()->ReadSheet(reader.value()->sheets()[0], [&](int64_t, const auto&) {
    ++calls;
    return Status::Invalid("停");
  });
  EXPECT_EQ(st.message(), "停");
  EXPECT_EQ(calls, 1);
}

// ---------------------------------------------------------------- the fast sheet scanner

/// Every cell of every sheet, read by the fast scanner and by expat: both must agree.
void ExpectScannersAgree(const std::string& sheet1, size_t min_cells = 1) {
  XlsxLimits expat;
  expat.expat_sheets = true;
  auto slow = ReadEverything(MakeZip(Parts(sheet1)), expat);
  auto fast = ReadEverything(MakeZip(Parts(sheet1)));
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  ASSERT_EQ(fast.value().size(), slow.value().size());
  EXPECT_GE(fast.value().size(), min_cells);
  for (const auto& [where, cell] : slow.value()) {
    auto it = fast.value().find(where);
    ASSERT_NE(it, fast.value().end()) << where;
    EXPECT_EQ(it->second.type, cell.type) << where;
    EXPECT_EQ(it->second.text, cell.text) << where;
    EXPECT_EQ(it->second.number, cell.number) << where;
  }
}

std::string Utf16Le(std::string_view ascii_or_bmp_utf8) {
  std::string out = "\xFF\xFE";
  for (size_t i = 0; i < ascii_or_bmp_utf8.size();) {
    auto c = static_cast<unsigned char>(ascii_or_bmp_utf8[i]);
    uint32_t cp = c;
    if (c >= 0xE0) {
      cp = ((c & 0x0F) << 12) | ((ascii_or_bmp_utf8[i + 1] & 0x3F) << 6) |
           (ascii_or_bmp_utf8[i + 2] & 0x3F);
      i += 3;
    } else {
      ++i;
    }
    out.push_back(static_cast<char>(cp & 0xFF));
    out.push_back(static_cast<char>(cp >> 8));
  }
  return out;
}

TEST(XlsxFastScanner, AgreesWithExpatOnWhatProducersWrite) {
  ExpectScannersAgree(Sheet1(), 14);
  // Prefixes, entities and character references, CDATA, comments, processing instructions,
  // single quotes, spaces around '=', a byte order mark, line breaks between everything.
  ExpectScannersAgree(
      "\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n"
      "<!-- written by hand -->\n"
      "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\n"
      "  <x:sheetData>\n"
      "    <x:row r = '2' spans=\"1:4\">\n"
      "      <x:c r='A2' t='inlineStr'><x:is><x:t xml:space='preserve'> a&amp;b &lt;&gt;"
      "&quot;&apos;&#x4E2D;&#25991;&#x1F600; </x:t></x:is></x:c>\n"
      "      <x:c r=\"B2\"><x:v><![CDATA[42.5]]></x:v></x:c>\n"
      "      <x:c r=\"C2\" t=\"str\"><x:f>A1&amp;\"x\"</x:f><x:v>x<![CDATA[<y>]]>z</x:v></x:c>\n"
      "      <?ignored processing instruction?>\n"
      "      <x:c r=\"D2\" t=\"inlineStr\"><x:is><x:r><x:t>富</x:t></x:r><x:r><x:t>文本</x:t>"
      "</x:r><x:rPh sb=\"0\" eb=\"1\"><x:t>ふ</x:t></x:rPh></x:is></x:c>\n"
      "      <x:c r=\"E2\" s=\"1\"><x:v>45292</x:v></x:c><x:c r=\"F2\" s=\"1\"/>\n"
      "      <x:c r=\"G2\" t=\"inlineStr\"><x:is><x:t>a\r\nb\rc&#13;d<![CDATA[e\r\nf]]></x:t>"
      "</x:is></x:c>\n"
      "    </x:row>\n"
      "    <x:row r=\"3\"/>\n"
      "    <x:row><x:c><x:v> 7</x:v></x:c></x:row>\n"
      "  </x:sheetData>\n"
      "  <x:mergeCells count=\"1\"><x:mergeCell ref=\"A1:B1\"/></x:mergeCells>\n"
      "</x:worksheet>\n<!-- after the root -->\n",
      7);
}

// The whole-cell shortcut (the common shapes of a cell, read in one pass) and the shapes next
// to it that must go the general way: every one reads as expat reads it.
TEST(XlsxFastScanner, WholeCellShortcutAgreesWithExpat) {
  ExpectScannersAgree(
      R"(<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData><row r="1">)"
      R"(<c r="A1" s="1" t="s"><v>0</v></c>)"
      R"(<c r="B1" t="inlineStr"><is><t xml:space="preserve"> 有空格 </t></is></c>)"
      R"(<c r="C1" t="inlineStr"><is><t>内联</t></is></c>)"
      R"(<c r="D1"/><c r="E1" s="2"></c><c r="F1"  s="0"   ><v>-12.5</v></c>)"
      R"(<c r="G1" t="inlineStr"><is><t>a&amp;b</t></is></c>)"  // reference: general path
      R"(<c r="H1" cm="1"><v>2</v></c>)"                        // other attribute
      R"(<c r="I1"><v>3</v><f>1+2</f></c>)"                     // not </v></c>
      R"(<c r='J1'><v>4</v></c>)"                               // single quotes
      R"(<c r="K1" t="str"><v>a)"
      "\r\n"
      R"(b</v></c>)"  // CR LF
      R"(<c r="L1" t="b"><v>1</v></c><c r="M1" t="e"><v>#DIV/0!</v></c>)"
      R"(<c r="N1" t="d"><v>2024-02-29T00:00:00</v></c><c r="O1" s="1"><v>45292</v></c>)"
      R"(</row><row r="2"><c t="inlineStr"><is><t>无引用</t></is></c><c><v>5</v></c></row>)"
      R"(</sheetData></worksheet>)",
      15);
  // A row nested in a cell's value: the cells inside it go the general way.
  ExpectScannersAgree(
      R"(<worksheet><sheetData><row r="1"><c r="A1" t="str"><v>x<row r="2"><c r="B2"><v>7</v>)"
      R"(</c></row>y</v></c></row></sheetData></worksheet>)",
      1);
  // Errors the shortcut meets are the general path's errors.
  auto bad = ReadEverything(MakeZip(Parts(
      R"(<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>)")));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.status().message(), "A1")) << bad.status().message();
  bad = ReadEverything(MakeZip(Parts(
      R"(<worksheet><sheetData><row r="1"><c r="1A"><v>1</v></c></row></sheetData></worksheet>)")));
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.status().message(), "1A")) << bad.status().message();
}

TEST(XlsxFastScanner, TokensAcrossPieces) {
  // Well over the scanner's 256 KiB pieces, with entities, CDATA and long names everywhere,
  // so that tokens of every kind are cut at some boundary.
  std::string sheet = R"(<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData>)";
  for (int r = 1; r <= 12'000; ++r) {
    sheet += fmt::format(
        R"(<row r="{0}"><c r="A{0}" t="inlineStr"><is><t>单位&amp;{0}&#x4E2D;</t></is></c>)"
        R"(<!-- {0} --><c r="B{0}"><v><![CDATA[{0}.25]]></v></c><c r="C{0}" s="1"><v>{1}</v></c>)"
        R"(<c r="D{0}" t="e"><v>#N/A</v></c></row>)",
        r, 40000 + r);
  }
  sheet += "</sheetData></worksheet>";
  ASSERT_GT(sheet.size(), 3u * 256 * 1024);
  ExpectScannersAgree(sheet, 48'000);
}

// Numbers take a short path (mantissa ÷ power of ten); it must give the very double that
// from_chars gives, for every shape a sheet may hold.
TEST(XlsxFastScanner, NumbersReadExactlyAsFromChars) {
  std::mt19937 rng(7);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "0.1",
                                    "0.3",
                                    ".5",
                                    "12.",
                                    "1e3",
                                    "-1.5E-3",
                                    "123456789012345",
                                    "1234567890123456",
                                    "9007199254740993",
                                    "0.000000000000000000001",
                                    "3.1415926535897932384626"};
  for (int i = 0; i < 4000; ++i) {
    std::string t = rng() % 3 == 0 ? "-" : "";
    const int digits = 1 + static_cast<int>(rng() % 17);
    const int point = static_cast<int>(rng() % (digits + 1));
    for (int k = 0; k < digits; ++k) {
      if (k == point && k > 0) {
        t += '.';
      }
      t += static_cast<char>('0' + rng() % 10);
    }
    texts.push_back(t);
  }
  std::string sheet = "<worksheet><sheetData>";
  for (size_t i = 0; i < texts.size(); ++i) {
    sheet += fmt::format(R"(<row r="{}"><c r="A{}"><v>{}</v></c></row>)", i + 1, i + 1, texts[i]);
  }
  sheet += "</sheetData></worksheet>";
  auto cells = ReadEverything(MakeZip(Parts(sheet)));
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  for (size_t i = 0; i < texts.size(); ++i) {
    double expected = 0;
    std::from_chars(texts[i].data(), texts[i].data() + texts[i].size(), expected);
    const XlsxCell& c = cells.value()["数据!A" + std::to_string(i + 1)];
    EXPECT_EQ(c.number, expected) << texts[i];
    EXPECT_EQ(std::signbit(c.number), std::signbit(expected)) << texts[i];
  }
}

TEST(XlsxFastScanner, OtherEncodingsGoToExpat) {
  auto cells = ReadEverything(MakeZip(Parts(Utf16Le(
      R"(<?xml version="1.0" encoding="UTF-16"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>中文</t></is></c></row></sheetData></worksheet>)"))));
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  EXPECT_EQ(cells.value()["数据!A1"].text, "中文");
}

TEST(XlsxFastScanner, RefusesWhatIsNotXml) {
  const char* head = "<worksheet><sheetData><row>";
  const char* tail = "</row></sheetData></worksheet>";
  for (const std::string& bad : {
           std::string("<c><v>1</v></row></sheetData></worksheet>"),              // c never closed
           std::string("<c><v>1</c></v>") + tail,                                 // crossed tags
           std::string(R"(<c t="inlineStr"><is><t>&nbsp;</t></is></c>)") + tail,  // undefined
           std::string(R"(<c t="inlineStr"><is><t>&#0;</t></is></c>)") + tail,    // not a char
           std::string(R"(<c t="inlineStr"><is><t>&#xD800;</t></is></c>)") + tail,
           std::string(R"(<c t="inlineStr"><is><t>a&amp</t></is></c>)") + tail,
           std::string("<c t=\"inlineStr\"><is><t>\xC3\x28</t></is></c>") + tail,  // bad UTF-8
           std::string("<c t=\"inlineStr\"><is><t>\x01</t></is></c>") + tail,      // control
           std::string(R"(<c r="A1><v>1</v></c>)") + tail,  // unterminated attribute
           std::string(R"(<c r=A1><v>1</v></c>)") + tail,   // unquoted
           std::string(R"(<c r="A1"r="B1"><v>1</v></c>)") + tail,
           std::string(R"(<c r="A&bad;1"><v>1</v></c>)") + tail,
           std::string("<c><v>1</v></c>") + tail + "<worksheet/>",  // a second root
           std::string("<c><v>1</v></c>") + tail + "text",          // text after the root
           std::string("<c><v>1</v></c><!x>") + tail,
           "<" + std::string(2000, 'n') + "/>" + tail,  // a name too long to keep
       }) {
    auto r = ReadEverything(MakeZip(Parts(head + bad)));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed) << bad;
    EXPECT_TRUE(Contains(r.status().message(), "数据") ||
                Contains(r.status().message(), "sheet1.xml"))
        << bad << " → " << r.status().message();
  }
}

// Random corruption of the sheet XML itself: the scanner never crashes, and whenever both it
// and expat accept a document they read the same cells.
TEST(XlsxFastScanner, FuzzedSheetsNeverDisagree) {
  const std::string good = Sheet1();
  std::mt19937 rng(20261127);
  XlsxLimits expat;
  expat.expat_sheets = true;
  int both_accept = 0;
  for (int round = 0; round < 600; ++round) {
    std::string sheet = good;
    if (round % 5 == 0) {
      sheet.resize(rng() % sheet.size());
    } else {
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < flips; ++i) {
        static constexpr char kBytes[] = "<>/&;\"'=!?[] \x80\xE4xcvtr0";
        sheet[rng() % sheet.size()] = kBytes[rng() % (sizeof(kBytes) - 1)];
      }
    }
    const std::string zip = MakeZip(Parts(sheet));
    auto fast = ReadEverything(zip);
    auto slow = ReadEverything(zip, expat);
    if (!fast.ok()) {
      EXPECT_EQ(fast.status().code(), ErrorCode::kValidationFailed) << fast.status().ToString();
      continue;
    }
    if (!slow.ok()) {
      continue;  // the scanner is lenient in parts it does not read (names, ignored text)
    }
    ++both_accept;
    ASSERT_EQ(fast.value().size(), slow.value().size()) << sheet;
    for (const auto& [where, cell] : slow.value()) {
      auto it = fast.value().find(where);
      ASSERT_NE(it, fast.value().end()) << where << " in " << sheet;
      EXPECT_EQ(it->second.text, cell.text) << where << " in " << sheet;
      EXPECT_EQ(it->second.number, cell.number) << where << " in " << sheet;
    }
  }
  EXPECT_GT(both_accept, 15);
}

// ---------------------------------------------------------------- hostile input

void ExpectRefused(const Result<std::map<std::string, XlsxCell>>& r, const char* words) {
  ASSERT_FALSE(r.ok()) << "accepted, expected: " << words;
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), words)) << r.status().message();
}

TEST(XlsxReaderHostile, NotAnXlsx) {
  ExpectRefused(ReadEverything(""), "不是 Excel 工作簿");
  ExpectRefused(ReadEverything("hello world"), "不是 Excel 工作簿");
  ExpectRefused(ReadEverything(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "xxxx"),
                ".xls");
  ExpectRefused(ReadEverything("PK\x03\x04garbage that is no zip"), "已损坏");
  ExpectRefused(ReadEverything(MakeZip({{"hello.txt", "hi"}})), "缺少");
}

TEST(XlsxReaderHostile, ZipBombByRatio) {
  auto parts = Parts(Sheet1() + std::string(8 * 1024 * 1024, ' '));
  ExpectRefused(ReadEverything(MakeZip(parts)), "压缩炸弹");
}

TEST(XlsxReaderHostile, AbsoluteAndEntryLimits) {
  const std::string bytes = MakeZip(Parts());
  XlsxLimits small;
  small.max_total_bytes = 2000;
  ExpectRefused(ReadEverything(bytes, small), "总大小超过上限");
  XlsxLimits entry;
  entry.max_entry_bytes = 500;
  ExpectRefused(ReadEverything(bytes, entry), "解压后过大");
  XlsxLimits few;
  few.max_entries = 5;
  ExpectRefused(ReadEverything(bytes, few), "内部文件过多");
  auto many = Parts();
  for (int i = 0; i < 2001; ++i) {
    many.emplace_back("junk/" + std::to_string(i), "x");
  }
  ExpectRefused(ReadEverything(MakeZip(many)), "内部文件过多");
}

TEST(XlsxReaderHostile, EntryLargerThanDeclared) {
  std::string bytes = MakeZip(Parts());
  // Shrink the declared uncompressed size of sheet1.xml in the local header (offset 22) and
  // in the central directory (offset 24): the inflater must stop at the declared size.
  const std::string name = "xl/worksheets/sheet1.xml";
  for (size_t pos = bytes.find(name); pos != std::string::npos; pos = bytes.find(name, pos + 1)) {
    if (bytes.compare(pos - 30, 4, "PK\x03\x04") == 0) {
      bytes[pos - 30 + 22] = 10;
      bytes[pos - 30 + 23] = 0;
      bytes[pos - 30 + 24] = 0;
      bytes[pos - 30 + 25] = 0;
    } else if (bytes.compare(pos - 46, 4, "PK\x01\x02") == 0) {
      bytes[pos - 46 + 24] = 10;
      bytes[pos - 46 + 25] = 0;
      bytes[pos - 46 + 26] = 0;
      bytes[pos - 46 + 27] = 0;
    }
  }
  auto r = ReadEverything(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed) << r.status().ToString();
}

/// Writes `value` (little-endian, 4 bytes) into the local header field at `local_at` and the
/// central directory field at `central_at` of entry `name` (sizes, CRC).
void PatchEntryField(std::string* bytes, const std::string& name, size_t local_at,
                     size_t central_at, uint32_t value) {
  auto put = [&](size_t at) {
    for (int i = 0; i < 4; ++i) {
      (*bytes)[at + static_cast<size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
    }
  };
  for (size_t pos = bytes->find(name); pos != std::string::npos; pos = bytes->find(name, pos + 1)) {
    if (pos >= 30 && bytes->compare(pos - 30, 4, "PK\x03\x04") == 0) {
      put(pos - 30 + local_at);
    } else if (pos >= 46 && bytes->compare(pos - 46, 4, "PK\x01\x02") == 0) {
      put(pos - 46 + central_at);
    }
  }
}

/// A sheet of `rows` varied rows (numbers, inline and shared strings): about 120 bytes a row.
std::string BigSheet(int rows) {
  std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)";
  for (int r = 1; r <= rows; ++r) {
    xml += fmt::format(
        R"(<row r="{0}"><c r="A{0}"><v>{1}.{2}</v></c><c r="B{0}" t="inlineStr"><is><t>单位{3}</t></is></c><c r="C{0}" t="s"><v>{4}</v></c><c r="D{0}"><v>{5}</v></c></row>)",
        r, r * 37 % 100003, r % 100, r * 7919 % 65536, r % 2, -r);
  }
  return xml + "</sheetData></worksheet>";
}

// Sheets over 4 MiB are inflated whole (libdeflate) rather than streamed: same cells as expat,
// and the same refusals of entries that lie about their size or are corrupted.
TEST(XlsxReader, BigSheetsInflatedWhole) {
  const std::string sheet = BigSheet(60'000);
  ASSERT_GT(sheet.size(), 5u << 20);
  ExpectScannersAgree(sheet, 240'000);

  const std::string name = "xl/worksheets/sheet1.xml";
  const std::string bytes = MakeZip(Parts(sheet));
  std::string shorter = bytes;  // declares 1000 bytes less than it holds
  PatchEntryField(&shorter, name, 22, 24, static_cast<uint32_t>(sheet.size() - 1000));
  ExpectRefused(ReadEverything(shorter), "疑似压缩炸弹");
  std::string longer = bytes;  // declares more than it holds
  PatchEntryField(&longer, name, 22, 24, static_cast<uint32_t>(sheet.size() + 1000));
  ExpectRefused(ReadEverything(longer), "解压失败");
  std::string bad_crc = bytes;
  PatchEntryField(&bad_crc, name, 14, 16, 0x12345678);
  ExpectRefused(ReadEverything(bad_crc), "解压失败");
}

TEST(XlsxReaderHostile, OversizedSheets) {
  XlsxLimits limits;
  limits.max_rows = 3;
  ExpectRefused(ReadEverything(MakeZip(Parts()), limits), "过大：第 4 行超出上限");
  std::string wide =
      R"(<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="XFE1"><v>1</v></c></row></sheetData></worksheet>)";
  ExpectRefused(ReadEverything(MakeZip(Parts(wide))), "超出上限");
  std::string tall =
      R"(<?xml version="1.0"?><worksheet><sheetData><row r="1048577"><c><v>1</v></c></row></sheetData></worksheet>)";
  ExpectRefused(ReadEverything(MakeZip(Parts(tall))), "超出上限");
}

TEST(XlsxReaderHostile, MalformedXml) {
  ExpectRefused(ReadEverything(MakeZip(Parts("<worksheet><sheetData><row><c><v>1</v></row>"))),
                "XML 格式错误");
  ExpectRefused(ReadEverything(MakeZip(Parts("<worksheet><sheetData>"))), "XML 格式错误");
  ExpectRefused(ReadEverything(MakeZip(Parts("not xml at all"))), "XML 格式错误");
  const std::string laughs =
      R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>)";
  ExpectRefused(ReadEverything(MakeZip(Parts(laughs))), "DTD");
  ExpectRefused(
      ReadEverything(MakeZip(Parts(
          R"(<worksheet><sheetData><row><c t="s"><v>99</v></c></row></sheetData></worksheet>)"))),
      "不存在的共享字符串");
  ExpectRefused(
      ReadEverything(MakeZip(Parts(
          R"(<worksheet><sheetData><row><c><v>12abc</v></c></row></sheetData></worksheet>)"))),
      "数值“12abc”无效");
  ExpectRefused(
      ReadEverything(MakeZip(Parts(
          R"(<worksheet><sheetData><row><c r="1A"><v>1</v></c></row></sheetData></worksheet>)"))),
      "单元格引用“1A”无效");
}

// Random corruption of a valid workbook never crashes and fails only with a validation
// message (or still reads).
TEST(XlsxReaderHostile, FuzzedBytesFailCleanly) {
  const std::string good = MakeZip(Parts());
  std::mt19937 rng(20240601);
  int refused = 0;
  for (int round = 0; round < 400; ++round) {
    std::string bytes = good;
    if (round % 4 == 0) {
      bytes.resize(rng() % bytes.size());
    } else {
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < flips; ++i) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
    }
    auto r = ReadEverything(bytes);
    if (!r.ok()) {
      ++refused;
      EXPECT_TRUE(r.status().code() == ErrorCode::kValidationFailed ||
                  r.status().code() == ErrorCode::kInternal)
          << r.status().ToString();
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace huoju::io
