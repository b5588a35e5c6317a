// Snapshots built from a real store and kept current by the change cursor; summaries,
// drill-down, year-on-year and large changes checked against sums worked out by hand; the
// service's authorization and its messages for bad parameters.
#include "huoju/analytics/summary.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "huoju/analytics/service.hpp"
#include "huoju/analytics/size_class.hpp"

namespace huoju::analytics {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------- pure parts

TEST(ScanValues, NumbersAndStringsAtTopLevelOnly) {
  std::map<std::string, std::string> seen;
  ASSERT_TRUE(ScanValues(R"({"a": 1.5, "b": "110", "t": [{"a": 9}], "o": {"x": "y"},
                            "n": null, "f": false, "c": -2e3, "e": "x\"y"})",
                         [&](std::string_view k, const ScannedValue& v) {
                           seen[std::string(k)] = (v.is_string ? "s:" : "n:") + std::string(v.text);
                         })
                  .ok());
  EXPECT_EQ(seen,
            (std::map<std::string, std::string>{{"a", "n:1.5"}, {"b", "s:110"}, {"c", "n:-2e3"}}));
  EXPECT_EQ(NumberOf({true, " 12.5 "}), 12.5);
  EXPECT_EQ(NumberOf({true, "abc"}), std::nullopt);
  EXPECT_FALSE(ScanValues("[1]", [](auto, auto&) {}).ok());
  EXPECT_FALSE(ScanValues(R"({"a": 1)", [](auto, auto&) {}).ok());
  EXPECT_TRUE(ScanValues("{}", [](auto, auto&) {}).ok());
}

TEST(SizeClass, NbsRulesPerIndustry) {
  // 工业 (C 39): all bounds of a class must be met.
  EXPECT_EQ(ClassifySize("3911", {1000, 40000, {}}), SizeClass::kLarge);
  EXPECT_EQ(ClassifySize("3911", {999, 40000, {}}), SizeClass::kMedium);
  EXPECT_EQ(ClassifySize("3911", {1000, 1999, {}}), SizeClass::kSmall);
  EXPECT_EQ(ClassifySize("3911", {19, 100000, {}}), SizeClass::kMicro);
  // 软件和信息技术服务 (65): 中型 = 100+ 人 and 1000+ 万元.
  EXPECT_EQ(ClassifySize("6510", {100, 1000, {}}), SizeClass::kMedium);
  // 农业 reads revenue only; 租赁和商务服务 reads employees and assets.
  EXPECT_EQ(ClassifySize("0111", {{}, 600, {}}), SizeClass::kMedium);
  EXPECT_EQ(ClassifySize("7211", {300, {}, 120000}), SizeClass::kLarge);
  // A value the rule reads is blank, or the industry is unknown: no class.
  EXPECT_EQ(ClassifySize("3911", {{}, 40000, {}}), std::nullopt);
  EXPECT_EQ(ClassifySize("", {1000, 40000, 1}), std::nullopt);
  EXPECT_EQ(PreviousYearPeriod("2024"), "2023");
  EXPECT_EQ(PreviousYearPeriod("2024M03"), "2023M03");
  EXPECT_EQ(PreviousYearPeriod("abc"), "");
}

// ---------------------------------------------------------------- on a store

catalog::Indicator Ind(const std::string& code, catalog::ValueType kind,
                       const std::string& list = "") {
  catalog::Indicator i;
  i.code = code;
  i.name = code;
  i.type.kind = kind;
  i.type.code_list = list;
  return i;
}

class AnalyticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("huoju-analytics-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto db = store::Database::Open("sqlite:" + (dir_ / "db").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate().ok());

    using catalog::ValueType;
    catalog::Form gq2;
    gq2.code = "GQ-002";
    gq2.review_chain = {"zone_or_city", "province", "center"};
    gq2.indicators = {Ind("qc05_0", ValueType::kDecimal), Ind("qc24", ValueType::kDecimal),
                      Ind("qc02", ValueType::kDecimal), Ind("qc_year", ValueType::kYear)};
    catalog::Form gq1;
    gq1.code = "GQ-001";
    gq1.indicators = {Ind("qb06", ValueType::kCode, "registration_type"),
                      Ind("qb16", ValueType::kCode, "tech_field")};
    catalog::Form gq3;
    gq3.code = "GQ-003";
    gq3.indicators = {Ind("qd01", ValueType::kInt)};
    catalog_.year = 2024;
    catalog_.forms = {gq2, gq1, gq3};
    auto list = CodeList::FromCodes({{"110", "国有企业", "1", ""}, {"170", "私营企业", "1", ""}});
    ASSERT_TRUE(list.ok());
    catalog_.code_lists.emplace("registration_type", std::move(*list));

    // 火炬中心 → 广东 (2) → 深圳 (4) → units 10, 11; 北京 (3) → unit 12.
    Node(1, 0, org::NodeKind::kCenter, "火炬中心");
    Node(2, 1, org::NodeKind::kProvince, "广东省");
    Node(3, 1, org::NodeKind::kProvince, "北京市");
    Node(4, 2, org::NodeKind::kCity, "深圳市");
    Node(10, 4, org::NodeKind::kUnit, "甲公司", "3911");
    Node(11, 4, org::NodeKind::kUnit, "乙公司", "6510");
    Node(12, 3, org::NodeKind::kUnit, "丙公司", "3911");
    Exec(
        "INSERT INTO catalog_version (id, year, version, content_hash, title, files, summary, "
        "published_at, published_by) VALUES (1, 2024, 1, 'h', 't', '[]', '{}', 0, 0)");
    int64_t period_id = 0;
    for (const char* form : {"GQ-001", "GQ-002", "GQ-003"}) {
      for (const char* period : {"2023", "2024"}) {
        ++period_id;
        Exec(
            "INSERT INTO survey_period (id, form_code, period_key, catalog_year, "
            "catalog_version_id, opens_on, due_on, review_due_on, opened_by, opened_at) VALUES "
            "(?, ?, ?, 2024, 1, 0, 0, 0, 0, 0)",
            {period_id, std::string(form), std::string(period)});
        periods_[{form, period}] = period_id;
      }
    }
    snapshots_ = std::make_unique<Summaries>(
        *db_, directory_, [this](int year) { return year == 2024 ? &catalog_ : nullptr; },
        Snapshots::Options{0, 2});  // tiny pages: the build walks several
  }
  void TearDown() override {
    snapshots_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  void Exec(const std::string& sql, store::Params p = {}) {
    ASSERT_TRUE(db_->Write([&](store::Session& s) { return s.Execute(sql, p).status(); }).ok())
        << sql;
  }
  void Node(int64_t id, int64_t parent, org::NodeKind kind, const std::string& name,
            const std::string& industry = "") {
    org::OrgNode n;
    n.id = id;
    n.parent_id = parent;
    n.kind = kind;
    n.name = name;
    n.industry_code = industry;
    n.path = (parent == 0 ? "/" : directory_.Get(parent)->path) + std::to_string(id) + "/";
    n.depth = static_cast<int64_t>(n.PathIds().size()) - 1;
    directory_.Upsert(n);
    Exec(
        "INSERT INTO org_node (id, parent_id, kind, name, industry_code, path, depth, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
        {id, parent == 0 ? store::Value(nullptr) : store::Value(parent),
         std::string(org::NodeKindCode(kind)), name,
         industry.empty() ? store::Value(nullptr) : store::Value(industry), n.path, n.depth});
  }
  // Inserts or replaces the filing of (form, period, unit).
  void File(const std::string& form, const std::string& period, int64_t unit,
            const std::string& state, const json& values, int64_t at, int64_t level = 0) {
    Exec(
        "INSERT INTO filing (period_id, form_code, period_key, unit_id, unit_path, state, "
        "review_level, version, values_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
        "ON CONFLICT (form_code, period_key, unit_id) DO UPDATE SET state = excluded.state, "
        "review_level = excluded.review_level, version = filing.version + 1, values_json = "
        "excluded.values_json, updated_at = excluded.updated_at",
        {periods_.at({form, period}), form, period, unit, directory_.Get(unit)->path, state, level,
         values.dump(), at});
  }

  identity::Principal Who(identity::Role role, int64_t scope) {
    identity::Principal p;
    p.account_id = 1;
    p.role = role;
    p.scope = *directory_.Get(scope);
    return p;
  }
  // The summary's rows as "label units sum…" lines.
  std::vector<std::string> Lines(const json& answer) {
    std::vector<std::string> out;
    for (const auto& r : answer["rows"]) {
      std::string line =
          r["label"].get<std::string>() + " " + std::to_string(r["units"].get<int>());
      for (const auto& c : r["cells"]) {
        line += " " + (c["sum"].is_null() ? "null" : fmt::format("{:g}", c["sum"].get<double>()));
      }
      out.push_back(line);
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  org::Directory directory_;
  catalog::Catalog catalog_;
  std::map<std::pair<std::string, std::string>, int64_t> periods_;
  std::unique_ptr<Summaries> snapshots_;
};

TEST_F(AnalyticsTest, SummaryByProvinceAndSizeClassFollowsTheStore) {
  File("GQ-002", "2024", 10, "submitted", {{"qc05_0", 500000}, {"qc24", 10}}, 100);
  File("GQ-002", "2024", 11, "final", {{"qc05_0", "200"}, {"qc02", 7}}, 101);
  File("GQ-002", "2024", 12, "draft", {{"qc05_0", 1}}, 102);
  File("GQ-003", "2024", 10, "submitted", {{"qd01", 1500}}, 103);
  File("GQ-001", "2024", 10, "submitted", {{"qb06", "110"}}, 104);
  const auto center = Who(identity::Role::kCenter, 1);
  SummaryQuery q;
  q.form = "GQ-002";
  q.period = "2024";
  q.by = {"province", "size_class"};
  q.indicators = {"qc05_0", "qc02"};
  auto r = snapshots_->Summary(center, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Submitted or final only: unit 12 (draft) is left out. Unit 10: 工业, 1500 人, 50000 万元 →
  // 大型; unit 11 has no 从业人员 → 未分类.
  EXPECT_EQ(Lines(*r), (std::vector<std::string>{"合计 2 500200 7", "广东省 2 500200 7",
                                                 "其中：大型 1 500000 0", "其中：未分类 1 200 7"}));
  const auto& total = (*r)["rows"][0]["cells"];
  EXPECT_EQ(total[1]["count"], 1);  // qc02 blank for unit 10
  EXPECT_DOUBLE_EQ(total[0]["mean"].get<double>(), 250100);
  EXPECT_DOUBLE_EQ((*r)["rows"][2]["cells"][0]["share"].get<double>(), 500000.0 / 500200);
  EXPECT_EQ((*r)["rows"][1]["keys"]["province"]["code"], "2");

  // Changes reach the next summary through the cursor: a new value, a state change, a new
  // filing, and an attribute form (GQ-003) moving unit 10 to 中型.
  File("GQ-002", "2024", 11, "final", {{"qc05_0", 300}, {"qc02", 7}}, 200);
  File("GQ-002", "2024", 12, "submitted", {{"qc05_0", 1}}, 201);
  File("GQ-003", "2024", 10, "submitted", {{"qd01", 500}}, 202);
  q.by = {"size_class"};
  r = snapshots_->Summary(center, q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Lines(*r),
            (std::vector<std::string>{"合计 3 500301 7", "中型 1 500000 0", "未分类 2 301 7"}));
  // A rebuild from the store gives the same.
  snapshots_->snapshots().Rebuild("GQ-002", "2024");
  auto again = snapshots_->Summary(center, q);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Lines(*again), Lines(*r));

  // State filters, registration type names from the catalog's code list.
  q.state = "final";
  q.by = {"registration_type"};
  r = snapshots_->Summary(center, q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Lines(*r), (std::vector<std::string>{"合计 1 300 7", "未分类 1 300 7"}));
  q.state = "all";
  r = snapshots_->Summary(center, q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Lines(*r),
            (std::vector<std::string>{"合计 3 500301 7", "国有企业 1 500000 0", "未分类 2 301 7"}));
}

TEST_F(AnalyticsTest, ScopeDrillDownAndAuthorization) {
  File("GQ-002", "2024", 10, "submitted", {{"qc05_0", 5}}, 100);
  File("GQ-002", "2024", 11, "submitted", {{"qc05_0", 7}}, 100);
  File("GQ-002", "2024", 12, "submitted", {{"qc05_0", 9}}, 100);
  SummaryQuery q;
  q.form = "GQ-002";
  q.period = "2024";
  q.indicators = {"qc05_0"};
  // A province reviewer sees only Guangdong's units.
  auto gd = Who(identity::Role::kReviewer, 2);
  auto r = snapshots_->Summary(gd, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Lines(*r), (std::vector<std::string>{"合计 2 12"}));
  // Another province's node is answered like an absent one; units may not see summaries.
  q.node = 3;
  EXPECT_EQ(snapshots_->Summary(gd, q).status().code(), ErrorCode::kNotFound);
  q.node = 0;
  EXPECT_EQ(snapshots_->Summary(Who(identity::Role::kFiller, 10), q).status().code(),
            ErrorCode::kForbidden);
  // Drill-down: the units of one cell, largest first.
  q.keys = {{"industry_section", "C"}};
  q.sort = "qc05_0";
  auto units = snapshots_->Units(Who(identity::Role::kCenter, 1), q);
  ASSERT_TRUE(units.ok()) << units.status().ToString();
  EXPECT_EQ((*units)["total"], 2);
  EXPECT_EQ((*units)["items"][0]["unit_id"], 12);
  EXPECT_EQ((*units)["items"][0]["values"][0], 9);
  EXPECT_EQ((*units)["items"][1]["keys"]["province"]["name"], "广东省");
  EXPECT_EQ((*units)["items"][1]["keys"]["industry_section"]["name"], "制造业");
  q.keys = {{"industry_section", "Z"}};  // a code nobody has: no rows, not an error
  units = snapshots_->Units(Who(identity::Role::kCenter, 1), q);
  ASSERT_TRUE(units.ok());
  EXPECT_EQ((*units)["total"], 0);
}

TEST_F(AnalyticsTest, BadParametersAreNamed) {
  File("GQ-002", "2024", 10, "submitted", {{"qc05_0", 5}}, 100);
  const auto center = Who(identity::Role::kCenter, 1);
  auto field_of = [&](const SummaryQuery& q) {
    auto r = snapshots_->Summary(center, q);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed) << r.status().ToString();
    return r.status().details().value("field", "");
  };
  SummaryQuery q;
  q.form = "GQ-002";
  q.period = "2024";
  auto bad = q;
  bad.by = {"planet"};
  EXPECT_EQ(field_of(bad), "by");
  bad = q;
  bad.by = {"province", "city", "zone"};
  EXPECT_EQ(field_of(bad), "by");
  bad = q;
  bad.indicators = {"qb06"};
  EXPECT_EQ(field_of(bad), "indicators");
  bad = q;
  bad.indicators = {"qc_year"};  // years are not summed
  EXPECT_EQ(field_of(bad), "indicators");
  bad = q;
  bad.state = "submitted,sleeping";
  EXPECT_EQ(field_of(bad), "state");
  bad = q;
  bad.period = "2019";
  EXPECT_EQ(field_of(bad), "period");
  bad = q;
  bad.form = "";
  EXPECT_EQ(field_of(bad), "form");
  bad = q;
  bad.basis = "some";
  auto y = snapshots_->YearOnYear(center, bad);
  EXPECT_EQ(y.status().details().value("field", ""), "basis");
  bad = q;
  bad.sort = "nope";
  auto u = snapshots_->Units(center, bad);
  EXPECT_EQ(u.status().details().value("field", ""), "sort");
  bad = q;
  bad.keys = {{"planet", "x"}};
  u = snapshots_->Units(center, bad);
  EXPECT_EQ(u.status().details().value("field", ""), "planet");
}

TEST_F(AnalyticsTest, YearOnYearComparableAndAllWithLargeChanges) {
  File("GQ-002", "2023", 10, "final", {{"qc05_0", 100}}, 10);
  File("GQ-002", "2023", 12, "final", {{"qc05_0", 50}}, 10);
  File("GQ-002", "2024", 10, "submitted", {{"qc05_0", 180}}, 20);
  File("GQ-002", "2024", 11, "submitted", {{"qc05_0", 40}}, 20);
  File("GQ-002", "2024", 12, "submitted", {{"qc05_0", 55}}, 20);
  const auto center = Who(identity::Role::kCenter, 1);
  SummaryQuery q;
  q.form = "GQ-002";
  q.period = "2024";
  q.by = {"province"};
  q.indicators = {"qc05_0"};
  auto r = snapshots_->YearOnYear(center, q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Comparable: units 10 and 12 (11 is new).
  const auto& total = (*r)["rows"][0];
  EXPECT_EQ(total["units_current"], 2);
  EXPECT_EQ(total["cells"][0]["current"], 235);
  EXPECT_EQ(total["cells"][0]["previous"], 150);
  EXPECT_DOUBLE_EQ(total["cells"][0]["change_pct"].get<double>(), 85.0 / 150 * 100);
  EXPECT_EQ((*r)["rows"][1]["label"], "广东省");
  EXPECT_EQ((*r)["rows"][1]["cells"][0]["previous"], 100);
  q.basis = "all";
  r = snapshots_->YearOnYear(center, q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["rows"][0]["cells"][0]["current"], 275);
  EXPECT_EQ((*r)["rows"][0]["units_current"], 3);
  EXPECT_EQ((*r)["rows"][0]["units_previous"], 2);
  // Large changes: unit 10 +80 % passes 50 %, unit 12 +10 % does not.
  q.indicator = "qc05_0";
  auto changes = snapshots_->LargeChanges(center, q);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_EQ((*changes)["total"], 1);
  EXPECT_EQ((*changes)["items"][0]["unit_id"], 10);
  EXPECT_DOUBLE_EQ((*changes)["items"][0]["change_pct"].get<double>(), 80);
  q.threshold = 5;
  changes = snapshots_->LargeChanges(center, q);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ((*changes)["total"], 2);
  q.base_period = "2024";
  EXPECT_EQ(snapshots_->LargeChanges(center, q).status().details().value("field", ""),
            "base_period");
}

TEST_F(AnalyticsTest, MemoryGrowsWithIndicatorsTimesFilings) {
  for (int64_t u : {10, 11, 12}) {
    File("GQ-002", "2024", u, "submitted", {{"qc05_0", u}}, 100);
  }
  SummaryQuery q;
  q.form = "GQ-002";
  q.period = "2024";
  ASSERT_TRUE(snapshots_->Summary(Who(identity::Role::kCenter, 1), q).ok());
  ASSERT_TRUE(snapshots_->snapshots()
                  .Read({{"GQ-002", "2024"}},
                        [](const std::vector<const Snapshot*>& s) {
                          EXPECT_EQ(s[0]->rows(), 3U);
                          EXPECT_EQ(s[0]->indicators.size(), 3U);  // the year is not a column
                          EXPECT_GE(s[0]->MemoryBytes(), 3U * 3 * sizeof(double));
                          return Status::Ok();
                        })
                  .ok());
}

}  // namespace
}  // namespace huoju::analytics

namespace huoju::analytics {
namespace {

// The catalog names the dimensions (layouts are checked against its list): every one parses
// back to its own dimension, and there is one name per dimension.
TEST(Dimensions, TheCatalogListNamesEveryDimensionOnce) {
  ASSERT_EQ(catalog::SummaryDimensions().size(), kDimensionCount);
  for (size_t i = 0; i < kDimensionCount; ++i) {
    const auto d = static_cast<Dimension>(i);
    EXPECT_EQ(ParseDimension(DimensionCode(d)), d);
  }
}

}  // namespace
}  // namespace huoju::analytics
