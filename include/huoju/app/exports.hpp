// huoju/app/exports.hpp
//
// Summaries and lists as files (docs/api.md "Summaries" and "Background jobs"): the tables of
// the four summary answers for Excel, CSV and PDF, and export jobs that produce them in the
// background with progress. A unit list is streamed row by row straight from the snapshot into
// the file (every row of a national year: no row limit but Excel's own); summaries are computed
// first, then written. Every file carries a title, the scope, the filter and the time it was
// made (PDF: in the page header of every page).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "huoju/analytics/service.hpp"
#include "huoju/app/jobs.hpp"
#include "huoju/io/print.hpp"

namespace huoju::app {

enum class ExportKind { kSummary, kUnits, kYoy, kChanges };
enum class ExportFormat { kXlsx, kCsv, kPdf };

/// "summary" | "units" | "yoy" | "changes"; nullopt otherwise.
std::optional<ExportKind> ParseExportKind(const std::string& text);
/// "xlsx" | "csv" | "pdf"; nullopt otherwise.
std::optional<ExportFormat> ParseExportFormat(const std::string& text);
const char* ExportFormatExtension(ExportFormat format);
const char* ExportFormatContentType(ExportFormat format);

/// Tables of the summary answers (Summaries::Summary, YearOnYear, Units, LargeChanges).
io::Table SummaryTable(const nlohmann::json& answer);
io::Table YoyTable(const nlohmann::json& answer);
io::Table UnitsTable(const analytics::SummaryQuery& q, const nlohmann::json& answer);
io::Table ChangesTable(const analytics::SummaryQuery& q, const nlohmann::json& answer);

/// The file name of an export, without extension: 汇总表-GQ-002-2024, 单位清单-…
std::string ExportBaseName(ExportKind kind, const analytics::SummaryQuery& q);

/// `table` as the bytes of `format`. Blocking.
Result<std::string> WriteTable(const io::Table& table, ExportFormat format);

class Exports {
 public:
  Exports(analytics::Summaries& summaries, Jobs& jobs, const Clock& clock);

  /// Starts an export job for `who` (authorised and validated when it runs: a node outside the
  /// scope or an unknown form fails the job with the same message the page would show).
  /// A unit list as PDF is limited to kMaxPdfListRows rows (Excel and CSV are not).
  Result<nlohmann::json> Start(const identity::Principal& who, ExportKind kind, ExportFormat format,
                               analytics::SummaryQuery q);

  static constexpr size_t kMaxPdfListRows = 20000;

 private:
  analytics::Summaries& summaries_;
  Jobs& jobs_;
  const Clock& clock_;
};

}  // namespace huoju::app
