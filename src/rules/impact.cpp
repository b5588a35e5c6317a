#include "huoju/rules/impact.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace huoju::rules {
namespace {

bool SameDefinition(const catalog::Rule& a, const catalog::Rule& b) {
  return a.expr == b.expr && a.when == b.when && a.tolerance == b.tolerance &&
         a.severity == b.severity && a.for_each == b.for_each && a.message == b.message &&
         a.cells == b.cells;
}

// The unit's data laid out by `cc`, keeping only the forms and codes `cc` knows; the codes left
// out go to `ignored` as "GQ-002.qc99".
Result<UnitPeriodData> Layout(const CompiledCatalog& cc, const nlohmann::json& forms,
                              std::set<std::string>* ignored) {
  UnitPeriodData data(cc);
  if (!forms.is_object()) {
    return data;
  }
  for (const auto& [form_code, values] : forms.items()) {
    const catalog::Form* form = cc.catalog().FindForm(form_code);
    if (form == nullptr || !values.is_object()) {
      ignored->insert(form_code);
      continue;
    }
    nlohmann::json kept = nlohmann::json::object();
    for (const auto& item : values.items()) {
      const std::string& code = item.key();
      bool known = std::any_of(form->indicators.begin(), form->indicators.end(),
                               [&](const catalog::Indicator& i) { return i.code == code; }) ||
                   std::any_of(form->row_tables.begin(), form->row_tables.end(),
                               [&](const catalog::RowTable& t) { return t.code == code; });
      if (known) {
        kept[code] = item.value();
      } else {
        ignored->insert(form_code + "." + code);
      }
    }
    Status st = data.SetForm(form_code, kept);
    if (!st.ok()) {
      return st;
    }
  }
  return data;
}

}  // namespace

const char* RuleChangeName(RuleChange c) {
  switch (c) {
    case RuleChange::kSame:
      return "未变";
    case RuleChange::kAdded:
      return "新增";
    case RuleChange::kChanged:
      return "修改";
    case RuleChange::kRemoved:
      return "删除";
    case RuleChange::kBuiltIn:
      return "内置检查";
  }
  return "";
}

const RuleImpact* ImpactReport::Find(std::string_view rule_id) const {
  for (const auto& r : rules) {
    if (r.rule_id == rule_id) {
      return &r;
    }
  }
  return nullptr;
}

nlohmann::json ImpactReport::ToJson() const {
  nlohmann::json j;
  j["form"] = form_code;
  j["filings"] = filings;
  j["rules"] = nlohmann::json::array();
  for (const auto& r : rules) {
    j["rules"].push_back(
        {{"id", r.rule_id},
         {"change", RuleChangeName(r.change)},
         {"severity", r.severity == catalog::Severity::kError ? "error" : "warning"},
         {"affected", r.Affected()},
         {"baseline_failures", r.baseline_failures},
         {"candidate_failures", r.candidate_failures},
         {"newly_failing", r.newly_failing},
         {"newly_passing", r.newly_passing},
         {"newly_failing_examples", r.newly_failing_examples},
         {"newly_passing_examples", r.newly_passing_examples}});
  }
  j["ignored_by_baseline"] = ignored_by_baseline;
  j["ignored_by_candidate"] = ignored_by_candidate;
  return j;
}

Result<ImpactReport> PreviewImpact(const CompiledCatalog& baseline,
                                   const CompiledCatalog& candidate, std::string_view form_code,
                                   const std::vector<ImpactUnit>& units, size_t examples) {
  const std::string code(form_code);
  const catalog::Form* base_form = baseline.catalog().FindForm(code);
  const catalog::Form* cand_form = candidate.catalog().FindForm(code);
  if (base_form == nullptr && cand_form == nullptr) {
    return Status::Invalid("两个目录中都没有表号为“" + code + "”的报表");
  }
  ImpactReport report;
  report.form_code = code;
  report.filings = units.size();

  // Rows: the candidate's rules in order, then those only the baseline has. Built-in checks
  // (ids with a dot) are added as they fail, after the catalog rules.
  std::unordered_map<std::string, size_t> row;
  auto add_row = [&](const std::string& id, RuleChange change, catalog::Severity severity) {
    auto [it, added] = row.emplace(id, report.rules.size());
    if (added) {
      RuleImpact r;
      r.rule_id = id;
      r.change = change;
      r.severity = severity;
      report.rules.push_back(std::move(r));
    }
    return it->second;
  };
  std::map<std::string, const catalog::Rule*> base_rules;
  if (base_form != nullptr) {
    for (const auto& r : base_form->rules) {
      base_rules[r.id] = &r;
    }
  }
  if (cand_form != nullptr) {
    for (const auto& r : cand_form->rules) {
      auto it = base_rules.find(r.id);
      RuleChange change = it == base_rules.end()           ? RuleChange::kAdded
                          : SameDefinition(*it->second, r) ? RuleChange::kSame
                                                           : RuleChange::kChanged;
      add_row(r.id, change, r.severity);
    }
  }
  if (base_form != nullptr) {
    for (const auto& r : base_form->rules) {
      add_row(r.id, RuleChange::kRemoved, r.severity);  // no-op when the candidate has it
    }
  }

  std::set<std::string> ignored_base, ignored_cand;
  const PeriodInfo base_period = PeriodInfo::Year(baseline.catalog().year);
  const PeriodInfo cand_period = PeriodInfo::Year(candidate.catalog().year);
  // Rule ids failing the unit's filing under one catalog (a rule counts once per filing).
  auto failing = [&](const CompiledCatalog& cc, const catalog::Form* form, const PeriodInfo& period,
                     const ImpactUnit& u, std::set<std::string>* ignored,
                     std::map<std::string, catalog::Severity>* out) -> Status {
    if (form == nullptr) {
      return Status::Ok();
    }
    auto cur = Layout(cc, u.forms, ignored);
    if (!cur.ok()) {
      return Status::Invalid(u.label + "：" + cur.status().message());
    }
    std::optional<UnitPeriodData> prev;
    if (u.previous.is_object()) {
      auto p = Layout(cc, u.previous, ignored);
      if (!p.ok()) {
        return Status::Invalid(u.label + "（上期）：" + p.status().message());
      }
      prev.emplace(std::move(p).value());
    }
    for (const auto& f : cc.Evaluate(code, *cur, prev ? &*prev : nullptr, period)) {
      out->emplace(f.rule_id, f.severity);
    }
    return Status::Ok();
  };
  for (const ImpactUnit& u : units) {
    std::map<std::string, catalog::Severity> before, after;
    Status st = failing(baseline, base_form, base_period, u, &ignored_base, &before);
    if (st.ok()) {
      st = failing(candidate, cand_form, cand_period, u, &ignored_cand, &after);
    }
    if (!st.ok()) {
      return st;
    }
    for (const auto& [id, severity] : before) {
      RuleImpact& r = report.rules[add_row(id, RuleChange::kBuiltIn, severity)];
      ++r.baseline_failures;
      if (!after.contains(id)) {
        ++r.newly_passing;
        if (r.newly_passing_examples.size() < examples) {
          r.newly_passing_examples.push_back(u.label);
        }
      }
    }
    for (const auto& [id, severity] : after) {
      RuleImpact& r = report.rules[add_row(id, RuleChange::kBuiltIn, severity)];
      ++r.candidate_failures;
      if (!before.contains(id)) {
        ++r.newly_failing;
        if (r.newly_failing_examples.size() < examples) {
          r.newly_failing_examples.push_back(u.label);
        }
      }
    }
  }
  report.ignored_by_baseline.assign(ignored_base.begin(), ignored_base.end());
  report.ignored_by_candidate.assign(ignored_cand.begin(), ignored_cand.end());
  return report;
}

}  // namespace huoju::rules
