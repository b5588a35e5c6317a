// huoju/rules/engine.hpp
//
// The audit engine: a checked Catalog compiled once into typed node trees, evaluated per filing
// (UnitPeriodData in, failures out, microseconds, no allocation unless something fails) and in
// batch over a whole (form, period) in columnar form. Semantics: docs/rule-language.md.
//
// Besides the catalog's rules, every form gets built-in checks derived from its indicator
// definitions, reported like rules with these ids (FORMREF = the form's rule name, GQ002):
//   FORMREF.code.required     `required` / `required_when` indicator left blank
//   FORMREF.code.range        outside min/max, or negative without `negative_allowed`
//   FORMREF.code.length       text(n) longer than n characters
//   FORMREF.code.selections   multi_code(list, n) with more than n selections
//   FORMREF.code.code         code(list) / multi_code value not in its list
//   FORMREF.table.col.required / .length / .code   the same per row of a row table
//   FORMREF.table.rows        fewer than min_rows or more than max_rows rows
// Checks of indicators in a section (row table) with `visible_when` apply only when it is true;
// so do `for_each` rules over such a row table.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/catalog/loader.hpp"
#include "huoju/catalog/model.hpp"
#include "huoju/core/status.hpp"

namespace huoju::rules {

class CompiledCatalog;
struct Program;  // internal: compiled rules (src/rules/compile.hpp)

/// Days since 1970-01-01 for "YYYY-MM-DD" (proleptic Gregorian), or nullopt.
std::optional<int> ParseDate(std::string_view text);
std::string FormatDate(int days);
int DaysFromCivil(int year, int month, int day);

/// The filing's period, for period_start()/period_end()/period_year().
struct PeriodInfo {
  int year = 0;
  int start = 0;  ///< days since 1970-01-01
  int end = 0;    ///< last day, inclusive
  static PeriodInfo Year(int year);
  static PeriodInfo Month(int year, int month);
};

struct Failure {
  std::string rule_id;
  catalog::Severity severity = catalog::Severity::kError;
  std::string message;             ///< `{…}` placeholders filled
  std::vector<std::string> cells;  ///< "qc05_0", "GQ003.qd01", "projects[3].expense"
};

/// One unit's data for one period: for every form of the catalog, its fixed cells and row
/// tables, stored in slots laid out by the CompiledCatalog (lookups by index, not by name).
/// Not thread-safe for writing; concurrent reads are fine. The CompiledCatalog must outlive it.
/// A blank cell is missing; empty text and an empty multi_code selection count as missing.
class UnitPeriodData {
 public:
  explicit UnitPeriodData(const CompiledCatalog& catalog);

  /// From `{"GQ-002": {"qc05_0": 100, "projects": [{"name": "a", "expense": 1}]}, ...}`.
  /// Numbers may be JSON numbers or numeric strings; dates "YYYY-MM-DD"; bools true/false;
  /// multi_code arrays of strings; null = blank. Unknown forms/codes or bad values → Invalid.
  static Result<UnitPeriodData> FromJson(const CompiledCatalog& catalog,
                                         const nlohmann::json& forms);
  /// Sets one form's values from `{"qc05_0": 100, "projects": [...]}`; marks the form filed.
  Status SetForm(std::string_view form_code, const nlohmann::json& values);

  /// As SetForm(form_code, json::parse(text)), without building the document for a form of
  /// fixed cells (row tables take the document's way). Text that is not JSON → Invalid, and the
  /// form is left filed with every cell blank.
  Status SetFormText(std::string_view form_code, std::string_view text);

  /// Single-cell setters by code (slow path: a name lookup). Mark the form filed.
  Status SetNumber(std::string_view form_code, std::string_view code, double value);
  Status SetText(std::string_view form_code, std::string_view code, std::string value);
  Status SetBlank(std::string_view form_code, std::string_view code);

  /// Forgets every value (keeps the storage, for reuse in loops).
  void Clear();

  const CompiledCatalog& catalog() const { return *catalog_; }

  struct Table {
    int rows = 0;
    std::vector<std::vector<double>> numbers;  ///< per numeric column, `rows` values
    std::vector<std::vector<std::string>> texts;
    std::vector<std::vector<std::vector<std::string>>> lists;
  };
  struct Form {
    bool filed = false;
    std::vector<double> numbers;  ///< NaN = blank; dates as days, bools as 0/1
    std::vector<std::string> texts;
    std::vector<std::vector<std::string>> lists;
    std::vector<Table> tables;
  };
  /// Slot-level access for the engine and for fast bulk loaders (see CompiledCatalog::Slot*).
  Form& form(int form_index);
  const Form& form(int form_index) const { return forms_[form_index]; }

 private:
  Status SetValue(int form_index, int indicator_index, const nlohmann::json& v);
  static void ClearForm(Form& f);
  const CompiledCatalog* catalog_;
  std::vector<Form> forms_;
};

/// Input of BatchEvaluate: for N units in a fixed order, one column per numeric indicator the
/// form's columnar rules read (see CompiledCatalog::BatchColumnsNeeded).
struct NumericColumn {
  std::vector<double> values;     ///< N values (ignored where missing)
  std::vector<uint64_t> missing;  ///< bit i (word i/64, bit i%64) set = unit i blank;
                                  ///< empty = nothing blank
};

struct ColumnSpec {
  std::string form_code;  ///< GQ-002
  std::string indicator;  ///< code; for previous columns a code of the previous catalog
  bool previous = false;  ///< the previous period of the same unit
  bool operator==(const ColumnSpec&) const = default;
};

struct BatchColumns {
  size_t units = 0;
  std::vector<std::pair<ColumnSpec, NumericColumn>> columns;
  void Add(ColumnSpec spec, NumericColumn column) {
    columns.emplace_back(std::move(spec), std::move(column));
  }
};

struct BatchOptions {
  /// Keep up to this many failing unit indexes per rule (in unit order).
  size_t first_failures = 0;
  /// Threads for the columnar rules: the units are cut into chunks (≤ 8192) that worker threads
  /// and the calling thread take in turn; counts and first_units are merged in unit order, so
  /// the result is the same for any value. 0 = std::thread::hardware_concurrency(), at most 8.
  int threads = 0;
  /// Catalog of the previous period's data: this catalog, the previous-year catalog given to
  /// Compile, or null when there is no previous period (prev() is then missing everywhere).
  const CompiledCatalog* previous_catalog = nullptr;
  /// Optional: loads one unit's full data, for the rules that cannot run on columns (text, row
  /// tables, dates). Without it those rules are reported with evaluated = false. Called from
  /// the calling thread, in unit order (while worker threads run the columnar rules);
  /// *previous may be set to null.
  std::function<void(size_t unit, const UnitPeriodData** current, const UnitPeriodData** previous)>
      load_filing;
};

struct RuleCount {
  std::string rule_id;
  catalog::Severity severity = catalog::Severity::kError;
  bool columnar = false;   ///< evaluated on columns (else per filing through load_filing)
  bool evaluated = false;  ///< false: not columnar and no load_filing given
  uint64_t failures = 0;   ///< units failing the rule (a for_each rule counts a unit once)
  std::vector<uint32_t> first_units;
};

struct BatchResult {
  std::vector<RuleCount> rules;  ///< every rule and built-in check of the form, in order
  const RuleCount* Find(std::string_view rule_id) const;
};

/// A catalog year compiled for evaluation. Immutable after Compile; thread-safe for
/// concurrent Evaluate/BatchEvaluate calls. Keeps the Catalog alive.
class CompiledCatalog {
 public:
  /// Compiles every rule and built-in check. Returns null and fills `problems` (the same
  /// problems CheckCatalogRules reports) when the catalog's rules do not check.
  /// `previous_year`, when given, is the compiled catalog of Catalog::previous_year: prev()
  /// then reads filings laid out by it through Catalog::crosswalk.
  static std::shared_ptr<const CompiledCatalog> Compile(
      std::shared_ptr<const catalog::Catalog> catalog, std::vector<catalog::Problem>* problems,
      std::shared_ptr<const CompiledCatalog> previous_year = nullptr);
  ~CompiledCatalog();

  const catalog::Catalog& catalog() const { return *catalog_; }
  /// Index of a form (by 表号, GQ-002) in catalog().forms, or -1.
  int FormIndex(std::string_view form_code) const;

  /// Audits one filing of `form_code`. `current` holds the unit's forms of the period,
  /// `previous` (may be null) those of the previous period, laid out by this catalog or by the
  /// previous-year catalog given to Compile (any other catalog: prev() is missing).
  /// Unknown form → no failures. Allocates only for failures.
  std::vector<Failure> Evaluate(std::string_view form_code, const UnitPeriodData& current,
                                const UnitPeriodData* previous, const PeriodInfo& period) const;
  void Evaluate(int form_index, const UnitPeriodData& current, const UnitPeriodData* previous,
                const PeriodInfo& period, std::vector<Failure>* out) const;

  /// Whether the filing needs a signed and stamped scan: the form's `signed_scan` (none,
  /// required) or its `signed_scan_when` condition on the data (missing values: not required).
  bool SignedScanRequired(int form_index, const UnitPeriodData& current,
                          const UnitPeriodData* previous, const PeriodInfo& period) const;

  /// Columns the columnar rules of the form read, given the previous period's catalog.
  std::vector<ColumnSpec> BatchColumnsNeeded(std::string_view form_code,
                                             const CompiledCatalog* previous_catalog) const;
  /// Counts failures per rule over N units; same counts as Evaluate on each unit. Invalid when
  /// a needed column is absent or has the wrong size, or the form is unknown.
  Result<BatchResult> BatchEvaluate(std::string_view form_code, const BatchColumns& columns,
                                    const PeriodInfo& period, const BatchOptions& options) const;

  /// Layout: slot of a fixed indicator ({kind, slot}; kind 0 number, 1 text, 2 list), or
  /// {-1, -1}.
  std::pair<int, int> Slot(int form_index, std::string_view code) const;

  /// The forms whose data the rules of form `form_index` read, by code: of the same period
  /// (the form itself included) and, through prev(), of the year before. A caller that loads a
  /// unit's data for Evaluate needs to load only these.
  struct FormsRead {
    std::set<std::string> current;
    std::set<std::string> previous;
  };
  FormsRead FormsReadBy(int form_index) const;

  const Program& program() const { return *program_; }

 private:
  CompiledCatalog() = default;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::shared_ptr<const CompiledCatalog> previous_year_;
  std::unique_ptr<Program> program_;
  friend class UnitPeriodData;
};

}  // namespace huoju::rules
