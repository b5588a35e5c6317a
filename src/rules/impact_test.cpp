#include "huoju/rules/impact.hpp"

#include <gtest/gtest.h>

#include "src/rules/test_util.hpp"

namespace huoju::rules {
namespace {

using nlohmann::json;
using testing::MakeRule;

std::shared_ptr<const CompiledCatalog> CompileOrDie(catalog::Catalog cat) {
  std::vector<catalog::Problem> problems;
  auto c = CompiledCatalog::Compile(std::make_shared<catalog::Catalog>(std::move(cat)), &problems);
  for (const auto& p : problems) {
    ADD_FAILURE() << p.ToString();
  }
  return c;
}

// Baseline: R01 unchanged, R02 with threshold 100, R04 removed later. Candidate: R02 tightened
// to 50, R03 new, R04 gone, one indicator (qc25) removed from the form.
TEST(Impact, CountsPerRuleBetweenTwoCatalogs) {
  auto base_cat = testing::GqCatalog();
  base_cat.forms[0].rules = {MakeRule("R01", "qc05_0 >= qc55"), MakeRule("R02", "qc55 <= 100"),
                             MakeRule("R04", "qc24 < 1000")};
  auto cand_cat = testing::GqCatalog();
  cand_cat.forms[0].rules = {MakeRule("R01", "qc05_0 >= qc55"), MakeRule("R02", "qc55 <= 50"),
                             MakeRule("R03", "qc24 >= 10")};
  auto& inds = cand_cat.forms[0].indicators;
  inds.erase(std::remove_if(inds.begin(), inds.end(),
                            [](const catalog::Indicator& i) { return i.code == "qc25"; }),
             inds.end());
  auto base = CompileOrDie(std::move(base_cat));
  auto cand = CompileOrDie(std::move(cand_cat));
  ASSERT_TRUE(base && cand);

  // qc55 per unit: 20, 60, 80, 120, 30, 70; qc24: 5, 50, 2000, 50, 50, 1; u4 fails R01.
  std::vector<ImpactUnit> units;
  const double qc55[] = {20, 60, 80, 120, 30, 70};
  const double qc24[] = {5, 50, 2000, 50, 50, 1};
  for (int i = 0; i < 6; ++i) {
    json v = {{"qc05_0", i == 4 ? 10 : 500}, {"qc55", qc55[i]}, {"qc24", qc24[i]}, {"qc25", 1}};
    units.push_back({"U" + std::to_string(i + 1), {{"GQ-002", v}}, nullptr});
  }
  auto report = PreviewImpact(*base, *cand, "GQ-002", units, 2);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->filings, 6u);

  const RuleImpact* r01 = report->Find("R01");
  ASSERT_NE(r01, nullptr);
  EXPECT_EQ(r01->change, RuleChange::kSame);
  EXPECT_EQ(r01->baseline_failures, 1u);
  EXPECT_EQ(r01->candidate_failures, 1u);
  EXPECT_FALSE(r01->Affected());

  const RuleImpact* r02 = report->Find("R02");
  ASSERT_NE(r02, nullptr);
  EXPECT_EQ(r02->change, RuleChange::kChanged);
  EXPECT_EQ(r02->baseline_failures, 1u);   // 120
  EXPECT_EQ(r02->candidate_failures, 4u);  // 60, 80, 120, 70
  EXPECT_EQ(r02->newly_failing, 3u);
  EXPECT_EQ(r02->newly_passing, 0u);
  EXPECT_EQ(r02->newly_failing_examples, (std::vector<std::string>{"U2", "U3"}));  // 2 kept

  const RuleImpact* r03 = report->Find("R03");
  ASSERT_NE(r03, nullptr);
  EXPECT_EQ(r03->change, RuleChange::kAdded);
  EXPECT_EQ(r03->baseline_failures, 0u);
  EXPECT_EQ(r03->candidate_failures, 2u);  // 5, 1
  EXPECT_EQ(r03->newly_failing_examples, (std::vector<std::string>{"U1", "U6"}));

  const RuleImpact* r04 = report->Find("R04");
  ASSERT_NE(r04, nullptr);
  EXPECT_EQ(r04->change, RuleChange::kRemoved);
  EXPECT_EQ(r04->baseline_failures, 1u);  // 2000
  EXPECT_EQ(r04->candidate_failures, 0u);
  EXPECT_EQ(r04->newly_passing, 1u);
  EXPECT_EQ(r04->newly_passing_examples, std::vector<std::string>{"U3"});

  EXPECT_TRUE(report->ignored_by_baseline.empty());
  EXPECT_EQ(report->ignored_by_candidate, std::vector<std::string>{"GQ-002.qc25"});
  auto j = report->ToJson();
  EXPECT_EQ(j["rules"][1]["id"], "R02");
  EXPECT_EQ(j["rules"][1]["change"], "修改");
  EXPECT_EQ(j["rules"][1]["newly_failing"], 3);

  // A value that does not fit its type names the unit; an unknown form is Invalid.
  units[1].forms["GQ-002"]["qc55"] = "abc";
  auto bad = PreviewImpact(*base, *cand, "GQ-002", units);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("U2"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(PreviewImpact(*base, *cand, "XX-001", {}).ok());
}

}  // namespace
}  // namespace huoju::rules
