// huoju/io/xlsx_reader.hpp
//
// Streaming .xlsx reader (libzip; expat SAX for the workbook parts, a dedicated scanner for the
// worksheets): sheets are parsed row by row, never as a DOM, so memory is the shared string table,
// a batch of rows and, for a worksheet between 4 and 256 MiB, its XML (inflated whole with
// libdeflate, 2.5 times zlib's speed; other entries stream from the inflater). It reads shared
// strings (plain and rich text), inline strings, numbers, booleans, formula results, errors and
// dates (cells whose number format is a date format; 1900 and 1904 date systems). Uploaded files
// are hostile: the archive is checked before any XML is parsed (entry count, declared sizes,
// compression ratio), decompression stops at the declared size and at the absolute limits (zip
// bombs that lie about their size), sheets beyond the row/column limits and XML with a DTD (entity
// expansion) or that is not well-formed are refused. Every failure is Status::Invalid with a
// Chinese message meant for the uploader.
//
// An XlsxReader owns a copy of the bytes; it is not thread-safe (one reader per request), but
// independent readers may run on different threads. Blocking CPU work: call from workers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju::io {

struct XlsxLimits {
  size_t max_entries = 2000;                         ///< files in the archive
  uint64_t max_entry_bytes = 512ull * 1024 * 1024;   ///< uncompressed, per entry
  uint64_t max_total_bytes = 1024ull * 1024 * 1024;  ///< uncompressed, all entries together
  double max_ratio = 250;                            ///< uncompressed / compressed, per entry
  uint64_t ratio_exempt_bytes = 4ull * 1024 * 1024;  ///< entries up to this size skip the ratio
  int64_t max_rows = 1'048'576;                      ///< Excel's own limits
  int max_columns = 16'384;
  /// Parse worksheets with expat instead of the fast scanner (both must agree; tests compare).
  bool expat_sheets = false;
};

enum class XlsxCellType { kNumber, kText, kBool, kDate, kError };

/// One non-empty cell. Rows and columns are 1-based (A1 = row 1, column 1).
struct XlsxCell {
  int64_t row = 0;
  int col = 0;
  XlsxCellType type = XlsxCellType::kText;
  double number = 0;  ///< kNumber, kBool (0/1), kDate (the serial number)
  std::string text;   ///< kText; kDate as YYYY-MM-DD (or YYYY-MM-DD HH:MM:SS); kError as #N/A…
};

/// "AB12" → row 12, column 28. False when `ref` is not a cell reference.
bool ParseCellRef(std::string_view ref, int64_t* row, int* col);
/// Column number → letters: 1 → A, 28 → AB.
std::string ColumnName(int col);
/// Row and column → "AB12".
std::string CellName(int64_t row, int col);
/// A date serial number of the 1900 system (Excel's 1900-02-29 included) → YYYY-MM-DD, with
/// the time of day appended when the serial has a fraction.
std::string SerialToDateText(double serial, bool date1904 = false);

class XlsxReader {
 public:
  struct Sheet {
    std::string name;
    std::string path;  ///< entry in the archive, e.g. xl/worksheets/sheet1.xml
    bool hidden = false;
  };
  /// Cells of one row, in column order (empty cells are left out). Return a failed Status to
  /// stop reading; ReadSheet returns it unchanged.
  using RowCallback = std::function<Status(int64_t row, const std::vector<XlsxCell>& cells)>;

  /// Checks the archive and reads the workbook, its relationships, styles and shared strings.
  static Result<std::unique_ptr<XlsxReader>> Open(std::string_view bytes,
                                                  const XlsxLimits& limits = {});
  ~XlsxReader();
  XlsxReader(const XlsxReader&) = delete;
  XlsxReader& operator=(const XlsxReader&) = delete;

  /// The sheets in workbook order.
  const std::vector<Sheet>& sheets() const { return sheets_; }
  /// nullptr when no sheet has that name.
  const Sheet* FindSheet(std::string_view name) const;
  /// Streams the rows of `sheet` in file order (rows without cells are skipped). `on_row` runs
  /// on the calling thread; a sheet over 4 MiB is inflated and scanned meanwhile on a second
  /// thread that uses this reader, so `on_row` must not call this reader itself.
  Status ReadSheet(const Sheet& sheet, const RowCallback& on_row);

  /// Every cell of a small sheet, row by row (for metadata sheets; bounded by `max_cells`).
  Result<std::vector<XlsxCell>> ReadAll(const Sheet& sheet, size_t max_cells = 100'000);

  struct Impl;  ///< the archive and parsed workbook parts (xlsx_reader.cpp only)

 private:
  explicit XlsxReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::vector<Sheet> sheets_;
};

}  // namespace huoju::io
