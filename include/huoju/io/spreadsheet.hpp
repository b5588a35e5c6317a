// huoju/io/spreadsheet.hpp
//
// Writing .xlsx workbooks (libxlsxwriter) and CSV for lists and summaries. Blocking: call from
// worker threads. Thread-safe.
#pragma once

#include <string>

#include "huoju/core/status.hpp"
#include "huoju/io/print.hpp"

namespace huoju::io {

/// One-sheet .xlsx of `table`: title row, subtitle rows, a bold frozen header row, numbers as
/// numbers in numeric columns (text that does not parse as a number stays text), column
/// widths fit to content (CJK counted double).
Result<std::string> WriteTableXlsx(const Table& table);

/// RFC 4180 CSV of `table` (header and rows only), UTF-8 with BOM so Excel reads Chinese, CRLF
/// line ends. Text that starts with = + - @ (and is not a number) gets a leading ' so that
/// spreadsheet programs do not run it as a formula.
std::string WriteTableCsv(const Table& table);

/// Appends one CSV record (the quoting and formula guard of WriteTableCsv) with CRLF.
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace huoju::io
