#include "huoju/app/administration.hpp"

#include <fmt/format.h>

#include "huoju/identity/account_fields.hpp"
#include "huoju/identity/modules.hpp"
#include "huoju/identity/password_policy.hpp"

namespace huoju::app {

using identity::Action;
using identity::Authorize;
using identity::Principal;
using identity::RequestOrigin;
using identity::Role;
using nlohmann::json;

namespace {

constexpr const char* kAbsentNode = "机构不存在或不在您的管辖范围内";
constexpr const char* kAbsentAccount = "账号不存在或不在您的管辖范围内";
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kBeijingOffsetMs = 8LL * 3600 * 1000;

// LIKE pattern that matches `text` literally (with ESCAPE '\').
std::string LikeEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// Which node kinds may hold which kinds (the tree 火炬中心 → 省 → 市 → 园区/登记机构 → 单位).
bool MayHold(org::NodeKind parent, org::NodeKind child) {
  using K = org::NodeKind;
  switch (child) {
    case K::kCenter:
      return false;
    case K::kProvince:
      return parent == K::kCenter;
    case K::kCity:
      return parent == K::kProvince;
    case K::kZone:
    case K::kRegistry:
      return parent == K::kCity || parent == K::kProvince;
    case K::kUnit:
      return parent != K::kUnit && parent != K::kCenter;
  }
  return false;
}

// Which scope kinds fit which roles.
bool RoleFitsScope(Role role, org::NodeKind kind) {
  using K = org::NodeKind;
  switch (role) {
    case Role::kFiller:
      return kind == K::kUnit;
    case Role::kReviewer:
      return kind == K::kProvince || kind == K::kCity || kind == K::kZone;
    case Role::kRegistry:
      return kind == K::kRegistry;
    case Role::kCenter:
    case Role::kAdmin:
      return kind != K::kUnit;
    case Role::kPerson:
      return false;
  }
  return false;
}

constexpr const char* kAccountColumns =
    "a.id, a.username, a.display_name, a.role, a.kind, a.status, a.must_change_password, "
    "a.created_at, a.last_login_at, a.modules_json, n.id, n.kind, n.name, n.path";

json AccountJson(const store::Rows& r, size_t i) {
  const Role role = identity::ParseRole(r.Text(i, 3)).value_or(Role::kFiller);
  const auto kind = identity::ParseAccountKind(r.Text(i, 4));
  std::vector<std::string> modules;
  if (kind == identity::AccountKind::kSub) {
    auto j = json::parse(r.Text(i, 9), nullptr, false);
    if (j.is_array()) {
      for (const auto& m : j) {
        if (m.is_string()) {
          modules.push_back(m.get<std::string>());
        }
      }
    }
  } else if (kind == identity::AccountKind::kPrimary) {
    modules = identity::ModulesForRole(role);
  }
  return {{"id", r.Int(i, 0)},
          {"username", r.Text(i, 1)},
          {"display_name", r.Text(i, 2)},
          {"role", identity::RoleCode(role)},
          {"role_name", identity::RoleName(role)},
          {"kind", identity::AccountKindCode(kind)},
          {"status", r.Text(i, 5)},
          {"must_change_password", r.Int(i, 6) != 0},
          {"created_at", FormatIsoUtc(r.Int(i, 7))},
          {"last_login_at", r.IsNull(i, 8) ? json(nullptr) : json(FormatIsoUtc(r.Int(i, 8)))},
          {"modules", modules},
          {"scope", {{"id", r.Int(i, 10)}, {"kind", r.Text(i, 11)}, {"name", r.Text(i, 12)}}}};
}

json NodeSnapshot(const org::OrgNode& n) {
  return {{"parent_id", n.parent_id}, {"path", n.path}, {"status", n.status}, {"name", n.name}};
}

}  // namespace

Administration::Administration(store::Database& db, identity::PasswordHasher& hasher,
                               identity::SessionManager& sessions, org::Directory& directory,
                               const Clock& clock)
    : db_(db), hasher_(hasher), sessions_(sessions), directory_(directory), clock_(clock) {}

Result<org::OrgNode> Administration::EditableNode(store::Session& s, const Principal& who,
                                                  int64_t id, const std::string& field) {
  auto node = org::OrgRepository::Get(s, id);
  if (!node.ok()) {
    if (node.status().code() != ErrorCode::kNotFound) {
      return node.status();
    }
    return field.empty() ? Status::NotFound(kAbsentNode) : Status::InvalidField(field, kAbsentNode);
  }
  Status allowed = Authorize(who, Action::kEditOrg, &*node);
  if (allowed.code() == ErrorCode::kNotFound) {
    return field.empty() ? Status::NotFound(kAbsentNode) : Status::InvalidField(field, kAbsentNode);
  }
  HUOJU_RETURN_IF_ERROR(allowed);
  return node;
}

void Administration::RefreshDirectory(const std::vector<org::OrgNode>& nodes) {
  for (const auto& n : nodes) {  // parents first
    directory_.Upsert(n);
  }
}

Result<std::vector<int64_t>> Administration::DisableAccountsOf(store::Session& s, int64_t node_id,
                                                               int64_t now) {
  HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT id FROM account WHERE scope_node_id = ? AND "
                                            "status = 'active'",
                                            {node_id}));
  std::vector<int64_t> ids;
  for (size_t i = 0; i < rows.size(); ++i) {
    ids.push_back(rows.Int(i, 0));
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE account SET status = 'disabled', updated_at = ? WHERE "
                                    "id = ?",
                                    {now, ids.back()})
                              .status());
    HUOJU_RETURN_IF_ERROR(identity::SessionManager::RevokeAllIn(s, ids.back(), now).status());
  }
  return ids;
}

Result<json> Administration::MoveNode(const Principal& who, int64_t id, int64_t parent_id,
                                      const std::string& reason, const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kEditOrg, nullptr));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(reason, 1, 500, "reason", "调整原因"));
  const int64_t now = clock_.NowMillis();
  std::vector<org::OrgNode> moved;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // Paths, parents and states are read and rewritten across the tree: one tree change at a
    // time (PostgreSQL runs writes concurrently; SQLite's writer is single anyway).
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode node, EditableNode(s, who, id, ""));
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode parent, EditableNode(s, who, parent_id, "parent_id"));
    if (node.parent_id == 0) {
      return Status::InvalidField("parent_id", "根节点不能移动");
    }
    if (node.Contains(parent)) {
      return Status::InvalidField("parent_id", "不能移到自身或其下级机构之下");
    }
    if (!MayHold(parent.kind, node.kind)) {
      return Status::InvalidField("parent_id",
                                  fmt::format("{}不能设在{}之下", org::NodeKindName(node.kind),
                                              org::NodeKindName(parent.kind)));
    }
    if (parent.status != "active") {
      return Status::InvalidField("parent_id", "目标上级机构已关闭");
    }
    if (parent.id == node.parent_id) {
      return Status::InvalidField("parent_id", "机构已在该上级之下");
    }
    const std::string old_path = node.path;
    const std::string new_path = parent.path + std::to_string(node.id) + "/";
    const int64_t depth_delta = parent.depth + 1 - node.depth;
    const auto keep_from = static_cast<int64_t>(old_path.size() + 1);  // substr is 1-based
    const store::Params range = {old_path, old_path + "\x7f"};
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE org_node SET path = ? || substr(path, ?), depth = "
                                    "depth + ?, updated_at = ? WHERE path >= ? AND path < ?",
                                    {new_path, keep_from, depth_delta, now, range[0], range[1]})
                              .status());
    HUOJU_RETURN_IF_ERROR(
        s.Execute(
             "UPDATE org_node SET parent_id = ?, zone_id = CASE WHEN kind = 'unit' THEN ? "
             "ELSE zone_id END WHERE id = ?",
             {parent.id,
              parent.kind == org::NodeKind::kZone ? store::Value(parent.id) : store::Value(nullptr),
              node.id})
            .status());
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE org_node SET child_count = child_count - 1 WHERE id = ?",
                  {node.parent_id})
            .status());
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE org_node SET child_count = child_count + 1 WHERE id = ?", {parent.id})
            .status());
    // Scope checks of filings and extensions read these copies of the path.
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE filing SET unit_path = ? || substr(unit_path, ?) "
                                    "WHERE unit_path >= ? AND unit_path < ?",
                                    {new_path, keep_from, range[0], range[1]})
                              .status());
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE deadline_extension SET org_path = ? || "
                                    "substr(org_path, ?) WHERE org_path >= ? AND org_path < ?",
                                    {new_path, keep_from, range[0], range[1]})
                              .status());
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode after, org::OrgRepository::Get(s, node.id));
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode old_parent, org::OrgRepository::Get(s, node.parent_id));
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode new_parent, org::OrgRepository::Get(s, parent.id));
    store::AuditEntry e{
        who.account_id,
        "org.move",
        "org_node",
        std::to_string(node.id),
        node.id,
        o.client_address,
        o.request_id,
        {{"reason", reason}, {"before", NodeSnapshot(node)}, {"after", NodeSnapshot(after)}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(moved, org::OrgRepository::Subtree(s, new_path));
    moved.insert(moved.begin(), {old_parent, new_parent});
    return Status::Ok();
  }));
  RefreshDirectory(moved);
  return moved[2].ToJson();
}

Result<json> Administration::MergeUnit(const Principal& who, int64_t id, int64_t into_id,
                                       const std::string& reason, const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kEditOrg, nullptr));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(reason, 1, 500, "reason", "合并原因"));
  const int64_t now = clock_.NowMillis();
  org::OrgNode from_after;
  org::OrgNode into;
  std::vector<int64_t> disabled;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode from, EditableNode(s, who, id, ""));
    HUOJU_ASSIGN_OR_RETURN(into, EditableNode(s, who, into_id, "into_id"));
    if (from.kind != org::NodeKind::kUnit || into.kind != org::NodeKind::kUnit) {
      return Status::InvalidField("into_id", "只能将填报单位合并到另一个填报单位");
    }
    if (from.id == into.id) {
      return Status::InvalidField("into_id", "不能将单位合并到自身");
    }
    if (from.status != "active" || into.status != "active") {
      return Status::InvalidField("into_id", "合并双方都必须是在用的单位");
    }
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE org_node SET status = 'merged', updated_at = ? WHERE "
                                    "id = ?",
                                    {now, from.id})
                              .status());
    HUOJU_ASSIGN_OR_RETURN(disabled, DisableAccountsOf(s, from.id, now));
    HUOJU_ASSIGN_OR_RETURN(from_after, org::OrgRepository::Get(s, from.id));
    for (const store::AuditEntry& e :
         {store::AuditEntry{who.account_id,
                            "org.merge",
                            "org_node",
                            std::to_string(from.id),
                            from.id,
                            o.client_address,
                            o.request_id,
                            {{"reason", reason},
                             {"into_id", into.id},
                             {"disabled_accounts", disabled},
                             {"before", NodeSnapshot(from)},
                             {"after", NodeSnapshot(from_after)}}},
          store::AuditEntry{who.account_id,
                            "org.merge_in",
                            "org_node",
                            std::to_string(into.id),
                            into.id,
                            o.client_address,
                            o.request_id,
                            {{"reason", reason}, {"from_id", from.id}}}}) {
      HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    }
    return Status::Ok();
  }));
  directory_.Upsert(from_after);
  for (int64_t a : disabled) {
    sessions_.Invalidate(a);
  }
  return json{{"from", from_after.ToJson()}, {"into", into.ToJson()}};
}

Result<json> Administration::SetNodeClosed(const Principal& who, int64_t id, bool closed,
                                           const std::string& reason, const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kEditOrg, nullptr));
  HUOJU_RETURN_IF_ERROR(
      identity::CheckText(reason, 1, 500, "reason", closed ? "关闭原因" : "恢复原因"));
  const int64_t now = clock_.NowMillis();
  org::OrgNode after;
  std::vector<int64_t> disabled;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_ASSIGN_OR_RETURN(org::OrgNode node, EditableNode(s, who, id, ""));
    if (node.parent_id == 0) {
      return Status::InvalidField("id", "根节点不能关闭");
    }
    if (closed && node.status != "active") {
      return Status::Conflict("该机构已关闭或已合并");
    }
    if (!closed && node.status != "closed") {
      return Status::Conflict(node.status == "merged" ? "已合并的单位不能恢复" : "该机构未关闭");
    }
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE org_node SET status = ?, updated_at = ? WHERE id = ?",
                                    {std::string(closed ? "closed" : "active"), now, node.id})
                              .status());
    if (closed) {
      HUOJU_ASSIGN_OR_RETURN(disabled, DisableAccountsOf(s, node.id, now));
    }
    HUOJU_ASSIGN_OR_RETURN(after, org::OrgRepository::Get(s, node.id));
    store::AuditEntry e{who.account_id,
                        closed ? "org.close" : "org.reopen",
                        "org_node",
                        std::to_string(node.id),
                        node.id,
                        o.client_address,
                        o.request_id,
                        {{"reason", reason},
                         {"disabled_accounts", disabled},
                         {"before", NodeSnapshot(node)},
                         {"after", NodeSnapshot(after)}}};
    return s.AppendAudit(e, now);
  }));
  directory_.Upsert(after);
  for (int64_t a : disabled) {
    sessions_.Invalidate(a);
  }
  return after.ToJson();
}

Result<json> Administration::NodeHistory(const Principal& who, int64_t id) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kEditOrg, nullptr));
  json items = json::array();
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(EditableNode(s, who, id, "").status());
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT l.id, l.at, l.action, l.actor_account_id, a.username, l.detail FROM "
                "audit_log l LEFT JOIN account a ON a.id = l.actor_account_id WHERE "
                "l.object_type = 'org_node' AND l.object_id = ? ORDER BY l.id DESC LIMIT 500",
                {std::to_string(id)}));
    for (size_t i = 0; i < rows.size(); ++i) {
      json detail = json::parse(rows.Text(i, 5), nullptr, false);
      if (!detail.is_object()) {
        detail = json::object();
      }
      items.push_back({{"id", rows.Int(i, 0)},
                       {"at", FormatIsoUtc(rows.Int(i, 1))},
                       {"action", rows.Text(i, 2)},
                       {"actor", {{"id", rows.Int(i, 3)}, {"username", rows.Text(i, 4)}}},
                       {"reason", detail.value("reason", json(nullptr))},
                       {"before", detail.value("before", json(nullptr))},
                       {"after", detail.value("after", json(nullptr))},
                       {"detail", detail}});
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}};
}

Result<json> Administration::LoadAccount(store::Session& s, const Principal& who, int64_t id) {
  HUOJU_ASSIGN_OR_RETURN(auto rows,
                         s.Query(fmt::format("SELECT {} FROM account a JOIN org_node n ON n.id = "
                                             "a.scope_node_id WHERE a.id = ?",
                                             kAccountColumns),
                                 {id}));
  if (rows.empty()) {
    return Status::NotFound(kAbsentAccount);
  }
  org::OrgNode scope;
  scope.path = rows.Text(0, 13);
  Status allowed = Authorize(who, Action::kManageAccounts, &scope);
  if (allowed.code() == ErrorCode::kNotFound) {
    return Status::NotFound(kAbsentAccount);
  }
  HUOJU_RETURN_IF_ERROR(allowed);
  return AccountJson(rows, 0);
}

Result<json> Administration::ListAccounts(const Principal& who, const AccountQuery& q) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageAccounts, nullptr));
  if (!q.role.empty() && !identity::ParseRole(q.role)) {
    return Status::InvalidField("role", "角色代码无效");
  }
  if (!q.status.empty() && q.status != "active" && q.status != "disabled") {
    return Status::InvalidField("status", "状态应为 active 或 disabled");
  }
  json items = json::array();
  int64_t total = 0;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    std::string base = who.scope.path;
    if (q.node != 0) {
      auto node = org::OrgRepository::Get(s, q.node);
      if (!node.ok() || !who.scope.Contains(*node)) {
        return Status::InvalidField("node", kAbsentNode);
      }
      base = node->path;
    }
    std::string where = "n.path >= ? AND n.path < ?";
    store::Params params = {base, base + "\x7f"};
    if (!q.q.empty()) {
      where += " AND (a.username LIKE ? ESCAPE '\\' OR a.display_name LIKE ? ESCAPE '\\')";
      const std::string pattern = "%" + LikeEscape(q.q) + "%";
      params.emplace_back(pattern);
      params.emplace_back(pattern);
    }
    if (!q.role.empty()) {
      where += " AND a.role = ?";
      params.emplace_back(q.role);
    }
    if (!q.status.empty()) {
      where += " AND a.status = ?";
      params.emplace_back(q.status);
    }
    const std::string from = " FROM account a JOIN org_node n ON n.id = a.scope_node_id WHERE ";
    HUOJU_ASSIGN_OR_RETURN(auto count, s.Query("SELECT COUNT(*)" + from + where, params));
    total = count.Int(0, 0);
    params.emplace_back(q.page.limit);
    params.emplace_back(q.page.offset);
    HUOJU_ASSIGN_OR_RETURN(auto rows,
                           s.Query(fmt::format("SELECT {}{}{} ORDER BY a.id LIMIT ? OFFSET ?",
                                               kAccountColumns, from, where),
                                   params));
    for (size_t i = 0; i < rows.size(); ++i) {
      items.push_back(AccountJson(rows, i));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)},
              {"total", total},
              {"offset", q.page.offset},
              {"limit", q.page.limit}};
}

Result<json> Administration::GetAccount(const Principal& who, int64_t id) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageAccounts, nullptr));
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(out, LoadAccount(s, who, id));
    return Status::Ok();
  }));
  return out;
}

Result<json> Administration::CreateAccount(const Principal& who, const NewAccountRequest& a,
                                           const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageAccounts, nullptr));
  HUOJU_RETURN_IF_ERROR(identity::CheckUsername(a.username, "username"));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(a.display_name, 1, 50, "display_name", "姓名"));
  auto role = identity::ParseRole(a.role);
  if (!role || *role == Role::kPerson) {
    return Status::InvalidField("role", "角色应为 filler、reviewer、center、registry 或 admin");
  }
  HUOJU_RETURN_IF_ERROR(identity::CheckPasswordPolicy(a.password, a.username, "password"));
  HUOJU_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(a.password));
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    auto scope = org::OrgRepository::Get(s, a.scope_node_id);
    if (!scope.ok() || !who.scope.Contains(*scope)) {
      return Status::InvalidField("scope_node_id", kAbsentNode);
    }
    if (!RoleFitsScope(*role, scope->kind)) {
      return Status::InvalidField("scope_node_id",
                                  fmt::format("{}不能以{}为管辖范围", identity::RoleName(*role),
                                              org::NodeKindName(scope->kind)));
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto taken,
        s.Query("SELECT (SELECT COUNT(*) FROM account WHERE username = ?) + (SELECT COUNT(*) FROM "
                "registration WHERE admin_username = ? AND status = 'pending')",
                {a.username, a.username}));
    if (taken.Int(0, 0) > 0) {
      return Status(ErrorCode::kConflict, "该用户名已被使用，请换一个", {{"field", "username"}});
    }
    identity::NewAccount acct{a.username, a.display_name, hash, *role, scope->id, true};
    HUOJU_ASSIGN_OR_RETURN(int64_t id, identity::AccountRepository::Create(s, acct, now));
    store::AuditEntry e{
        who.account_id, "account.create",
        "account",      std::to_string(id),
        scope->id,      o.client_address,
        o.request_id,   {{"after", {{"role", a.role}, {"scope_node_id", scope->id}}}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, LoadAccount(s, who, id));
    return Status::Ok();
  }));
  return out;
}

Result<json> Administration::UpdateAccount(const Principal& who, int64_t id,
                                           const AccountChanges& c, const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageAccounts, nullptr));
  if (c.display_name) {
    HUOJU_RETURN_IF_ERROR(identity::CheckText(*c.display_name, 1, 50, "display_name", "姓名"));
  }
  std::optional<Role> role;
  if (c.role) {
    role = identity::ParseRole(*c.role);
    if (!role || *role == Role::kPerson) {
      return Status::InvalidField("role", "角色应为 filler、reviewer、center、registry 或 admin");
    }
  }
  if (c.status && *c.status != "active" && *c.status != "disabled") {
    return Status::InvalidField("status", "状态应为 active 或 disabled");
  }
  if (c.must_change_password && !*c.must_change_password) {
    return Status::InvalidField("must_change_password",
                                "只能要求用户修改密码（true）；用户修改密码后会自动解除");
  }
  if (id == who.account_id &&
      ((c.status && *c.status == "disabled") || c.role || c.scope_node_id)) {
    return Status::InvalidField(c.status ? "status" : (c.role ? "role" : "scope_node_id"),
                                "不能停用自己的账号或修改自己的角色和管辖范围");
  }
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // The whole row is written back from what is read here: read it under its lock, after the
    // tree lock that closing a unit (which disables its accounts) also takes first.
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_RETURN_IF_ERROR(s.LockRow("account", id));
    HUOJU_ASSIGN_OR_RETURN(json before, LoadAccount(s, who, id));
    if (before["kind"] != "primary" && (c.role || c.scope_node_id)) {
      return Status::InvalidField(c.role ? "role" : "scope_node_id",
                                  "填报人和个人账号的角色与范围由单位授权决定，不能在此修改");
    }
    const Role new_role = role.value_or(
        identity::ParseRole(before["role"].get<std::string>()).value_or(Role::kFiller));
    int64_t scope_id = c.scope_node_id.value_or(before["scope"]["id"].get<int64_t>());
    if (c.role || c.scope_node_id) {
      auto scope = org::OrgRepository::Get(s, scope_id);
      if (!scope.ok() || !who.scope.Contains(*scope)) {
        return Status::InvalidField("scope_node_id", kAbsentNode);
      }
      if (!RoleFitsScope(new_role, scope->kind)) {
        return Status::InvalidField(
            c.scope_node_id ? "scope_node_id" : "role",
            fmt::format("{}不能以{}为管辖范围", identity::RoleName(new_role),
                        org::NodeKindName(scope->kind)));
      }
    }
    HUOJU_RETURN_IF_ERROR(
        s.Execute(
             "UPDATE account SET display_name = ?, role = ?, scope_node_id = ?, status = ?, "
             "must_change_password = ?, updated_at = ? WHERE id = ?",
             {c.display_name.value_or(before["display_name"].get<std::string>()),
              std::string(identity::RoleCode(new_role)), scope_id,
              c.status.value_or(before["status"].get<std::string>()),
              static_cast<int64_t>(
                  c.must_change_password.value_or(before["must_change_password"].get<bool>()) ? 1
                                                                                              : 0),
              now, id})
            .status());
    int64_t ended = 0;
    if (c.status && *c.status == "disabled") {
      HUOJU_ASSIGN_OR_RETURN(ended, identity::SessionManager::RevokeAllIn(s, id, now));
    }
    HUOJU_ASSIGN_OR_RETURN(out, LoadAccount(s, who, id));
    auto pick = [](const json& a) {
      return json{{"display_name", a["display_name"]},
                  {"role", a["role"]},
                  {"scope_node_id", a["scope"]["id"]},
                  {"status", a["status"]},
                  {"must_change_password", a["must_change_password"]}};
    };
    store::AuditEntry e{
        who.account_id,
        "account.update",
        "account",
        std::to_string(id),
        scope_id,
        o.client_address,
        o.request_id,
        {{"before", pick(before)}, {"after", pick(out)}, {"ended_sessions", ended}}};
    return s.AppendAudit(e, now);
  }));
  sessions_.Invalidate(id);
  return out;
}

Result<json> Administration::AuditLog(const Principal& who, const AuditQuery& q, int64_t max_rows) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewAuditLog, nullptr));
  if (q.from_day && q.to_day && *q.from_day > *q.to_day) {
    return Status::InvalidField("to", "结束日期不能早于开始日期");
  }
  json items = json::array();
  int64_t total = 0;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    std::string base = who.scope.path;
    if (q.unit != 0) {
      auto node = org::OrgRepository::Get(s, q.unit);
      if (!node.ok() || !who.scope.Contains(*node)) {
        return Status::InvalidField("unit", kAbsentNode);
      }
      base = node->path;
    }
    // Entries without a place (org_node_id 0: failed logins, registrations) belong to the
    // whole tree: only an administrator of the root sees them, and only without `unit`.
    const bool with_placeless = who.scope.parent_id == 0 && q.unit == 0;
    std::string where = with_placeless ? "((n.path >= ? AND n.path < ?) OR l.org_node_id = 0)"
                                       : "(n.path >= ? AND n.path < ?)";
    store::Params params = {base, base + "\x7f"};
    if (q.user != 0) {
      where += " AND l.actor_account_id = ?";
      params.emplace_back(q.user);
    }
    if (!q.action.empty()) {
      if (q.action.back() == '.') {
        where += " AND l.action LIKE ? ESCAPE '\\'";
        params.emplace_back(LikeEscape(q.action) + "%");
      } else {
        where += " AND l.action = ?";
        params.emplace_back(q.action);
      }
    }
    if (q.from_day) {
      where += " AND l.at >= ?";
      params.emplace_back(*q.from_day * kDayMs - kBeijingOffsetMs);
    }
    if (q.to_day) {
      where += " AND l.at < ?";
      params.emplace_back((*q.to_day + 1) * kDayMs - kBeijingOffsetMs);
    }
    const std::string from =
        " FROM audit_log l LEFT JOIN org_node n ON n.id = l.org_node_id LEFT JOIN account a ON "
        "a.id = l.actor_account_id WHERE ";
    HUOJU_ASSIGN_OR_RETURN(auto count, s.Query("SELECT COUNT(*)" + from + where, params));
    total = count.Int(0, 0);
    if (max_rows > 0 && total > max_rows) {
      return Status::InvalidField(
          "to", fmt::format("符合条件的记录有 {} 条，超过导出上限 {} 条，请缩小时间范围", total,
                            max_rows));
    }
    params.emplace_back(max_rows > 0 ? max_rows : q.limit);
    params.emplace_back(max_rows > 0 ? 0 : q.offset);
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT l.id, l.at, l.action, l.actor_account_id, a.username, l.object_type, "
                "l.object_id, l.org_node_id, n.name, l.client_address, l.detail" +
                    from + where + " ORDER BY l.id DESC LIMIT ? OFFSET ?",
                params));
    for (size_t i = 0; i < rows.size(); ++i) {
      json detail = json::parse(rows.Text(i, 10), nullptr, false);
      items.push_back({{"id", rows.Int(i, 0)},
                       {"at", FormatIsoUtc(rows.Int(i, 1))},
                       {"action", rows.Text(i, 2)},
                       {"actor", {{"id", rows.Int(i, 3)}, {"username", rows.Text(i, 4)}}},
                       {"object_type", rows.Text(i, 5)},
                       {"object_id", rows.Text(i, 6)},
                       {"org_node", {{"id", rows.Int(i, 7)}, {"name", rows.Text(i, 8)}}},
                       {"client_address", rows.Text(i, 9)},
                       {"detail", detail.is_discarded() ? json::object() : detail}});
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)},
              {"total", total},
              {"offset", max_rows > 0 ? 0 : q.offset},
              {"limit", max_rows > 0 ? max_rows : q.limit}};
}

}  // namespace huoju::app
