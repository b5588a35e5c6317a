// huoju/io/xlsx_stream.hpp
//
// A one-sheet .xlsx written row by row straight into a file, for exports of national size
// (600,000 rows × 100+ columns). libxlsxwriter's constant-memory mode formats about 1.2 M
// cells/s on one core (stack-and-style A.5), a quarter of what such an export needs; this
// writer formats the sheet XML itself (numbers with std::to_chars, text as inline strings,
// no cell references: a reader numbers cells by position) and deflates it in 1 MiB pieces on
// several threads at once (each piece an independent raw deflate stream ended by a sync
// flush, so the pieces concatenate into one valid stream; CRC-32s combined), while the caller
// formats the next rows. The ZIP container is written by hand (data descriptors, no ZIP64:
// a sheet over 4 GiB uncompressed is refused).
//
// Memory: a few pieces in flight, whatever the row count. Not thread-safe: one writer per
// export, used from one (worker) thread; blocking file I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju::io {

struct XlsxStreamColumn {
  std::string name;
  double width = 12;  ///< in Excel character units
};

/// Display width in Excel character units: CJK and other wide characters count double.
double DisplayWidth(std::string_view text);

/// A valid Excel sheet name from `title`: at most 31 characters, none of []:*?/\' (replaced
/// by _), "Sheet1" when empty.
std::string ExcelSheetName(const std::string& title);

class XlsxStreamWriter {
 public:
  /// Creates (truncates) `path`. The sheet gets `title` in row 1, `subtitle_lines` below it,
  /// then a bold header row of the column names, frozen. `threads` deflate pieces (≥ 1).
  static Result<std::unique_ptr<XlsxStreamWriter>> Create(
      const std::string& path, const std::string& title,
      const std::vector<std::string>& subtitle_lines, const std::vector<XlsxStreamColumn>& columns,
      int threads = 2);
  ~XlsxStreamWriter();
  XlsxStreamWriter(const XlsxStreamWriter&) = delete;
  XlsxStreamWriter& operator=(const XlsxStreamWriter&) = delete;

  /// Cells of the current row, left to right. A NaN or infinite number is left blank.
  void Text(std::string_view text);
  void Number(double value);
  void Blank();
  /// Ends the current row. Fails on a write error or beyond Excel's 1,048,576 rows.
  Status EndRow();

  /// Rows ended so far (data rows, without title and header).
  int64_t rows() const;

  /// Writes the remaining parts and the ZIP directory and closes the file. Nothing may be
  /// added afterwards. A failed writer leaves a partial file the caller removes.
  Status Finish();

 private:
  class Impl;
  explicit XlsxStreamWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace huoju::io
