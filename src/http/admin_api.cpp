// Administration: org edits, accounts, audit log. Handlers only translate HTTP to application
// calls; scope and validation are decided in app::Administration.
#include "src/http/admin_api.hpp"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "huoju/http/input.hpp"
#include "huoju/io/spreadsheet.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::http {
namespace {

using identity::Action;
using nlohmann::json;

constexpr int64_t kMaxExportRows = 100'000;
constexpr size_t kExportsPerMinute = 10;

// Exports read up to kMaxExportRows rows and build a workbook: each account may start
// kExportsPerMinute of them a minute (this process), so a loop cannot starve the workers.
Status AdmitExport(int64_t account_id) {
  static std::mutex mu;
  static std::unordered_map<int64_t, std::deque<std::chrono::steady_clock::time_point>> recent;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu);
  auto& times = recent[account_id];
  while (!times.empty() && now - times.front() > std::chrono::minutes(1)) {
    times.pop_front();
  }
  if (times.size() >= kExportsPerMinute) {
    return Status(ErrorCode::kRateLimited, "导出过于频繁，请一分钟后再试");
  }
  times.push_back(now);
  return Status::Ok();
}

Result<Response> Ok(Result<json> r, int status = 200) {
  if (!r.ok()) {
    return r.status();
  }
  return Response::Json(status, *r);
}

std::string Query(const Context& c, const std::string& name) {
  auto it = c.request.query.find(name);
  return it == c.request.query.end() ? std::string() : it->second;
}

// A positive id from the query, 0 when absent.
Result<int64_t> QueryId(const Context& c, const std::string& name, const std::string& label) {
  const std::string v = Query(c, name);
  if (v.empty()) {
    return int64_t{0};
  }
  int64_t out = 0;
  for (char ch : v) {
    if (ch < '0' || ch > '9' || out > 100'000'000'000'000LL) {
      return Status::InvalidField(name, fmt::format("{}应为正整数编号", label));
    }
    out = out * 10 + (ch - '0');
  }
  if (out <= 0) {
    return Status::InvalidField(name, fmt::format("{}应为正整数编号", label));
  }
  return out;
}

Result<std::optional<int>> QueryDate(const Context& c, const std::string& name,
                                     const std::string& label) {
  const std::string v = Query(c, name);
  if (v.empty()) {
    return std::optional<int>();
  }
  auto days = rules::ParseDate(v);
  if (!days) {
    return Status::InvalidField(name, fmt::format("{}应为日期，格式 YYYY-MM-DD", label));
  }
  return days;
}

Result<Response> MoveNode(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"parent_id", "reason"}));
  HUOJU_ASSIGN_OR_RETURN(int64_t parent, body.RequiredInt("parent_id", "新的上级机构"));
  HUOJU_ASSIGN_OR_RETURN(std::string reason, body.RequiredString("reason", "调整原因", 500));
  return Ok(c.app.administration().MoveNode(*c.who, id, parent, reason, c.Origin()));
}

Result<Response> MergeNode(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"into_id", "reason"}));
  HUOJU_ASSIGN_OR_RETURN(int64_t into, body.RequiredInt("into_id", "合并到的单位"));
  HUOJU_ASSIGN_OR_RETURN(std::string reason, body.RequiredString("reason", "合并原因", 500));
  return Ok(c.app.administration().MergeUnit(*c.who, id, into, reason, c.Origin()));
}

Result<Response> CloseOrReopen(Context& c, bool closed) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"reason"}));
  HUOJU_ASSIGN_OR_RETURN(std::string reason,
                         body.RequiredString("reason", closed ? "关闭原因" : "恢复原因", 500));
  return Ok(c.app.administration().SetNodeClosed(*c.who, id, closed, reason, c.Origin()));
}

Result<Response> NodeHistory(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.administration().NodeHistory(*c.who, id));
}

Result<Response> ListAccounts(Context& c) {
  app::AccountQuery q;
  HUOJU_ASSIGN_OR_RETURN(q.page, PageFromQuery(c.request));
  q.q = Query(c, "q");
  auto len = Utf8Length(q.q);
  if (!len || *len > 50) {
    return Status::InvalidField("q", "搜索内容不能超过 50 个字符");
  }
  q.role = Query(c, "role");
  q.status = Query(c, "status");
  HUOJU_ASSIGN_OR_RETURN(q.node, QueryId(c, "node", "机构"));
  return Ok(c.app.administration().ListAccounts(*c.who, q));
}

Result<Response> GetAccount(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.administration().GetAccount(*c.who, id));
}

Result<Response> CreateAccount(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"username", "display_name", "role",
                                                                "scope_node_id", "password"}));
  app::NewAccountRequest a;
  HUOJU_ASSIGN_OR_RETURN(a.username, body.RequiredString("username", "用户名", 32));
  HUOJU_ASSIGN_OR_RETURN(a.display_name, body.RequiredString("display_name", "姓名", 50));
  HUOJU_ASSIGN_OR_RETURN(a.role, body.RequiredString("role", "角色", 16));
  HUOJU_ASSIGN_OR_RETURN(a.scope_node_id, body.RequiredInt("scope_node_id", "管辖范围"));
  HUOJU_ASSIGN_OR_RETURN(a.password, body.RequiredString("password", "初始密码", 128));
  return Ok(c.app.administration().CreateAccount(*c.who, a, c.Origin()), 201);
}

Result<Response> UpdateAccount(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(
      auto body, JsonBody::Parse(c.request, {"display_name", "role", "scope_node_id", "status",
                                             "must_change_password"}));
  app::AccountChanges ch;
  if (!body.Raw("display_name").is_null()) {
    HUOJU_ASSIGN_OR_RETURN(ch.display_name, body.RequiredString("display_name", "姓名", 50));
  }
  if (!body.Raw("role").is_null()) {
    HUOJU_ASSIGN_OR_RETURN(ch.role, body.RequiredString("role", "角色", 16));
  }
  if (!body.Raw("scope_node_id").is_null()) {
    HUOJU_ASSIGN_OR_RETURN(ch.scope_node_id, body.RequiredInt("scope_node_id", "管辖范围"));
  }
  if (!body.Raw("status").is_null()) {
    HUOJU_ASSIGN_OR_RETURN(ch.status, body.RequiredString("status", "状态", 16));
  }
  if (!body.Raw("must_change_password").is_null()) {
    HUOJU_ASSIGN_OR_RETURN(ch.must_change_password,
                           body.RequiredBool("must_change_password", "要求修改密码"));
  }
  return Ok(c.app.administration().UpdateAccount(*c.who, id, ch, c.Origin()));
}

Result<Response> AuditLog(Context& c) {
  app::AuditQuery q;
  HUOJU_ASSIGN_OR_RETURN(auto page, PageFromQuery(c.request));
  q.offset = page.offset;
  q.limit = page.limit;
  HUOJU_ASSIGN_OR_RETURN(q.user, QueryId(c, "user", "用户"));
  HUOJU_ASSIGN_OR_RETURN(q.unit, QueryId(c, "unit", "机构"));
  q.action = Query(c, "action");
  if (q.action.size() > 64) {
    return Status::InvalidField("action", "操作代码不能超过 64 个字符");
  }
  HUOJU_ASSIGN_OR_RETURN(q.from_day, QueryDate(c, "from", "开始日期"));
  HUOJU_ASSIGN_OR_RETURN(q.to_day, QueryDate(c, "to", "结束日期"));
  const std::string format = Query(c, "format");
  if (!format.empty() && format != "json" && format != "csv" && format != "xlsx") {
    return Status::InvalidField("format", "导出格式应为 json、csv 或 xlsx");
  }
  if (format.empty() || format == "json") {
    return Ok(c.app.administration().AuditLog(*c.who, q));
  }
  HUOJU_RETURN_IF_ERROR(AdmitExport(c.who->account_id));
  HUOJU_ASSIGN_OR_RETURN(json all, c.app.administration().AuditLog(*c.who, q, kMaxExportRows));
  io::Table table;
  table.title = "审计日志";
  table.subtitle_lines = {fmt::format("共 {} 条", all["total"].get<int64_t>())};
  table.columns = {"编号",     "时间",     "操作", "操作人编号", "操作人", "对象类型",
                   "对象编号", "机构编号", "机构", "来源地址",   "详情"};
  table.numeric_columns = {true,  false, false, true,  false, false,
                           false, true,  false, false, false};
  for (const auto& it : all["items"]) {
    table.rows.push_back(
        {std::to_string(it["id"].get<int64_t>()), it["at"].get<std::string>(),
         it["action"].get<std::string>(), std::to_string(it["actor"]["id"].get<int64_t>()),
         it["actor"]["username"].get<std::string>(), it["object_type"].get<std::string>(),
         it["object_id"].get<std::string>(), std::to_string(it["org_node"]["id"].get<int64_t>()),
         it["org_node"]["name"].get<std::string>(), it["client_address"].get<std::string>(),
         it["detail"].dump()});
  }
  Response r;
  r.status = 200;
  if (format == "csv") {
    r.content_type = "text/csv; charset=utf-8";
    r.body = io::WriteTableCsv(table);
  } else {
    HUOJU_ASSIGN_OR_RETURN(r.body, io::WriteTableXlsx(table));
    r.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  r.headers.emplace_back("Content-Disposition", AttachmentDisposition("审计日志." + format));
  return r;
}

}  // namespace

void AddAdminRoutes(Router& r) {
  auto add = [&](Method m, const char* pattern, Action action, Handler h) {
    r.Add({m, pattern, true, action, std::move(h), false});
  };
  add(Method::kPost, "/api/v1/org/nodes/:id/move", Action::kEditOrg, MoveNode);
  add(Method::kPost, "/api/v1/org/nodes/:id/merge", Action::kEditOrg, MergeNode);
  add(Method::kPost, "/api/v1/org/nodes/:id/close", Action::kEditOrg,
      [](Context& c) { return CloseOrReopen(c, true); });
  add(Method::kPost, "/api/v1/org/nodes/:id/reopen", Action::kEditOrg,
      [](Context& c) { return CloseOrReopen(c, false); });
  add(Method::kGet, "/api/v1/org/nodes/:id/history", Action::kEditOrg, NodeHistory);
  add(Method::kGet, "/api/v1/accounts", Action::kManageAccounts, ListAccounts);
  add(Method::kPost, "/api/v1/accounts", Action::kManageAccounts, CreateAccount);
  add(Method::kGet, "/api/v1/accounts/:id", Action::kManageAccounts, GetAccount);
  add(Method::kPatch, "/api/v1/accounts/:id", Action::kManageAccounts, UpdateAccount);
  add(Method::kGet, "/api/v1/audit-log", Action::kViewAuditLog, AuditLog);
}

}  // namespace huoju::http
