#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "huoju/rules/engine.hpp"
#include "src/rules/test_util.hpp"

namespace huoju::rules {
namespace {

using nlohmann::json;
using testing::MakeRule;

std::shared_ptr<const CompiledCatalog> CompileOrDie(
    catalog::Catalog cat, std::shared_ptr<const CompiledCatalog> prev = nullptr) {
  std::vector<catalog::Problem> problems;
  auto c = CompiledCatalog::Compile(std::make_shared<catalog::Catalog>(std::move(cat)), &problems,
                                    std::move(prev));
  for (const auto& p : problems) {
    ADD_FAILURE() << p.ToString();
  }
  return c;
}

// GQ-002-like rules (audit relations of domain-facts §1) plus every numeric construct.
catalog::Catalog BatchCatalog() {
  auto cat = testing::GqCatalog();
  auto& r = cat.forms[0].rules;
  r.push_back(MakeRule("R01", "qc05_0 >= qc55"));
  auto r2 = MakeRule("R02", "qc06 >= qc06_1 + qc06_2 + qc06_3 + qc06_4");
  r2.tolerance = 1;
  r.push_back(r2);
  r.push_back(MakeRule("R03", "qc55 / qc05_0 <= 0.9", "qc05_0 > 0"));
  r.push_back(MakeRule("R04", "qc24 >= qc25 or is_missing(qc25)"));
  r.push_back(MakeRule("R05", "approx(qc_net, qc120, 5)", "not (qc120 == 0)"));
  r.push_back(MakeRule("R06", "prev(qc05_0) == 0 or abs(qc05_0 / prev(qc05_0) - 1) <= 0.5",
                       "prev(qc05_0) > 0"));
  r.push_back(MakeRule("R07", "coalesce(qc236, 0) <= max(qc05_0, qc24) * 0.5"));
  r.push_back(MakeRule("R08", "round(qc07_1 * 3, 1) != qc07_2", "GQ003.qd01 > 0"));
  r.push_back(MakeRule("R09", "if(qc05_0 > 10, qc55 >= 1, qc55 < -1) and period_year() == 2024"));
  r.push_back(MakeRule("R10", "min(qc06_1, qc06_2) >= -qc06_3 or prev(qc236) < qc236"));
  r.push_back(MakeRule("R11", "len(qb_name) <= 3"));  // text: per-filing fallback
  auto r12 = MakeRule("R12", "gov <= expense");
  r12.for_each = "projects";
  r.push_back(r12);
  return cat;
}

TEST(Batch, SameCountsAsPerFiling) {
  auto cc = CompileOrDie(BatchCatalog());
  ASSERT_TRUE(cc);
  const size_t n = 5003;
  std::mt19937 rng(7);
  auto random_value = [&]() -> json {
    switch (rng() % 8) {
      case 0:
      case 1:
        return nullptr;
      case 2:
        return 0;
      case 3:
        return -static_cast<double>(rng() % 50);
      case 4:
        return static_cast<double>(rng() % 1000) / 10;
      default:
        return static_cast<double>(rng() % 200);
    }
  };
  std::vector<std::string> gq002 = {"qc05_0", "qc55",   "qc06",  "qc06_1",  "qc06_2",
                                    "qc06_3", "qc06_4", "qc236", "qc07_1",  "qc07_2",
                                    "qc24",   "qc25",   "qc120", "qc_ratio"};
  std::vector<UnitPeriodData> cur, prev;
  for (size_t u = 0; u < n; ++u) {
    json f2, f3, p2;
    for (const auto& c : gq002) {
      f2[c] = random_value();
      p2[c] = random_value();
    }
    f3["qd01"] = random_value();
    f2["qb_name"] = std::string(rng() % 6, 'a');
    json rows = json::array();
    for (int k = static_cast<int>(rng() % 3); k > 0; --k) {
      rows.push_back({{"name", "x"}, {"expense", random_value()}, {"gov", random_value()}});
    }
    f2["projects"] = rows;
    json forms = {{"GQ-002", f2}};
    if (rng() % 5 != 0) {
      forms["GQ-003"] = f3;  // some units did not file GQ-003
    }
    cur.push_back(UnitPeriodData::FromJson(*cc, forms).value());
    prev.push_back(UnitPeriodData::FromJson(*cc, {{"GQ-002", p2}}).value());
  }
  auto period = PeriodInfo::Year(2024);

  // Per filing.
  std::map<std::string, uint64_t> expect;
  std::map<std::string, std::vector<uint32_t>> expect_first;
  std::map<std::string, std::vector<uint32_t>> expect_all;
  int fi = cc->FormIndex("GQ-002");
  auto t0 = std::chrono::steady_clock::now();
  for (size_t u = 0; u < n; ++u) {
    std::vector<Failure> out;
    cc->Evaluate(fi, cur[u], &prev[u], period, &out);
    std::set<std::string> seen;
    for (const auto& f : out) {
      if (seen.insert(f.rule_id).second) {
        ++expect[f.rule_id];
        expect_all[f.rule_id].push_back(static_cast<uint32_t>(u));
        if (expect_first[f.rule_id].size() < 3) {
          expect_first[f.rule_id].push_back(static_cast<uint32_t>(u));
        }
      }
    }
  }
  auto t1 = std::chrono::steady_clock::now();

  // Columns, from the same data.
  BatchColumns cols;
  cols.units = n;
  auto needed = cc->BatchColumnsNeeded("GQ-002", cc.get());
  ASSERT_FALSE(needed.empty());
  for (const auto& spec : needed) {
    int f = cc->FormIndex(spec.form_code);
    auto [kind, slot] = cc->Slot(f, spec.indicator);
    ASSERT_EQ(kind, 0) << spec.indicator;
    NumericColumn col;
    col.values.resize(n);
    col.missing.assign((n + 63) / 64, 0);
    for (size_t u = 0; u < n; ++u) {
      const auto& data = spec.previous ? prev[u] : cur[u];
      const auto& form = data.form(f);
      double v = form.filed ? form.numbers[slot] : std::nan("");
      if (std::isnan(v)) {
        col.missing[u / 64] |= uint64_t{1} << (u % 64);
      } else {
        col.values[u] = v;
      }
    }
    cols.Add(spec, std::move(col));
  }
  BatchOptions opt;
  opt.first_failures = 3;
  opt.previous_catalog = cc.get();
  opt.load_filing = [&](size_t u, const UnitPeriodData** c, const UnitPeriodData** p) {
    *c = &cur[u];
    *p = &prev[u];
  };
  opt.threads = 1;
  auto t2 = std::chrono::steady_clock::now();
  auto res = cc->BatchEvaluate("GQ-002", cols, period, opt);
  auto t3 = std::chrono::steady_clock::now();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  int columnar = 0;
  for (const auto& rc : res->rules) {
    EXPECT_TRUE(rc.evaluated);
    columnar += rc.columnar;
    EXPECT_EQ(rc.failures, expect[rc.rule_id]) << rc.rule_id;
    EXPECT_EQ(rc.first_units, expect_first[rc.rule_id]) << rc.rule_id;
  }
  // Any thread count: the same counts and the same first units, in unit order, also when the
  // kept units span several chunks.
  for (int threads : {4, 2, 0}) {
    for (size_t keep : {size_t{3}, size_t{100000}}) {
      BatchOptions o = opt;
      o.threads = threads;
      o.first_failures = keep;
      auto r = cc->BatchEvaluate("GQ-002", cols, period, o);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const auto& rc : r->rules) {
        EXPECT_EQ(rc.failures, expect[rc.rule_id]) << rc.rule_id << " threads " << threads;
        const auto& all = expect_all[rc.rule_id];
        std::vector<uint32_t> want(
            all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(keep, all.size())));
        EXPECT_EQ(rc.first_units, want) << rc.rule_id << " threads " << threads;
      }
    }
  }
  for (const char* id : {"R01", "R02", "R03", "R04", "R05", "R06", "R07", "R08", "R09", "R10",
                         "GQ002.qc05_0.required", "GQ002.qc55.range"}) {
    ASSERT_NE(res->Find(id), nullptr) << id;
    EXPECT_TRUE(res->Find(id)->columnar) << id;
    EXPECT_GT(res->Find(id)->failures, 0u) << id;
  }
  EXPECT_FALSE(res->Find("R11")->columnar);
  EXPECT_FALSE(res->Find("R12")->columnar);
  std::printf("per filing %.1f us/unit; batch %.2f us/unit (%d of %zu rules columnar)\n",
              std::chrono::duration<double, std::micro>(t1 - t0).count() / n,
              std::chrono::duration<double, std::micro>(t3 - t2).count() / n, columnar,
              res->rules.size());

  // Missing column → Invalid.
  BatchColumns empty;
  empty.units = n;
  EXPECT_FALSE(cc->BatchEvaluate("GQ-002", empty, period, opt).ok());
}

TEST(Batch, PrevAcrossYearsUsesOldColumns) {
  catalog::Catalog old;
  old.year = 2023;
  catalog::Form of;
  of.code = "GQ-002";
  of.ref_name = "GQ002";
  for (const char* c : {"qc05", "qc236_a", "qc236_b", "qc07"}) {
    of.indicators.push_back(testing::Ind(c, c));
  }
  old.forms.push_back(of);
  auto old_cc = CompileOrDie(old);
  auto cat = testing::GqCatalog();
  cat.crosswalk["GQ-002"].renamed = {{"qc05", "qc05_0"}};
  cat.crosswalk["GQ-002"].merged = {{"qc236", {"qc236_a", "qc236_b"}}};
  cat.crosswalk["GQ-002"].split = {{"qc07", {{"qc07_1", 0.5}}}};
  cat.forms[0].rules.push_back(MakeRule("X", "prev(qc05_0) + prev(qc236) + prev(qc07_1) < 10"));
  auto cc = CompileOrDie(cat, old_cc);
  ASSERT_TRUE(cc);
  auto needed = cc->BatchColumnsNeeded("GQ-002", old_cc.get());
  std::set<std::string> prev_codes;
  for (const auto& s : needed) {
    if (s.previous) {
      prev_codes.insert(s.indicator);
    }
  }
  EXPECT_EQ(prev_codes, (std::set<std::string>{"qc05", "qc236_a", "qc236_b", "qc07"}));
  // Unit 0: 4 + (1 + blank) + 0.5*8 = 9 passes; unit 1: 4 + 3 + 6 = 13 fails.
  BatchColumns cols;
  cols.units = 2;
  for (const auto& s : needed) {
    NumericColumn c;
    if (s.indicator == "qc05") {
      c.values = {4, 4};
    } else if (s.indicator == "qc236_a") {
      c.values = {1, 1};
    } else if (s.indicator == "qc236_b") {
      c.values = {0, 2};
      c.missing = {1};
    } else if (s.indicator == "qc07") {
      c.values = {8, 12};
    } else {
      c.values = {0, 0};
      c.missing = {3};
    }
    cols.Add(s, std::move(c));
  }
  for (int threads : {1, 4}) {
    BatchOptions opt;
    opt.previous_catalog = old_cc.get();
    opt.first_failures = 5;
    opt.threads = threads;
    auto res = cc->BatchEvaluate("GQ-002", cols, PeriodInfo::Year(2024), opt);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->Find("X")->failures, 1u);
    EXPECT_EQ(res->Find("X")->first_units, std::vector<uint32_t>{1});
  }
}

}  // namespace
}  // namespace huoju::rules
