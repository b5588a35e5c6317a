// Registration, unit accounts, person links. Handlers only translate HTTP to application calls;
// every decision (validation, scope, rate limits) is made there.
#include "src/http/identity_api.hpp"

#include <fmt/format.h>

#include "huoju/http/input.hpp"
#include "huoju/identity/modules.hpp"

namespace huoju::http {
namespace {

using identity::Action;
using nlohmann::json;

Result<Response> Ok(Result<json> r, int status = 200) {
  if (!r.ok()) {
    return r.status();
  }
  return Response::Json(status, *r);
}

// An array of module codes (at most the number of modules, no more than 20 entries read).
Result<std::vector<std::string>> ModuleList(const JsonBody& body, bool required) {
  const json& raw = body.Raw("modules");
  if (raw.is_null()) {
    if (required) {
      return Status::InvalidField("modules", "授权模块不能为空");
    }
    return std::vector<std::string>{};
  }
  if (!raw.is_array() || raw.size() > 20) {
    return Status::InvalidField("modules", "授权模块应为模块代码的数组");
  }
  std::vector<std::string> out;
  for (const auto& m : raw) {
    if (!m.is_string()) {
      return Status::InvalidField("modules", "授权模块应为模块代码的数组");
    }
    out.push_back(m.get<std::string>());
  }
  return out;
}

Result<int64_t> OptionalId(const JsonBody& body, const std::string& name,
                           const std::string& label) {
  const json& raw = body.Raw(name);
  if (raw.is_null()) {
    return int64_t{0};
  }
  if (!raw.is_number_integer() || raw.get<int64_t>() <= 0) {
    return Status::InvalidField(name, fmt::format("{}应为正整数编号", label));
  }
  return raw.get<int64_t>();
}

std::string QueryOr(const Request& r, const std::string& name, const std::string& fallback) {
  auto it = r.query.find(name);
  return it == r.query.end() ? fallback : it->second;
}

Result<Response> ListModules(Context&) {
  json items = json::array();
  for (const auto& m : identity::Modules()) {
    items.push_back({{"code", m.code}, {"name", m.name}});
  }
  return Response::Json(200, {{"items", std::move(items)}});
}

Result<Response> Zones(Context& c) {
  return Ok(c.app.registrations().ZonesFor(QueryOr(c.request, "region_code", "")));
}

Result<Response> RegisterUnit(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(
      auto body,
      JsonBody::Parse(c.request,
                      {"uscc", "name", "region_code", "zone_id", "contact_name", "contact_phone",
                       "contact_email", "admin_username", "admin_display_name", "admin_password"}));
  app::UnitApplication a;
  HUOJU_ASSIGN_OR_RETURN(a.uscc, body.RequiredString("uscc", "统一社会信用代码", 18));
  HUOJU_ASSIGN_OR_RETURN(a.name, body.RequiredString("name", "单位名称", 100));
  HUOJU_ASSIGN_OR_RETURN(a.region_code, body.RequiredString("region_code", "所在地区", 6));
  HUOJU_ASSIGN_OR_RETURN(a.zone_id, OptionalId(body, "zone_id", "所在园区"));
  HUOJU_ASSIGN_OR_RETURN(a.contact_name, body.RequiredString("contact_name", "联系人", 50));
  HUOJU_ASSIGN_OR_RETURN(a.contact_phone, body.RequiredString("contact_phone", "联系电话", 20));
  HUOJU_ASSIGN_OR_RETURN(a.contact_email, body.RequiredString("contact_email", "电子邮箱", 100));
  HUOJU_ASSIGN_OR_RETURN(a.admin_username,
                         body.RequiredString("admin_username", "管理员用户名", 32));
  HUOJU_ASSIGN_OR_RETURN(a.admin_display_name,
                         body.OptionalString("admin_display_name", "管理员姓名", 110));
  HUOJU_ASSIGN_OR_RETURN(a.admin_password,
                         body.RequiredString("admin_password", "管理员密码", 128));
  return Ok(c.app.registrations().SubmitUnit(a, c.Origin()), 201);
}

Result<Response> RegistrationStatus(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"id", "status_token"}));
  HUOJU_ASSIGN_OR_RETURN(int64_t id, body.RequiredInt("id", "申请编号"));
  HUOJU_ASSIGN_OR_RETURN(std::string token, body.RequiredString("status_token", "查询码", 128));
  return Ok(c.app.registrations().StatusOf(id, token));
}

Result<Response> RegisterPerson(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(
      auto body, JsonBody::Parse(c.request, {"username", "display_name", "password", "id_type",
                                             "id_number", "phone", "email"}));
  app::PersonApplication a;
  HUOJU_ASSIGN_OR_RETURN(a.username, body.RequiredString("username", "用户名", 32));
  HUOJU_ASSIGN_OR_RETURN(a.display_name, body.RequiredString("display_name", "姓名", 50));
  HUOJU_ASSIGN_OR_RETURN(a.password, body.RequiredString("password", "密码", 128));
  HUOJU_ASSIGN_OR_RETURN(a.id_type, body.RequiredString("id_type", "证件类型", 20));
  HUOJU_ASSIGN_OR_RETURN(a.id_number, body.RequiredString("id_number", "证件号码", 18));
  HUOJU_ASSIGN_OR_RETURN(a.phone, body.RequiredString("phone", "联系电话", 20));
  HUOJU_ASSIGN_OR_RETURN(a.email, body.RequiredString("email", "电子邮箱", 100));
  return Ok(c.app.registrations().SubmitPerson(a, c.Origin()), 201);
}

Result<Response> ListRegistrations(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto page, PageFromQuery(c.request));
  return Ok(c.app.registrations().List(*c.who, QueryOr(c.request, "status", "pending"), page));
}

Result<Response> GetRegistration(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.registrations().Get(*c.who, id));
}

Result<Response> ApproveRegistration(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  if (!c.request.body.empty()) {
    HUOJU_RETURN_IF_ERROR(JsonBody::Parse(c.request, {}).status());
  }
  return Ok(c.app.registrations().Approve(*c.who, id, c.Origin()));
}

Result<Response> RejectRegistration(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"reason"}));
  HUOJU_ASSIGN_OR_RETURN(std::string reason, body.RequiredString("reason", "驳回理由", 500));
  return Ok(c.app.registrations().Reject(*c.who, id, reason, c.Origin()));
}

Result<Response> ListSubAccounts(Context& c) {
  return Ok(c.app.unit_accounts().List(*c.who));
}

Result<Response> CreateSubAccount(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(
      auto body, JsonBody::Parse(c.request, {"username", "display_name", "password", "modules"}));
  app::NewSubAccount a;
  HUOJU_ASSIGN_OR_RETURN(a.username, body.RequiredString("username", "用户名", 32));
  HUOJU_ASSIGN_OR_RETURN(a.display_name, body.RequiredString("display_name", "姓名", 50));
  HUOJU_ASSIGN_OR_RETURN(a.password, body.RequiredString("password", "密码", 128));
  HUOJU_ASSIGN_OR_RETURN(a.modules, ModuleList(body, false));
  return Ok(c.app.unit_accounts().Create(*c.who, a, c.Origin()), 201);
}

Result<Response> SetSubModules(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"modules"}));
  HUOJU_ASSIGN_OR_RETURN(auto modules, ModuleList(body, true));
  return Ok(c.app.unit_accounts().SetModules(*c.who, id, modules, c.Origin()));
}

Result<Response> DisableSub(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.unit_accounts().SetEnabled(*c.who, id, false, c.Origin()));
}

Result<Response> EnableSub(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.unit_accounts().SetEnabled(*c.who, id, true, c.Origin()));
}

Result<Response> ListPersons(Context& c) {
  return Ok(c.app.unit_accounts().ListPersons(*c.who));
}

Result<Response> GrantPerson(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"modules"}));
  HUOJU_ASSIGN_OR_RETURN(auto modules, ModuleList(body, true));
  return Ok(c.app.unit_accounts().GrantPerson(*c.who, id, modules, c.Origin()));
}

Result<Response> WithdrawPerson(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(int64_t id, PathId(c.params, "id"));
  return Ok(c.app.unit_accounts().WithdrawPerson(*c.who, id, c.Origin()));
}

Result<Response> OwnLinks(Context& c) {
  return Ok(c.app.unit_accounts().OwnLinks(*c.who));
}

Result<Response> RequestLink(Context& c) {
  HUOJU_ASSIGN_OR_RETURN(auto body, JsonBody::Parse(c.request, {"uscc"}));
  HUOJU_ASSIGN_OR_RETURN(std::string uscc, body.RequiredString("uscc", "统一社会信用代码", 18));
  return Ok(c.app.unit_accounts().RequestLink(*c.who, uscc, c.Origin()), 201);
}

}  // namespace

void AddIdentityRoutes(Router& r) {
  auto add = [&](Method m, const char* pattern, bool session, std::optional<Action> action,
                 Handler h) {
    r.Add({m, pattern, session, action, std::move(h), false});
  };
  r.Add({Method::kGet, "/api/v1/modules", true, Action::kViewOwnAccount, ListModules, true});
  add(Method::kGet, "/api/v1/registrations/zones", false, std::nullopt, Zones);
  add(Method::kPost, "/api/v1/registrations/units", false, std::nullopt, RegisterUnit);
  add(Method::kPost, "/api/v1/registrations/status", false, std::nullopt, RegistrationStatus);
  add(Method::kPost, "/api/v1/registrations/persons", false, std::nullopt, RegisterPerson);
  add(Method::kGet, "/api/v1/registrations", true, Action::kReviewRegistration, ListRegistrations);
  add(Method::kGet, "/api/v1/registrations/:id", true, Action::kReviewRegistration,
      GetRegistration);
  add(Method::kPost, "/api/v1/registrations/:id/approve", true, Action::kReviewRegistration,
      ApproveRegistration);
  add(Method::kPost, "/api/v1/registrations/:id/reject", true, Action::kReviewRegistration,
      RejectRegistration);
  add(Method::kGet, "/api/v1/unit/accounts", true, Action::kManageUnitAccounts, ListSubAccounts);
  add(Method::kPost, "/api/v1/unit/accounts", true, Action::kManageUnitAccounts, CreateSubAccount);
  add(Method::kPut, "/api/v1/unit/accounts/:id/modules", true, Action::kManageUnitAccounts,
      SetSubModules);
  add(Method::kPost, "/api/v1/unit/accounts/:id/disable", true, Action::kManageUnitAccounts,
      DisableSub);
  add(Method::kPost, "/api/v1/unit/accounts/:id/enable", true, Action::kManageUnitAccounts,
      EnableSub);
  add(Method::kGet, "/api/v1/unit/persons", true, Action::kManageUnitAccounts, ListPersons);
  add(Method::kPost, "/api/v1/unit/persons/:id/grant", true, Action::kManageUnitAccounts,
      GrantPerson);
  add(Method::kPost, "/api/v1/unit/persons/:id/withdraw", true, Action::kManageUnitAccounts,
      WithdrawPerson);
  add(Method::kGet, "/api/v1/person/links", true, Action::kManagePersonLinks, OwnLinks);
  add(Method::kPost, "/api/v1/person/links", true, Action::kManagePersonLinks, RequestLink);
}

}  // namespace huoju::http
