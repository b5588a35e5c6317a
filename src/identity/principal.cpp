#include "huoju/identity/principal.hpp"

#include <algorithm>

#include "huoju/identity/modules.hpp"

namespace huoju::identity {

const char* RoleCode(Role role) {
  switch (role) {
    case Role::kFiller:
      return "filler";
    case Role::kReviewer:
      return "reviewer";
    case Role::kCenter:
      return "center";
    case Role::kRegistry:
      return "registry";
    case Role::kAdmin:
      return "admin";
    case Role::kPerson:
      return "person";
  }
  return "filler";
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kFiller:
      return "填报单位";
    case Role::kReviewer:
      return "审核员";
    case Role::kCenter:
      return "火炬中心";
    case Role::kRegistry:
      return "技术合同登记机构";
    case Role::kAdmin:
      return "系统管理员";
    case Role::kPerson:
      return "个人用户";
  }
  return "填报单位";
}

std::optional<Role> ParseRole(std::string_view code) {
  for (Role r : AllRoles()) {
    if (code == RoleCode(r)) {
      return r;
    }
  }
  return std::nullopt;
}

const std::vector<Role>& AllRoles() {
  static const std::vector<Role> kAll = {Role::kFiller,   Role::kReviewer, Role::kCenter,
                                         Role::kRegistry, Role::kAdmin,    Role::kPerson};
  return kAll;
}

const char* AccountKindCode(AccountKind kind) {
  switch (kind) {
    case AccountKind::kPrimary:
      return "primary";
    case AccountKind::kSub:
      return "sub";
    case AccountKind::kPerson:
      return "person";
  }
  return "primary";
}

AccountKind ParseAccountKind(std::string_view code) {
  if (code == "sub") {
    return AccountKind::kSub;
  }
  if (code == "person") {
    return AccountKind::kPerson;
  }
  return AccountKind::kPrimary;
}

bool Principal::HasModule(std::string_view code) const {
  return std::find(modules.begin(), modules.end(), code) != modules.end();
}

nlohmann::json Principal::ToJson() const {
  nlohmann::json level = nullptr;
  if (role == Role::kReviewer) {
    level = org::NodeKindCode(scope.kind);
  }
  nlohmann::json module_list = nlohmann::json::array();
  for (const std::string& code : modules) {
    const Module* m = FindModule(code);
    module_list.push_back({{"code", code}, {"name", m != nullptr ? m->name : code.c_str()}});
  }
  nlohmann::json unit_list = nlohmann::json::array();
  for (const LinkedUnit& u : units) {
    unit_list.push_back({{"id", u.id}, {"name", u.name}, {"uscc", u.uscc}, {"modules", u.modules}});
  }
  return {{"id", account_id},
          {"username", username},
          {"kind", AccountKindCode(kind)},
          {"unit_admin", IsUnitAdmin()},
          {"modules", std::move(module_list)},
          {"units", std::move(unit_list)},
          {"display_name", display_name},
          {"role", RoleCode(role)},
          {"role_name", RoleName(role)},
          {"level", level},
          {"must_change_password", must_change_password},
          {"scope",
           {{"id", scope.id},
            {"kind", org::NodeKindCode(scope.kind)},
            {"name", scope.name},
            {"path_names", scope_names}}}};
}

const char* ActionCode(Action action) {
  switch (action) {
    case Action::kViewOwnAccount:
      return "account.view_own";
    case Action::kViewOrg:
      return "org.view";
    case Action::kCreateOrgNode:
      return "org.create";
    case Action::kFillFiling:
      return "filing.fill";
    case Action::kViewFiling:
      return "filing.view";
    case Action::kReviewFiling:
      return "filing.review";
    case Action::kViewProgress:
      return "filing.progress";
    case Action::kManagePeriods:
      return "period.manage";
    case Action::kChangeOwnPassword:
      return "account.change_own_password";
    case Action::kManageOwnSessions:
      return "account.manage_own_sessions";
    case Action::kManageAccounts:
      return "account.manage";
    case Action::kReviewRegistration:
      return "registration.review";
    case Action::kManageUnitAccounts:
      return "unit.manage_accounts";
    case Action::kManagePersonLinks:
      return "person.manage_links";
    case Action::kEditOrg:
      return "org.edit";
    case Action::kViewAuditLog:
      return "audit.view";
  }
  return "unknown";
}

namespace {

bool RoleMay(Role role, Action action) {
  switch (action) {
    case Action::kViewOwnAccount:
    case Action::kChangeOwnPassword:
    case Action::kManageOwnSessions:
      return true;
    case Action::kViewOrg:
      return role != Role::kPerson;  // a person belongs to no place in the tree
    case Action::kCreateOrgNode:
    case Action::kManageAccounts:
    case Action::kEditOrg:
    case Action::kViewAuditLog:
      return role == Role::kAdmin;
    case Action::kReviewRegistration:
      return role == Role::kReviewer || role == Role::kCenter || role == Role::kAdmin;
    case Action::kManageUnitAccounts:
      return role == Role::kFiller;
    case Action::kManagePersonLinks:
      return role == Role::kPerson;
    case Action::kFillFiling:
      return role == Role::kFiller;
    case Action::kViewFiling:
      return role == Role::kFiller || role == Role::kReviewer || role == Role::kCenter;
    case Action::kReviewFiling:
    case Action::kViewProgress:
      return role == Role::kReviewer || role == Role::kCenter;
    case Action::kManagePeriods:
      return role == Role::kCenter;
  }
  return false;
}

}  // namespace

Status Authorize(const Principal& who, Action action, const org::OrgNode* target) {
  if (who.must_change_password && action != Action::kViewOwnAccount &&
      action != Action::kChangeOwnPassword) {
    return Status(ErrorCode::kPasswordChangeRequired, "请先修改初始密码，再使用其他功能");
  }
  if (target != nullptr && !who.scope.Contains(*target)) {
    return Status::NotFound("机构不存在或不在您的管辖范围内");
  }
  if (!RoleMay(who.role, action)) {
    return Status::Forbidden("您的角色无权进行此操作");
  }
  if (action == Action::kManageUnitAccounts && !who.IsUnitAdmin()) {
    return Status::Forbidden("只有单位管理员账号可以管理本单位的账号");
  }
  // Module grants: a 填报人 without the survey module may not fill or read the unit's filings.
  // (A unit's primary account reaches every module whatever its principal lists.)
  if ((action == Action::kFillFiling || action == Action::kViewFiling) &&
      who.role == Role::kFiller && who.kind == AccountKind::kSub && !who.HasModule("survey")) {
    return Status::Forbidden("您的账号未获授权使用“统计调查”模块");
  }
  return Status::Ok();
}

}  // namespace huoju::identity
