// huoju/app/workbook.hpp
//
// Excel workbooks of catalog forms: templates (empty or prefilled with units' current data)
// for one unit or for a reviewer's batch of units, and the import of such a workbook after it
// was filled in Excel, WPS or LibreOffice.
//
// Template layout (what ReadWorkbook expects back):
//  - layout "unit": sheet "填报" — title in row 1, the unit's USCC in B2 and name in D2, a
//    header in row 3, then one row per indicator (A name, B code, C unit, D value; section
//    title rows have no code). Only column D of indicator rows is unlocked.
//  - layout "batch": sheet "批量填报" — title in row 1, indicator names (with units) in row 2,
//    codes in row 3 (A = uscc, B = name), one unit per row from row 4.
//  - every row table: a sheet named after its title, column names in row 1, column codes in
//    row 2, one table row per sheet row from row 3; in the batch layout column A holds the
//    unit's USCC.
//  - a hidden sheet "_huoju" with the form, period, catalog year and version, the layout and
//    the role of every sheet, so an import maps cells without trusting visible headers; a
//    hidden sheet "_codes" with the code lists behind the dropdowns ("code 名称").
// Header cells are locked (sheet protection without password: a guard against slips, not a
// security boundary — the import checks every code and value again).
//
// All functions block (libxlsxwriter, store, audit engine): call them from worker threads.
// Thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/app/catalog_registry.hpp"
#include "huoju/app/filings.hpp"
#include "huoju/catalog/model.hpp"
#include "huoju/core/status.hpp"

namespace huoju::app {

enum class WorkbookLayout { kUnit, kBatch };

/// "unit" / "batch".
const char* WorkbookLayoutName(WorkbookLayout layout);

struct WorkbookUnit {
  std::string uscc;
  std::string name;
  nlohmann::json values = nlohmann::json::object();  ///< prefill (a filing's values), or {}
};

struct TemplateSpec {
  const catalog::Catalog* catalog = nullptr;
  const catalog::Form* form = nullptr;
  std::string period;           ///< period key: 2024, 2024M03, …
  int64_t catalog_version = 0;  ///< catalog_version.id the period audits with
  WorkbookLayout layout = WorkbookLayout::kUnit;
  /// kUnit: exactly one. kBatch: any number (rows for more units may be added by hand).
  std::vector<WorkbookUnit> units;
};

/// The .xlsx bytes of a template. InvalidArgument when the spec is inconsistent.
Result<std::string> WriteTemplate(const TemplateSpec& spec);

/// One problem of an imported workbook, located for the user.
struct WorkbookProblem {
  std::string sheet;
  int64_t row = 0;    ///< 1-based; 0 when it concerns the whole workbook
  int col = 0;        ///< 1-based; 0 when it concerns a whole row
  std::string field;  ///< indicator code, "projects[2].expense", or empty
  std::string uscc;   ///< the unit concerned, when known
  std::string message;
  nlohmann::json ToJson()
      const;  ///< {sheet, row, column ("D"), cell ("D12"), field, uscc, message}
};

/// Where the value of one cell of a unit's filing came from.
struct CellOrigin {
  std::string sheet;
  int64_t row = 0;
  int col = 0;
};

struct ParsedWorkbook {
  std::string form_code;
  std::string period;
  int catalog_year = 0;
  int64_t catalog_version = 0;
  WorkbookLayout layout = WorkbookLayout::kUnit;
  std::vector<ImportRow> units;
  /// Per unit: its row (unit layout: the USCC cell) and every value's cell, by the name the
  /// audit engine gives the cell ("qc05_0", "projects[3].expense").
  std::vector<CellOrigin> unit_origin;
  std::vector<std::map<std::string, CellOrigin>> cells;
  /// Where each fixed indicator's input cell is, filled or not (row 0: the unit's own row,
  /// batch layout), so a rule about a blank cell still points at it.
  std::map<std::string, CellOrigin> layout_cells;
  /// Per unit: true when it has a problem of its own (wrong type, unknown code, …).
  std::vector<bool> unit_bad;
  std::vector<WorkbookProblem> problems;
  /// How many units (from the first) were handed to a UnitBlockSink during the reading: their
  /// values were moved to the sink, `units` keeps only their uscc until the sink's owner puts
  /// them back.
  size_t units_in_blocks = 0;
};

/// Takes the units of a batch workbook in blocks while the rest of the sheet is still being
/// read, so that they can be audited on another core meanwhile. Called on the reading thread:
/// a slow sink slows the reading.
class UnitBlockSink {
 public:
  virtual ~UnitBlockSink() = default;
  /// Once, when the metadata is read (form, period, layout set in `header`; no units yet). A
  /// failed Status stops the reading and ReadWorkbook returns it.
  virtual Status Begin(const ParsedWorkbook& header) = 0;
  /// Units first … first + units.size() - 1, each complete, moved out of ParsedWorkbook::units
  /// (see units_in_blocks). Only for a batch workbook without row-table sheets (those add to
  /// units after their main sheet).
  virtual void Block(size_t first, std::vector<ImportRow> units) = 0;
};

/// Reads a filled template (streaming; see io/xlsx_reader.hpp for the limits on the file).
/// A file that is no readable template is an error; problems of single cells are collected in
/// `problems` (every one, with sheet, row and column), never stop the reading. `sink`, when
/// given, receives the units in blocks as they are read.
Result<ParsedWorkbook> ReadWorkbook(std::string_view bytes, const CatalogRegistry& catalogs,
                                    UnitBlockSink* sink = nullptr);

struct WorkbookImportOptions {
  /// false: any problem means nothing is written (the default). true: units without problems
  /// are written, the others reported.
  bool clean_only = false;
  bool submit = false;  ///< submit each written filing (else it stays a draft)
  /// Read, check and audit only: the answer reports the problems and how many units would be
  /// written ("would_save"), and nothing is written whatever the outcome.
  bool check_only = false;
};

/// The use cases behind /api/v1/workbooks (docs/api.md "Excel workbooks").
class Workbooks {
 public:
  Workbooks(store::Database& db, const org::Directory& directory, const CatalogRegistry& catalogs,
            Filings& filings);

  /// A template of `form_code` for `period`. kUnit: for unit `unit_id` (0 = the caller's own
  /// unit); kBatch: one row per unit with a task under `node_id` (0 = the caller's scope),
  /// at most 20,000 units. `prefill` copies the units' current values.
  Result<Filings::File> Template(const identity::Principal& who, const std::string& form_code,
                                 const std::string& period, WorkbookLayout layout, int64_t unit_id,
                                 int64_t node_id, bool prefill);

  /// Imports a filled template. Reviewers: every unit is checked and audited like a bulk
  /// import (Filings::Import). A filling unit: only the unit layout of its own filing, saved
  /// like a save on the filling page (version check, audit, locks; answered with `filing_id`,
  /// `version` and the audit failures as located problems — they do not block a save). The answer:
  /// {units, saved, submitted, rejected, would_save, check_only, problems: [WorkbookProblem…]}.
  /// Without clean_only, any problem fails with ValidationFailed (details.problems) and nothing is
  /// written.
  Result<nlohmann::json> Import(const identity::Principal& who, std::string_view bytes,
                                const WorkbookImportOptions& options,
                                const identity::RequestOrigin& origin);

 private:
  Result<nlohmann::json> ImportOwn(const identity::Principal& who, std::string_view bytes,
                                   const WorkbookImportOptions& options,
                                   const identity::RequestOrigin& origin);

  store::Database& db_;
  const org::Directory& directory_;
  const CatalogRegistry& catalogs_;
  Filings& filings_;
};

}  // namespace huoju::app
