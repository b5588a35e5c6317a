// The summary routes (docs/api.md "Summaries"). Handlers translate the query string to an
// analytics::SummaryQuery (refusing unknown parameters by name) and the answers to tables for
// the CSV and Excel downloads; every decision is made in analytics::Summaries.
#include "src/http/summary_api.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "huoju/app/exports.hpp"
#include "huoju/core/clock.hpp"
#include "huoju/http/input.hpp"

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
      allowed.insert({"by", "layout"});
      break;
    case Kind::kUnits:
      allowed.insert({"sort", "offset", "limit"});
      for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
        allowed.insert(analytics::DimensionCode(static_cast<analytics::Dimension>(d)));
      }
      break;
    case Kind::kYoy:
      allowed.insert({"by", "base_period", "basis", "layout"});
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
  if (!format.empty() && !app::ParseExportFormat(format)) {
    return Status::InvalidField("format", "导出格式应为 xlsx、csv 或 pdf");
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
  s.layout = get("layout");
  s.indicator = get("indicator");
  HUOJU_ASSIGN_OR_RETURN(s.node, QueryInt(q, "node", "机构", 0, 0, 999'999'999'999));
  HUOJU_ASSIGN_OR_RETURN(s.threshold, QueryNumber(q, "threshold", "变动幅度（%）", 50));
  HUOJU_ASSIGN_OR_RETURN(s.min_value, QueryNumber(q, "min_value", "最小值", 0));
  HUOJU_ASSIGN_OR_RETURN(s.offset, QueryInt(q, "offset", "偏移", 0, 0, 100'000'000));
  HUOJU_ASSIGN_OR_RETURN(s.limit, QueryInt(q, "limit", "每页条数", 50, 1, 200));
  if (kind == Kind::kUnits) {
    for (size_t d = 0; d < analytics::kDimensionCount; ++d) {
      const std::string code = analytics::DimensionCode(static_cast<analytics::Dimension>(d));
      // `state` is the state filter (a drill-down from a state row passes that state as the
      // filter), never also a dimension key: the two would contradict each other.
      if (code != "state" && q.count(code) != 0) {
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

Result<Response> Download(const io::Table& table, const std::string& format,
                          const std::string& name) {
  const auto kind = app::ParseExportFormat(format);
  Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Disposition", AttachmentDisposition(name + "." + format));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.content_type = app::ExportFormatContentType(*kind);
  HUOJU_ASSIGN_OR_RETURN(r.body, app::WriteTable(table, *kind));
  return r;
}

Result<Response> Summary(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kSummary, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().Summary(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(app::SummaryTable(a), format, app::ExportBaseName(app::ExportKind::kSummary, q));
}

Result<Response> Units(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kUnits, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().Units(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(app::UnitsTable(q, a), format, app::ExportBaseName(app::ExportKind::kUnits, q));
}

Result<Response> Yoy(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kYoy, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().YearOnYear(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(app::YoyTable(a), format, app::ExportBaseName(app::ExportKind::kYoy, q));
}

Result<Response> Changes(Context& c) {
  std::string format;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(c.request, Kind::kChanges, format));
  HUOJU_ASSIGN_OR_RETURN(auto a, c.app.summaries().LargeChanges(*c.who, q));
  if (format.empty()) {
    return Response::Json(200, a);
  }
  return Download(app::ChangesTable(q, a), format,
                  app::ExportBaseName(app::ExportKind::kChanges, q));
}

// POST /api/v1/exports?what=summary|units|yoy|changes&format=xlsx|csv|pdf&<the route's query>:
// the same export as a background job (202 with the job; poll /api/v1/jobs/:id).
Result<Response> StartExport(Context& c) {
  Request inner = c.request;
  const auto what_it = inner.query.find("what");
  const std::string what = what_it == inner.query.end() ? std::string() : what_it->second;
  const auto kind = app::ParseExportKind(what);
  if (!kind) {
    return Status::InvalidField(
        "what",
        "导出内容应为 summary（汇总表）、units（单位清单）、yoy（同比）或 changes（大幅变动）");
  }
  inner.query.erase("what");
  if (inner.query.count("format") == 0 || inner.query["format"].empty()) {
    return Status::InvalidField("format", "请选择导出格式：xlsx、csv 或 pdf");
  }
  std::string format;
  const Kind k = *kind == app::ExportKind::kSummary ? Kind::kSummary
                 : *kind == app::ExportKind::kUnits ? Kind::kUnits
                 : *kind == app::ExportKind::kYoy   ? Kind::kYoy
                                                    : Kind::kChanges;
  HUOJU_ASSIGN_OR_RETURN(auto q, ParseSummaryQuery(inner, k, format));
  HUOJU_ASSIGN_OR_RETURN(auto job,
                         c.app.exports().Start(*c.who, *kind, *app::ParseExportFormat(format), q));
  return Response::Json(202, job);
}

}  // namespace

void AddSummaryRoutes(Router& r) {
  r.Add({Method::kPost, "/api/v1/exports", true, Action::kViewProgress, StartExport, false});
  auto add = [&](const char* pattern, Handler h) {
    r.Add({Method::kGet, pattern, true, Action::kViewProgress, std::move(h), false});
  };
  add("/api/v1/summaries", Summary);
  add("/api/v1/summaries/units", Units);
  add("/api/v1/summaries/yoy", Yoy);
  add("/api/v1/summaries/yoy/changes", Changes);
}

}  // namespace huoju::http
