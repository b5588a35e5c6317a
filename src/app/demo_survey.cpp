// The survey part of the demo data (include/huoju/app/demo_data.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "huoju/app/application.hpp"
#include "huoju/app/demo_data.hpp"
#include "huoju/core/hash.hpp"
#include "huoju/filing/period.hpp"
#include "huoju/identity/modules.hpp"

namespace huoju::app {

using nlohmann::json;

namespace {

// Revenue, total assets and tax of one enterprise (千元), lognormal like real firm sizes.
json LastYearValues(std::mt19937_64& rng) {
  std::lognormal_distribution<double> size(10.0, 1.4);
  const double revenue = std::round(size(rng));
  std::uniform_real_distribution<double> ratio(1.2, 2.6);
  return {{"qc05_0", revenue},
          {"qc24", std::round(revenue * ratio(rng))},
          {"qc12", std::round(revenue * 0.06)}};
}

}  // namespace

Result<DemoSurveySummary> GenerateDemoSurvey(Application& app, int year, int64_t submit,
                                             uint64_t seed) {
  const CatalogYear* cy = app.catalogs().Year(year);
  if (cy == nullptr) {
    return Status::Invalid(fmt::format("没有 {} 年度的报表目录，无法生成演示填报", year));
  }
  DemoSurveySummary out;
  HUOJU_ASSIGN_OR_RETURN(auto center, app.OperatorPrincipal());
  const int today = filing::BeijingDay(app.clock().NowMillis());
  for (const char* form : {"GQ-001", "GQ-002", "GQ-003", "GQ-004", "GQ-005"}) {
    OpenPeriodRequest req;
    req.form_code = form;
    req.period = std::to_string(year);
    req.opens_on = today - 30;
    req.due_on = today + 60;
    req.review_due_on = today + 90;
    HUOJU_ASSIGN_OR_RETURN(auto opened, app.filings().OpenPeriod(center, req, {}));
    out.periods += 1;
    out.tasks += opened["tasks"].get<int64_t>();
  }

  // Last year's GQ-002, final, for year-on-year comparisons and prev() rules.
  std::mt19937_64 rng(seed);
  const int64_t now = app.clock().NowMillis();
  const std::string last_year = std::to_string(year - 1);
  std::vector<std::pair<int64_t, std::string>> units;
  std::set<int64_t> account_units;  // units with a demo login: left for people to fill
  HUOJU_RETURN_IF_ERROR(app.db().Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto accounts,
                           s.Query("SELECT scope_node_id FROM account WHERE role = 'filler'"));
    for (size_t i = 0; i < accounts.size(); ++i) {
      account_units.insert(accounts.Int(i, 0));
    }
    HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT id, path FROM org_node WHERE kind = 'unit' "
                                              "AND unit_type = 'enterprise' ORDER BY id"));
    for (size_t i = 0; i < rows.size(); ++i) {
      units.emplace_back(rows.Int(i, 0), rows.Text(i, 1));
    }
    return Status::Ok();
  }));
  std::vector<json> history(units.size());
  for (auto& h : history) {
    h = LastYearValues(rng);
  }
  HUOJU_RETURN_IF_ERROR(app.db().Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto period,
        s.Query("INSERT INTO survey_period (form_code, period_key, catalog_year, "
                "catalog_version_id, opens_on, due_on, review_due_on, expected, opened_by, "
                "opened_at) VALUES ('GQ-002', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                {last_year, static_cast<int64_t>(year), cy->version_id,
                 static_cast<int64_t>(today - 395), static_cast<int64_t>(today - 305),
                 static_cast<int64_t>(today - 275), static_cast<int64_t>(units.size()),
                 center.account_id, now}));
    const int64_t period_id = period.Int(0, 0);
    // Many rows per statement: the tally triggers then run once per statement on PostgreSQL,
    // and both backends save the round trips.
    constexpr size_t kRowsPerStatement = 250;
    for (size_t start = 0; start < units.size(); start += kRowsPerStatement) {
      const size_t end = std::min(units.size(), start + kRowsPerStatement);
      std::string sql =
          "INSERT INTO filing (period_id, form_code, period_key, unit_id, unit_path, state, "
          "version, data_hash, values_json, size_value, submitted_version, submitted_at, "
          "final_at, updated_at) VALUES ";
      store::Params params;
      for (size_t i = start; i < end; ++i) {
        sql += i == start ? "" : ", ";
        sql += "(?, 'GQ-002', ?, ?, ?, 'final', 1, ?, ?, ?, 1, ?, ?, ?)";
        std::string values = history[i].dump();
        // The data hash as a save computes it (values, then the explanations: none), so that
        // prints and scans show a real one.
        std::string hash = Blake2bHex(values + "\n{}");
        for (store::Value v :
             {store::Value(period_id), store::Value(last_year), store::Value(units[i].first),
              store::Value(units[i].second), store::Value(std::move(hash)),
              store::Value(std::move(values)), store::Value(history[i]["qc05_0"].get<double>()),
              store::Value(now), store::Value(now), store::Value(now)}) {
          params.push_back(std::move(v));
        }
      }
      HUOJU_RETURN_IF_ERROR(s.Execute(sql, params).status());
    }
    return Status::Ok();
  }));
  out.history = static_cast<int64_t>(units.size());

  // This year's GQ-002 of some enterprises, through the real workflow (audit included).
  std::uniform_real_distribution<double> growth(0.75, 1.45);
  const int64_t n = std::min<int64_t>(submit, static_cast<int64_t>(units.size()));
  for (int64_t i = 0; i < n; ++i) {
    // Spread over the country: every k-th enterprise.
    const size_t idx = static_cast<size_t>(i) * units.size() / static_cast<size_t>(n);
    const int64_t unit_id = units[idx].first;
    auto unit = app.directory().Get(unit_id);
    if (!unit) {
      continue;
    }
    identity::Principal filler;
    filler.role = identity::Role::kFiller;
    filler.scope = *unit;
    filler.display_name = unit->name;
    filler.modules = identity::ModulesForRole(filler.role);
    int64_t filing_id = 0;
    HUOJU_RETURN_IF_ERROR(app.db().Read([&](store::Session& s) -> Status {
      HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT id, state FROM filing WHERE unit_id = ? "
                                                "AND form_code = 'GQ-002' AND period_key = ?",
                                                {unit_id, std::to_string(year)}));
      if (!rows.empty() && rows.Text(0, 1) == "not_started") {
        filing_id = rows.Int(0, 0);
      }
      return Status::Ok();
    }));
    if (filing_id == 0 || account_units.count(unit_id) > 0) {
      continue;
    }
    const json& last = history[idx];
    const double g = growth(rng);
    SaveRequest save;
    save.values = {{"qc05_0", std::round(last["qc05_0"].get<double>() * g)},
                   {"qc24", std::round(last["qc24"].get<double>() * growth(rng))},
                   {"qc12", std::round(last["qc12"].get<double>() * g)}};
    HUOJU_ASSIGN_OR_RETURN(auto saved, app.filings().Save(filler, filing_id, save, {}));
    if (saved["error_count"].get<int64_t>() > 0) {
      continue;
    }
    int64_t version = saved["version"].get<int64_t>();
    if (!saved["unexplained"].empty()) {
      save.expected_version = version;
      for (const auto& rule : saved["unexplained"]) {
        save.explanations[rule.get<std::string>()] = "经核实，数据真实无误（演示说明）";
      }
      HUOJU_ASSIGN_OR_RETURN(saved, app.filings().Save(filler, filing_id, save, {}));
      version = saved["version"].get<int64_t>();
    }
    if (app.filings().Submit(filler, filing_id, version, {}).ok()) {
      out.submitted += 1;
    }
  }
  return out;
}

}  // namespace huoju::app
