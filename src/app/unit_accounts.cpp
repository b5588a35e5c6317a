#include "huoju/app/unit_accounts.hpp"

#include <fmt/format.h>

#include "huoju/core/identifiers.hpp"
#include "huoju/identity/account_fields.hpp"
#include "huoju/identity/modules.hpp"
#include "huoju/identity/password_policy.hpp"

namespace huoju::app {

using identity::Action;
using identity::Authorize;
using identity::Principal;
using identity::RequestOrigin;
using nlohmann::json;

namespace {

constexpr const char* kAbsentAccount = "账号不存在或不属于本单位";
constexpr const char* kAbsentLink = "授权申请不存在或不属于本单位";

json ModulesJson(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  return j.is_array() ? j : json::array();
}

json TimeOrNull(const store::Rows& r, size_t i, size_t col) {
  return r.IsNull(i, col) ? json(nullptr) : json(FormatIsoUtc(r.Int(i, col)));
}

constexpr const char* kSubColumns =
    "id, username, display_name, status, modules_json, created_at, last_login_at";

json SubJson(const store::Rows& r, size_t i) {
  return {{"id", r.Int(i, 0)},
          {"username", r.Text(i, 1)},
          {"display_name", r.Text(i, 2)},
          {"status", r.Text(i, 3)},
          {"modules", ModulesJson(r.Text(i, 4))},
          {"created_at", FormatIsoUtc(r.Int(i, 5))},
          {"last_login_at", TimeOrNull(r, i, 6)}};
}

constexpr const char* kLinkColumns =
    "l.id, l.account_id, a.username, a.display_name, a.id_type, a.id_number, l.status, "
    "l.modules_json, l.requested_at, l.decided_at, n.id, n.name, n.uscc";
constexpr const char* kLinkFrom =
    " FROM person_link l JOIN account a ON a.id = l.account_id JOIN org_node n ON n.id = "
    "l.unit_id";

json LinkJson(const store::Rows& r, size_t i) {
  return {{"id", r.Int(i, 0)},
          {"account_id", r.Int(i, 1)},
          {"username", r.Text(i, 2)},
          {"display_name", r.Text(i, 3)},
          {"id_type", r.Text(i, 4)},
          {"id_number", identity::MaskIdNumber(r.Text(i, 5))},
          {"status", r.Text(i, 6)},
          {"modules", ModulesJson(r.Text(i, 7))},
          {"requested_at", FormatIsoUtc(r.Int(i, 8))},
          {"decided_at", TimeOrNull(r, i, 9)},
          {"unit", {{"id", r.Int(i, 10)}, {"name", r.Text(i, 11)}, {"uscc", r.Text(i, 12)}}}};
}

}  // namespace

UnitAccounts::UnitAccounts(store::Database& db, identity::PasswordHasher& hasher,
                           identity::SessionManager& sessions, const Clock& clock)
    : db_(db), hasher_(hasher), sessions_(sessions), clock_(clock) {}

Result<json> UnitAccounts::LoadSub(store::Session& s, const Principal& admin, int64_t id) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows, s.Query(fmt::format("SELECT {} FROM account WHERE id = ? AND kind = 'sub' AND "
                                     "scope_node_id = ?",
                                     kSubColumns),
                         {id, admin.scope.id}));
  if (rows.empty()) {
    return Status::NotFound(kAbsentAccount);
  }
  return SubJson(rows, 0);
}

Result<json> UnitAccounts::List(const Principal& admin) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  json items = json::array();
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query(fmt::format("SELECT {} FROM account WHERE scope_node_id = ? AND kind = "
                                       "'sub' ORDER BY id LIMIT 1000",
                                       kSubColumns),
                           {admin.scope.id}));
    for (size_t i = 0; i < rows.size(); ++i) {
      items.push_back(SubJson(rows, i));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}};
}

Result<json> UnitAccounts::Create(const Principal& admin, const NewSubAccount& a,
                                  const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  HUOJU_RETURN_IF_ERROR(identity::CheckUsername(a.username, "username"));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(a.display_name, 1, 50, "display_name", "姓名"));
  HUOJU_ASSIGN_OR_RETURN(auto modules, identity::NormalizeModules(a.modules, "modules"));
  HUOJU_RETURN_IF_ERROR(identity::CheckPasswordPolicy(a.password, a.username, "password"));
  HUOJU_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(a.password));
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto taken,
        s.Query("SELECT (SELECT COUNT(*) FROM account WHERE username = ?) + (SELECT COUNT(*) FROM "
                "registration WHERE admin_username = ? AND status = 'pending')",
                {a.username, a.username}));
    if (taken.Int(0, 0) > 0) {
      return Status(ErrorCode::kConflict, "该用户名已被使用，请换一个", {{"field", "username"}});
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(
            "INSERT INTO account (username, display_name, password_hash, role, scope_node_id, "
            "kind, modules_json, created_at, updated_at) VALUES (?, ?, ?, 'filler', ?, 'sub', "
            "?, ?, ?) RETURNING id",
            {a.username, a.display_name, hash, admin.scope.id, json(modules).dump(), now, now}));
    const int64_t id = rows.Int(0, 0);
    store::AuditEntry e{
        admin.account_id, "unit.sub_account_create", "account",    std::to_string(id),
        admin.scope.id,   o.client_address,          o.request_id, {{"modules", modules}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, LoadSub(s, admin, id));
    return Status::Ok();
  }));
  return out;
}

Result<json> UnitAccounts::SetModules(const Principal& admin, int64_t id,
                                      const std::vector<std::string>& modules_in,
                                      const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  HUOJU_ASSIGN_OR_RETURN(auto modules, identity::NormalizeModules(modules_in, "modules"));
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(json before, LoadSub(s, admin, id));
    HUOJU_RETURN_IF_ERROR(
        s.Execute("UPDATE account SET modules_json = ?, updated_at = ? WHERE id = ?",
                  {json(modules).dump(), now, id})
            .status());
    store::AuditEntry e{admin.account_id, "unit.sub_account_modules",
                        "account",        std::to_string(id),
                        admin.scope.id,   o.client_address,
                        o.request_id,     {{"before", before["modules"]}, {"after", modules}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, LoadSub(s, admin, id));
    return Status::Ok();
  }));
  sessions_.Invalidate(id);  // the next request sees the new grants
  return out;
}

Result<json> UnitAccounts::SetEnabled(const Principal& admin, int64_t id, bool enabled,
                                      const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // After a close of the unit (which disables its accounts) that came first, not interleaved
    // with one.
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_RETURN_IF_ERROR(LoadSub(s, admin, id).status());
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE account SET status = ?, updated_at = ? WHERE id = ?",
                                    {std::string(enabled ? "active" : "disabled"), now, id})
                              .status());
    int64_t ended = 0;
    if (!enabled) {
      HUOJU_ASSIGN_OR_RETURN(ended, identity::SessionManager::RevokeAllIn(s, id, now));
    }
    store::AuditEntry e{
        admin.account_id, enabled ? "unit.sub_account_enable" : "unit.sub_account_disable",
        "account",        std::to_string(id),
        admin.scope.id,   o.client_address,
        o.request_id,     {{"ended_sessions", ended}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, LoadSub(s, admin, id));
    return Status::Ok();
  }));
  sessions_.Invalidate(id);
  return out;
}

Result<json> UnitAccounts::LoadLink(store::Session& s, const Principal& admin, int64_t link_id) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows,
      s.Query(fmt::format("SELECT {}{} WHERE l.id = ? AND l.unit_id = ?", kLinkColumns, kLinkFrom),
              {link_id, admin.scope.id}));
  if (rows.empty()) {
    return Status::NotFound(kAbsentLink);
  }
  return LinkJson(rows, 0);
}

Result<json> UnitAccounts::ListPersons(const Principal& admin) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  json items = json::array();
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(fmt::format("SELECT {}{} WHERE l.unit_id = ? ORDER BY CASE l.status WHEN "
                            "'requested' THEN 0 WHEN 'granted' THEN 1 ELSE 2 END, l.id LIMIT 1000",
                            kLinkColumns, kLinkFrom),
                {admin.scope.id}));
    for (size_t i = 0; i < rows.size(); ++i) {
      items.push_back(LinkJson(rows, i));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}};
}

Result<json> UnitAccounts::GrantPerson(const Principal& admin, int64_t link_id,
                                       const std::vector<std::string>& modules_in,
                                       const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  HUOJU_ASSIGN_OR_RETURN(auto modules, identity::NormalizeModules(modules_in, "modules"));
  if (modules.empty()) {
    return Status::InvalidField("modules", "请至少选择一个授权模块");
  }
  const int64_t now = clock_.NowMillis();
  json out;
  int64_t person = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(json before, LoadLink(s, admin, link_id));
    person = before["account_id"].get<int64_t>();
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE person_link SET status = 'granted', modules_json = ?, "
                                    "decided_at = ?, decided_by = ? WHERE id = ?",
                                    {json(modules).dump(), now, admin.account_id, link_id})
                              .status());
    store::AuditEntry e{admin.account_id,
                        "unit.person_grant",
                        "person_link",
                        std::to_string(link_id),
                        admin.scope.id,
                        o.client_address,
                        o.request_id,
                        {{"account_id", person},
                         {"before", {{"status", before["status"]}, {"modules", before["modules"]}}},
                         {"after", {{"status", "granted"}, {"modules", modules}}}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, LoadLink(s, admin, link_id));
    return Status::Ok();
  }));
  sessions_.Invalidate(person);
  return out;
}

Result<json> UnitAccounts::WithdrawPerson(const Principal& admin, int64_t link_id,
                                          const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageUnitAccounts, nullptr));
  const int64_t now = clock_.NowMillis();
  json out;
  int64_t person = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(json before, LoadLink(s, admin, link_id));
    person = before["account_id"].get<int64_t>();
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE person_link SET status = 'withdrawn', modules_json = "
                                    "'[]', decided_at = ?, decided_by = ? WHERE id = ?",
                                    {now, admin.account_id, link_id})
                              .status());
    store::AuditEntry e{admin.account_id,
                        "unit.person_withdraw",
                        "person_link",
                        std::to_string(link_id),
                        admin.scope.id,
                        o.client_address,
                        o.request_id,
                        {{"account_id", person},
                         {"before", {{"status", before["status"]}, {"modules", before["modules"]}}},
                         {"after", {{"status", "withdrawn"}, {"modules", json::array()}}}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, LoadLink(s, admin, link_id));
    return Status::Ok();
  }));
  sessions_.Invalidate(person);  // the person's next request no longer reaches the unit
  return out;
}

Result<json> UnitAccounts::OwnLinks(const Principal& person) {
  HUOJU_RETURN_IF_ERROR(Authorize(person, Action::kManagePersonLinks, nullptr));
  json items = json::array();
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(fmt::format("SELECT {}{} WHERE l.account_id = ? ORDER BY l.id LIMIT 1000",
                            kLinkColumns, kLinkFrom),
                {person.account_id}));
    for (size_t i = 0; i < rows.size(); ++i) {
      items.push_back(LinkJson(rows, i));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)}};
}

Result<json> UnitAccounts::RequestLink(const Principal& person, const std::string& uscc,
                                       const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(person, Action::kManagePersonLinks, nullptr));
  std::string problem = DescribeUsccProblem(uscc);
  if (!problem.empty()) {
    return Status::InvalidField("uscc", problem);
  }
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto unit,
                           s.Query("SELECT id FROM org_node WHERE uscc = ? AND kind = 'unit' AND "
                                   "status = 'active'",
                                   {uscc}));
    if (unit.empty()) {
      return Status::NotFound("没有使用该统一社会信用代码的在册单位");
    }
    const int64_t unit_id = unit.Int(0, 0);
    HUOJU_ASSIGN_OR_RETURN(auto existing,
                           s.Query("SELECT id, status FROM person_link WHERE account_id = ? AND "
                                   "unit_id = ?",
                                   {person.account_id, unit_id}));
    int64_t link_id = 0;
    if (!existing.empty()) {
      if (existing.Text(0, 1) != "withdrawn") {
        return Status(ErrorCode::kConflict, "您已向该单位提出过申请或已获授权",
                      {{"field", "uscc"}});
      }
      link_id = existing.Int(0, 0);  // asking again after a withdrawal reuses the row
      // Only if still withdrawn: a grant or another request may have come in meanwhile.
      HUOJU_ASSIGN_OR_RETURN(
          int64_t changed,
          s.Execute("UPDATE person_link SET status = 'requested', requested_at = ?, decided_at = "
                    "NULL, decided_by = NULL WHERE id = ? AND status = 'withdrawn'",
                    {now, link_id}));
      if (changed != 1) {
        return Status(ErrorCode::kConflict, "您已向该单位提出过申请或已获授权",
                      {{"field", "uscc"}});
      }
    } else {
      HUOJU_ASSIGN_OR_RETURN(
          auto rows, s.Query("INSERT INTO person_link (account_id, unit_id, status, requested_at) "
                             "VALUES (?, ?, 'requested', ?) RETURNING id",
                             {person.account_id, unit_id, now}));
      link_id = rows.Int(0, 0);
    }
    store::AuditEntry e{
        person.account_id, "person.link_request", "person_link", std::to_string(link_id),
        unit_id,           o.client_address,      o.request_id};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(fmt::format("SELECT {}{} WHERE l.id = ?", kLinkColumns, kLinkFrom), {link_id}));
    out = LinkJson(rows, 0);
    return Status::Ok();
  }));
  return out;
}

}  // namespace huoju::app
