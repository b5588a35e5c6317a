// huoju/analytics/service.hpp
//
// The summary use cases behind /api/v1/summaries (docs/api.md "Summaries"): a summary table,
// the units behind a cell, year-on-year side by side and the list of large changes. Each
// method authorizes first (identity::Action::kViewProgress on the requested node, default the
// caller's scope: reviewers and the Torch Center; a node outside the scope is NotFound like an
// absent one), validates every parameter with a Chinese message naming it, then answers from
// the snapshots (which catch up from the store first). Blocking: call from worker threads.
// Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "huoju/analytics/snapshot.hpp"
#include "huoju/identity/principal.hpp"

namespace huoju::analytics {

struct SummaryQuery {
  std::string form;
  std::string period;
  std::string base_period;  ///< year-on-year: empty = the previous year
  std::vector<std::string> by;
  std::vector<std::string> indicators;  ///< empty = the layout's, else every numeric one
  /// A summary layout of the form (catalog `summary_layouts`): its `by` and `indicators` apply
  /// where the query gives none, and the answers name it (summary and year-on-year).
  std::string layout;
  std::string state = "submitted";
  int64_t node = 0;  ///< 0 = the caller's scope
  /// Drill-down: dimension code → value code (kNoValue for 未分类).
  std::map<std::string, std::string> keys;
  std::string sort;  ///< drill-down: an indicator code, or empty (unit id)
  int64_t offset = 0;
  int64_t limit = 50;
  std::string basis = "comparable";  ///< year-on-year: comparable | all
  std::string indicator;             ///< large changes
  double threshold = 50;             ///< large changes: percent
  double min_value = 0;              ///< large changes
};

/// One unit of a list as ForEachUnit hands it out (buffers reused from row to row).
struct UnitListRow {
  int64_t filing_id = 0;
  int64_t unit_id = 0;
  std::string name;
  std::string uscc;
  const char* state = "";                          ///< filing state code
  std::array<std::string, kDimensionCount> codes;  ///< dimension value codes (kNoValue: 未分类)
  std::vector<double> values;                      ///< the indicators in order; NaN = blank
};

class Summaries {
 public:
  Summaries(store::Database& db, const org::Directory& directory, Snapshots::CatalogLookup catalogs,
            Snapshots::Options options = {});

  /// The checks every answer starts with (authorization, scope, parameters), without reading
  /// any data: for starting background exports with an immediate answer.
  Status Validate(const identity::Principal& who, const SummaryQuery& q) const;
  Result<nlohmann::json> Summary(const identity::Principal& who, const SummaryQuery& q);
  Result<nlohmann::json> Units(const identity::Principal& who, const SummaryQuery& q);
  /// The whole list of Units (every row, offset and limit ignored) for exports: `begin` gets
  /// the indicator list ({code, name, unit}…) and the row count, then `row` every row in list
  /// order. A failed Status from either stops the walk and is returned (cancellation). The
  /// snapshot stays read-locked during the walk: the callbacks must not call Summaries.
  Status ForEachUnit(const identity::Principal& who, const SummaryQuery& q,
                     const std::function<Status(const nlohmann::json&, size_t)>& begin,
                     const std::function<Status(const UnitListRow&)>& row);
  Result<nlohmann::json> YearOnYear(const identity::Principal& who, const SummaryQuery& q);
  Result<nlohmann::json> LargeChanges(const identity::Principal& who, const SummaryQuery& q);

  Snapshots& snapshots() { return snapshots_; }

  /// Most rows a drill-down list answers at once (exports ask for this many).
  static constexpr int64_t kMaxListRows = 100000;

 private:
  struct Plan;
  struct UnitSelection;
  Result<Plan> Prepare(const identity::Principal& who, const SummaryQuery& q) const;
  const catalog::SummaryLayout* FindLayout(const std::string& form, const std::string& period,
                                           const std::string& id) const;
  Status SelectUnits(const identity::Principal& who, const SummaryQuery& q,
                     const std::function<Status(const UnitSelection&)>& fn);

  Snapshots::CatalogLookup catalogs_;
  Snapshots snapshots_;
};

/// The year before `period` with the same suffix ("2024" → "2023", "2024M03" → "2023M03"), or
/// empty when `period` does not start with a year.
std::string PreviousYearPeriod(const std::string& period);

}  // namespace huoju::analytics
