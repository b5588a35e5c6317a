// The survey workflow end to end on a real store and the real 2024 catalog, with a manual
// clock for deadlines: fill, audit, submit, review up the chain, returns, reopen, extensions,
// locks, concurrent edits, scope, printing and signed scans.
#include "huoju/app/filings.hpp"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "huoju/app/application.hpp"
#include "huoju/app/demo_data.hpp"
#include "huoju/core/identifiers.hpp"
#include "huoju/filing/period.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path RepoRoot() {
  std::error_code ec;
  for (const fs::path& start : {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec),
                                fs::absolute(fs::path(__FILE__), ec)}) {
    for (fs::path p = start; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      if (fs::exists(p / "catalog/2024/catalog.yaml")) {
        return p;
      }
    }
  }
  return fs::current_path(ec);
}

// Noon in Beijing on a date.
int64_t BeijingNoon(int y, int m, int d) {
  return (static_cast<int64_t>(rules::DaysFromCivil(y, m, d)) * 86400 + 4 * 3600) * 1000;
}

class FilingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("huoju-filings-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.data_dir = dir_.string();
    config_.catalog_dir = (RepoRoot() / "catalog").string();
    config_.password_cost = "fast";
    clock_.Set(BeijingNoon(2025, 2, 10));
    {
      auto app = Application::Open(config_, clock_);
      ASSERT_TRUE(app.ok()) << app.status().ToString();
      DemoOptions demo;
      demo.units = 60;
      ASSERT_TRUE(GenerateDemoData((*app)->db(), (*app)->hasher(), clock_, demo).ok());
    }
    auto app = Application::Open(config_, clock_);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
    ASSERT_NE(app_->catalogs().Year(2024), nullptr);
    for (const char* name : {"unit_demo", "sz_zone_reviewer", "sz_city_reviewer", "gd_reviewer",
                             "bj_reviewer", "center", "admin"}) {
      auto login = app_->sessions().Login(name, "Huoju@2024", {});
      ASSERT_TRUE(login.ok()) << name << ": " << login.status().ToString();
      who_[name] = login->principal;
    }
    OpenPeriodRequest req{"GQ-002", "2024", std::nullopt, std::nullopt, std::nullopt};
    auto opened = f().OpenPeriod(who_["center"], req, {});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    period_id_ = (*opened)["id"];
    auto tasks = f().MyTasks(who_["unit_demo"]);
    ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
    for (const auto& t : (*tasks)["items"]) {
      if (t["form_code"] == "GQ-002") {
        filing_ = t["id"];
      }
    }
    ASSERT_GT(filing_, 0) << "the demo unit has no GQ-002 task";
  }

  void TearDown() override {
    app_.reset();
    fs::remove_all(dir_);
  }

  Filings& f() { return app_->filings(); }
  const identity::Principal& as(const std::string& name) { return who_.at(name); }

  Result<json> Save(json values, int64_t version, json explanations = json::object()) {
    SaveRequest req;
    req.expected_version = version;
    req.values = std::move(values);
    req.explanations = std::move(explanations);
    return f().Save(as("unit_demo"), filing_, req, {});
  }

  json Get(const std::string& who = "unit_demo") {
    auto r = f().Get(as(who), filing_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : json();
  }

  // Saves clean values with every warning explained and submits; returns the version.
  // An explanation for each warning a save's answer lists as unexplained.
  static json ExplainAll(const json& saved) {
    json expl = json::object();
    for (const auto& r : saved["unexplained"]) {
      expl[r.get<std::string>()] = "已核实";
    }
    return expl;
  }

  int64_t FillAndSubmit() {
    auto saved = Save({{"qc05_0", 1000}, {"qc24", 2000}}, Get()["version"]);
    EXPECT_TRUE(saved.ok()) << saved.status().ToString();
    const json expl = ExplainAll(*saved);
    if (!expl.empty()) {
      saved = Save({{"qc05_0", 1000}, {"qc24", 2000}}, (*saved)["version"], expl);
    }
    const int64_t v = (*saved)["version"];
    auto sub = f().Submit(as("unit_demo"), filing_, v, {});
    EXPECT_TRUE(sub.ok()) << sub.status().ToString();
    return v;
  }

  fs::path dir_;
  Config config_;
  ManualClock clock_{0};
  std::unique_ptr<Application> app_;
  std::map<std::string, identity::Principal> who_;
  int64_t period_id_ = 0;
  int64_t filing_ = 0;
};

TEST_F(FilingsTest, ErrorsBlockWarningsNeedExplanationsThenTheChainApproves) {
  // An error (主营业务收入 > 营业收入) blocks submission.
  auto saved = Save({{"qc05_0", 100}, {"qc55", 200}, {"qc24", 5000}}, 0);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_EQ((*saved)["version"], 1);
  EXPECT_EQ((*saved)["state"], "draft");
  EXPECT_GE((*saved)["error_count"], 1);
  auto blocked = f().Submit(as("unit_demo"), filing_, 1, {});
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), ErrorCode::kValidationFailed);
  EXPECT_FALSE(blocked.status().details()["failures"].empty());

  // Fixed, but 技术收入 ≠ the sum of its parts: a warning that needs a written reason.
  saved = Save({{"qc05_0", 1000}, {"qc24", 2000}, {"qc06", 100}, {"qc06_1", 10}}, 1);
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ((*saved)["error_count"], 0);
  ASSERT_FALSE((*saved)["unexplained"].empty());
  blocked = f().Submit(as("unit_demo"), filing_, 2, {});
  ASSERT_FALSE(blocked.ok());
  EXPECT_FALSE(blocked.status().details()["unexplained"].empty());
  json expl = json::object();
  for (const auto& r : (*saved)["unexplained"]) {
    expl[r.get<std::string>()] = "其余技术收入为技术培训收入";
  }
  saved = Save({{"qc05_0", 1000}, {"qc24", 2000}, {"qc06", 100}, {"qc06_1", 10}}, 2, expl);
  ASSERT_TRUE(saved.ok());
  EXPECT_TRUE((*saved)["unexplained"].empty());
  ASSERT_TRUE(f().Submit(as("unit_demo"), filing_, 3, {}).ok());
  EXPECT_EQ(Get()["state"], "submitted");

  // Only the zone level may act first; other provinces do not even see it.
  auto queue = f().Queue(as("sz_zone_reviewer"), {"GQ-002", "2024", "waiting", "", 0, 50});
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  ASSERT_EQ((*queue)["total"], 1);
  EXPECT_EQ((*queue)["items"][0]["id"], filing_);
  EXPECT_EQ(f().Approve(as("bj_reviewer"), filing_, 3, "", {}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(f().Approve(as("gd_reviewer"), filing_, 3, "", {}).status().code(),
            ErrorCode::kConflict);
  EXPECT_EQ(f().Approve(as("admin"), filing_, 3, "", {}).status().code(), ErrorCode::kForbidden);

  // The zone returns it with a pin; a pin on a cell the form lacks changes nothing.
  auto bad_pin =
      f().Return(as("sz_zone_reviewer"), filing_, 3, "请核实", {{"no_such_cell", "?"}}, {});
  EXPECT_EQ(bad_pin.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(Get()["state"], "submitted");
  auto ret = f().Return(as("sz_zone_reviewer"), filing_, 3, "资产总计偏小",
                        {{"qc24", "请按资产负债表填写"}}, {});
  ASSERT_TRUE(ret.ok()) << ret.status().ToString();
  json unit_view = Get();
  EXPECT_EQ(unit_view["state"], "returned");
  EXPECT_EQ(unit_view["return"]["pins"][0]["cell"], "qc24");
  EXPECT_EQ(unit_view["return"]["reason"], "资产总计偏小");
  EXPECT_TRUE(unit_view["can"]["edit"]);

  // Fix and resubmit: the reviewer sees the change against the returned version.
  saved = Save({{"qc05_0", 1000}, {"qc24", 2600}, {"qc06", 100}, {"qc06_1", 10}}, 3, expl);
  ASSERT_TRUE(saved.ok());
  ASSERT_TRUE(f().Submit(as("unit_demo"), filing_, 4, {}).ok());
  json reviewer_view = Get("sz_zone_reviewer");
  ASSERT_EQ(reviewer_view["changes_since_return"].size(), 1U);
  EXPECT_EQ(reviewer_view["changes_since_return"][0]["cell"], "qc24");
  EXPECT_EQ(reviewer_view["changes_since_return"][0]["before"], 2000);
  EXPECT_EQ(reviewer_view["changes_since_return"][0]["after"], 2600);
  auto diff = f().Diff(as("sz_zone_reviewer"), filing_, 0, 0);
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ((*diff)["from"], 3);

  // Explanations are judged; then approvals climb the chain to the Torch Center.
  const std::string rule = expl.begin().key();
  ASSERT_TRUE(f().JudgeExplanation(as("sz_zone_reviewer"), filing_, rule, true, "", {}).ok());
  EXPECT_EQ(
      f().JudgeExplanation(as("sz_zone_reviewer"), filing_, rule, false, "", {}).status().code(),
      ErrorCode::kValidationFailed);  // a rejection needs a comment
  ASSERT_TRUE(f().Approve(as("sz_zone_reviewer"), filing_, 4, "", {}).ok());
  EXPECT_EQ(f().Withdraw(as("unit_demo"), filing_, "", {}).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(f().Approve(as("sz_zone_reviewer"), filing_, 4, "", {}).status().code(),
            ErrorCode::kConflict);
  ASSERT_TRUE(f().Approve(as("gd_reviewer"), filing_, 4, "同意", {}).ok());
  ASSERT_TRUE(f().Approve(as("center"), filing_, 4, "", {}).ok());
  EXPECT_EQ(Get()["state"], "final");
  EXPECT_FALSE(Get()["can"]["edit"]);
  EXPECT_EQ(Save({{"qc05_0", 1}, {"qc24", 1}}, 4).status().code(), ErrorCode::kConflict);

  // The center reopens a final filing: back at its own level, with the reason in history.
  EXPECT_EQ(f().Reopen(as("center"), filing_, "", {}).status().code(),
            ErrorCode::kValidationFailed);
  ASSERT_TRUE(f().Reopen(as("center"), filing_, "核查发现资产数据有误", {}).ok());
  json after = Get("center");
  EXPECT_EQ(after["state"], "submitted");
  EXPECT_EQ(after["review_level"], 2);
  auto history = f().History(as("unit_demo"), filing_);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ((*history)["versions"].size(), 4U);
  std::vector<std::string> actions;
  for (const auto& e : (*history)["events"]) {
    actions.push_back(e["action"]);
  }
  EXPECT_EQ(actions.front(), "filing.reopen");
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "filing.approve"), 3);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "filing.return"), 1);
}

TEST_F(FilingsTest, DeadlinesLockFillingAndReviewUntilExtended) {
  // Before the period opens nothing can be saved.
  clock_.Set(BeijingNoon(2024, 12, 31));
  EXPECT_EQ(Save({{"qc05_0", 1}, {"qc24", 1}}, 0).status().code(), ErrorCode::kConflict);
  // After the due date (March 31) filling is closed.
  clock_.Set(BeijingNoon(2025, 3, 31));
  ASSERT_TRUE(Save({{"qc05_0", 1000}, {"qc24", 2000}}, 0).ok());
  clock_.Set(BeijingNoon(2025, 4, 1));
  auto locked = Save({{"qc05_0", 1001}, {"qc24", 2000}}, 1);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(Get()["version"], 1);

  // The center extends filing for the zone: this unit may save and submit again, late.
  auto zone = app_->directory().Get(as("sz_zone_reviewer").scope.id);
  ASSERT_TRUE(zone);
  ExtensionRequest ext{period_id_, zone->id, rules::DaysFromCivil(2025, 4, 15), std::nullopt,
                       "园区系统升级"};
  EXPECT_EQ(f().ExtendDeadline(as("gd_reviewer"), ext, {}).status().code(), ErrorCode::kForbidden);
  ASSERT_TRUE(f().ExtendDeadline(as("center"), ext, {}).ok());
  EXPECT_EQ(Get()["deadlines"]["due_on"], "2025-04-15");
  FillAndSubmit();
  EXPECT_TRUE(Get()["late"]);

  // Review closes on April 30 (not extended by a filling extension after it).
  clock_.Set(BeijingNoon(2025, 5, 1));
  const int64_t v = Get()["version"];
  EXPECT_EQ(f().Approve(as("sz_zone_reviewer"), filing_, v, "", {}).status().code(),
            ErrorCode::kConflict);
  ExtensionRequest review_ext{period_id_, zone->id, std::nullopt, rules::DaysFromCivil(2025, 5, 10),
                              "审核延期"};
  ASSERT_TRUE(f().ExtendDeadline(as("center"), review_ext, {}).ok());
  EXPECT_TRUE(f().Approve(as("sz_zone_reviewer"), filing_, v, "", {}).ok());

  // An extension may not move a deadline earlier.
  ExtensionRequest earlier{period_id_, zone->id, rules::DaysFromCivil(2025, 3, 1), std::nullopt,
                           "x"};
  EXPECT_EQ(f().ExtendDeadline(as("center"), earlier, {}).status().code(),
            ErrorCode::kValidationFailed);
}

TEST_F(FilingsTest, AStaleVersionIsRefusedAndNothingIsLost) {
  ASSERT_TRUE(Save({{"qc05_0", 1000}, {"qc24", 2000}}, 0).ok());
  // A second editor started from version 0 too.
  auto second = Save({{"qc05_0", 5}, {"qc24", 5}}, 0);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(second.status().details()["current_version"], 1);
  json now = Get();
  EXPECT_EQ(now["version"], 1);
  EXPECT_EQ(now["values"]["qc05_0"], 1000);
  // Saving the same data again makes no new version.
  auto same = Save({{"qc05_0", 1000}, {"qc24", 2000}}, 1);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE((*same)["saved"]);
  EXPECT_EQ((*same)["version"], 1);
}

TEST_F(FilingsTest, BadValuesAreRefusedNamingTheCell) {
  auto r = Save({{"qc05_0", "十万"}, {"qc24", 1}}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  EXPECT_NE(r.status().ToString().find("qc05_0"), std::string::npos) << r.status().ToString();
  r = Save({{"no_such_indicator", 1}}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("no_such_indicator"), std::string::npos);
  EXPECT_EQ(Get()["version"], 0);
}

TEST_F(FilingsTest, ScopeHidesOtherUnitsFilingsAndRolesLimitActions) {
  // Another unit's filing: not visible to this unit, nor to another province's reviewer.
  int64_t other = 0;
  ASSERT_TRUE(app_->db()
                  .Read([&](store::Session& s) -> Status {
                    HUOJU_ASSIGN_OR_RETURN(
                        auto rows, s.Query("SELECT id FROM filing WHERE unit_id <> ? ORDER BY id "
                                           "LIMIT 1",
                                           {as("unit_demo").scope.id}));
                    other = rows.Int(0, 0);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(f().Get(as("unit_demo"), other).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(f().Get(as("unit_demo"), 99'999'999).status().code(), ErrorCode::kNotFound);
  SaveRequest req;
  req.values = {{"qc05_0", 1}};
  EXPECT_EQ(f().Save(as("unit_demo"), other, req, {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(f().Get(as("bj_reviewer"), filing_).status().code(), ErrorCode::kNotFound);
  // Reviewers read but never write a unit's data; admins see no survey data at all.
  EXPECT_TRUE(f().Get(as("gd_reviewer"), filing_).ok());
  EXPECT_EQ(f().Save(as("gd_reviewer"), filing_, req, {}).status().code(), ErrorCode::kForbidden);
  EXPECT_EQ(f().Get(as("admin"), filing_).status().code(), ErrorCode::kForbidden);
  EXPECT_EQ(f().MyTasks(as("gd_reviewer")).status().code(), ErrorCode::kForbidden);
  OpenPeriodRequest open{"GQ-003", "2024", std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(f().OpenPeriod(as("gd_reviewer"), open, {}).status().code(), ErrorCode::kForbidden);
}

TEST_F(FilingsTest, WithdrawBeforeReviewThenProgressCounts) {
  const int64_t v = FillAndSubmit();
  ASSERT_TRUE(f().Withdraw(as("unit_demo"), filing_, "还要修改", {}).ok());
  EXPECT_EQ(Get()["state"], "draft");
  ASSERT_TRUE(f().Submit(as("unit_demo"), filing_, v, {}).ok());
  auto progress = f().Progress(as("gd_reviewer"), "GQ-002", "2024", 0);
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  EXPECT_GE((*progress)["total"]["expected"], 1);
  EXPECT_EQ((*progress)["total"]["submitted"], 1);
  auto non_filers = f().NonFilers(as("gd_reviewer"), "GQ-002", "2024", 0, 0, 100);
  ASSERT_TRUE(non_filers.ok());
  EXPECT_EQ((*non_filers)["total"].get<int64_t>() + 1,
            (*progress)["total"]["expected"].get<int64_t>());
  auto notes = f().Notifications(as("sz_zone_reviewer"));
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ((*notes)["reviews"].size(), 1U);
  EXPECT_EQ((*notes)["reviews"][0]["waiting"], 1);
}

// A batch approval approves what the reviewer saw: a filing withdrawn, changed and submitted
// again since the queue was read is left for another look; without versions, the current one.
TEST_F(FilingsTest, BatchApprovalApprovesTheVersionsTheReviewerSaw) {
  const int64_t seen = FillAndSubmit();
  ASSERT_TRUE(f().Withdraw(as("unit_demo"), filing_, "改一个数", {}).ok());
  auto saved = Save({{"qc05_0", 1200}, {"qc24", 2000}}, seen);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  const json expl = ExplainAll(*saved);
  if (!expl.empty()) {
    saved = Save({{"qc05_0", 1200}, {"qc24", 2000}}, (*saved)["version"], expl);
    ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  }
  ASSERT_TRUE(f().Submit(as("unit_demo"), filing_, (*saved)["version"], {}).ok());
  const int64_t current = Get()["version"];
  ASSERT_GT(current, seen);
  auto stale = f().ApproveMany(as("sz_zone_reviewer"), {filing_}, {seen}, {});
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  EXPECT_EQ((*stale)["approved"], 0);
  EXPECT_EQ((*stale)["results"][0]["ok"], false);
  EXPECT_EQ(Get()["review_level"], 0);
  EXPECT_EQ(f().ApproveMany(as("sz_zone_reviewer"), {filing_}, {seen, seen}, {}).status().code(),
            ErrorCode::kValidationFailed);
  auto fresh = f().ApproveMany(as("sz_zone_reviewer"), {filing_}, {current}, {});
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ((*fresh)["approved"], 1) << fresh->dump();
}

// Progress reads filing_tally (counts kept by triggers) instead of every filing: for every
// level, after saves, submissions, approvals and returns, its figures equal a count over the
// filing rows themselves, child by child.
TEST_F(FilingsTest, ProgressFromTheTallyEqualsACountOfTheFilings) {
  const int64_t v = FillAndSubmit();
  auto ret = f().Return(as("sz_zone_reviewer"), filing_, v, "请核实营业收入",
                        {{"qc05_0", "与上年差异较大"}}, {});
  ASSERT_TRUE(ret.ok()) << ret.status().ToString();
  for (const char* who : {"center", "gd_reviewer", "sz_city_reviewer", "sz_zone_reviewer"}) {
    const identity::Principal& p = as(who);
    auto progress = f().Progress(p, "GQ-002", "2024", 0);
    ASSERT_TRUE(progress.ok()) << who << ": " << progress.status().ToString();
    // The reference: every filing in the scope, attributed to the child on its unit path.
    std::map<int64_t, std::array<int64_t, 5>>
        want;  // expected, started, submitted, returned, final
    std::string hi = p.scope.path;
    hi.back() = static_cast<char>(hi.back() + 1);
    Status st = app_->db().Read([&](store::Session& s) -> Status {
      auto rows = s.Query(
          "SELECT unit_path, state FROM filing WHERE form_code = 'GQ-002' AND "
          "period_key = '2024' AND unit_path >= ? AND unit_path < ?",
          {p.scope.path, hi});
      if (!rows.ok()) {
        return rows.status();
      }
      for (size_t i = 0; i < rows->size(); ++i) {
        const std::string path = rows->Text(i, 0);
        const size_t end = path.find('/', p.scope.path.size());
        const int64_t child =
            end == std::string::npos
                ? p.scope.id
                : std::stoll(path.substr(p.scope.path.size(), end - p.scope.path.size()));
        const std::string state = rows->Text(i, 1);
        auto& c = want[child];
        c[0] += 1;
        c[1] += state != "not_started" ? 1 : 0;
        c[2] += state == "submitted" || state == "final" ? 1 : 0;
        c[3] += state == "returned" ? 1 : 0;
        c[4] += state == "final" ? 1 : 0;
      }
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_EQ((*progress)["children"].size(), want.size()) << who;
    int64_t expected = 0;
    int64_t returned = 0;
    for (const auto& c : (*progress)["children"]) {
      const int64_t id = c["node"]["id"];
      ASSERT_TRUE(want.count(id)) << who << ": child " << id;
      const auto& w = want[id];
      EXPECT_EQ(c["expected"], w[0]) << who << ": child " << id;
      EXPECT_EQ(c["started"], w[1]) << who << ": child " << id;
      EXPECT_EQ(c["submitted"], w[2]) << who << ": child " << id;
      EXPECT_EQ(c["returned"], w[3]) << who << ": child " << id;
      EXPECT_EQ(c["final"], w[4]) << who << ": child " << id;
      expected += w[0];
      returned += w[3];
    }
    EXPECT_EQ((*progress)["total"]["expected"], expected) << who;
    EXPECT_EQ((*progress)["total"]["returned"], returned) << who;
    EXPECT_EQ(returned, 1) << who;
  }
}

TEST_F(FilingsTest, ScansMustCarryTheCurrentVersionsCode) {
  ASSERT_TRUE(Save({{"qc05_0", 1000}, {"qc24", 2000}}, 0).ok());
  auto pdf = f().Print(as("unit_demo"), filing_);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(pdf->bytes.rfind("%PDF-", 0), 0U);
  auto junk = f().UploadScan(as("unit_demo"), filing_, "not a scan at all", {});
  EXPECT_EQ(junk.status().code(), ErrorCode::kValidationFailed);
  // The printed version matches; after another save the same scan is stale.
  auto ok = f().UploadScan(as("unit_demo"), filing_, pdf->bytes, {});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(Get()["scan"]["version"], 1);
  EXPECT_TRUE(Get()["scan"]["matches_current"]);
  ASSERT_TRUE(Save({{"qc05_0", 1500}, {"qc24", 2000}}, 1).ok());
  auto stale = f().UploadScan(as("unit_demo"), filing_, pdf->bytes, {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), ErrorCode::kConflict);
  EXPECT_NE(stale.status().message().find("第 1 版"), std::string::npos);
  EXPECT_NE(stale.status().message().find("第 2 版"), std::string::npos);
  EXPECT_EQ(Get()["scan"]["version"], 1);
  EXPECT_FALSE(Get()["scan"]["matches_current"]);
}

// A dry run of many chunks (checked on two threads) answers exactly what checking each row
// alone gives, in row order, and writes nothing; the real import then saves the same rows.
TEST_F(FilingsTest, ABulkDryRunOverManyChunksMatchesTheImport) {
  std::vector<std::string> usccs;
  ASSERT_TRUE(app_->db()
                  .Read([&](store::Session& s) -> Status {
                    HUOJU_ASSIGN_OR_RETURN(
                        auto r, s.Query("SELECT o.uscc FROM org_node o JOIN filing f ON "
                                        "f.unit_id = o.id WHERE f.form_code = 'GQ-002' AND "
                                        "f.period_key = '2024' ORDER BY o.uscc",
                                        {}));
                    for (size_t i = 0; i < r.size(); ++i) {
                      usccs.push_back(r.Text(i, 0));
                    }
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_GE(usccs.size(), 10u);
  std::vector<ImportRow> rows;
  std::vector<int64_t> expected_rejected;
  for (size_t i = 0; i < 9'000; ++i) {  // 5 chunks of 2,000 rows
    const std::string& uscc = usccs[i % usccs.size()];
    if (i % 7 == 3) {
      rows.push_back({"91110000NOSUCH" + std::to_string(i), {{"qc05_0", 1000}, {"qc24", 2000}}});
      expected_rejected.push_back(static_cast<int64_t>(i) + 1);
    } else if (i % 5 == 1) {  // 主营业务收入 > 营业收入: an error
      rows.push_back({uscc, {{"qc05_0", 100}, {"qc55", 200}, {"qc24", 5000}}});
      expected_rejected.push_back(static_cast<int64_t>(i) + 1);
    } else {
      rows.push_back({uscc, {{"qc05_0", 1000}, {"qc24", 2000}}});
    }
  }
  ImportOptions options{"GQ-002", "2024", false, true};
  auto dry = f().Import(as("center"), options, rows, {});
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ((*dry)["rejected_rows"].get<std::vector<int64_t>>(), expected_rejected);
  EXPECT_EQ((*dry)["rejected"], expected_rejected.size());
  EXPECT_EQ((*dry)["saved"], rows.size() - expected_rejected.size());
  ASSERT_EQ((*dry)["rejections"].size(), 1000u);  // the detailed list is capped, in row order
  EXPECT_EQ((*dry)["rejections"][0]["row"], expected_rejected[0]);
  EXPECT_EQ((*dry)["rejections"][999]["row"], expected_rejected[999]);
  EXPECT_TRUE((*dry)["rejections"][0].contains("failures"));   // row 2: the rule error
  EXPECT_FALSE((*dry)["rejections"][1].contains("failures"));  // row 4: no such unit
  EXPECT_EQ(Get()["version"], 0);                              // nothing written

  // The same rows for real, one per unit (a unit's second row would be a newer version).
  std::vector<ImportRow> once(rows.begin(), rows.begin() + static_cast<ptrdiff_t>(usccs.size()));
  options.dry_run = false;
  auto written = f().Import(as("center"), options, once, {});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  options.dry_run = true;
  auto dry_once = f().Import(as("center"), options, once, {});
  ASSERT_TRUE(dry_once.ok());
  EXPECT_EQ((*written)["saved"], (*dry_once)["saved"]);
  EXPECT_EQ((*written)["rejected_rows"], (*dry_once)["rejected_rows"]);
}

TEST_F(FilingsTest, AUnitCreatedDuringAnOpenPeriodGetsItsTasks) {
  org::NewNode n;
  n.parent_id = as("sz_zone_reviewer").scope.id;
  n.kind = org::NodeKind::kUnit;
  n.name = "期中新增测试企业有限公司";
  n.region_code = "440305";
  n.industry_code = "3911";
  n.unit_type = "enterprise";
  // A valid USCC in Nanshan: organisation code with its check digit, then the USCC check
  // character.
  auto uscc = [](std::string org) {
    org += *OrgCodeCheckChar(org);
    const std::string first17 = "91440305" + org;
    return first17 + *UsccCheckChar(first17);
  };
  n.uscc = uscc("MA5G7H8J");
  auto created = app_->OrgCreate(as("admin"), n, {});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["tasks_created"], 1);  // only GQ-002 is open in this test
  auto zone_queue =
      f().Queue(as("sz_zone_reviewer"), {"GQ-002", "2024", "not_started", "期中新增", 0, 50});
  ASSERT_TRUE(zone_queue.ok()) << zone_queue.status().ToString();
  EXPECT_EQ((*zone_queue)["total"], 1);
  // After the due date a new unit gets no task for that period.
  clock_.Set(BeijingNoon(2025, 4, 2));
  n.name = "截止后新增企业有限公司";
  n.uscc = uscc("MA5G7H8K");
  created = app_->OrgCreate(as("admin"), n, {});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["tasks_created"], 0);
  // Nothing new under a closed zone.
  ASSERT_TRUE(
      app_->administration().SetNodeClosed(as("admin"), n.parent_id, true, "撤销", {}).ok());
  n.name = "关闭园区下新增企业有限公司";
  n.uscc = uscc("MA5G7H8L");
  created = app_->OrgCreate(as("admin"), n, {});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().details().value("field", ""), "parent_id")
      << created.status().ToString();
  EXPECT_FALSE(app_->directory().IdByUscc(n.uscc, as("admin").scope).has_value());
}

}  // namespace
}  // namespace huoju::app
