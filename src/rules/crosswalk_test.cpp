// Two catalog years from YAML (src/rules/testdata/crosswalk/2023 and 2024) through the real
// loader: year 2024 renames, merges and splits GQ-002 indicators of 2023 and reuses a code with
// a new meaning (crosswalk.yaml). prev()-based rules of 2024 read a filing laid out by the 2023
// catalog, per filing and in batch.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "huoju/catalog/loader.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::rules {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path TestData() {
  return fs::path(__FILE__).parent_path() / "testdata" / "crosswalk";
}

std::shared_ptr<const CompiledCatalog> LoadAndCompile(
    const fs::path& dir, std::shared_ptr<const CompiledCatalog> previous = nullptr) {
  auto loaded = catalog::LoadCatalog(dir.string());
  for (const auto& p : loaded.problems) {
    ADD_FAILURE() << dir << ": " << p.ToString();
  }
  if (!loaded.ok()) {
    return nullptr;
  }
  std::vector<catalog::Problem> problems;
  auto cc =
      CompiledCatalog::Compile(std::shared_ptr<const catalog::Catalog>(std::move(loaded.catalog)),
                               &problems, std::move(previous));
  for (const auto& p : problems) {
    ADD_FAILURE() << dir << ": " << p.ToString();
  }
  return cc;
}

class Crosswalk : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = LoadAndCompile(TestData() / "2023");
    ASSERT_TRUE(old_);
    cur_ = LoadAndCompile(TestData() / "2024", old_);
    ASSERT_TRUE(cur_);
  }
  // rule id → message of the failures of `values` (2024) against `previous` (2023 layout).
  std::map<std::string, std::string> Audit(const json& values, const json* previous) {
    auto cur = UnitPeriodData::FromJson(*cur_, {{"GQ-002", values}});
    EXPECT_TRUE(cur.ok()) << cur.status().ToString();
    std::optional<UnitPeriodData> prev;
    if (previous != nullptr) {
      auto p = UnitPeriodData::FromJson(*old_, {{"GQ-002", *previous}});
      EXPECT_TRUE(p.ok()) << p.status().ToString();
      prev.emplace(std::move(p).value());
    }
    std::map<std::string, std::string> out;
    for (const auto& f :
         cur_->Evaluate("GQ-002", *cur, prev ? &*prev : nullptr, PeriodInfo::Year(2024))) {
      out[f.rule_id] = f.message;
    }
    return out;
  }
  std::shared_ptr<const CompiledCatalog> old_, cur_;
};

const json kPrevious = {{"qc05", 1000}, {"qc220_a", 300}, {"qc220_b", 200}, {"qc07", 200},
                        {"qc24", 800},  {"qc30", 77},     {"qc99", 5}};

TEST_F(Crosswalk, LoadedCatalogsCarryTheMapping) {
  EXPECT_EQ(cur_->catalog().previous_year, 2023);
  const auto& cw = cur_->catalog().crosswalk.at("GQ-002");
  EXPECT_EQ(cw.renamed.at("qc05"), "qc05_0");
  EXPECT_EQ(cw.merged.at("qc220"), (std::vector<std::string>{"qc220_a", "qc220_b"}));
  EXPECT_DOUBLE_EQ(cw.split.at("qc07").at("qc07_1"), 0.6);
  EXPECT_EQ(cw.added, std::vector<std::string>{"qc30"});
  EXPECT_EQ(cw.dropped, std::vector<std::string>{"qc99"});
}

TEST_F(Crosswalk, RenamedMergedSplitValuesFlowIntoPrev) {
  // 2023: 营业收入 1000, 营业成本 300 + 200, 研发费用 200 (→ 120 / 80), 资产 800.
  auto failures = Audit({{"qc05_0", 400},
                         {"qc220", 1200},
                         {"qc07_1", 119},
                         {"qc07_2", 80},
                         {"qc24", 800},
                         {"qc30", 10}},
                        &kPrevious);
  EXPECT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures["XW-R01"], "营业收入 400 比上年 1000 下降超过一半");  // renamed
  EXPECT_EQ(failures["XW-R02"], "营业成本 1200 超过上年 500 的两倍");      // merged
  EXPECT_EQ(failures["XW-R03"], "费用化研发支出 119 低于上年折算值 120");  // split 60 %
  EXPECT_FALSE(failures.contains("XW-R04"));                               // split 40 %: 80 >= 80
  EXPECT_FALSE(failures.contains("XW-R05"));                               // unchanged code
  EXPECT_FALSE(failures.contains("XW-R06"));  // `new` code: the old qc30 is not its predecessor

  // The same unit one step better on every rule passes.
  EXPECT_TRUE(
      Audit({{"qc05_0", 500}, {"qc220", 1000}, {"qc07_1", 120}, {"qc07_2", 80}, {"qc24", 800}},
            &kPrevious)
          .empty());
}

TEST_F(Crosswalk, BlankPartsAndNoPreviousFiling) {
  // Merged with one part blank: `+` semantics, the blank part counts 0 → 300.
  json prev = kPrevious;
  prev["qc220_b"] = nullptr;
  auto f = Audit({{"qc220", 700}}, &prev);
  EXPECT_EQ(f["XW-R02"], "营业成本 700 超过上年 300 的两倍");
  // Both parts blank: prev(qc220) is missing, the `when` does not hold.
  prev["qc220_a"] = nullptr;
  EXPECT_FALSE(Audit({{"qc220", 700}}, &prev).contains("XW-R02"));
  // No filing last year: every prev() is missing and the rules pass (rule-language.md rule 4).
  EXPECT_TRUE(
      Audit({{"qc05_0", 1}, {"qc220", 1}, {"qc07_1", 0}, {"qc07_2", 0}, {"qc24", 0}}, nullptr)
          .empty());
}

TEST_F(Crosswalk, BatchReadsTheOldColumns) {
  std::set<std::string> prev_codes;
  auto needs = cur_->BatchColumnsNeeded("GQ-002", old_.get());
  for (const auto& s : needs) {
    if (s.previous) {
      prev_codes.insert(s.indicator);
    }
  }
  EXPECT_EQ(prev_codes, (std::set<std::string>{"qc05", "qc220_a", "qc220_b", "qc07", "qc24"}));

  // Unit 0 fails R01–R03 (as above), unit 1 passes, unit 2 has no previous values.
  const std::vector<json> current = {
      {{"qc05_0", 400}, {"qc220", 1200}, {"qc07_1", 119}, {"qc07_2", 80}, {"qc24", 800}},
      {{"qc05_0", 500}, {"qc220", 1000}, {"qc07_1", 120}, {"qc07_2", 80}, {"qc24", 800}},
      {{"qc05_0", 1}, {"qc220", 1}, {"qc07_1", 0}, {"qc07_2", 0}, {"qc24", 0}}};
  const std::vector<json> previous = {kPrevious, kPrevious, json::object()};
  BatchColumns cols;
  cols.units = current.size();
  for (const auto& spec : needs) {
    NumericColumn c;
    c.missing.assign(1, 0);
    for (size_t u = 0; u < current.size(); ++u) {
      const json& src = spec.previous ? previous[u] : current[u];
      auto it = src.find(spec.indicator);
      if (it == src.end() || it->is_null()) {
        c.values.push_back(0);
        c.missing[0] |= uint64_t{1} << u;
      } else {
        c.values.push_back(it->get<double>());
      }
    }
    cols.Add(spec, std::move(c));
  }
  for (int threads : {1, 3}) {
    BatchOptions opt;
    opt.previous_catalog = old_.get();
    opt.first_failures = 3;
    opt.threads = threads;
    auto res = cur_->BatchEvaluate("GQ-002", cols, PeriodInfo::Year(2024), opt);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    for (const char* id : {"XW-R01", "XW-R02", "XW-R03"}) {
      ASSERT_NE(res->Find(id), nullptr) << id;
      EXPECT_TRUE(res->Find(id)->columnar) << id;
      EXPECT_EQ(res->Find(id)->failures, 1u) << id;
      EXPECT_EQ(res->Find(id)->first_units, std::vector<uint32_t>{0}) << id;
    }
    for (const char* id : {"XW-R04", "XW-R05", "XW-R06"}) {
      EXPECT_EQ(res->Find(id)->failures, 0u) << id;
    }
  }
}

}  // namespace
}  // namespace huoju::rules
