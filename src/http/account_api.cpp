// Password change and reset, sessions. Handlers only translate HTTP to SessionManager calls;
// every decision (policy, scope, single use) is made there.
#include "src/http/account_api.hpp"

#include <fmt/format.h>

#include "huoju/http/input.hpp"
#include "huoju/http/router.hpp"

namespace huoju::http {
namespace {

using identity::Action;
using nlohmann::json;

Response ClearCookie(Response r) {
  r.headers.emplace_back("Set-Cookie",
                         "huoju_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

json SessionsJson(const std::vector<identity::SessionInfo>& sessions) {
  json items = json::array();
  for (const auto& s : sessions) {
    items.push_back({{"id", s.id},
                     {"created_at", FormatIsoUtc(s.created_at)},
                     {"last_seen_at", FormatIsoUtc(s.last_seen_at)},
                     {"client_address", s.client_address},
                     {"user_agent", s.user_agent},
                     {"current", s.current}});
  }
  return {{"items", items}};
}

Result<Response> ChangePassword(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body,
                         JsonBody::Parse(c.request, {"current_password", "new_password"}));
  HUOJU_ASSIGN_OR_RETURN(std::string current,
                         body.RequiredString("current_password", "当前密码", 128));
  HUOJU_ASSIGN_OR_RETURN(std::string next, body.RequiredString("new_password", "新密码", 256));
  HUOJU_RETURN_IF_ERROR(c.app.sessions().ChangePassword(*c.who, current, next, c.Origin()));
  return Response::Json(200, {{"ok", true}});
}

Result<Response> ResetWithToken(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"token", "new_password"}));
  HUOJU_ASSIGN_OR_RETURN(std::string token, body.RequiredString("token", "重置令牌", 128));
  HUOJU_ASSIGN_OR_RETURN(std::string next, body.RequiredString("new_password", "新密码", 256));
  HUOJU_RETURN_IF_ERROR(c.app.sessions().ResetPassword(token, next, c.Origin()));
  return Response::Json(200, {{"ok", true}});
}

Result<Response> IssueReset(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto issued, c.app.sessions().IssueResetToken(*c.who, id, c.Origin()));
  // Shown once, for the administrator to hand over; the store keeps only its hash.
  return Response::Json(201, {{"account_id", issued.account_id},
                              {"token", issued.token},
                              {"expires_at", FormatIsoUtc(issued.expires_at)}});
}

Result<Response> OwnSessions(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto sessions, c.app.sessions().ListOwnSessions(*c.who));
  return Response::Json(200, SessionsJson(sessions));
}

Result<Response> EndOwnSession(Context& c) {
  auto it = c.params.find("id");
  const std::string id = it == c.params.end() ? std::string() : it->second;
  HUOJU_RETURN_IF_ERROR(c.app.sessions().EndOwnSession(*c.who, id, c.Origin()));
  return Response::Json(200, {{"ok", true}});
}

Result<Response> LogoutAll(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t ended, c.app.sessions().EndAllOwnSessions(*c.who, c.Origin()));
  return ClearCookie(Response::Json(200, {{"ended", ended}}));
}

Result<Response> AccountSessions(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto sessions, c.app.sessions().ListAccountSessions(*c.who, id));
  return Response::Json(200, SessionsJson(sessions));
}

Result<Response> EndAccountSessions(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(int64_t ended,
                         c.app.sessions().EndAccountSessions(*c.who, id, c.Origin()));
  return Response::Json(200, {{"ended", ended}});
}

}  // namespace

void AddAccountRoutes(Router& r) {
  auto add = [&](Method m, const char* pattern, bool session, std::optional<Action> action,
                 Handler h) {
    r.Add({m, pattern, session, action, std::move(h), false});
  };
  add(Method::kPost, "/api/v1/auth/password", true, Action::kChangeOwnPassword, ChangePassword);
  add(Method::kPost, "/api/v1/auth/password-reset", false, std::nullopt, ResetWithToken);
  add(Method::kGet, "/api/v1/auth/sessions", true, Action::kManageOwnSessions, OwnSessions);
  add(Method::kDelete, "/api/v1/auth/sessions/:id", true, Action::kManageOwnSessions,
      EndOwnSession);
  add(Method::kPost, "/api/v1/auth/logout-all", true, Action::kManageOwnSessions, LogoutAll);
  add(Method::kPost, "/api/v1/accounts/:id/password-reset", true, Action::kManageAccounts,
      IssueReset);
  add(Method::kGet, "/api/v1/accounts/:id/sessions", true, Action::kManageAccounts,
      AccountSessions);
  add(Method::kPost, "/api/v1/accounts/:id/sessions/end", true, Action::kManageAccounts,
      EndAccountSessions);
}

}  // namespace huoju::http
