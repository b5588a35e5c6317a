// src/app/workbook.cpp
//
// The workbook use cases: a template with the units' current data, and the import of a filled
// one through Filings::Import — first as a dry run that audits every unit, so that nothing is
// written unless the whole workbook is clean (or the caller asked for the clean units only).

#include "huoju/app/workbook.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "huoju/identity/principal.hpp"
#include "src/app/workbook_internal.hpp"

namespace huoju::app {

using identity::Action;
using identity::Authorize;
using nlohmann::json;

namespace {

constexpr size_t kMaxBatchUnits = 20'000;
constexpr size_t kMaxProblemsReported = 5'000;

std::pair<std::string, std::string> PathRange(const std::string& path) {
  std::string upper = path;
  if (!upper.empty()) {
    upper.back() = static_cast<char>(upper.back() + 1);
  }
  return {path, upper};
}

}  // namespace

Workbooks::Workbooks(store::Database& db, const org::Directory& directory,
                     const CatalogRegistry& catalogs, Filings& filings)
    : db_(db), directory_(directory), catalogs_(catalogs), filings_(filings) {}

Result<Filings::File> Workbooks::Template(const identity::Principal& who,
                                          const std::string& form_code, const std::string& period,
                                          WorkbookLayout layout, int64_t unit_id, int64_t node_id,
                                          bool prefill) {
  if (form_code.empty() || form_code.size() > 32) {
    return Status::InvalidField("form", "请选择报表（表号）");
  }
  if (period.empty() || period.size() > 16) {
    return Status::InvalidField("period", "请选择报告期");
  }
  org::OrgNode target = who.scope;
  const int64_t id = layout == WorkbookLayout::kUnit ? unit_id : node_id;
  if (id != 0) {
    auto node = directory_.Get(id);
    if (!node) {
      return Status::NotFound("机构不存在");
    }
    target = *node;
  }
  HUOJU_RETURN_IF_ERROR(Authorize(
      who, layout == WorkbookLayout::kUnit ? Action::kViewFiling : Action::kReviewFiling, &target));
  if (layout == WorkbookLayout::kUnit && target.kind != org::NodeKind::kUnit) {
    return Status::InvalidField("unit", "单位模板须指定一个填报单位");
  }
  int catalog_year = 0;
  int64_t catalog_version = 0;
  std::vector<WorkbookUnit> units;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto p, s.Query("SELECT catalog_year, catalog_version_id FROM survey_period WHERE "
                        "form_code = ? AND period_key = ?",
                        {form_code, period}));
    if (p.empty()) {
      return Status::InvalidField("period", fmt::format("报告期 {} {} 未开启", form_code, period));
    }
    catalog_year = static_cast<int>(p.Int(0, 0));
    catalog_version = p.Int(0, 1);
    const auto [lo, hi] = PathRange(target.path);
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT o.uscc, o.name, f.values_json FROM filing f JOIN org_node o ON o.id = "
                "f.unit_id WHERE f.form_code = ? AND f.period_key = ? AND f.unit_path >= ? AND "
                "f.unit_path < ? ORDER BY f.unit_path LIMIT " +
                    std::to_string(kMaxBatchUnits + 1),
                {form_code, period, lo, hi}));
    if (rows.size() > kMaxBatchUnits) {
      return Status::InvalidField(
          "node",
          fmt::format("范围内的单位超过 {} 家，请选择更小的范围（地区或园区）", kMaxBatchUnits));
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      WorkbookUnit u{rows.Text(i, 0), rows.Text(i, 1), json::object()};
      if (prefill && !rows.IsNull(i, 2)) {
        json v = json::parse(rows.Text(i, 2), nullptr, false);
        if (v.is_object()) {
          u.values = std::move(v);
        }
      }
      units.push_back(std::move(u));
    }
    return Status::Ok();
  }));
  if (layout == WorkbookLayout::kUnit && units.size() != 1) {
    return Status::NotFound(
        fmt::format("该单位没有报表 {} 报告期 {} 的填报任务", form_code, period));
  }
  const CatalogYear* cy = catalogs_.Year(catalog_year);
  const catalog::Form* form = cy == nullptr ? nullptr : cy->catalog().FindForm(form_code);
  if (form == nullptr) {
    return Status::Unavailable("报表目录未加载");
  }
  TemplateSpec spec{&cy->catalog(), form, period, catalog_version, layout, std::move(units)};
  HUOJU_ASSIGN_OR_RETURN(std::string bytes, WriteTemplate(spec));
  return Filings::File{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       fmt::format("{}_{}_{}.xlsx", form_code, period,
                                   layout == WorkbookLayout::kUnit ? "填报模板" : "批量填报模板"),
                       std::move(bytes)};
}

namespace {

json ProblemsJson(const std::vector<WorkbookProblem>& problems) {
  json out = json::array();
  for (const auto& p : problems) {
    if (out.size() >= kMaxProblemsReported) {
      break;
    }
    out.push_back(p.ToJson());
  }
  return out;
}

// Where the value a rule names (`qc05_0`, `projects[3].expense`) stands in the workbook for unit
// `u`: its own cell; a fixed indicator's input cell even when blank; for a blank row-table cell,
// the row of that table row (another of its cells). nullopt when none is known.
std::optional<CellOrigin> LocateField(const ParsedWorkbook& wb, size_t u,
                                      const std::string& field) {
  if (auto it = wb.cells[u].find(field); it != wb.cells[u].end()) {
    return it->second;
  }
  if (auto it = wb.layout_cells.find(field); it != wb.layout_cells.end()) {
    CellOrigin o = it->second;
    if (o.row == 0) {
      o.row = wb.unit_origin[u].row;  // batch layout: the unit's own row
    }
    return o;
  }
  const size_t close = field.find("].");
  if (close != std::string::npos) {
    const std::string row_prefix = field.substr(0, close + 2);
    for (auto it = wb.cells[u].lower_bound(row_prefix);
         it != wb.cells[u].end() && it->first.compare(0, row_prefix.size(), row_prefix) == 0;
         ++it) {
      return CellOrigin{it->second.sheet, it->second.row, 0};
    }
  }
  return std::nullopt;
}

// The import's audit (a dry run of the bulk import) of blocks of units on a second thread
// while the sheet is still being read; once the reading is done, the calling thread helps
// with the blocks left.
class PipelinedAudit : public UnitBlockSink {
 public:
  // `keep_units`: put the units back into the workbook after their audit (for a write);
  // otherwise each block is freed on the auditing thread as soon as it is checked.
  PipelinedAudit(Filings& filings, const identity::Principal& who, bool submit, bool keep_units)
      : filings_(filings), who_(who), submit_(submit), keep_units_(keep_units) {}
  ~PipelinedAudit() override {
    {
      std::lock_guard lock(mu_);
      reading_ = false;
      queue_.clear();
    }
    cv_.notify_all();
    if (worker_.joinable()) {
      worker_.join();
    }
  }

  Status Begin(const ParsedWorkbook& header) override {
    ImportOptions options{header.form_code, header.period, submit_, true};
    HUOJU_ASSIGN_OR_RETURN(dry_run_, filings_.StartDryRun(who_, options));
    if (std::thread::hardware_concurrency() > 1) {
      worker_ = std::thread([this] { Work(/*until_read=*/true); });
    }
    return Status::Ok();
  }

  void Block(size_t first, std::vector<ImportRow> units) override {
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back(first, std::move(units));
    }
    cv_.notify_one();
  }

  // After the reading: the units not handed over yet, every block audited (and put back into
  // `wb` when kept), the dry run's answer.
  Result<json> Finish(ParsedWorkbook& wb) {
    for (size_t first = wb.units_in_blocks; first < wb.units.size(); first += kImportBlockRows) {
      Block(first, workbook_internal::TakeUnits(
                       wb.units, first, std::min(first + kImportBlockRows, wb.units.size())));
    }
    wb.units_in_blocks = wb.units.size();
    {
      std::lock_guard lock(mu_);
      reading_ = false;
    }
    cv_.notify_all();
    Work(/*until_read=*/false);
    if (worker_.joinable()) {
      worker_.join();
    }
    for (auto& [first, units] : audited_) {
      for (size_t k = 0; k < units.size(); ++k) {
        workbook_internal::PutUnitBack(wb.units[first + k], std::move(units[k]));
      }
    }
    audited_.clear();
    HUOJU_RETURN_IF_ERROR(status_);
    return dry_run_->Finish();
  }

 private:
  // Audits queued blocks; `until_read`: also waits for more while the sheet is being read.
  void Work(bool until_read) {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return !queue_.empty() || !reading_ || !until_read; });
      if (queue_.empty()) {
        return;
      }
      auto [first, units] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      Status st = dry_run_->Check(first, units);
      if (!keep_units_) {
        units = {};  // freed here, beside the reading, rather than at the end
      }
      lock.lock();
      if (keep_units_) {
        audited_.emplace_back(first, std::move(units));  // to be put back
      }
      if (!st.ok() && status_.ok()) {
        status_ = std::move(st);
      }
    }
  }

  Filings& filings_;
  const identity::Principal& who_;
  const bool submit_;
  const bool keep_units_;
  std::unique_ptr<ImportDryRun> dry_run_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<size_t, std::vector<ImportRow>>> queue_;
  std::vector<std::pair<size_t, std::vector<ImportRow>>> audited_;
  bool reading_ = true;
  Status status_;
};

// The answer to a workbook with problems when nothing may be written.
Status NothingWritten(const ParsedWorkbook& wb) {
  return Status(
      ErrorCode::kValidationFailed,
      fmt::format("工作簿中有 {} 处问题，未写入任何数据；请按所列工作表、行、列修改后重新上传",
                  wb.problems.size()),
      json{{"problems", ProblemsJson(wb.problems)}, {"form", wb.form_code}, {"period", wb.period}});
}

}  // namespace

// A unit's own workbook: the unit layout of its own filing, saved like a save on the filling
// page (same version check, audit and locks); errors and warnings come back located in the
// workbook and stay on the filing as after any save, to be fixed or explained before submitting.
Result<json> Workbooks::ImportOwn(const identity::Principal& who, std::string_view bytes,
                                  const WorkbookImportOptions& options,
                                  const identity::RequestOrigin& origin) {
  HUOJU_ASSIGN_OR_RETURN(ParsedWorkbook wb, ReadWorkbook(bytes, catalogs_));
  if (wb.layout != WorkbookLayout::kUnit || wb.units.size() != 1) {
    return Status::Forbidden("填报单位只能导入本单位的单表模板，批量模板由审核部门导入");
  }
  if (wb.units[0].uscc != who.scope.uscc) {
    return Status::Forbidden(
        fmt::format("这份模板属于统一社会信用代码为 {} 的单位，不是本单位（{}）的，未导入",
                    wb.units[0].uscc, who.scope.uscc));
  }
  auto answer = [&](int64_t saved, const json& extra) {
    json out = {{"form", wb.form_code},
                {"period", wb.period},
                {"layout", "unit"},
                {"units", 1},
                {"saved", saved},
                {"submitted", 0},
                {"rejected", wb.problems.empty() ? 0 : 1},
                {"would_save", wb.problems.empty() ? 1 : 0},
                {"check_only", options.check_only},
                {"problems", ProblemsJson(wb.problems)}};
    out.update(extra);
    return out;
  };
  if (!wb.problems.empty()) {
    if (options.check_only) {
      return answer(0, json::object());
    }
    return NothingWritten(wb);
  }
  if (options.check_only) {
    return answer(0, json::object());
  }
  int64_t filing_id = 0;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto rows,
                           s.Query("SELECT id FROM filing WHERE form_code = ? AND period_key = ? "
                                   "AND unit_id = ?",
                                   {wb.form_code, wb.period, who.scope.id}));
    if (rows.empty()) {
      return Status::NotFound(fmt::format("本单位没有 {} {} 的填报任务", wb.form_code, wb.period));
    }
    filing_id = rows.Int(0, 0);
    return Status::Ok();
  }));
  HUOJU_ASSIGN_OR_RETURN(json current, filings_.Get(who, filing_id));
  SaveRequest req;
  req.expected_version = current.value("version", int64_t{0});
  req.values = wb.units[0].AllValues();
  req.explanations = current.value("explanations", json::object());
  HUOJU_ASSIGN_OR_RETURN(json saved, filings_.Save(who, filing_id, req, origin));
  // Every audit failure after the save, located at its cell in the workbook.
  for (const auto& f : saved["failures"]) {
    CellOrigin at = wb.unit_origin[0];
    at.col = 0;
    std::string field;
    for (const auto& c : f["cells"]) {
      field = c.get<std::string>();
      if (auto o = LocateField(wb, 0, field)) {
        at = *o;
        break;
      }
    }
    const bool error = f.value("severity", "") == "error";
    wb.problems.push_back({at.sheet, at.row, at.col, field, wb.units[0].uscc,
                           fmt::format("{} {}：{}", error ? "审核错误" : "核实性审核",
                                       f.value("rule_id", ""), f.value("message", ""))});
  }
  const bool changed = saved.value("saved", false);  // the same values make no new version
  return answer(changed ? 1 : 0, json{{"rejected", 0},
                                      {"would_save", 1},
                                      {"unchanged", !changed},
                                      {"filing_id", filing_id},
                                      {"version", saved["version"]},
                                      {"problems", ProblemsJson(wb.problems)}});
}

Result<json> Workbooks::Import(const identity::Principal& who, std::string_view bytes,
                               const WorkbookImportOptions& options,
                               const identity::RequestOrigin& origin) {
  if (!Authorize(who, Action::kReviewFiling, nullptr).ok()) {
    HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kFillFiling, nullptr));
    return ImportOwn(who, bytes, options, origin);
  }
  // The audit as a dry run of the bulk import, over every unit — also those with bad cells
  // (left blank), so that the user sees rule errors together with the cell problems. Failures
  // that involve a bad cell are left out: they would only repeat it. It runs while the sheet
  // is being read, in blocks of units.
  PipelinedAudit audit(filings_, who, options.submit, !options.check_only);
  HUOJU_ASSIGN_OR_RETURN(ParsedWorkbook wb, ReadWorkbook(bytes, catalogs_, &audit));
  std::vector<size_t> unit_of(wb.units.size());
  std::set<std::pair<std::string, std::string>> bad_cells;  // (uscc, field)
  for (const auto& p : wb.problems) {
    bad_cells.emplace(p.uscc, p.field);
  }
  for (size_t u = 0; u < wb.units.size(); ++u) {
    unit_of[u] = u;
  }
  ImportOptions io{wb.form_code, wb.period, options.submit, true};
  auto report = [&](const json& result) {
    for (const auto& rej : result["rejections"]) {
      const auto index = rej["row"].get<size_t>() - 1;
      if (index >= unit_of.size()) {
        continue;
      }
      const size_t u = unit_of[index];
      wb.unit_bad[u] = true;
      const CellOrigin& at = wb.unit_origin[u];
      const std::string uscc = wb.units[u].uscc;
      if (!rej.contains("failures")) {
        wb.problems.push_back({at.sheet, at.row, at.col, "uscc", uscc, rej["message"]});
        continue;
      }
      auto touches_bad_cell = [&](const json& f) {
        for (const auto& c : f["cells"]) {
          if (bad_cells.count({uscc, c.get<std::string>()}) != 0) {
            return true;
          }
        }
        return false;
      };
      bool any_error = false;
      for (const auto& f : rej["failures"]) {
        any_error = any_error || f.value("severity", "") == "error";
      }
      for (const auto& f : rej["failures"]) {
        const bool error = f.value("severity", "") == "error";
        if (any_error != error || touches_bad_cell(f)) {
          continue;  // report the errors; warnings only when they alone block the submission
        }
        std::optional<CellOrigin> where;
        std::string field;
        for (const auto& c : f["cells"]) {
          field = c.get<std::string>();
          if ((where = LocateField(wb, u, field))) {
            break;
          }
        }
        const CellOrigin o = where.value_or(CellOrigin{at.sheet, at.row, 0});
        const std::string message =
            error ? fmt::format("审核错误 {}：{}", f.value("rule_id", ""), f.value("message", ""))
                  : fmt::format("核实性审核 {}：{}（提交前须说明，可先不提交导入为草稿）",
                                f.value("rule_id", ""), f.value("message", ""));
        wb.problems.push_back({o.sheet, o.row, o.col, field, uscc, message});
      }
    }
    // The detailed list is capped; every rejected unit is still left out of the write.
    for (const auto& row : result["rejected_rows"]) {
      const auto index = row.get<size_t>() - 1;
      if (index < unit_of.size()) {
        wb.unit_bad[unit_of[index]] = true;
      }
    }
    if (result.value("rejected", 0) > static_cast<int64_t>(result["rejections"].size())) {
      wb.problems.push_back({"", 0, 0, "", "",
                             fmt::format("另有 {} 家单位未通过审核，未逐一列出",
                                         result.value("rejected", 0) -
                                             static_cast<int64_t>(result["rejections"].size()))});
    }
  };
  HUOJU_ASSIGN_OR_RETURN(json dry, audit.Finish(wb));
  report(dry);

  auto bad_units = [&] {
    int64_t bad = 0;
    for (bool b : wb.unit_bad) {
      bad += b ? 1 : 0;
    }
    return bad;
  };
  if (options.check_only) {
    const int64_t bad = bad_units();
    return json{{"form", wb.form_code},
                {"period", wb.period},
                {"layout", WorkbookLayoutName(wb.layout)},
                {"units", wb.units.size()},
                {"saved", 0},
                {"submitted", 0},
                {"rejected", bad},
                {"would_save", static_cast<int64_t>(wb.units.size()) - bad},
                {"check_only", true},
                {"problems", ProblemsJson(wb.problems)}};
  }
  if (!wb.problems.empty() && !options.clean_only) {
    return NothingWritten(wb);
  }
  std::vector<ImportRow> clean;
  std::vector<size_t> clean_unit;
  for (size_t u = 0; u < wb.units.size(); ++u) {
    if (!wb.unit_bad[u]) {
      clean.push_back(std::move(wb.units[u]));
      clean_unit.push_back(u);
    }
  }
  int64_t saved = 0;
  int64_t submitted = 0;
  if (!clean.empty()) {
    io.dry_run = false;
    HUOJU_ASSIGN_OR_RETURN(json done, filings_.Import(who, io, clean, origin));
    unit_of = clean_unit;  // rejections now index the clean rows
    report(done);          // changed since the dry run: reported like the others
    saved = done.value("saved", 0);
    submitted = done.value("submitted", 0);
  }
  return json{{"form", wb.form_code},
              {"period", wb.period},
              {"layout", WorkbookLayoutName(wb.layout)},
              {"units", wb.units.size()},
              {"saved", saved},
              {"submitted", submitted},
              {"rejected", bad_units()},
              {"would_save", saved},
              {"check_only", false},
              {"problems", ProblemsJson(wb.problems)}};
}

}  // namespace huoju::app
