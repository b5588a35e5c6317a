#include "huoju/identity/principal.hpp"

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
  static const std::vector<Role> kAll = {Role::kFiller, Role::kReviewer, Role::kCenter,
                                         Role::kRegistry, Role::kAdmin};
  return kAll;
}

nlohmann::json Principal::ToJson() const {
  nlohmann::json level = nullptr;
  if (role == Role::kReviewer) {
    level = org::NodeKindCode(scope.kind);
  }
  return {{"id", account_id},
          {"username", username},
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
  }
  return "unknown";
}

namespace {

bool RoleMay(Role role, Action action) {
  switch (action) {
    case Action::kViewOwnAccount:
    case Action::kViewOrg:
    case Action::kChangeOwnPassword:
    case Action::kManageOwnSessions:
      return true;
    case Action::kCreateOrgNode:
    case Action::kManageAccounts:
      return role == Role::kAdmin;
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
  return Status::Ok();
}

}  // namespace huoju::identity
