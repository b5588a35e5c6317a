// The summary routes (docs/api.md "Summaries"). Handlers translate the query string to an
// analytics::SummaryQuery (refusing unknown parameters by name) and the answers to tables for
// the CSV and Excel downloads; every decision is made in analytics::Summaries.
#include "src/http/summary_api.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "huoju/core/clock.hpp"
#include "huoju/http/input.hpp"
#include "huoju/io/spreadsheet.hpp"

namespace huoju::http {
namespace {

using analytics::SummaryQuery;
using identity::Action;
using nlohmann::json;

enum class Kind { kSummary, kUnits, kYoy, kChanges };

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    if (end > start) {
      out.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

Result<double> QueryNumber(const std::map<std::string, std::string>& query, const std::string& name,
                           const std::string& label, double fallback) {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) {
    return fallback;
  }
  double v = 0;
  const std::string& t = it->second;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v) || v < 0) {
    return Status::InvalidField(name, fmt::format("{}应为不小于 0 的数", label));
  }
  return v;
}

Result<int64_t> QueryInt(const std::map<std::string, std::string>& query, const std::string& name,
                         const std::string& label, int64_t fallback, int64_t min, int64_t max) {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) {
    return fallback;
  }
  int64_t v = 0;
  const std::string& t = it->second;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || v < min || v > max) {
    return Status::InvalidField(name, fmt::format("{}应为 {} 到 {} 之间的整数", label, min, max));
  }
  return v;
}

// The query of one route, every parameter checked; `format` gets csv, xlsx or "".
Result<SummaryQuery> ParseSummaryQuery(const Request& request, Kind kind, std::string& format) {
  const auto& q = request.query;
  std::set<std::string> allowed = {"form", "period", "indicators", "state", "node", "format"};
  switch (kind) {
    case Kind::kSummary:
      allowed.insert("by");
      break;
    case Kind::kUnits:
      allowed.insert({"sort", "offset", "limit"});
      for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
        allowed.insert(analytics::DimensionCode(static_cast<analytics::Dimension>(d)));
      }
      break;
    case Kind::kYoy:
      allowed.insert({"by", "base_period", "basis"});
      break;
    case Kind::kChanges:
      allowed.insert({"base_period", "indicator", "threshold", "min_value", "offset", "limit"});
      allowed.erase("indicators");
      break;
  }
  for (const auto& [name, value] : q) {
    if (allowed.count(name) == 0) {
      return Status::InvalidField(name, fmt::format("不支持的查询参数“{}”", name));
    }
    if (value.size() > 4096) {
      return Status::InvalidField(name, fmt::format("参数“{}”过长", name));
    }
  }
  auto get = [&](const std::string& name) {
    auto it = q.find(name);
    return it == q.end() ? std::string() : it->second;
  };
  format = get("format");
  if (!format.empty() && format != "csv" && format != "xlsx") {
    return Status::InvalidField("format", "导出格式应为 csv 或 xlsx");
  }
  SummaryQuery s;
  s.form = get("form");
  s.period = get("period");
  s.base_period = get("base_period");
  s.by = SplitList(get("by"));
  s.indicators = SplitList(get("indicators"));
  if (q.count("state") != 0) {
    s.state = get("state");
  }
  if (q.count("basis") != 0) {
    s.basis = get("basis");
  }
  s.sort = get("sort");
  s.indicator = get("indicator");
  HUOJU_ASSIGN_OR_RETURN(s.node, QueryInt(q, "node", "机构", 0, 0, 999'999'999'999));
  HUOJU_ASSIGN_OR_RETURN(s.threshold, QueryNumber(q, "threshold", "变动幅度（%）", 50));
  HUOJU_ASSIGN_OR_RETURN(s.min_value, QueryNumber(q, "min_value", "最小值", 0));
  HUOJU_ASSIGN_OR_RETURN(s.offset, QueryInt(q, "offset", "偏移", 0, 0, 100'000'000));
  HUOJU_ASSIGN_OR_RETURN(s.limit, QueryInt(q, "limit", "每页条数", 50, 1, 200));
  if (kind == Kind::kUnits) {
    for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
      const std::string code = analytics::DimensionCode(static_cast<analytics::Dimension>(d));
      if (q.count(code) != 0) {
        s.keys[code] = get(code);
      }
    }
  }
  if (!format.empty()) {  // a download holds every row
    s.offset = 0;
    s.limit = analytics::Summaries::kMaxListRows;
  }
  return s;
}

// RFC 5987 file name, so Chinese names survive every browser.
std::string ContentDisposition(const std::string& file_name) {
  std::string encoded;
  for (unsigned char ch : file_name) {
    if (std::isalnum(ch) != 0 || ch == '.' || ch == '-' || ch == '_') {
      encoded += static_cast<char>(ch);
    } else {
      encoded += fmt::format("%{:02X}", ch);
    }
  }
  return fmt::format("attachment; filename=\"download\"; filename*=UTF-8''{}", encoded);
}

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

Result<Response> Download(const io::Table& table, const std::string& format,
                          const std::string& name) {
  Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Disposition", ContentDisposition(name + "." + format));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (format == "csv") {
    r.content_type = "text/csv; charset=utf-8";
    r.body = io::WriteTableCsv(table);
    return r;
  }
  HUOJU_ASSIGN_OR_RETURN(r.body, io::WriteTableXlsx(table));
  r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  return r;
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

io::Table SummaryTable(const json& a) {
  io::Table t;
  t.title = fmt::format("{} {} 汇总表", Text(a["form"]), Text(a["period"]));
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

io::Table UnitsTable(const SummaryQuery& q, const json& a) {
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

io::Table ChangesTable(const SummaryQuery& q, const json& a) {
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

Result<Response> Summary(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kSummary, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().Summary(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(SummaryTable(a), format, fmt::format("汇总表-{}-{}", q.form, q.period));
}

Result<Response> Units(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kUnits, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().Units(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(UnitsTable(q, a), format, fmt::format("单位清单-{}-{}", q.form, q.period));
}

Result<Response> Yoy(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kYoy, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().YearOnYear(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(YoyTable(a), format, fmt::format("同比-{}-{}", q.form, q.period));
}

Result<Response> Changes(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kChanges, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().LargeChanges(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(ChangesTable(q, a), format, fmt::format("大幅变动-{}-{}", q.form, q.period));
}

}  // namespace

void AddSummaryRoutes(Router& r) {
  auto add = [&](const char* pattern, Handler h) {
    r.Add({Method::kGet, pattern, true, Action::kViewProgress, std::move(h), false});
  };
  add("/api/v1/summaries", Summary);
  add("/api/v1/summaries/units", Units);
  add("/api/v1/summaries/yoy", Yoy);
  add("/api/v1/summaries/yoy/changes", Changes);
}

}  // namespace huoju::http
