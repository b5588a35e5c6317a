// huoju/io/print.hpp
//
// Printing to PDF (cairo + pango, Noto CJK fonts): a filled form as its unit signs and stamps
// it, and plain tables (lists, summaries). Blocking CPU work: call from worker threads.
// Thread-safe (no shared state).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "huoju/catalog/model.hpp"
#include "huoju/core/status.hpp"

namespace huoju::io {

/// What the page header and the binding QR code of a printed filing carry.
struct FilingPrintHeader {
  std::string unit_name;
  std::string uscc;
  std::string period_label;  ///< 2024年 / 2024年3月
  int64_t filing_id = 0;
  int64_t version = 0;     ///< data version printed
  std::string data_hash;   ///< short hash of that version's values (shown and in the QR)
  std::string printed_at;  ///< "2025-03-20 14:05"
  std::string qr_payload;  ///< text encoded in the QR code on every page
};

/// A PDF of `form` filled with `values` (`{"qc05_0": 1, "projects": [{...}]}`, the filing JSON):
/// title, header (unit, USCC, period, version, hash, time), every section with indicator name,
/// unit and value (code lists shown as "code 名称"), row tables as tables, page breaks that
/// never split a row, page numbers, the QR code, and a signature/stamp block on the last page.
/// Landscape when a row table has more than eight columns. A section with `visible_when` is
/// printed only when it holds a value (the filling page hides it otherwise).
Result<std::string> RenderFilingPdf(const catalog::Catalog& catalog, const catalog::Form& form,
                                    const nlohmann::json& values, const FilingPrintHeader& header);

/// A table for printing or export: lists (清单), summaries (汇总表).
struct Table {
  std::string title;
  std::vector<std::string> subtitle_lines;  ///< scope, period, time, …
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric_columns;  ///< right-aligned when true (may be empty)
};

/// A landscape A4 PDF of `table` with the header row repeated on every page and page numbers.
Result<std::string> RenderTablePdf(const Table& table);

}  // namespace huoju::io
