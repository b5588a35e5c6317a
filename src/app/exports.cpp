// Summaries and lists as files (include/huoju/app/exports.hpp).
#include "huoju/app/exports.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "huoju/io/spreadsheet.hpp"
#include "huoju/io/xlsx_stream.hpp"

namespace huoju::app {
namespace {

using analytics::Dimension;
using nlohmann::json;

// Numbers in full precision (the shortest text that reads back the same double).
std::string NumberText(const json& v) {
  if (v.is_null()) {
    return "";
  }
  if (v.is_number_integer()) {
    return std::to_string(v.get<int64_t>());
  }
  return fmt::format("{}", v.get<double>());
}

std::string Text(const json& j) {
  return j.is_string() ? j.get<std::string>() : std::string();
}

std::string IndicatorLabel(const json& ind) {
  const std::string unit = Text(ind["unit"]);
  return unit.empty() ? Text(ind["name"]) : fmt::format("{}（{}）", Text(ind["name"]), unit);
}

// The dimension columns of a summary answer: code and name of each `by` dimension.
void DimensionColumns(const json& answer, io::Table& t) {
  for (const auto& d : answer["by"]) {
    const auto dim = analytics::ParseDimension(Text(d));
    const std::string name = dim ? analytics::DimensionName(*dim) : Text(d);
    t.columns.push_back(name + "代码");
    t.columns.push_back(name);
    t.numeric_columns.push_back(false);
    t.numeric_columns.push_back(false);
  }
}

void DimensionCells(const json& answer, const json& row, std::vector<std::string>& cells) {
  for (const auto& d : answer["by"]) {
    const std::string key = Text(d);
    if (row["keys"].contains(key)) {
      cells.push_back(Text(row["keys"][key]["code"]));
      cells.push_back(Text(row["keys"][key]["name"]));
    } else {
      cells.emplace_back();
      cells.emplace_back();
    }
  }
}

/// Writes `bytes` to `path`.
Status WriteFile(const std::string& path, const std::string& bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    return Status::Internal("写入导出文件失败（磁盘已满？）");
  }
  return Status::Ok();
}

// The unit list streamed from the snapshot into an .xlsx or CSV file, row by row.
class UnitListFile {
 public:
  UnitListFile(ExportFormat format, std::string path, std::string title,
               std::vector<std::string> subtitle_lines, JobProgress& progress)
      : format_(format),
        path_(std::move(path)),
        title_(std::move(title)),
        subtitle_lines_(std::move(subtitle_lines)),
        progress_(progress) {}

  Status Begin(const json& indicators, size_t total) {
    std::vector<std::string> names = {"报表编号", "单位编号", "单位名称", "统一社会信用代码",
                                      "状态"};
    for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
      names.emplace_back(analytics::DimensionCode(static_cast<Dimension>(d)));
    }
    for (const auto& ind : indicators) {
      names.push_back(Text(ind["code"]));
    }
    progress_.Stage("写入文件", static_cast<int64_t>(total));
    if (format_ == ExportFormat::kXlsx) {
      std::vector<io::XlsxStreamColumn> columns;
      for (size_t i = 0; i < names.size(); ++i) {
        columns.push_back({names[i], i == 2 ? 30.0 : i == 3 ? 21.0 : 12.0});
      }
      HUOJU_ASSIGN_OR_RETURN(xlsx_,
                             io::XlsxStreamWriter::Create(path_, title_, subtitle_lines_, columns));
      return Status::Ok();
    }
    csv_.reset(std::fopen(path_.c_str(), "wb"));
    if (csv_ == nullptr) {
      return Status::Internal("写入导出文件失败");
    }
    line_ = "\xEF\xBB\xBF";  // Excel reads UTF-8 CSV with a BOM
    io::AppendCsvRow(line_, names);
    return Flush(true);
  }

  Status Row(const analytics::UnitListRow& r) {
    if ((++rows_ & 1023) == 0 && progress_.cancelled()) {
      return JobProgress::Cancelled();
    }
    progress_.Advance();
    if (xlsx_ != nullptr) {
      xlsx_->Number(static_cast<double>(r.filing_id));
      xlsx_->Number(static_cast<double>(r.unit_id));
      xlsx_->Text(r.name);
      xlsx_->Text(r.uscc);
      xlsx_->Text(r.state);
      for (const auto& code : r.codes) {
        xlsx_->Text(code);
      }
      for (double v : r.values) {
        xlsx_->Number(v);  // NaN: blank
      }
      return xlsx_->EndRow();
    }
    cells_.clear();
    cells_.push_back(std::to_string(r.filing_id));
    cells_.push_back(std::to_string(r.unit_id));
    cells_.push_back(r.name);
    cells_.push_back(r.uscc);
    cells_.emplace_back(r.state);
    for (const auto& code : r.codes) {
      cells_.push_back(code);
    }
    for (double v : r.values) {
      cells_.push_back(std::isfinite(v) ? fmt::format("{}", v) : std::string());
    }
    io::AppendCsvRow(line_, cells_);
    return Flush(false);
  }

  Status Finish() {
    if (xlsx_ != nullptr) {
      return xlsx_->Finish();
    }
    HUOJU_RETURN_IF_ERROR(Flush(true));
    if (std::fclose(csv_.release()) != 0) {
      return Status::Internal("写入导出文件失败");
    }
    return Status::Ok();
  }

 private:
  Status Flush(bool always) {
    if (!always && line_.size() < (1 << 20)) {
      return Status::Ok();
    }
    if (std::fwrite(line_.data(), 1, line_.size(), csv_.get()) != line_.size()) {
      return Status::Internal("写入导出文件失败（磁盘已满？）");
    }
    line_.clear();
    return Status::Ok();
  }

  ExportFormat format_;
  std::string path_;
  std::string title_;
  std::vector<std::string> subtitle_lines_;
  JobProgress& progress_;
  std::unique_ptr<io::XlsxStreamWriter> xlsx_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv_{nullptr, &std::fclose};
  std::string line_;
  std::vector<std::string> cells_;
  int64_t rows_ = 0;
};

}  // namespace

std::optional<ExportKind> ParseExportKind(const std::string& text) {
  if (text == "summary") {
    return ExportKind::kSummary;
  }
  if (text == "units") {
    return ExportKind::kUnits;
  }
  if (text == "yoy") {
    return ExportKind::kYoy;
  }
  if (text == "changes") {
    return ExportKind::kChanges;
  }
  return std::nullopt;
}

std::optional<ExportFormat> ParseExportFormat(const std::string& text) {
  if (text == "xlsx") {
    return ExportFormat::kXlsx;
  }
  if (text == "csv") {
    return ExportFormat::kCsv;
  }
  if (text == "pdf") {
    return ExportFormat::kPdf;
  }
  return std::nullopt;
}

const char* ExportFormatExtension(ExportFormat format) {
  switch (format) {
    case ExportFormat::kXlsx:
      return "xlsx";
    case ExportFormat::kCsv:
      return "csv";
    case ExportFormat::kPdf:
      return "pdf";
  }
  return "bin";
}

const char* ExportFormatContentType(ExportFormat format) {
  switch (format) {
    case ExportFormat::kXlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case ExportFormat::kCsv:
      return "text/csv; charset=utf-8";
    case ExportFormat::kPdf:
      return "application/pdf";
  }
  return "application/octet-stream";
}

io::Table SummaryTable(const json& a) {
  io::Table t;
  t.title =
      a["layout"].is_object()
          ? fmt::format("{} {} {}", Text(a["form"]), Text(a["period"]), Text(a["layout"]["title"]))
          : fmt::format("{} {} 汇总表", Text(a["form"]), Text(a["period"]));
  t.subtitle_lines = {fmt::format("范围：{}；状态：{}", Text(a["node"]["name"]), Text(a["state"]))};
  t.columns = {"层级", "项目"};
  t.numeric_columns = {true, false};
  DimensionColumns(a, t);
  t.columns.emplace_back("单位数");
  t.numeric_columns.push_back(true);
  for (const auto& ind : a["indicators"]) {
    for (const char* m : {"合计", "有值单位数", "平均", "占比"}) {
      t.columns.push_back(fmt::format("{} {}", IndicatorLabel(ind), m));
      t.numeric_columns.push_back(true);
    }
  }
  for (const auto& r : a["rows"]) {
    std::vector<std::string> cells = {std::to_string(r["level"].get<int>()), Text(r["label"])};
    DimensionCells(a, r, cells);
    cells.push_back(NumberText(r["units"]));
    for (const auto& c : r["cells"]) {
      for (const char* m : {"sum", "count", "mean", "share"}) {
        cells.push_back(NumberText(c[m]));
      }
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

io::Table YoyTable(const json& a) {
  io::Table t;
  t.title =
      fmt::format("{} {} 与 {} 同比", Text(a["form"]), Text(a["period"]), Text(a["base_period"]));
  t.subtitle_lines = {fmt::format("范围：{}；口径：{}", Text(a["node"]["name"]),
                                  Text(a["basis"]) == "all" ? "全部单位" : "可比单位")};
  t.columns = {"层级", "项目"};
  t.numeric_columns = {true, false};
  DimensionColumns(a, t);
  t.columns.insert(t.columns.end(), {"本期单位数", "上期单位数"});
  t.numeric_columns.insert(t.numeric_columns.end(), {true, true});
  for (const auto& ind : a["indicators"]) {
    for (const char* m : {"本期", "上期", "增减", "增减（%）"}) {
      t.columns.push_back(fmt::format("{} {}", IndicatorLabel(ind), m));
      t.numeric_columns.push_back(true);
    }
  }
  for (const auto& r : a["rows"]) {
    std::vector<std::string> cells = {std::to_string(r["level"].get<int>()), Text(r["label"])};
    DimensionCells(a, r, cells);
    cells.push_back(NumberText(r["units_current"]));
    cells.push_back(NumberText(r["units_previous"]));
    for (const auto& c : r["cells"]) {
      for (const char* m : {"current", "previous", "change", "change_pct"}) {
        cells.push_back(NumberText(c[m]));
      }
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

io::Table UnitsTable(const analytics::SummaryQuery& q, const json& a) {
  io::Table t;
  t.title = fmt::format("{} {} 单位清单", q.form, q.period);
  t.subtitle_lines = {fmt::format("共 {} 家", a["total"].get<int64_t>())};
  t.columns = {"报表编号", "单位编号", "单位名称", "统一社会信用代码", "状态"};
  t.numeric_columns = {true, true, false, false, false};
  for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
    const auto dim = static_cast<analytics::Dimension>(d);
    // Machine-readable codes under the dimension's code name, so the file loads as data.
    t.columns.emplace_back(analytics::DimensionCode(dim));
    t.numeric_columns.push_back(false);
  }
  for (const auto& ind : a["indicators"]) {
    t.columns.push_back(Text(ind["code"]));
    t.numeric_columns.push_back(true);
  }
  for (const auto& it : a["items"]) {
    std::vector<std::string> cells = {NumberText(it["filing_id"]), NumberText(it["unit_id"]),
                                      Text(it["name"]), Text(it["uscc"]), Text(it["state"])};
    for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
      cells.push_back(
          Text(it["keys"][analytics::DimensionCode(static_cast<analytics::Dimension>(d))]["code"]));
    }
    for (const auto& v : it["values"]) {
      cells.push_back(NumberText(v));
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

io::Table ChangesTable(const analytics::SummaryQuery& q, const json& a) {
  io::Table t;
  t.title = fmt::format("{} {} 指标 {} 同比大幅变动清单（对比 {}）", q.form, q.period,
                        Text(a["indicator"]), Text(a["base_period"]));
  t.subtitle_lines = {
      fmt::format("变动幅度 ≥ {}%，共 {} 家", q.threshold, a["total"].get<int64_t>())};
  t.columns = {"报表编号", "单位名称", "统一社会信用代码", "本期", "上期", "增减", "增减（%）"};
  t.numeric_columns = {true, false, false, true, true, true, true};
  for (const auto& it : a["items"]) {
    t.rows.push_back({NumberText(it["filing_id"]), Text(it["name"]), Text(it["uscc"]),
                      NumberText(it["current"]), NumberText(it["previous"]),
                      NumberText(it["change"]), NumberText(it["change_pct"])});
  }
  return t;
}

std::string ExportBaseName(ExportKind kind, const analytics::SummaryQuery& q) {
  switch (kind) {
    case ExportKind::kSummary:
      return fmt::format("汇总表-{}-{}", q.form, q.period);
    case ExportKind::kUnits:
      return fmt::format("单位清单-{}-{}", q.form, q.period);
    case ExportKind::kYoy:
      return fmt::format("同比-{}-{}", q.form, q.period);
    case ExportKind::kChanges:
      return fmt::format("大幅变动-{}-{}", q.form, q.period);
  }
  return "导出";
}

Result<std::string> WriteTable(const io::Table& table, ExportFormat format) {
  switch (format) {
    case ExportFormat::kXlsx:
      return io::WriteTableXlsx(table);
    case ExportFormat::kCsv:
      return io::WriteTableCsv(table);
    case ExportFormat::kPdf:
      return io::RenderTablePdf(table);
  }
  return Status::Internal("未知的导出格式");
}

Exports::Exports(analytics::Summaries& summaries, Jobs& jobs, const Clock& clock)
    : summaries_(summaries), jobs_(jobs), clock_(clock) {}

Result<json> Exports::Start(const identity::Principal& who, ExportKind kind, ExportFormat format,
                            analytics::SummaryQuery q) {
  q.offset = 0;
  q.limit = analytics::Summaries::kMaxListRows;
  HUOJU_RETURN_IF_ERROR(summaries_.Validate(who, q));
  const std::string name = ExportBaseName(kind, q);
  const std::string file_name = name + "." + ExportFormatExtension(format);
  auto principal = std::make_shared<const identity::Principal>(who);
  JobWork work = [this, principal, kind, format, q, name, file_name](
                     JobProgress& progress, const std::string& path) -> Result<JobFile> {
    const std::string made_at = "生成时间：" + FormatBeijingMinutes(clock_.NowMillis());
    JobFile file{path, ExportFormatContentType(format), file_name};
    progress.Stage("读取数据");
    if (kind == ExportKind::kUnits && format != ExportFormat::kPdf) {
      UnitListFile out(format, path, fmt::format("{} {} 单位清单", q.form, q.period), {made_at},
                       progress);
      HUOJU_RETURN_IF_ERROR(summaries_.ForEachUnit(
          *principal, q,
          [&](const json& indicators, size_t total) { return out.Begin(indicators, total); },
          [&](const analytics::UnitListRow& row) { return out.Row(row); }));
      HUOJU_RETURN_IF_ERROR(out.Finish());
      return file;
    }
    io::Table table;
    switch (kind) {
      case ExportKind::kSummary: {
        HUOJU_ASSIGN_OR_RETURN(auto a, summaries_.Summary(*principal, q));
        table = SummaryTable(a);
        break;
      }
      case ExportKind::kYoy: {
        HUOJU_ASSIGN_OR_RETURN(auto a, summaries_.YearOnYear(*principal, q));
        table = YoyTable(a);
        break;
      }
      case ExportKind::kChanges: {
        HUOJU_ASSIGN_OR_RETURN(auto a, summaries_.LargeChanges(*principal, q));
        table = ChangesTable(q, a);
        break;
      }
      case ExportKind::kUnits: {
        analytics::SummaryQuery first = q;
        first.limit = static_cast<int64_t>(kMaxPdfListRows);
        HUOJU_ASSIGN_OR_RETURN(auto a, summaries_.Units(*principal, first));
        if (a["total"].get<size_t>() > kMaxPdfListRows) {
          return Status::InvalidField(
              "format", fmt::format("清单共 {} 行，超过 PDF 的 {} 行上限，请导出 Excel 或 CSV",
                                    a["total"].get<size_t>(), kMaxPdfListRows));
        }
        table = UnitsTable(q, a);
        break;
      }
    }
    if (progress.cancelled()) {
      return JobProgress::Cancelled();
    }
    table.subtitle_lines.push_back(made_at);
    progress.Stage("写入文件", 1);
    HUOJU_ASSIGN_OR_RETURN(auto bytes, WriteTable(table, format));
    HUOJU_RETURN_IF_ERROR(WriteFile(path, bytes));
    progress.Advance();
    return file;
  };
  return jobs_.Start(who.account_id, "export", file_name, std::move(work));
}

}  // namespace huoju::app
