// Excel templates and their import on a real store and the real 2024 catalog: templates read
// back to the values they were filled with, problems of every kind located by sheet, row and
// column with nothing written, and the clean-units-only mode.
#include "huoju/app/workbook.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "huoju/app/application.hpp"
#include "huoju/app/demo_data.hpp"
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

std::string ZipEntry(const std::string& bytes, const char* name) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  std::string out;
  if (archive == nullptr) {
    zip_source_free(source);
    return out;
  }
  zip_stat_t st;
  if (zip_stat(archive, name, 0, &st) == 0) {
    zip_file_t* file = zip_fopen(archive, name, 0);
    out.resize(st.size);
    zip_fread(file, out.data(), st.size);
    zip_fclose(file);
  }
  zip_close(archive);
  return out;
}

// A hand-made "filled batch template": what a user's spreadsheet program would save.
struct FakeCell {
  int row, col;  // 0-based
  json value;    // number or string
};
std::string FilledBatch(int64_t catalog_version, const std::vector<std::string>& codes,
                        const std::vector<FakeCell>& cells) {
  const fs::path path = fs::temp_directory_path() / ("huoju-wbtest-" + std::to_string(getpid()));
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* main = workbook_add_worksheet(wb, "批量填报");
  worksheet_write_string(main, 2, 0, "uscc", nullptr);
  worksheet_write_string(main, 2, 1, "name", nullptr);
  for (size_t i = 0; i < codes.size(); ++i) {
    worksheet_write_string(main, 2, static_cast<lxw_col_t>(i + 2), codes[i].c_str(), nullptr);
  }
  for (const auto& c : cells) {
    if (c.value.is_number()) {
      worksheet_write_number(main, c.row, c.col, c.value.get<double>(), nullptr);
    } else {
      worksheet_write_string(main, c.row, c.col, c.value.get<std::string>().c_str(), nullptr);
    }
  }
  lxw_worksheet* meta = workbook_add_worksheet(wb, "_huoju");
  const std::vector<std::pair<std::string, std::string>> kv = {
      {"huoju_template", "1"},
      {"form", "GQ-002"},
      {"period", "2024"},
      {"catalog_year", "2024"},
      {"catalog_version", std::to_string(catalog_version)},
      {"layout", "batch"}};
  lxw_row_t r = 0;
  for (const auto& [k, v] : kv) {
    worksheet_write_string(meta, r, 0, k.c_str(), nullptr);
    worksheet_write_string(meta, r++, 1, v.c_str(), nullptr);
  }
  worksheet_write_string(meta, r, 0, "sheet", nullptr);
  worksheet_write_string(meta, r, 1, "批量填报", nullptr);
  worksheet_write_string(meta, r, 2, "main", nullptr);
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(path);
  return bytes;
}

class WorkbookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("huoju-workbook-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.data_dir = dir_.string();
    config_.catalog_dir = (RepoRoot() / "catalog").string();
    config_.password_cost = "fast";
    clock_.Set((static_cast<int64_t>(rules::DaysFromCivil(2025, 2, 10)) * 86400 + 4 * 3600) * 1000);
    {
      auto app = Application::Open(config_, clock_);
      ASSERT_TRUE(app.ok()) << app.status().ToString();
      DemoOptions demo;
      demo.units = DemoUnits();
      ASSERT_TRUE(GenerateDemoData((*app)->db(), (*app)->hasher(), clock_, demo).ok());
    }
    auto app = Application::Open(config_, clock_);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
    for (const char* name : {"unit_demo", "sz_zone_reviewer", "gd_reviewer", "admin", "center"}) {
      auto login = app_->sessions().Login(name, "Huoju@2024", {});
      ASSERT_TRUE(login.ok()) << name << ": " << login.status().ToString();
      who_[name] = login->principal;
    }
    OpenPeriodRequest req{"GQ-002", "2024", std::nullopt, std::nullopt, std::nullopt};
    auto opened = app_->filings().OpenPeriod(who_["center"], req, {});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto tasks = app_->filings().MyTasks(who_["unit_demo"]);
    ASSERT_TRUE(tasks.ok());
    for (const auto& t : (*tasks)["items"]) {
      if (t["form_code"] == "GQ-002") {
        filing_ = t["id"];
      }
    }
    ASSERT_GT(filing_, 0);
    workbooks_ = std::make_unique<Workbooks>(app_->db(), app_->directory(), app_->catalogs(),
                                             app_->filings());
  }

  virtual int64_t DemoUnits() const { return 40; }

  void TearDown() override {
    workbooks_.reset();
    app_.reset();
    fs::remove_all(dir_);
  }

  json Filing(int64_t id) {
    auto r = app_->filings().Get(who_["center"], id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : json();
  }
  int64_t Version() { return app_->catalogs().Year(2024)->version_id; }

  fs::path dir_;
  Config config_;
  ManualClock clock_{0};
  std::unique_ptr<Application> app_;
  std::map<std::string, identity::Principal> who_;
  int64_t filing_ = 0;
  std::unique_ptr<Workbooks> workbooks_;
};

TEST_F(WorkbookTest, UnitTemplateHasValidationProtectionAndReadsBackItsValues) {
  SaveRequest save;
  save.values = {{"qc05_0", 1234.5}, {"qc55", 1000}, {"qc24", 20}};
  auto saved = app_->filings().Save(who_["unit_demo"], filing_, save, {});
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();

  auto file =
      workbooks_->Template(who_["unit_demo"], "GQ-002", "2024", WorkbookLayout::kUnit, 0, 0, true);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->file_name, "GQ-002_2024_填报模板.xlsx");
  const std::string workbook = ZipEntry(file->bytes, "xl/workbook.xml");
  EXPECT_NE(workbook.find("name=\"_huoju\" sheetId=\"3\" state=\"hidden\""), std::string::npos)
      << workbook;
  EXPECT_NE(workbook.find("name=\"_codes\" sheetId=\"2\" state=\"hidden\""), std::string::npos);
  const std::string sheet = ZipEntry(file->bytes, "xl/worksheets/sheet1.xml");  // 填报
  EXPECT_NE(sheet.find("<sheetProtection"), std::string::npos);
  EXPECT_NE(sheet.find("<dataValidations"), std::string::npos);
  EXPECT_NE(sheet.find("type=\"decimal\""), std::string::npos);
  EXPECT_NE(sheet.find("type=\"list\""), std::string::npos);
  EXPECT_NE(sheet.find("'_codes'!$"), std::string::npos);
  const std::string styles = ZipEntry(file->bytes, "xl/styles.xml");
  EXPECT_NE(styles.find("locked=\"0\""), std::string::npos);  // unlocked input cells

  auto parsed = ReadWorkbook(file->bytes, app_->catalogs());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->problems.empty()) << parsed->problems[0].message;
  ASSERT_EQ(parsed->units.size(), 1U);
  EXPECT_EQ(parsed->layout, WorkbookLayout::kUnit);
  EXPECT_EQ(parsed->units[0].uscc, Filing(filing_)["unit"]["uscc"]);
  EXPECT_EQ(parsed->units[0].values, json({{"qc05_0", 1234.5}, {"qc55", 1000}, {"qc24", 20}}));
  EXPECT_EQ(parsed->cells[0]["qc05_0"].sheet, "填报");
  EXPECT_EQ(parsed->cells[0]["qc05_0"].col, 4);
}

TEST_F(WorkbookTest, AUnitImportsItsOwnWorkbookLikeASave) {
  SaveRequest save;
  save.values = {{"qc05_0", 1234.5}, {"qc55", 2000}, {"qc24", 20}};  // GQ002-R01: qc55 > qc05_0
  ASSERT_TRUE(app_->filings().Save(who_["unit_demo"], filing_, save, {}).ok());
  auto file =
      workbooks_->Template(who_["unit_demo"], "GQ-002", "2024", WorkbookLayout::kUnit, 0, 0, true);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  // Meanwhile the page saved other values; the workbook's values win, as a later save would.
  save.expected_version = Filing(filing_)["version"];
  save.values = {{"qc05_0", 7}};
  ASSERT_TRUE(app_->filings().Save(who_["unit_demo"], filing_, save, {}).ok());
  const int64_t before = Filing(filing_)["version"];

  WorkbookImportOptions check;
  check.check_only = true;
  auto checked = workbooks_->Import(who_["unit_demo"], file->bytes, check, {});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ((*checked)["saved"], 0);
  EXPECT_EQ(Filing(filing_)["version"], before);

  auto r = workbooks_->Import(who_["unit_demo"], file->bytes, {}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["saved"], 1);
  EXPECT_EQ((*r)["filing_id"], filing_);
  const json after = Filing(filing_);
  EXPECT_EQ(after["version"], before + 1);
  EXPECT_EQ(after["values"]["qc05_0"], 1234.5);
  // The audit failures of the saved data come back at their cells of the 填报 sheet.
  ASSERT_FALSE((*r)["problems"].empty());
  for (const auto& p : (*r)["problems"]) {
    EXPECT_EQ(p["sheet"], "填报") << p.dump();
    EXPECT_NE(p["message"].get<std::string>().find("审核"), std::string::npos) << p.dump();
  }

  // Another unit's workbook, and a batch workbook, are refused and change nothing.
  auto other = workbooks_->Template(who_["sz_zone_reviewer"], "GQ-002", "2024",
                                    WorkbookLayout::kBatch, 0, 0, false);
  ASSERT_TRUE(other.ok());
  auto batch = workbooks_->Import(who_["unit_demo"], other->bytes, {}, {});
  EXPECT_EQ(batch.status().code(), ErrorCode::kForbidden);
  auto tasks = app_->filings().Queue(who_["center"], {"GQ-002", "2024", "all", "", 0, 50});
  ASSERT_TRUE(tasks.ok());
  int64_t foreign = 0;
  for (const auto& t : (*tasks)["items"]) {
    if (t["id"] != filing_) {
      foreign = t["unit"]["id"];
      break;
    }
  }
  ASSERT_GT(foreign, 0);
  auto theirs = workbooks_->Template(who_["center"], "GQ-002", "2024", WorkbookLayout::kUnit,
                                     foreign, 0, false);
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  auto refused = workbooks_->Import(who_["unit_demo"], theirs->bytes, {}, {});
  EXPECT_EQ(refused.status().code(), ErrorCode::kForbidden);
  EXPECT_NE(refused.status().message().find("不是本单位"), std::string::npos);
  EXPECT_EQ(Filing(filing_)["version"], before + 1);
}

TEST_F(WorkbookTest, TemplateAuthorization) {
  // A unit gets its own template, not a batch; a reviewer gets both for units in scope; the
  // administrator has no survey role.
  EXPECT_TRUE(
      workbooks_->Template(who_["unit_demo"], "GQ-002", "2024", WorkbookLayout::kBatch, 0, 0, false)
          .status()
          .code() == ErrorCode::kForbidden);
  auto batch = workbooks_->Template(who_["sz_zone_reviewer"], "GQ-002", "2024",
                                    WorkbookLayout::kBatch, 0, 0, true);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  auto parsed = ReadWorkbook(batch->bytes, app_->catalogs());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_GT(parsed->units.size(), 0U);
  EXPECT_EQ(
      workbooks_->Template(who_["admin"], "GQ-002", "2024", WorkbookLayout::kUnit, 0, 0, false)
          .status()
          .code(),
      ErrorCode::kForbidden);
  auto bad_period = workbooks_->Template(who_["gd_reviewer"], "GQ-002", "2031",
                                         WorkbookLayout::kBatch, 0, 0, false);
  EXPECT_EQ(bad_period.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(bad_period.status().details()["field"], "period");
}

TEST_F(WorkbookTest, EveryProblemIsLocatedAndNothingIsWritten) {
  const json before = Filing(filing_);
  const std::string uscc = before["unit"]["uscc"];
  // Row 4: a wrong type (C), a number with too many decimals (E), an unknown code (G);
  // row 5: the same unit again; row 6: an unknown unit; row 7: a rule error (qc55 > qc05_0).
  auto tasks = app_->filings().Queue(who_["center"], {"GQ-002", "2024", "all", "", 0, 5});
  ASSERT_TRUE(tasks.ok());
  std::string other_uscc;
  for (const auto& item : (*tasks)["items"]) {
    if (item["unit"]["uscc"] != uscc) {
      other_uscc = item["unit"]["uscc"];
      break;
    }
  }
  ASSERT_FALSE(other_uscc.empty());
  const std::vector<std::string> codes = {"qc05_0", "qc24", "qc49", "qc55", "qc226_1"};
  std::string bytes = FilledBatch(Version(), codes,
                                  {{3, 0, uscc},
                                   {3, 2, "一千"},
                                   {3, 3, 12.5},
                                   {3, 4, 1.234},
                                   {3, 6, "9 无"},
                                   {4, 0, uscc},
                                   {5, 0, "91110000XXXXXXXXXX"},
                                   {5, 2, 10},
                                   {6, 0, other_uscc},
                                   {6, 2, 100},
                                   {6, 3, 50},
                                   {6, 5, 200}});
  auto r = workbooks_->Import(who_["center"], bytes, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  const json problems = r.status().details()["problems"];
  std::map<std::string, std::string> by_cell;
  for (const auto& p : problems) {
    EXPECT_EQ(p["sheet"], "批量填报") << p.dump();
    by_cell[p["cell"].get<std::string>() + (p["cell"] == "" ? "row" + p["row"].dump() : "")] =
        p["message"];
  }
  EXPECT_NE(by_cell["C4"].find("应为数值，而不是“一千”"), std::string::npos) << problems.dump(1);
  EXPECT_NE(by_cell["E4"].find("最多 1 位小数"), std::string::npos) << problems.dump(1);
  EXPECT_NE(by_cell["G4"].find("代码“9”不在代码表"), std::string::npos) << problems.dump(1);
  EXPECT_NE(by_cell["A5"].find("重复"), std::string::npos) << problems.dump(1);
  EXPECT_NE(by_cell["A6"].find("没有该统一社会信用代码的填报任务"), std::string::npos)
      << problems.dump(1);
  EXPECT_NE(by_cell["C7"].find("GQ002-R01"), std::string::npos) << problems.dump(1);
  // Nothing written.
  EXPECT_EQ(Filing(filing_)["version"], before["version"]);

  // Clean units only: the unit of row 7 gets corrected, only it is written.
  bytes = FilledBatch(
      Version(), codes,
      {{3, 0, uscc}, {3, 2, "一千"}, {6, 0, other_uscc}, {6, 2, 300}, {6, 3, 50}, {6, 5, 200}});
  // A column of the other unit's GQ-002 filing, as text.
  auto other_filing = [&](const std::string& column) {
    std::string v;
    EXPECT_TRUE(app_->db()
                    .Read([&](store::Session& s) -> Status {
                      HUOJU_ASSIGN_OR_RETURN(
                          auto rows, s.Query("SELECT f." + column +
                                                 " FROM filing f JOIN org_node n ON "
                                                 "n.id = f.unit_id WHERE n.uscc = ? AND "
                                                 "f.form_code = 'GQ-002' AND f.period_key = '2024'",
                                             {other_uscc}));
                      v = rows.Text(0, 0);
                      return Status::Ok();
                    })
                    .ok());
    return v;
  };
  auto other_version = [&] { return std::stoll(other_filing("version")); };
  const int64_t other_before = other_version();
  // Check only: the same answer as the import would give, and nothing written at all.
  WorkbookImportOptions check;
  check.check_only = true;
  auto checked = workbooks_->Import(who_["center"], bytes, check, {});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ((*checked)["check_only"], true);
  EXPECT_EQ((*checked)["saved"], 0);
  EXPECT_EQ((*checked)["would_save"], 1);
  EXPECT_EQ((*checked)["rejected"], 1);
  EXPECT_FALSE((*checked)["problems"].empty());
  EXPECT_EQ(other_version(), other_before);
  EXPECT_EQ(Filing(filing_)["version"], before["version"]);

  WorkbookImportOptions clean;
  clean.clean_only = true;
  auto partial = workbooks_->Import(who_["center"], bytes, clean, {});
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ((*partial)["saved"], 1);
  EXPECT_EQ((*partial)["rejected"], 1);
  ASSERT_FALSE((*partial)["problems"].empty());
  for (const auto& p : (*partial)["problems"]) {
    EXPECT_EQ(p["row"], 4) << p.dump();  // only the unit with the bad cell
    EXPECT_EQ(p["uscc"], uscc) << p.dump();
  }
  EXPECT_EQ(Filing(filing_)["version"], before["version"]);
  EXPECT_GT(other_version(), other_before);
  // The numbers (read without a JSON object each) are saved as the filing's values, whole
  // numbers as integers.
  EXPECT_EQ(other_filing("values_json"), R"({"qc05_0":300,"qc24":50,"qc55":200})");
}

// A batch of thousands of units is audited in blocks while the sheet is read: every rule
// error is found in whichever block its unit falls, and so are units added and repeated after
// the last full block.
class WorkbookBlocksTest : public WorkbookTest {
 protected:
  int64_t DemoUnits() const override { return 4700; }
};

TEST_F(WorkbookBlocksTest, ThousandsOfUnitsAreAuditedInBlocks) {
  std::vector<std::string> usccs;
  ASSERT_TRUE(app_->db()
                  .Read([&](store::Session& s) -> Status {
                    HUOJU_ASSIGN_OR_RETURN(
                        auto rows, s.Query("SELECT n.uscc FROM filing f JOIN org_node n ON n.id = "
                                           "f.unit_id WHERE f.form_code = 'GQ-002' AND "
                                           "f.period_key = '2024' ORDER BY f.id"));
                    for (size_t i = 0; i < rows.size(); ++i) {
                      usccs.push_back(rows.Text(i, 0));
                    }
                    return Status::Ok();
                  })
                  .ok());
  constexpr int kUnits = 4100;  // two full blocks of 2,000 and a part
  ASSERT_GE(usccs.size(), static_cast<size_t>(kUnits));
  // Unit i on sheet row i + 4; every 7th breaks GQ002-R01 (主营业务收入 above 营业收入).
  std::vector<FakeCell> cells;
  for (int i = 0; i < kUnits; ++i) {
    cells.push_back({i + 3, 0, usccs[static_cast<size_t>(i)]});
    cells.push_back({i + 3, 2, 100});
    cells.push_back({i + 3, 3, 50});
    cells.push_back({i + 3, 5, i % 7 == 0 ? 200 : 50});
  }
  cells.push_back({kUnits + 3, 0, "91110000XXXXXXXXXX"});  // no such unit
  cells.push_back({kUnits + 3, 2, 10});
  cells.push_back({kUnits + 4, 0, usccs[4050]});  // unit 4050 again
  const std::string bytes =
      FilledBatch(Version(), {"qc05_0", "qc24", "qc49", "qc55", "qc226_1"}, cells);
  WorkbookImportOptions check;
  check.check_only = true;
  auto r = workbooks_->Import(who_["center"], bytes, check, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const int rule_errors = (kUnits + 6) / 7;
  EXPECT_EQ((*r)["units"], kUnits + 1);
  // The rule errors, the unknown unit, and unit 4050 (4050 % 7 != 0) for its repetition.
  EXPECT_EQ((*r)["rejected"], rule_errors + 2);
  EXPECT_EQ((*r)["would_save"], kUnits + 1 - (rule_errors + 2));
  std::set<int64_t> rule_rows;
  bool unknown_seen = false;
  bool repeat_seen = false;
  for (const auto& p : (*r)["problems"]) {
    const std::string message = p["message"];
    if (message.find("GQ002-R01") != std::string::npos) {
      rule_rows.insert(p["row"].get<int64_t>());
      EXPECT_EQ(p["column"], "C") << p.dump();
      EXPECT_EQ(p["uscc"], usccs[static_cast<size_t>(p["row"].get<int64_t>() - 4)]) << p.dump();
    } else if (message.find("没有该统一社会信用代码的填报任务") != std::string::npos) {
      unknown_seen = p["row"] == kUnits + 4;
    } else if (message.find("重复") != std::string::npos) {
      repeat_seen = p["row"] == kUnits + 5 && p["uscc"] == usccs[4050];
    }
  }
  EXPECT_EQ(rule_rows.size(), static_cast<size_t>(rule_errors));
  for (int i = 0; i < kUnits; i += 7) {
    EXPECT_EQ(rule_rows.count(i + 4), 1u) << "unit " << i;
  }
  EXPECT_TRUE(unknown_seen) << (*r)["problems"].dump(1);
  EXPECT_TRUE(repeat_seen) << (*r)["problems"].dump(1);
}

TEST_F(WorkbookTest, NotATemplateOrStale) {
  auto junk = workbooks_->Import(who_["center"], "not a workbook", {}, {});
  EXPECT_EQ(junk.status().code(), ErrorCode::kValidationFailed);
  EXPECT_NE(junk.status().message().find("不是 Excel"), std::string::npos);
  auto stale =
      workbooks_->Import(who_["center"], FilledBatch(Version() + 7, {"qc05_0"}, {}), {}, {});
  EXPECT_NE(stale.status().message().find("模板已过期"), std::string::npos)
      << stale.status().ToString();
  const std::string uscc = Filing(filing_)["unit"]["uscc"];
  auto unit = workbooks_->Import(
      who_["unit_demo"], FilledBatch(Version(), {"qc05_0"}, {{3, 0, uscc}, {3, 2, 5}}), {}, {});
  EXPECT_EQ(unit.status().code(), ErrorCode::kForbidden);  // a batch is for reviewers
}

}  // namespace
}  // namespace huoju::app
