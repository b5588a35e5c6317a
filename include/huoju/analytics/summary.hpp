// huoju/analytics/summary.hpp
//
// Summaries (汇总), drill-down lists and year-on-year comparisons computed on snapshots. Pure
// functions over a Snapshot the caller holds inside Snapshots::Read(); they never touch the
// store and do no authorization (the service does). Each pass is a tight loop per indicator
// column: rows are mapped once to a group number (filtered rows to a spare group), then
// `sum[group[row]] += value[row]` (blank values are stored as 0), and counts come from the
// missing bitmap word by word. Thread-safe for concurrent calls.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "huoju/analytics/snapshot.hpp"

namespace huoju::analytics {

/// Which rows count.
struct RowFilter {
  uint32_t state_mask = 0;  ///< bit (1 << FilingState) per accepted state; 0 = every state
  /// When set: only final filings and submitted ones held above this review level (approved
  /// past it).
  std::optional<int> approved_above_level;
  std::string scope_path;                             ///< unit_path prefix; empty = every row
  std::vector<std::pair<Dimension, uint32_t>> equal;  ///< dimension = dictionary id (drill-down)

  bool Passes(const Snapshot& s, size_t row) const;
};

struct Cell {
  double sum = 0;
  int64_t count = 0;  ///< rows with a value
};

/// One series of a row (a summary has one; a year-on-year row has current and previous).
struct Series {
  int64_t units = 0;
  std::vector<Cell> cells;  ///< per requested indicator
};

struct SummaryRow {
  int level = 0;               ///< 0 the total, 1 first dimension, 2 its 其中 rows, …
  std::vector<uint32_t> keys;  ///< dictionary ids of by[0 .. level-1]
  std::vector<Series> series;
};

/// Order of two dictionary ids of a dimension in the output.
using KeyLess = std::function<bool(Dimension, uint32_t, uint32_t)>;

struct SummarySpec {
  std::vector<Dimension> by;    ///< 0…3 dimensions, outer first
  std::vector<size_t> columns;  ///< snapshot column indexes
  RowFilter filter;
  int threads = 2;  ///< columns are split among this many threads
};

/// The total, then each value of by[0] followed by its rows for by[1], … (pre-order).
std::vector<SummaryRow> Summarize(const Snapshot& s, const SummarySpec& spec, const KeyLess& less);

struct YoySpec {
  std::vector<Dimension> by;
  std::vector<size_t> current_columns;   ///< in the current snapshot
  std::vector<size_t> previous_columns;  ///< same indicators in the previous one; SIZE_MAX = absent
  RowFilter current_filter, previous_filter;
  /// true: only units passing both filters, grouped by the current dimensions; false: every
  /// unit of each period grouped by its own period's dimensions.
  bool comparable = true;
  int threads = 2;
};

/// Rows as Summarize, each with series {current, previous}.
std::vector<SummaryRow> YearOnYear(const Snapshot& current, const Snapshot& previous,
                                   const YoySpec& spec, const KeyLess& less);

/// Rows passing `filter`, ordered by `sort_column` (largest first, blanks last, then unit id)
/// or, without one, by unit id.
std::vector<uint32_t> MatchingRows(const Snapshot& s, const RowFilter& filter,
                                   std::optional<size_t> sort_column);

struct Change {
  uint32_t current_row = 0, previous_row = 0;
  double current = 0, previous = 0;
  double change = 0;
  std::optional<double> change_pct;  ///< null when previous is 0 (an unbounded change)
};

/// Units present in both periods (both filters) with a value in both, whose |change| is at
/// least `threshold_pct` % of |previous| (any change from 0 counts) and whose larger |value|
/// is at least `min_value`; largest relative change first (changes from 0 first).
std::vector<Change> LargeChanges(const Snapshot& current, const Snapshot& previous,
                                 size_t current_column, size_t previous_column,
                                 const RowFilter& current_filter, const RowFilter& previous_filter,
                                 double threshold_pct, double min_value);

}  // namespace huoju::analytics
