#include "huoju/io/xlsx_stream.hpp"

#include <gtest/gtest.h>
#include <zip.h>

#include <cmath>
#include <limits>
#include <string>

#include "huoju/io/xlsx_reader.hpp"
#include "src/io/test_util.hpp"

namespace huoju::io {
namespace {

using test_util::TempDir;

std::string CellText(int64_t r, int c) {
  switch ((r + c) % 4) {
    case 0:
      return "单位 " + std::to_string(r) + " <&> \"引号\"";
    case 1:
      return "";
    default:
      return "t" + std::to_string(r * 10 + c);
  }
}

double CellNumber(int64_t r, int c) {
  return static_cast<double>(r) * 1.25 - c * 1000.5;
}

// Enough rows for a dozen pieces deflated on several threads, read back cell by cell by the
// product's own reader, and the archive checked by libzip (CRC of every entry).
TEST(XlsxStreamWriter, ManyPiecesReadBackExactly) {
  TempDir dir;
  const std::string path = (dir.path() / "big.xlsx").string();
  constexpr int64_t kRows = 60'000;
  std::vector<XlsxStreamColumn> columns = {{"名称", 20}, {"数值一", 10}, {"数值二", 10}};
  for (int c = 0; c < 7; ++c) {
    columns.push_back({"指标" + std::to_string(c), 10});
  }
  auto w =
      XlsxStreamWriter::Create(path, "测试清单 [2024]", {"范围：全国", "共 60000 家"}, columns, 3);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int64_t r = 0; r < kRows; ++r) {
    (*w)->Text(CellText(r, 0));
    (*w)->Number(CellNumber(r, 1));
    (*w)->Number(r % 5 == 0 ? std::numeric_limits<double>::quiet_NaN() : CellNumber(r, 2));
    for (int c = 0; c < 7; ++c) {
      if (c == 3) {
        (*w)->Blank();
      } else {
        (*w)->Number(CellNumber(r, c + 3));
      }
    }
    ASSERT_TRUE((*w)->EndRow().ok());
  }
  EXPECT_EQ((*w)->rows(), kRows);
  ASSERT_TRUE((*w)->Finish().ok());
  const std::string bytes = test_util::ReadFile(path);
  EXPECT_GT(bytes.size(), 100'000U);

  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << "libzip refused the archive: " << error;
  EXPECT_EQ(zip_get_num_entries(archive, 0), 6);
  zip_close(archive);

  auto reader = XlsxReader::Open(bytes);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->sheets().size(), 1U);
  EXPECT_EQ((*reader)->sheets()[0].name, "测试清单 _2024_");
  int64_t seen = 0;
  Status read = (*reader)->ReadSheet(
      (*reader)->sheets()[0], [&](int64_t row, const std::vector<XlsxCell>& cells) -> Status {
        if (row == 1) {
          EXPECT_EQ(cells.at(0).text, "测试清单 [2024]");
          return Status::Ok();
        }
        if (row <= 3) {
          return Status::Ok();
        }
        if (row == 4) {
          EXPECT_EQ(cells.size(), 10U);
          EXPECT_EQ(cells.at(1).text, "数值一");
          return Status::Ok();
        }
        const int64_t r = row - 5;
        ++seen;
        size_t i = 0;
        const std::string text = CellText(r, 0);
        if (!text.empty()) {
          EXPECT_EQ(cells.at(i).col, 1);
          EXPECT_EQ(cells.at(i++).text, text);
        }
        EXPECT_EQ(cells.at(i).col, 2);
        EXPECT_EQ(cells.at(i++).number, CellNumber(r, 1));
        if (r % 5 != 0) {
          EXPECT_EQ(cells.at(i).col, 3);
          EXPECT_EQ(cells.at(i++).number, CellNumber(r, 2));
        }
        for (int c = 0; c < 7; ++c) {
          if (c != 3) {
            EXPECT_EQ(cells.at(i).col, c + 4);
            EXPECT_EQ(cells.at(i).type, XlsxCellType::kNumber);
            EXPECT_EQ(cells.at(i++).number, CellNumber(r, c + 3)) << "row " << row;
          }
        }
        EXPECT_EQ(i, cells.size());
        return Status::Ok();
      });
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(seen, kRows);
}

TEST(XlsxStreamWriter, EmptySheetAndControlCharacters) {
  TempDir dir;
  const std::string path = (dir.path() / "small.xlsx").string();
  auto w = XlsxStreamWriter::Create(path, "", {},
                                    {{"a\x01"
                                      "b",
                                      5}},
                                    1);
  ASSERT_TRUE(w.ok());
  (*w)->Text(
      "x\x02"
      "y\tz");
  ASSERT_TRUE((*w)->EndRow().ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_FALSE((*w)->Finish().ok());  // once only
  auto reader = XlsxReader::Open(test_util::ReadFile(path));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->sheets()[0].name, "Sheet1");
  auto all = (*reader)->ReadAll((*reader)->sheets()[0]);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2U);  // the empty title is a blank cell; header; one row
  EXPECT_EQ((*all)[0].text, "ab");
  EXPECT_EQ((*all)[1].text, "xy\tz");
}

TEST(XlsxStreamWriter, RefusesRowsBeyondExcelAndUnwritablePaths) {
  TempDir dir;
  EXPECT_FALSE(
      XlsxStreamWriter::Create((dir.path() / "no/such/dir.xlsx").string(), "t", {}, {{"a", 5}})
          .ok());
  auto w = XlsxStreamWriter::Create((dir.path() / "rows.xlsx").string(), "t", {}, {{"a", 5}});
  ASSERT_TRUE(w.ok());
  Status last = Status::Ok();
  int64_t r = 0;
  for (; r < 1'100'000 && last.ok(); ++r) {
    (*w)->Number(static_cast<double>(r));
    last = (*w)->EndRow();
  }
  EXPECT_FALSE(last.ok());
  EXPECT_NE(last.message().find("行数上限"), std::string::npos) << last.message();
  EXPECT_EQ(r, 1'048'576 - 1);  // the header rows and 1,048,574 data rows fit
}

}  // namespace
}  // namespace huoju::io
