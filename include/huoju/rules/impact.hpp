// huoju/rules/impact.hpp
//
// Rule impact preview: before a changed rule set is published for a period that already has
// filings, how many of those filings fail each rule under the current (baseline) catalog and
// under the candidate one, which filings newly fail or newly pass, and which rules are new,
// changed or removed. Used by `huoju catalog impact` (docs/catalog-format.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::rules {

/// One unit's filing of the period as in `huoju audit`: {"GQ-002": {...}, "GQ-003": {...}},
/// optionally with the unit's previous-period data laid out the same way (null: none).
/// Codes a catalog does not know are left out for that catalog (and counted in the report).
struct ImpactUnit {
  std::string label;  ///< shown in examples: a unit code, "第3行", …
  nlohmann::json forms;
  nlohmann::json previous;
};

enum class RuleChange : uint8_t {
  kSame,     ///< same definition in both catalogs
  kAdded,    ///< only in the candidate
  kChanged,  ///< expr, when, tolerance, severity, for_each, message or cells differ
  kRemoved,  ///< only in the baseline
  kBuiltIn,  ///< a built-in check derived from the indicator definitions (engine.hpp)
};
const char* RuleChangeName(RuleChange c);  ///< 未变 / 新增 / 修改 / 删除 / 内置检查

struct RuleImpact {
  std::string rule_id;
  RuleChange change = RuleChange::kSame;
  catalog::Severity severity = catalog::Severity::kError;  ///< candidate's, else baseline's
  uint64_t baseline_failures = 0;  ///< filings failing it under the baseline catalog
  uint64_t candidate_failures = 0;
  uint64_t newly_failing = 0;  ///< fail under the candidate, passed under the baseline
  uint64_t newly_passing = 0;  ///< failed under the baseline, pass under the candidate
  std::vector<std::string> newly_failing_examples;  ///< labels, in input order
  std::vector<std::string> newly_passing_examples;
  /// A definition change, or a count that differs.
  bool Affected() const {
    return (change != RuleChange::kSame && change != RuleChange::kBuiltIn) || newly_failing != 0 ||
           newly_passing != 0;
  }
};

struct ImpactReport {
  std::string form_code;
  size_t filings = 0;
  std::vector<RuleImpact> rules;  ///< candidate's order, then rules only in the baseline
  /// Input codes left out because that catalog's form has no such indicator or row table.
  std::vector<std::string> ignored_by_baseline, ignored_by_candidate;
  const RuleImpact* Find(std::string_view rule_id) const;
  nlohmann::json ToJson() const;
};

/// Audits every unit's filing of `form_code` with both catalogs (per filing, as
/// CompiledCatalog::Evaluate) and compares rule by rule. Keeps up to `examples` labels per rule
/// and direction. Invalid when the form is in neither catalog or a value does not fit its type.
Result<ImpactReport> PreviewImpact(const CompiledCatalog& baseline,
                                   const CompiledCatalog& candidate, std::string_view form_code,
                                   const std::vector<ImpactUnit>& units, size_t examples = 5);

}  // namespace huoju::rules
