// huoju/filing/period.hpp
//
// Report periods (报告期) and their deadlines. A period key names one period of a form:
// "2024" (annual and quick annual), "2024H1", "2024Q3", "2024M03" (monthly), "2024E" (event
// forms: one open window per year). Dates are days since 1970-01-01 (rules::ParseDate).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "huoju/catalog/model.hpp"
#include "huoju/core/status.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::filing {

struct PeriodKey {
  catalog::PeriodType type = catalog::PeriodType::kAnnual;
  int year = 0;
  int part = 0;  ///< half 1–2, quarter 1–4, month 1–12; 0 for annual and event

  /// Parses `text` for a form of period type `type`; InvalidField("period") with a Chinese
  /// message when it does not name such a period, or names a month the calendar skips.
  static Result<PeriodKey> Parse(std::string_view text, const catalog::Form& form);

  std::string ToString() const;  ///< "2024", "2024H1", "2024Q3", "2024M03", "2024E"
  std::string Label() const;     ///< 2024年, 2024年上半年, 2024年第3季度, 2024年3月
  /// The same part of the year before (the period prev() and year-on-year compare with).
  PeriodKey PreviousYear() const;
  /// first and last day, for period_start()/period_end() in rules.
  rules::PeriodInfo Info() const;
};

/// When a period is open for filing and review.
struct Deadlines {
  int opens_on = 0;       ///< first day units may fill
  int due_on = 0;         ///< last day of filing (inclusive)
  int review_due_on = 0;  ///< last day of review (inclusive)
};

/// The catalog calendar applied to `period`.
Deadlines CatalogDeadlines(const catalog::Calendar& calendar, const PeriodKey& period);

/// Day number (days since 1970-01-01, UTC+8: the deadline days are Beijing days) of `millis`.
int BeijingDay(int64_t millis);

}  // namespace huoju::filing
