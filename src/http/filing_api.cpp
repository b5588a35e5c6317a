// The survey workflow routes (docs/api.md "Filings"). Handlers only translate HTTP to
// app::Filings calls; every decision is made there.
#include "src/http/filing_api.hpp"

#include <fmt/format.h>

#include <charconv>

#include "huoju/http/input.hpp"
#include "huoju/http/router.hpp"
#include "huoju/io/spreadsheet.hpp"

namespace huoju::http {
namespace {

using identity::Action;
using nlohmann::json;

Result<Response> Ok(Result<json> r) {
  if (!r.ok()) {
    return r.status();
  }
  return Response::Json(200, *r);
}

std::string Query(const Context& c, const std::string& name) {
  auto it = c.request.query.find(name);
  return it == c.request.query.end() ? std::string() : it->second;
}

Result<int64_t> QueryInt(const Context& c, const std::string& name, const std::string& label,
                         int64_t fallback, int64_t min, int64_t max) {
  const std::string text = Query(c, name);
  if (text.empty()) {
    return fallback;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) {
    return Status::InvalidField(name, fmt::format("{}应为 {} 到 {} 之间的整数", label, min, max));
  }
  return v;
}

Response FileResponse(std::string content_type, std::string bytes, const std::string& name) {
  Response r;
  r.status = 200;
  r.content_type = std::move(content_type);
  r.body = std::move(bytes);
  r.headers.emplace_back("Content-Disposition", AttachmentDisposition(name));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<Response> ListPeriods(Context& c) {
  return Ok(c.app.filings().ListPeriods(*c.who));
}

Result<Response> OpenPeriod(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"form_code", "period", "opens_on",
                                                                "due_on", "review_due_on"}));
  app::OpenPeriodRequest req;
  HUOJU_ASSIGN_OR_RETURN(req.form_code, body.RequiredString("form_code", "表号", 32));
  HUOJU_ASSIGN_OR_RETURN(req.period, body.RequiredString("period", "报告期", 16));
  HUOJU_ASSIGN_OR_RETURN(req.opens_on, body.OptionalDate("opens_on", "开始填报日期"));
  HUOJU_ASSIGN_OR_RETURN(req.due_on, body.OptionalDate("due_on", "填报截止日期"));
  HUOJU_ASSIGN_OR_RETURN(req.review_due_on, body.OptionalDate("review_due_on", "审核截止日期"));
  HUOJU_ASSIGN_OR_RETURN(auto created, c.app.filings().OpenPeriod(*c.who, req, c.Origin()));
  return Response::Json(201, created);
}

Result<Response> ExtendDeadline(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t period_id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(
      auto body, JsonBody::Parse(c.request, {"org_node_id", "due_on", "review_due_on", "reason"}));
  app::ExtensionRequest req;
  req.period_id = period_id;
  HUOJU_ASSIGN_OR_RETURN(req.org_node_id, body.RequiredInt("org_node_id", "延期范围"));
  HUOJU_ASSIGN_OR_RETURN(req.due_on, body.OptionalDate("due_on", "填报截止日期"));
  HUOJU_ASSIGN_OR_RETURN(req.review_due_on, body.OptionalDate("review_due_on", "审核截止日期"));
  HUOJU_ASSIGN_OR_RETURN(req.reason, body.OptionalText("reason", "延期原因", 500));
  HUOJU_ASSIGN_OR_RETURN(auto created, c.app.filings().ExtendDeadline(*c.who, req, c.Origin()));
  return Response::Json(201, created);
}

Result<Response> Tasks(Context& c) {
  return Ok(c.app.filings().MyTasks(*c.who));
}

Result<Response> Notifications(Context& c) {
  return Ok(c.app.filings().Notifications(*c.who));
}

Result<int64_t> YearParam(const Context& c) {
  auto it = c.params.find("year");
  int64_t year = 0;
  if (it != c.params.end()) {
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), year);
    if (ec != std::errc() || p != it->second.data() + it->second.size()) {
      year = 0;
    }
  }
  if (year < 2000 || year > 2100) {
    return Status::NotFound("该年度的报表目录不存在");
  }
  return year;
}

Result<Response> FormDefinition(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t year, YearParam(c));
  return Ok(c.app.filings().FormDefinition(*c.who, static_cast<int>(year), c.params["code"]));
}

Result<Response> CodeList(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t year, YearParam(c));
  const std::string q = Query(c, "q");
  const std::string parent = Query(c, "parent");
  if (q.size() > 100 || parent.size() > 32) {
    return Status::InvalidField("q", "搜索内容过长");
  }
  return Ok(
      c.app.filings().CodeListEntries(*c.who, static_cast<int>(year), c.params["id"], parent, q));
}

Result<Response> GetFiling(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.filings().Get(*c.who, id));
}

Result<Response> SaveFiling(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body,
                         JsonBody::Parse(c.request, {"version", "values", "explanations"}));
  app::SaveRequest req;
  HUOJU_ASSIGN_OR_RETURN(req.expected_version, body.RequiredInt("version", "数据版本"));
  HUOJU_ASSIGN_OR_RETURN(req.values, body.OptionalObject("values", "报表数据"));
  HUOJU_ASSIGN_OR_RETURN(req.explanations, body.OptionalObject("explanations", "审核说明"));
  return Ok(c.app.filings().Save(*c.who, id, req, c.Origin()));
}

Result<Response> Submit(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"version"}));
  HUOJU_ASSIGN_OR_RETURN(int64_t version, body.RequiredInt("version", "数据版本"));
  return Ok(c.app.filings().Submit(*c.who, id, version, c.Origin()));
}

Result<Response> Withdraw(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"reason"}));
  HUOJU_ASSIGN_OR_RETURN(auto reason, body.OptionalText("reason", "撤回原因", 500));
  return Ok(c.app.filings().Withdraw(*c.who, id, reason, c.Origin()));
}

Result<Response> Approve(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"version", "comment"}));
  HUOJU_ASSIGN_OR_RETURN(int64_t version, body.RequiredInt("version", "数据版本"));
  HUOJU_ASSIGN_OR_RETURN(auto comment, body.OptionalText("comment", "审核意见", 500));
  return Ok(c.app.filings().Approve(*c.who, id, version, comment, c.Origin()));
}

Result<Response> ReturnFiling(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"version", "reason", "pins"}));
  HUOJU_ASSIGN_OR_RETURN(int64_t version, body.RequiredInt("version", "数据版本"));
  HUOJU_ASSIGN_OR_RETURN(auto reason, body.OptionalText("reason", "退回原因", 500));
  std::vector<app::ReturnPin> pins;
  const json& raw = body.Raw("pins");
  if (!raw.is_null()) {
    if (!raw.is_array()) {
      return Status::InvalidField("pins", "标注的单元格应为列表");
    }
    for (size_t i = 0; i < raw.size(); ++i) {
      const auto& p = raw[i];
      const std::string field = fmt::format("pins[{}]", i);
      if (!p.is_object() || !p.contains("cell") || !p["cell"].is_string() ||
          (p.contains("message") && !p["message"].is_string())) {
        return Status::InvalidField(field, "每个标注应为 {cell, message}");
      }
      pins.push_back({p["cell"].get<std::string>(), p.value("message", std::string())});
    }
  }
  return Ok(c.app.filings().Return(*c.who, id, version, reason, pins, c.Origin()));
}

Result<Response> Reopen(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"reason"}));
  HUOJU_ASSIGN_OR_RETURN(auto reason, body.OptionalText("reason", "重新打开原因", 500));
  return Ok(c.app.filings().Reopen(*c.who, id, reason, c.Origin()));
}

Result<Response> JudgeExplanation(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"rule_id", "accepted", "comment"}));
  HUOJU_ASSIGN_OR_RETURN(auto rule_id, body.RequiredString("rule_id", "规则编号", 128));
  HUOJU_ASSIGN_OR_RETURN(bool accepted, body.RequiredBool("accepted", "是否认可"));
  HUOJU_ASSIGN_OR_RETURN(auto comment, body.OptionalText("comment", "审核意见", 500));
  return Ok(c.app.filings().JudgeExplanation(*c.who, id, rule_id, accepted, comment, c.Origin()));
}

Result<Response> History(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.filings().History(*c.who, id));
}

Result<Response> Diff(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(int64_t from, QueryInt(c, "from", "起始版本", 0, 0, 1'000'000));
  HUOJU_ASSIGN_OR_RETURN(int64_t to, QueryInt(c, "to", "目标版本", 0, 0, 1'000'000));
  return Ok(c.app.filings().Diff(*c.who, id, from, to));
}

Result<Response> Print(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto file, c.app.filings().Print(*c.who, id));
  return FileResponse(file.content_type, std::move(file.bytes), file.file_name);
}

Result<Response> UploadScan(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.filings().UploadScan(*c.who, id, c.request.body, c.Origin()));
}

Result<Response> GetScan(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto file, c.app.filings().Scan(*c.who, id));
  return FileResponse(file.content_type, std::move(file.bytes), file.file_name);
}

Result<Response> Queue(Context& c) {
  app::QueueQuery q;
  q.form_code = Query(c, "form");
  q.period = Query(c, "period");
  if (!Query(c, "state").empty()) {
    q.state = Query(c, "state");
  }
  q.unit_query = Query(c, "q");
  if (q.unit_query.size() > 150 || q.form_code.size() > 32 || q.period.size() > 16) {
    return Status::InvalidField("q", "查询条件过长");
  }
  HUOJU_ASSIGN_OR_RETURN(q.offset, QueryInt(c, "offset", "偏移", 0, 0, 100'000'000));
  HUOJU_ASSIGN_OR_RETURN(q.limit, QueryInt(c, "limit", "每页条数", 50, 1, 500));
  return Ok(c.app.filings().Queue(*c.who, q));
}

Result<Response> ApproveMany(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"ids", "versions"}));
  HUOJU_ASSIGN_OR_RETURN(auto ids, body.IdList("ids", "报表编号", 500));
  // The versions the reviewer saw, one per id (optional: the current ones).
  std::vector<int64_t> versions;
  if (!body.Raw("versions").is_null()) {
    HUOJU_ASSIGN_OR_RETURN(versions, body.IdList("versions", "数据版本", 500));
  }
  return Ok(c.app.filings().ApproveMany(*c.who, ids, versions, c.Origin()));
}

Result<Response> Progress(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t node, QueryInt(c, "node", "机构", 0, 0, 999'999'999'999));
  const std::string form = Query(c, "form");
  const std::string period = Query(c, "period");
  if (form.empty() || period.empty() || form.size() > 32 || period.size() > 16) {
    return Status::InvalidField("form", "请选择报表和报告期");
  }
  return Ok(c.app.filings().Progress(*c.who, form, period, node));
}

Result<Response> NonFilers(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t node, QueryInt(c, "node", "机构", 0, 0, 999'999'999'999));
  const std::string form = Query(c, "form");
  const std::string period = Query(c, "period");
  const std::string format = Query(c, "format");
  if (form.empty() || period.empty() || form.size() > 32 || period.size() > 16) {
    return Status::InvalidField("form", "请选择报表和报告期");
  }
  if (!format.empty() && format != "csv" && format != "xlsx") {
    return Status::InvalidField("format", "导出格式应为 csv 或 xlsx");
  }
  const bool exporting = !format.empty();
  HUOJU_ASSIGN_OR_RETURN(int64_t offset, QueryInt(c, "offset", "偏移", 0, 0, 100'000'000));
  HUOJU_ASSIGN_OR_RETURN(int64_t limit, QueryInt(c, "limit", "每页条数", 50, 1, 500));
  HUOJU_ASSIGN_OR_RETURN(
      auto page, c.app.filings().NonFilers(*c.who, form, period, node, exporting ? 0 : offset,
                                           exporting ? 100000 : limit));
  if (!exporting) {
    return Response::Json(200, page);
  }
  io::Table table;
  table.title = fmt::format("{} {} 未上报单位名单", form, period);
  table.subtitle_lines = {fmt::format("共 {} 家", page["total"].get<int64_t>())};
  table.columns = {"序号", "单位名称", "统一社会信用代码", "所属园区/地区",
                   "状态", "联系人",   "联系电话"};
  table.numeric_columns = {true, false, false, false, false, false, false};
  int64_t n = 0;
  for (const auto& it : page["items"]) {
    auto text = [](const json& j) { return j.is_string() ? j.get<std::string>() : ""; };
    table.rows.push_back({std::to_string(++n), text(it["unit"]["name"]), text(it["unit"]["uscc"]),
                          text(it["parent_name"]), text(it["state_name"]), text(it["contact_name"]),
                          text(it["contact_phone"])});
  }
  const std::string name = fmt::format("未上报单位-{}-{}.{}", form, period, format);
  if (format == "csv") {
    return FileResponse("text/csv; charset=utf-8", io::WriteTableCsv(table), name);
  }
  HUOJU_ASSIGN_OR_RETURN(auto xlsx, io::WriteTableXlsx(table));
  return FileResponse("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      std::move(xlsx), name);
}

Result<Response> Materials(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t node, QueryInt(c, "node", "机构", 0, 0, 999'999'999'999));
  const std::string form = Query(c, "form");
  const std::string period = Query(c, "period");
  const std::string format = Query(c, "format");
  if (form.size() > 32 || period.size() > 16) {
    return Status::InvalidField("form", "报表或报告期过长");
  }
  if (!format.empty() && format != "csv" && format != "xlsx" && format != "pdf") {
    return Status::InvalidField("format", "导出格式应为 csv、xlsx 或 pdf");
  }
  HUOJU_ASSIGN_OR_RETURN(auto m,
                         c.app.filings().Materials(*c.who, c.params["kind"], form, period, node));
  if (format.empty()) {
    return Response::Json(200, m);
  }
  io::Table table;
  table.title = m["title"].get<std::string>();
  for (const auto& line : m["subtitle_lines"]) {
    if (!line.get<std::string>().empty()) {
      table.subtitle_lines.push_back(line.get<std::string>());
    }
  }
  for (const auto& col : m["columns"]) {
    table.columns.push_back(col.get<std::string>());
  }
  for (const auto& n : m["numeric_columns"]) {
    table.numeric_columns.push_back(n.get<bool>());
  }
  for (const auto& row : m["rows"]) {
    std::vector<std::string> cells;
    for (const auto& cell : row) {
      cells.push_back(cell.is_string() ? cell.get<std::string>() : cell.dump());
    }
    table.rows.push_back(std::move(cells));
  }
  const std::string name = fmt::format("{}-{}-{}.{}", table.title, form, period, format);
  if (format == "csv") {
    return FileResponse("text/csv; charset=utf-8", io::WriteTableCsv(table), name);
  }
  if (format == "pdf") {
    HUOJU_ASSIGN_OR_RETURN(auto pdf, io::RenderTablePdf(table));
    return FileResponse("application/pdf", std::move(pdf), name);
  }
  HUOJU_ASSIGN_OR_RETURN(auto xlsx, io::WriteTableXlsx(table));
  return FileResponse("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      std::move(xlsx), name);
}

}  // namespace

void AddFilingRoutes(Router& r) {
  auto add = [&](Method m, const char* pattern, Action action, Handler h) {
    r.Add({m, pattern, true, action, std::move(h), false});
  };
  add(Method::kGet, "/api/v1/periods", Action::kViewOrg, ListPeriods);
  add(Method::kPost, "/api/v1/periods", Action::kManagePeriods, OpenPeriod);
  add(Method::kPost, "/api/v1/periods/:id/extensions", Action::kManagePeriods, ExtendDeadline);
  add(Method::kGet, "/api/v1/tasks", Action::kFillFiling, Tasks);
  add(Method::kGet, "/api/v1/notifications", Action::kViewOwnAccount, Notifications);
  add(Method::kGet, "/api/v1/catalog/:year/forms/:code", Action::kViewFiling, FormDefinition);
  add(Method::kGet, "/api/v1/catalog/:year/code-lists/:id", Action::kViewOrg, CodeList);
  add(Method::kGet, "/api/v1/filings/:id", Action::kViewFiling, GetFiling);
  add(Method::kPut, "/api/v1/filings/:id/data", Action::kFillFiling, SaveFiling);
  add(Method::kPost, "/api/v1/filings/:id/submit", Action::kFillFiling, Submit);
  add(Method::kPost, "/api/v1/filings/:id/withdraw", Action::kFillFiling, Withdraw);
  add(Method::kPost, "/api/v1/filings/:id/approve", Action::kReviewFiling, Approve);
  add(Method::kPost, "/api/v1/filings/:id/return", Action::kReviewFiling, ReturnFiling);
  add(Method::kPost, "/api/v1/filings/:id/reopen", Action::kReviewFiling, Reopen);
  add(Method::kPost, "/api/v1/filings/:id/explanation-decisions", Action::kReviewFiling,
      JudgeExplanation);
  add(Method::kGet, "/api/v1/filings/:id/history", Action::kViewFiling, History);
  add(Method::kGet, "/api/v1/filings/:id/diff", Action::kViewFiling, Diff);
  add(Method::kGet, "/api/v1/filings/:id/print", Action::kViewFiling, Print);
  add(Method::kPost, "/api/v1/filings/:id/scan", Action::kFillFiling, UploadScan);
  add(Method::kGet, "/api/v1/filings/:id/scan", Action::kViewFiling, GetScan);
  add(Method::kGet, "/api/v1/review/queue", Action::kReviewFiling, Queue);
  add(Method::kPost, "/api/v1/review/approve", Action::kReviewFiling, ApproveMany);
  add(Method::kGet, "/api/v1/progress", Action::kViewProgress, Progress);
  add(Method::kGet, "/api/v1/progress/non-filers", Action::kViewProgress, NonFilers);
  add(Method::kGet, "/api/v1/review/materials/:kind", Action::kViewProgress, Materials);
}

}  // namespace huoju::http
