#include "huoju/filing/period.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace huoju::filing {

using catalog::PeriodType;

namespace {

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) {
    return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Last month of the period (1–12).
int LastMonth(const PeriodKey& k) {
  switch (k.type) {
    case PeriodType::kHalfYear:
      return k.part * 6;
    case PeriodType::kQuarter:
      return k.part * 3;
    case PeriodType::kMonth:
      return k.part;
    default:
      return 12;
  }
}

int FirstMonth(const PeriodKey& k) {
  switch (k.type) {
    case PeriodType::kHalfYear:
      return k.part * 6 - 5;
    case PeriodType::kQuarter:
      return k.part * 3 - 2;
    case PeriodType::kMonth:
      return k.part;
    default:
      return 1;
  }
}

int Resolve(const catalog::RelativeDate& d, const PeriodKey& k) {
  int month0 = k.year * 12 + (LastMonth(k) - 1) + d.months_after;
  const int y = month0 / 12;
  const int m = month0 % 12 + 1;
  const int last = DaysInMonth(y, m);
  const int day = d.day <= 0 || d.day > last ? last : d.day;
  return rules::DaysFromCivil(y, m, day);
}

}  // namespace

Result<PeriodKey> PeriodKey::Parse(std::string_view text, const catalog::Form& form) {
  PeriodKey k;
  k.type = form.period;
  auto bad = [&](const std::string& expect) {
    return Status::InvalidField("period",
                                fmt::format("报告期“{}”无效：{}应为 {}", text, form.code, expect));
  };
  std::string_view year = text.substr(0, std::min<size_t>(4, text.size()));
  std::string_view rest = text.size() > 4 ? text.substr(4) : std::string_view();
  const char* expect = "";
  switch (form.period) {
    case PeriodType::kAnnual:
    case PeriodType::kQuickAnnual:
      expect = "年份，如 2024";
      break;
    case PeriodType::kHalfYear:
      expect = "半年，如 2024H1";
      break;
    case PeriodType::kQuarter:
      expect = "季度，如 2024Q1";
      break;
    case PeriodType::kMonth:
      expect = "月份，如 2024M03";
      break;
    case PeriodType::kEvent:
      expect = "登记年度，如 2024E";
      break;
  }
  if (!ParseInt(year, &k.year) || k.year < 2000 || k.year > 2100) {
    return bad(expect);
  }
  switch (form.period) {
    case PeriodType::kAnnual:
    case PeriodType::kQuickAnnual:
      if (!rest.empty()) {
        return bad(expect);
      }
      break;
    case PeriodType::kEvent:
      if (rest != "E") {
        return bad(expect);
      }
      break;
    case PeriodType::kHalfYear:
    case PeriodType::kQuarter:
    case PeriodType::kMonth: {
      const char tag = form.period == PeriodType::kHalfYear  ? 'H'
                       : form.period == PeriodType::kQuarter ? 'Q'
                                                             : 'M';
      const int max = form.period == PeriodType::kHalfYear  ? 2
                      : form.period == PeriodType::kQuarter ? 4
                                                            : 12;
      if (rest.size() < 2 || rest[0] != tag || !ParseInt(rest.substr(1), &k.part) || k.part < 1 ||
          k.part > max || (form.period == PeriodType::kMonth && rest.size() != 3)) {
        return bad(expect);
      }
      const auto& months = form.calendar.months;
      if (form.period == PeriodType::kMonth && !months.empty() &&
          std::find(months.begin(), months.end(), k.part) == months.end()) {
        return Status::InvalidField("period",
                                    fmt::format("{} 不在 {} 月报填报月份之内", text, form.code));
      }
      break;
    }
  }
  return k;
}

std::string PeriodKey::ToString() const {
  switch (type) {
    case PeriodType::kHalfYear:
      return fmt::format("{}H{}", year, part);
    case PeriodType::kQuarter:
      return fmt::format("{}Q{}", year, part);
    case PeriodType::kMonth:
      return fmt::format("{}M{:02}", year, part);
    case PeriodType::kEvent:
      return fmt::format("{}E", year);
    default:
      return fmt::format("{}", year);
  }
}

std::string PeriodKey::Label() const {
  switch (type) {
    case PeriodType::kHalfYear:
      return fmt::format("{}年{}", year, part == 1 ? "上半年" : "下半年");
    case PeriodType::kQuarter:
      return fmt::format("{}年第{}季度", year, part);
    case PeriodType::kMonth:
      return fmt::format("{}年{}月", year, part);
    case PeriodType::kEvent:
      return fmt::format("{}年度登记", year);
    default:
      return fmt::format("{}年", year);
  }
}

PeriodKey PeriodKey::PreviousYear() const {
  PeriodKey k = *this;
  k.year -= 1;
  return k;
}

rules::PeriodInfo PeriodKey::Info() const {
  const int first = FirstMonth(*this);
  const int last = LastMonth(*this);
  return {year, rules::DaysFromCivil(year, first, 1),
          rules::DaysFromCivil(year, last, DaysInMonth(year, last))};
}

Deadlines CatalogDeadlines(const catalog::Calendar& calendar, const PeriodKey& period) {
  return {Resolve(calendar.opens, period), Resolve(calendar.due, period),
          Resolve(calendar.review_due, period)};
}

int BeijingDay(int64_t millis) {
  constexpr int64_t kDayMillis = 86'400'000;
  constexpr int64_t kBeijingOffset = 8 * 3'600'000;
  const int64_t t = millis + kBeijingOffset;
  return static_cast<int>(t >= 0 ? t / kDayMillis : (t - kDayMillis + 1) / kDayMillis);
}

}  // namespace huoju::filing
