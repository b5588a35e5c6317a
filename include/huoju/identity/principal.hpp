// huoju/identity/principal.hpp
//
// Who is asking: the authenticated account with its role and scope (a subtree of the org
// tree), and the one authorization function that decides every request.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"
#include "huoju/org/org_node.hpp"

namespace huoju::identity {

enum class Role { kFiller, kReviewer, kCenter, kRegistry, kAdmin, kPerson };

const char* RoleCode(Role role);  ///< "filler", "reviewer", …
const char* RoleName(Role role);  ///< 填报单位, 审核员, …
std::optional<Role> ParseRole(std::string_view code);
/// Every role, for matrix tests and admin pages.
const std::vector<Role>& AllRoles();

/// `primary`: made by an administrator, demo data or a unit registration (a filler `primary`
/// account is its unit's administrator); `sub`: a unit's 填报人, made by the unit's
/// administrator; `person`: a self-registered personal account.
enum class AccountKind { kPrimary, kSub, kPerson };
const char* AccountKindCode(AccountKind kind);
AccountKind ParseAccountKind(std::string_view code);  ///< unknown codes give kPrimary

/// A unit that authorised a personal account, with the modules it granted.
struct LinkedUnit {
  int64_t id = 0;
  std::string name;
  std::string uscc;
  std::vector<std::string> modules;
};

struct Principal {
  int64_t account_id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kFiller;
  org::OrgNode scope;                    ///< root of what the account may see
  std::vector<std::string> scope_names;  ///< names from the tree root down to the scope
  std::string csrf_token;
  std::string session_hash;
  bool must_change_password = false;
  AccountKind kind = AccountKind::kPrimary;
  std::vector<std::string> modules;  ///< module codes the account reaches (identity/modules.hpp)
  std::vector<LinkedUnit> units;     ///< persons: the units that authorised them

  /// True for the administrator account of a unit (may manage its sub-accounts and persons).
  bool IsUnitAdmin() const { return role == Role::kFiller && kind == AccountKind::kPrimary; }
  bool HasModule(std::string_view code) const;
  /// The API representation (docs/api.md `User`).
  nlohmann::json ToJson() const;
};

/// What a request wants to do. Each endpoint names exactly one.
enum class Action {
  kViewOwnAccount,      ///< me, logout
  kViewOrg,             ///< read org nodes, children, path, search
  kCreateOrgNode,       ///< add a node to the org tree
  kFillFiling,          ///< see the own unit's tasks; save, submit, withdraw, print, upload scans
  kViewFiling,          ///< read a filing, its history and versions (unit or reviewer in scope)
  kReviewFiling,        ///< review queue, approve, return, reopen, judge explanations
  kViewProgress,        ///< submission progress, non-filers, review materials of a scope
  kManagePeriods,       ///< open periods, extend deadlines (Torch Center)
  kChangeOwnPassword,   ///< change the own password (allowed while a change is required)
  kManageOwnSessions,   ///< list and end the own sessions
  kManageAccounts,      ///< reset passwords, list and end sessions of accounts in scope (admin)
  kReviewRegistration,  ///< list, approve and reject unit registrations in scope
  kManageUnitAccounts,  ///< a unit administrator's sub-accounts and person links
  kManagePersonLinks,   ///< a person asks units for authorisation
  kEditOrg,             ///< move, merge, close, reopen org nodes; read their history (admin)
  kViewAuditLog,        ///< the audit-log viewer and its export (admin)
};

const char* ActionCode(Action action);

/// The single authorization decision. `target` is the org node the request touches (null
/// when it touches none). OK, or:
///  - NotFound when the target lies outside the caller's scope (its existence is not
///    revealed);
///  - Forbidden when the role may not do the action at all (also: kManageUnitAccounts by
///    anyone but a unit administrator; filling or reading filings by a filler without the
///    `survey` module);
///  - PasswordChangeRequired when the account must change its password first and the action
///    is not kViewOwnAccount (me, logout) or kChangeOwnPassword.
Status Authorize(const Principal& who, Action action, const org::OrgNode* target);

}  // namespace huoju::identity
