// huoju/catalog/model.hpp
//
// The catalog in memory: what a loaded, checked catalog year holds (docs/catalog-format.md).
// Built once by the loader, then immutable and shared read-only by every thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "huoju/core/code_list.hpp"

namespace huoju::catalog {

/// Where something was defined, for error messages. `file` is relative to the catalog directory;
/// line and column are 1-based, the column counted in bytes (0 = unknown). For an expression the
/// position is that of its first character (after an opening quote; for a block scalar `|`, the
/// first line of its text).
struct SourceRef {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class ValueType {
  kInt,
  kDecimal,
  kPercent,
  kYear,
  kText,
  kDate,
  kBool,
  kCode,
  kMultiCode,
  kFile
};

struct IndicatorType {
  ValueType kind = ValueType::kDecimal;
  int precision = 15;  ///< decimal(p,s)
  int scale = 2;
  int max_chars = 0;      ///< text(n); 0 = unlimited
  std::string code_list;  ///< code(list) / multi_code(list, n)
  int max_selected = 0;   ///< multi_code(list, n)
  bool IsNumber() const {
    return kind == ValueType::kInt || kind == ValueType::kDecimal || kind == ValueType::kPercent ||
           kind == ValueType::kYear;
  }
};

struct Indicator {
  std::string code;  ///< e.g. qc05_0; unique within its form
  std::string name;  ///< 营业收入
  std::string unit;  ///< 千元, 人, …; may be empty
  IndicatorType type;
  std::string parent;  ///< 其中 structure: code of the parent indicator, or empty
  bool required = false;
  std::string required_when;  ///< rule-language expression, or empty
  std::optional<double> min;
  std::optional<double> max;
  bool negative_allowed = false;
  std::string formula;  ///< derived indicator expression, or empty
  std::string section;  ///< title of its section
  SourceRef source;
  SourceRef parent_source;         ///< position of the `parent` value
  SourceRef required_when_source;  ///< position of `required_when` text
  SourceRef formula_source;        ///< position of `formula` text
};

struct Column {
  std::string code;
  std::string name;
  std::string unit;
  IndicatorType type;
  bool required = false;
  SourceRef source;
};

struct RowTable {
  std::string code;
  std::string title;
  int min_rows = 0;
  int max_rows = 10000;
  std::string visible_when;
  std::vector<Column> columns;
  SourceRef source;
  SourceRef visible_when_source;

  const Column* FindColumn(const std::string& code) const;
};

enum class Severity { kError, kWarning };

struct Rule {
  std::string id;
  Severity severity = Severity::kError;
  std::string message;
  std::string expr;
  std::string when;
  std::optional<double> tolerance;
  std::string for_each;            ///< row table code, or empty
  std::vector<std::string> cells;  ///< explicit cells, or empty (derived from references)
  SourceRef source;                ///< position of `expr` (line/column of the expression text)
  SourceRef when_source;           ///< position of `when` text, when present
};

enum class PeriodType { kAnnual, kQuickAnnual, kHalfYear, kQuarter, kMonth, kEvent };

/// A date relative to a period: day `day` (0 = last day) of the month that lies `months_after`
/// months after the period's last month.
struct RelativeDate {
  int months_after = 0;
  int day = 0;
};

struct Calendar {
  std::vector<int> months;  ///< monthly forms: the months filed (empty = all)
  RelativeDate opens{1, 1};
  RelativeDate due;
  RelativeDate review_due;
};

struct Section {
  std::string title;
  std::string visible_when;
  std::vector<std::string> indicators;  ///< codes, in order
  SourceRef visible_when_source;
};

/// A value copied into a new filing: `from` is `prev` (last period's value) or `unit.<field>`.
struct Prefill {
  std::string indicator;
  std::string from;
  SourceRef source;
};

/// A summary table the regime prescribes (汇总表式): its dimensions and indicators, chosen on
/// the summaries page by id instead of by hand.
struct SummaryLayout {
  std::string id;               ///< economy_by_region
  std::string title;            ///< 高新技术企业主要经济指标汇总表（按地区）
  std::vector<std::string> by;  ///< up to 2 summary dimensions (SummaryDimensions())
  std::vector<std::string> indicators;  ///< numeric indicators of the form, in column order
  SourceRef source;
};

/// The dimension codes a summary may group by (analytics::DimensionCode of each dimension).
const std::vector<std::string>& SummaryDimensions();

struct Form {
  std::string code;      ///< GQ-002
  std::string ref_name;  ///< GQ002: the name rules use
  std::string regime;
  std::string title;
  std::string category;
  PeriodType period = PeriodType::kAnnual;
  std::vector<std::string> filers;
  std::string scope;
  bool provisional = false;
  std::string signed_scan = "none";  ///< none | required | required_if
  std::string signed_scan_when;
  Calendar calendar;
  std::vector<std::string> review_chain;
  std::vector<Section> sections;
  std::vector<Indicator> indicators;  ///< all fixed-cell indicators, in display order
  std::vector<RowTable> row_tables;
  std::vector<Rule> rules;
  SourceRef source;
  std::vector<Prefill> prefill;
  std::vector<SummaryLayout> summary_layouts;
  SourceRef signed_scan_when_source;

  const Indicator* FindIndicator(const std::string& code) const;
  const SummaryLayout* FindSummaryLayout(const std::string& id) const;
  const RowTable* FindRowTable(const std::string& code) const;
};

struct Regime {
  std::string id;
  std::string name;
  std::string approval;
  std::string organizer;
  SourceRef source;
};

/// Indicator mapping from the previous catalog year, per form.
struct FormCrosswalk {
  std::map<std::string, std::string> renamed;                  ///< old → new
  std::map<std::string, std::vector<std::string>> merged;      ///< new ← old codes (summed)
  std::map<std::string, std::map<std::string, double>> split;  ///< old → {new: share}
  std::vector<std::string> added;
  std::vector<std::string> dropped;
};

struct Catalog {
  int year = 0;
  std::string title;
  int previous_year = 0;
  std::vector<Regime> regimes;
  std::vector<Form> forms;
  std::map<std::string, CodeList> code_lists;  ///< by id
  std::map<std::string, std::string> code_list_titles;
  std::map<std::string, FormCrosswalk> crosswalk;  ///< by form code

  const Form* FindForm(const std::string& code) const;      ///< by 表号 (GQ-002)
  const Form* FindFormByRef(const std::string& ref) const;  ///< by rule name (GQ002)
  const CodeList* FindCodeList(const std::string& id) const;
};

}  // namespace huoju::catalog
