// The state machine and period arithmetic, without a store.
#include "huoju/filing/workflow.hpp"

#include <gtest/gtest.h>

#include "huoju/filing/diff.hpp"
#include "huoju/filing/period.hpp"

namespace huoju::filing {
namespace {

identity::Principal Reviewer(org::NodeKind kind) {
  identity::Principal p;
  p.role = identity::Role::kReviewer;
  p.scope.kind = kind;
  return p;
}

TEST(FilingWorkflow, ReviewerLevelFollowsTheChain) {
  const std::vector<std::string> chain = {"zone_or_city", "province", "center"};
  EXPECT_EQ(ReviewerLevel(Reviewer(org::NodeKind::kZone), chain), 0U);
  EXPECT_EQ(ReviewerLevel(Reviewer(org::NodeKind::kCity), chain), 0U);
  EXPECT_EQ(ReviewerLevel(Reviewer(org::NodeKind::kProvince), chain), 1U);
  identity::Principal center;
  center.role = identity::Role::kCenter;
  EXPECT_EQ(ReviewerLevel(center, chain), 2U);
  EXPECT_FALSE(ReviewerLevel(Reviewer(org::NodeKind::kZone), {"province", "center"}));
  identity::Principal filler;
  EXPECT_FALSE(ReviewerLevel(filler, chain));
}

TEST(FilingWorkflow, TransitionsAndLocks) {
  FilingStatus f;
  EXPECT_TRUE(CanEdit(f).ok());
  EXPECT_FALSE(CanSubmit(f).ok());  // nothing saved yet
  f.state = FilingState::kDraft;
  EXPECT_TRUE(CanSubmit(f).ok());
  f.filling_open = false;
  EXPECT_EQ(CanEdit(f).code(), ErrorCode::kConflict);
  f.state = FilingState::kReturned;  // a return reopens filling after the due date
  EXPECT_TRUE(CanEdit(f).ok());
  f.state = FilingState::kSubmitted;
  EXPECT_FALSE(CanEdit(f).ok());
  EXPECT_TRUE(CanWithdraw(f).ok());
  EXPECT_TRUE(CanReview(f, 0, 3).ok());
  EXPECT_FALSE(CanReview(f, 1, 3).ok());
  EXPECT_FALSE(CanReopen(f, 0, 3).ok());
  f.review_level = 1;
  f.reviewed_at_level0 = true;
  EXPECT_FALSE(CanWithdraw(f).ok());
  EXPECT_TRUE(CanReopen(f, 1, 3).ok());
  f.review_open = false;
  EXPECT_FALSE(CanReview(f, 1, 3).ok());
  f.state = FilingState::kFinal;
  EXPECT_TRUE(CanReopen(f, 2, 3).ok());
  EXPECT_FALSE(CanReopen(f, 1, 3).ok());
}

TEST(FilingPeriod, KeysLabelsAndCatalogDeadlines) {
  catalog::Form monthly;
  monthly.code = "GZYB-01";
  monthly.period = catalog::PeriodType::kMonth;
  monthly.calendar.months = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  monthly.calendar.due = {1, 15};
  monthly.calendar.review_due = {1, 25};
  auto k = PeriodKey::Parse("2024M03", monthly);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->ToString(), "2024M03");
  EXPECT_EQ(k->Label(), "2024年3月");
  EXPECT_EQ(k->PreviousYear().ToString(), "2023M03");
  Deadlines d = CatalogDeadlines(monthly.calendar, *k);
  EXPECT_EQ(rules::FormatDate(d.due_on), "2024-04-15");
  EXPECT_EQ(rules::FormatDate(d.review_due_on), "2024-04-25");
  EXPECT_FALSE(PeriodKey::Parse("2024M01", monthly).ok());  // January is not filed
  EXPECT_FALSE(PeriodKey::Parse("2024M3", monthly).ok());
  EXPECT_FALSE(PeriodKey::Parse("2024", monthly).ok());

  catalog::Form annual;
  annual.code = "GQ-002";
  annual.calendar.due = {3, 31};
  annual.calendar.review_due = {4, 30};
  auto y = PeriodKey::Parse("2024", annual);
  ASSERT_TRUE(y.ok());
  d = CatalogDeadlines(annual.calendar, *y);
  EXPECT_EQ(rules::FormatDate(d.opens_on), "2025-01-01");
  EXPECT_EQ(rules::FormatDate(d.due_on), "2025-03-31");
  EXPECT_EQ(rules::FormatDate(d.review_due_on), "2025-04-30");
  auto bad = PeriodKey::Parse("二〇二四", annual);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("报告期"), std::string::npos);

  // Beijing days turn at 16:00 UTC.
  const int64_t day = rules::DaysFromCivil(2025, 3, 31);
  EXPECT_EQ(BeijingDay(day * 86'400'000 + 15 * 3'600'000), day);
  EXPECT_EQ(BeijingDay(day * 86'400'000 + 16 * 3'600'000), day + 1);
}

TEST(FilingDiff, ComparesCellsAndRows) {
  catalog::Form form;
  catalog::Indicator a;
  a.code = "a";
  a.name = "甲";
  form.indicators.push_back(a);
  catalog::RowTable t;
  t.code = "rows";
  t.title = "明细";
  catalog::Column c;
  c.code = "x";
  c.name = "金额";
  t.columns.push_back(c);
  form.row_tables.push_back(t);
  nlohmann::json before = {{"a", 1}, {"rows", {{{"x", 1}}, {{"x", 2}}}}};
  nlohmann::json after = {{"a", "1.0"}, {"rows", {{{"x", 1}}, {{"x", 3}}, {{"x", 4}}}}};
  auto changes = DiffValues(form, before, after);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0].cell, "rows[2].x");
  EXPECT_EQ(changes[0].name, "明细 第2行 金额");
  EXPECT_EQ(changes[1].cell, "rows[3]");
  EXPECT_TRUE(DiffValues(form, before, before).empty());
}

TEST(FilingDiff, RiskOrdersLargeSwingsFirst) {
  const double steady = RiskScore(100000, 100000, 0, 0);
  const double swing = RiskScore(100000, 20000, 0, 0);
  const double warned = RiskScore(100000, 100000, 3, 0);
  const double small = RiskScore(10, 2, 0, 0);
  EXPECT_GT(swing, steady);
  EXPECT_GT(warned, steady);
  EXPECT_GT(swing, small);
  EXPECT_GE(RiskScore(NAN, NAN, 0, 0), 0);
}

}  // namespace
}  // namespace huoju::filing
