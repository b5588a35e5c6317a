// The /api/v1 route table (docs/api.md). Handlers only translate HTTP to application calls.
#include <fmt/format.h>

#include "huoju/http/input.hpp"
#include "huoju/http/router.hpp"
#include "src/http/account_api.hpp"
#include "src/http/admin_api.hpp"
#include "src/http/filing_api.hpp"
#include "src/http/identity_api.hpp"
#include "src/http/job_api.hpp"
#include "src/http/summary_api.hpp"
#include "src/http/workbook_api.hpp"

namespace huoju::http {
namespace {

using identity::Action;

constexpr const char* kSessionCookie = "huoju_session";

Result<Response> Ok(Result<nlohmann::json> r) {
  if (!r.ok()) {
    return r.status();
  }
  return Response::Json(200, *r);
}

Result<Response> Health(Context&) {
  return Response::Json(200, {{"status", "ok"}});
}

Result<Response> Ready(Context& c) {
  Status st = c.app.db().Ping();
  if (!st.ok()) {
    return Status::Unavailable("数据库暂不可用");
  }
  return Response::Json(200, {{"status", "ready"}});
}

Result<Response> Version(Context& c) {
  return Response::Json(200, {{"version", HUOJU_VERSION}, {"database", c.app.db().backend_name()}});
}

Result<Response> Login(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"username", "password"}));
  HUOJU_ASSIGN_OR_RETURN(std::string username, body.RequiredString("username", "用户名", 64));
  HUOJU_ASSIGN_OR_RETURN(std::string password, body.RequiredString("password", "密码", 128));
  HUOJU_ASSIGN_OR_RETURN(auto login, c.app.sessions().Login(username, password, c.Origin()));
  Response r = Response::Json(
      200, {{"user", login.principal.ToJson()}, {"csrf_token", login.principal.csrf_token}});
  // Behind a TLS-terminating proxy the cookie must never travel over plain HTTP.
  const bool tls = c.request.Header("x-forwarded-proto") == "https";
  r.headers.emplace_back("Set-Cookie",
                         fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict{}", kSessionCookie,
                                     login.token, tls ? "; Secure" : ""));
  return r;
}

Result<Response> Logout(Context& c) {
  HUOJU_RETURN_IF_ERROR(c.app.sessions().Logout(*c.who, c.Origin()));
  Response r = Response::Json(200, {{"ok", true}});
  r.headers.emplace_back(
      "Set-Cookie",
      fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", kSessionCookie));
  return r;
}

Result<Response> Me(Context& c) {
  return Response::Json(200, {{"user", c.who->ToJson()}, {"csrf_token", c.who->csrf_token}});
}

Result<Response> OrgScope(Context& c) {
  return Ok(c.app.OrgScope(*c.who));
}

Result<Response> OrgNode(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.OrgNode(*c.who, id));
}

Result<Response> OrgChildren(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto page, PageFromQuery(c.request));
  HUOJU_ASSIGN_OR_RETURN(auto kind, KindFromQuery(c.request));
  return Ok(c.app.OrgChildren(*c.who, id, kind, page));
}

Result<Response> OrgPath(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.OrgPath(*c.who, id));
}

Result<Response> OrgSearch(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto page, PageFromQuery(c.request));
  HUOJU_ASSIGN_OR_RETURN(auto kind, KindFromQuery(c.request));
  auto it = c.request.query.find("q");
  std::string q = it == c.request.query.end() ? "" : it->second;
  auto len = Utf8Length(q);
  if (!len || *len < 1 || *len > 50) {
    return Status::InvalidField("q", "搜索内容应为 1 到 50 个字符");
  }
  return Ok(c.app.OrgSearch(*c.who, q, kind, page));
}

Result<Response> OrgCreate(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body,
                         JsonBody::Parse(c.request, {"parent_id", "kind", "name", "code", "uscc",
                                                     "region_code", "industry_code", "unit_type"}));
  org::NewNode n;
  HUOJU_ASSIGN_OR_RETURN(n.parent_id, body.RequiredInt("parent_id", "上级机构"));
  HUOJU_ASSIGN_OR_RETURN(std::string kind, body.RequiredString("kind", "机构类型", 16));
  auto parsed_kind = org::ParseNodeKind(kind);
  if (!parsed_kind) {
    return Status::InvalidField("kind", "机构类型应为 province、city、zone、registry 或 unit");
  }
  n.kind = *parsed_kind;
  HUOJU_ASSIGN_OR_RETURN(n.name, body.RequiredString("name", "名称", 100));
  HUOJU_ASSIGN_OR_RETURN(n.code, body.OptionalString("code", "代码", 32));
  HUOJU_ASSIGN_OR_RETURN(n.uscc, body.OptionalString("uscc", "统一社会信用代码", 18));
  HUOJU_ASSIGN_OR_RETURN(n.region_code, body.OptionalString("region_code", "行政区划代码", 6));
  HUOJU_ASSIGN_OR_RETURN(n.industry_code, body.OptionalString("industry_code", "行业代码", 4));
  HUOJU_ASSIGN_OR_RETURN(n.unit_type, body.OptionalString("unit_type", "单位类型", 32));
  HUOJU_ASSIGN_OR_RETURN(auto created, c.app.OrgCreate(*c.who, n, c.Origin()));
  return Response::Json(201, created);
}

}  // namespace

Router BuildApiRouter() {
  Router r;
  // `fast`: the handler only reads in-memory state and never blocks (Route::non_blocking).
  auto add = [&](Method m, const char* pattern, bool session, std::optional<Action> action,
                 Handler h, bool fast) {
    r.Add({m, pattern, session, action, std::move(h), fast});
  };
  constexpr bool kFast = true;
  constexpr bool kBlocking = false;
  add(Method::kGet, "/healthz", false, std::nullopt, Health, kFast);
  add(Method::kGet, "/readyz", false, std::nullopt, Ready, kBlocking);
  add(Method::kGet, "/api/v1/version", false, std::nullopt, Version, kFast);
  add(Method::kPost, "/api/v1/auth/login", false, std::nullopt, Login, kBlocking);
  add(Method::kPost, "/api/v1/auth/logout", true, Action::kViewOwnAccount, Logout, kBlocking);
  add(Method::kGet, "/api/v1/auth/me", true, Action::kViewOwnAccount, Me, kFast);
  add(Method::kGet, "/api/v1/org/scope", true, Action::kViewOrg, OrgScope, kFast);
  // Search scans a subtree (up to the whole country): a worker does it.
  add(Method::kGet, "/api/v1/org/search", true, Action::kViewOrg, OrgSearch, kBlocking);
  add(Method::kGet, "/api/v1/org/nodes/:id", true, Action::kViewOrg, OrgNode, kFast);
  add(Method::kGet, "/api/v1/org/nodes/:id/children", true, Action::kViewOrg, OrgChildren, kFast);
  add(Method::kGet, "/api/v1/org/nodes/:id/path", true, Action::kViewOrg, OrgPath, kFast);
  add(Method::kPost, "/api/v1/org/nodes", true, Action::kCreateOrgNode, OrgCreate, kBlocking);
  AddFilingRoutes(r);
  AddWorkbookRoutes(r);
  AddSummaryRoutes(r);
  AddAccountRoutes(r);
  AddIdentityRoutes(r);
  AddAdminRoutes(r);
  AddJobRoutes(r);
  return r;
}

}  // namespace huoju::http
