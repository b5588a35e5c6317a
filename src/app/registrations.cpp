#include "huoju/app/registrations.hpp"

#include <fmt/format.h>

#include "huoju/core/identifiers.hpp"
#include "huoju/identity/account_fields.hpp"
#include "huoju/identity/password_policy.hpp"
#include "huoju/org/code_list.hpp"

namespace huoju::app {

using identity::Action;
using identity::Authorize;
using identity::Principal;
using identity::RequestOrigin;
using nlohmann::json;

namespace {

constexpr const char* kColumns =
    "r.id, r.status, r.uscc, r.name, r.region_code, r.zone_id, r.parent_id, r.contact_name, "
    "r.contact_phone, r.contact_email, r.admin_username, r.created_at, r.decided_at, "
    "r.decided_by, r.reason, r.unit_id, r.account_id, r.status_token_hash, z.name, p.name, "
    "d.username";
constexpr const char* kFrom =
    " FROM registration r JOIN org_node p ON p.id = r.parent_id LEFT JOIN org_node z ON z.id = "
    "r.zone_id LEFT JOIN account d ON d.id = r.decided_by";

const char* StatusName(const std::string& status) {
  if (status == "pending") {
    return "待审核";
  }
  if (status == "approved") {
    return "已通过";
  }
  return "已驳回";
}

// "广东省深圳市南山区" from the GB/T 2260 list (county → city → province).
std::string RegionName(const std::string& code) {
  std::string name;
  for (const Code* c = org::Regions().Find(code); c != nullptr;
       c = c->parent.empty() ? nullptr : org::Regions().Find(c->parent)) {
    // Prefectures named 市辖区/县 add nothing to the reading.
    if (c->name != "市辖区" && c->name != "县") {
      name = c->name + name;
    }
  }
  return name;
}

json Nullable(const store::Rows& r, size_t row, size_t col, bool text) {
  if (r.IsNull(row, col)) {
    return nullptr;
  }
  return text ? json(r.Text(row, col)) : json(r.Int(row, col));
}

json RowJson(const store::Rows& r, size_t i, bool full) {
  json zone = nullptr;
  if (!r.IsNull(i, 5)) {
    zone = {{"id", r.Int(i, 5)}, {"name", r.Text(i, 18)}};
  }
  json decided_by = nullptr;
  if (!r.IsNull(i, 13)) {
    decided_by = {{"id", r.Int(i, 13)}, {"username", r.Text(i, 20)}};
  }
  json out = {{"id", r.Int(i, 0)},
              {"kind", "unit"},
              {"status", r.Text(i, 1)},
              {"status_name", StatusName(r.Text(i, 1))},
              {"uscc", r.Text(i, 2)},
              {"name", r.Text(i, 3)},
              {"region_code", r.Text(i, 4)},
              {"region_name", RegionName(r.Text(i, 4))},
              {"zone", zone},
              {"parent", {{"id", r.Int(i, 6)}, {"name", r.Text(i, 19)}}},
              {"created_at", FormatIsoUtc(r.Int(i, 11))},
              {"decided_at", r.IsNull(i, 12) ? json(nullptr) : json(FormatIsoUtc(r.Int(i, 12)))},
              {"decided_by", decided_by},
              {"reason", Nullable(r, i, 14, true)},
              {"unit_id", Nullable(r, i, 15, false)},
              {"account_id", Nullable(r, i, 16, false)}};
  if (full) {
    out["contact_name"] = r.Text(i, 7);
    out["contact_phone"] = r.Text(i, 8);
    out["contact_email"] = r.Text(i, 9);
    out["admin_username"] = r.Text(i, 10);
  }
  return out;
}

Status UsernameFree(store::Session& s, const std::string& username, const std::string& field) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows,
      s.Query("SELECT (SELECT COUNT(*) FROM account WHERE username = ?) + (SELECT COUNT(*) FROM "
              "registration WHERE admin_username = ? AND status = 'pending')",
              {username, username}));
  if (rows.Int(0, 0) > 0) {
    return Status(ErrorCode::kConflict, "该用户名已被使用，请换一个", {{"field", field}});
  }
  return Status::Ok();
}

// An application outside the reviewer's scope looks absent, like a missing one.
Status InScope(const Principal& who, const org::OrgNode& place) {
  Status st = Authorize(who, Action::kReviewRegistration, &place);
  if (st.code() == ErrorCode::kNotFound) {
    return Status::NotFound("注册申请不存在或不在您的管辖范围内");
  }
  return st;
}

}  // namespace

Registrations::Registrations(store::Database& db, identity::PasswordHasher& hasher,
                             org::Directory& directory, Filings& filings, const Clock& clock,
                             RegistrationLimits limits)
    : db_(db),
      hasher_(hasher),
      directory_(directory),
      filings_(filings),
      clock_(clock),
      limits_(limits) {}

Status Registrations::Admit(const std::string& address) {
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  if (recent_.size() > 100'000) {  // forget quiet addresses
    std::erase_if(recent_, [&](const auto& kv) {
      return kv.second.empty() || now - kv.second.back() > limits_.window_ms;
    });
  }
  auto& times = recent_[address];
  while (!times.empty() && now - times.front() > limits_.window_ms) {
    times.pop_front();
  }
  if (static_cast<int>(times.size()) >= limits_.per_address) {
    return Status(ErrorCode::kRateLimited, "来自您所在网络地址的注册申请过多，请一小时后再试");
  }
  times.push_back(now);
  return Status::Ok();
}

Result<org::OrgNode> Registrations::PlaceFor(const std::string& region_code,
                                             int64_t zone_id) const {
  const Code* region = org::Regions().Find(region_code);
  if (region_code.size() != 6 || region == nullptr) {
    return Status::InvalidField("region_code", "所在地区应为 GB/T 2260 的 6 位行政区划代码");
  }
  const std::string city_code = region_code.substr(0, 4) + "00";
  int64_t city_id = 0;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query("SELECT id FROM org_node WHERE kind = 'city' AND code = ? AND status = "
                           "'active' ORDER BY id LIMIT 1",
                           {city_code}));
    city_id = rows.empty() ? 0 : rows.Int(0, 0);
    return Status::Ok();
  }));
  auto city = directory_.Get(city_id);
  if (!city) {
    return Status::InvalidField("region_code", "该地区暂未开通注册，请联系当地科技管理部门");
  }
  if (zone_id == 0) {
    return *city;
  }
  auto zone = directory_.Get(zone_id);
  if (!zone || zone->kind != org::NodeKind::kZone || zone->parent_id != city->id ||
      zone->status != "active") {
    return Status::InvalidField("zone_id", "所选园区不在该地区内，请重新选择或不选园区");
  }
  return *zone;
}

Result<json> Registrations::ZonesFor(const std::string& region_code) const {
  HUOJU_ASSIGN_OR_RETURN(org::OrgNode city, PlaceFor(region_code, 0));
  json items = json::array();
  for (const auto& z : directory_.Children(city.id, org::NodeKind::kZone, {0, 200}).items) {
    if (z.status == "active") {
      items.push_back({{"id", z.id}, {"name", z.name}, {"code", z.code}, {"city_name", city.name}});
    }
  }
  return json{{"items", std::move(items)}};
}

Result<json> Registrations::SubmitUnit(const UnitApplication& a, const RequestOrigin& o) {
  // Every field is checked before anything is counted or stored.
  std::string problem = DescribeUsccProblem(a.uscc);
  if (!problem.empty()) {
    return Status::InvalidField("uscc", problem);
  }
  HUOJU_RETURN_IF_ERROR(identity::CheckText(a.name, 2, 100, "name", "单位名称"));
  HUOJU_ASSIGN_OR_RETURN(org::OrgNode place, PlaceFor(a.region_code, a.zone_id));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(a.contact_name, 1, 50, "contact_name", "联系人"));
  HUOJU_RETURN_IF_ERROR(identity::CheckPhone(a.contact_phone, "contact_phone"));
  HUOJU_RETURN_IF_ERROR(identity::CheckEmail(a.contact_email, "contact_email"));
  HUOJU_RETURN_IF_ERROR(identity::CheckUsername(a.admin_username, "admin_username"));
  const std::string display =
      a.admin_display_name.empty() ? a.name + "管理员" : a.admin_display_name;
  HUOJU_RETURN_IF_ERROR(identity::CheckText(display, 1, 110, "admin_display_name", "管理员姓名"));
  HUOJU_RETURN_IF_ERROR(
      identity::CheckPasswordPolicy(a.admin_password, a.admin_username, "admin_password"));
  HUOJU_RETURN_IF_ERROR(Admit(o.client_address));
  HUOJU_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(a.admin_password));
  const std::string token = identity::RandomHex(32);
  const int64_t now = clock_.NowMillis();
  int64_t id = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto dup, s.Query("SELECT (SELECT COUNT(*) FROM org_node WHERE uscc = ?) + (SELECT "
                          "COUNT(*) FROM registration WHERE uscc = ? AND status = 'pending')",
                          {a.uscc, a.uscc}));
    if (dup.Int(0, 0) > 0) {
      return Status(ErrorCode::kConflict,
                    "该统一社会信用代码已注册或已有待审核的申请，请勿重复注册",
                    {{"field", "uscc"}});
    }
    HUOJU_RETURN_IF_ERROR(UsernameFree(s, a.admin_username, "admin_username"));
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("INSERT INTO registration (status, uscc, name, region_code, zone_id, parent_id, "
                "contact_name, contact_phone, contact_email, admin_username, admin_display_name, "
                "password_hash, status_token_hash, created_at) VALUES ('pending', ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                {a.uscc, a.name, a.region_code,
                 a.zone_id == 0 ? store::Value(nullptr) : store::Value(a.zone_id), place.id,
                 a.contact_name, a.contact_phone, a.contact_email, a.admin_username, display, hash,
                 identity::TokenHash(token), now}));
    id = rows.Int(0, 0);
    store::AuditEntry e{0,        "registration.submit", "registration", std::to_string(id),
                        place.id, o.client_address,      o.request_id,   {{"parent_id", place.id}}};
    return s.AppendAudit(e, now);
  }));
  return json{{"id", id}, {"status", "pending"}, {"status_token", token}};
}

Result<json> Registrations::Load(store::Session& s, int64_t id, bool full, int64_t* parent_id,
                                 std::string* token_hash) {
  HUOJU_ASSIGN_OR_RETURN(auto rows,
                         s.Query(fmt::format("SELECT {}{} WHERE r.id = ?", kColumns, kFrom), {id}));
  if (rows.empty()) {
    return Status::NotFound("注册申请不存在或不在您的管辖范围内");
  }
  if (parent_id != nullptr) {
    *parent_id = rows.Int(0, 6);
  }
  if (token_hash != nullptr) {
    *token_hash = rows.Text(0, 17);
  }
  return RowJson(rows, 0, full);
}

Result<json> Registrations::StatusOf(int64_t id, const std::string& token) {
  static const char* const kNone = "未找到该注册申请，请核对申请编号和查询码";
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    std::string hash;
    auto r = Load(s, id, false, nullptr, &hash);
    // Compared in constant time, and the same answer for a wrong id or a wrong token.
    if (!r.ok() || !identity::ConstantTimeEquals(hash, identity::TokenHash(token))) {
      return Status::NotFound(kNone);
    }
    out = std::move(r).value();
    return Status::Ok();
  }));
  return out;
}

Result<json> Registrations::SubmitPerson(const PersonApplication& a, const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(identity::CheckUsername(a.username, "username"));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(a.display_name, 1, 50, "display_name", "姓名"));
  HUOJU_RETURN_IF_ERROR(identity::CheckIdDocument(a.id_type, a.id_number, "id_type", "id_number"));
  HUOJU_RETURN_IF_ERROR(identity::CheckPhone(a.phone, "phone"));
  HUOJU_RETURN_IF_ERROR(identity::CheckEmail(a.email, "email"));
  HUOJU_RETURN_IF_ERROR(identity::CheckPasswordPolicy(a.password, a.username, "password"));
  HUOJU_RETURN_IF_ERROR(Admit(o.client_address));
  HUOJU_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(a.password));
  const int64_t now = clock_.NowMillis();
  int64_t id = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(UsernameFree(s, a.username, "username"));
    HUOJU_ASSIGN_OR_RETURN(
        auto dup, s.Query("SELECT COUNT(*) FROM account WHERE id_type = ? AND id_number = ?",
                          {a.id_type, a.id_number}));
    if (dup.Int(0, 0) > 0) {
      return Status(ErrorCode::kConflict, "该证件号码已注册过个人账号", {{"field", "id_number"}});
    }
    // A person sits at the root of the tree but may not read it (Authorize: kViewOrg).
    HUOJU_ASSIGN_OR_RETURN(auto root,
                           s.Query("SELECT id FROM org_node WHERE parent_id IS NULL ORDER BY id "
                                   "LIMIT 1"));
    if (root.empty()) {
      return Status::Unavailable("系统尚未初始化机构树");
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("INSERT INTO account (username, display_name, password_hash, role, scope_node_id, "
                "kind, id_type, id_number, phone, email, created_at, updated_at) VALUES (?, ?, ?, "
                "'person', ?, 'person', ?, ?, ?, ?, ?, ?) RETURNING id",
                {a.username, a.display_name, hash, root.Int(0, 0), a.id_type, a.id_number, a.phone,
                 a.email, now, now}));
    id = rows.Int(0, 0);
    store::AuditEntry e{id, "account.register_person", "account",    std::to_string(id),
                        0,  o.client_address,          o.request_id, {{"id_type", a.id_type}}};
    return s.AppendAudit(e, now);
  }));
  return json{{"account_id", id}, {"username", a.username}};
}

Result<json> Registrations::List(const Principal& who, const std::string& status, org::Page page) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewRegistration, nullptr));
  if (status != "pending" && status != "approved" && status != "rejected" && status != "all") {
    return Status::InvalidField("status", "状态应为 pending、approved、rejected 或 all");
  }
  const std::string lo = who.scope.path;
  const std::string hi = who.scope.path + "\x7f";
  const std::string where = status == "all" ? "p.path >= ? AND p.path < ?"
                                            : "p.path >= ? AND p.path < ? AND r.status = ?";
  store::Params params = {lo, hi};
  if (status != "all") {
    params.emplace_back(status);
  }
  json items = json::array();
  int64_t total = 0;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto count, s.Query(fmt::format("SELECT COUNT(*) FROM registration r JOIN org_node p ON "
                                        "p.id = r.parent_id WHERE {}",
                                        where),
                            params));
    total = count.Int(0, 0);
    store::Params paged = params;
    paged.emplace_back(page.limit);
    paged.emplace_back(page.offset);
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query(fmt::format("SELECT {}{} WHERE {} ORDER BY r.id LIMIT ? OFFSET ?",
                                       kColumns, kFrom, where),
                           paged));
    for (size_t i = 0; i < rows.size(); ++i) {
      items.push_back(RowJson(rows, i, true));
    }
    return Status::Ok();
  }));
  return json{{"items", std::move(items)},
              {"total", total},
              {"offset", page.offset},
              {"limit", page.limit}};
}

Result<json> Registrations::Get(const Principal& who, int64_t id) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewRegistration, nullptr));
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    int64_t parent_id = 0;
    HUOJU_ASSIGN_OR_RETURN(out, Load(s, id, true, &parent_id, nullptr));
    HUOJU_ASSIGN_OR_RETURN(auto parent, org::OrgRepository::Get(s, parent_id));
    HUOJU_RETURN_IF_ERROR(InScope(who, parent));
    return Status::Ok();
  }));
  return out;
}

Result<json> Registrations::Approve(const Principal& who, int64_t id, const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewRegistration, nullptr));
  const int64_t now = clock_.NowMillis();
  json out;
  org::OrgNode unit;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // The zone's state checked below must hold until the unit is in the tree: a close of the
    // zone waits (or is seen, if it came first).
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT status, uscc, name, region_code, zone_id, parent_id, contact_name, "
                "contact_phone, contact_email, admin_username, admin_display_name, password_hash "
                "FROM registration WHERE id = ?",
                {id}));
    if (rows.empty()) {
      return Status::NotFound("注册申请不存在或不在您的管辖范围内");
    }
    HUOJU_ASSIGN_OR_RETURN(auto parent, org::OrgRepository::Get(s, rows.Int(0, 5)));
    HUOJU_RETURN_IF_ERROR(InScope(who, parent));
    if (rows.Text(0, 0) != "pending") {
      return Status::Conflict("该申请已处理，不能重复审批");
    }
    if (parent.status != "active") {
      return Status::Conflict("申请所属的园区或地区已关闭，请驳回后由申请人重新选择");
    }
    org::NewNode n;
    n.parent_id = parent.id;
    n.kind = org::NodeKind::kUnit;
    n.name = rows.Text(0, 2);
    n.uscc = rows.Text(0, 1);
    n.region_code = rows.Text(0, 3);
    n.zone_id = rows.IsNull(0, 4) ? 0 : rows.Int(0, 4);
    n.unit_type = "enterprise";  // self-registered units are enterprises (高企 and the like)
    auto created = org::OrgRepository::Create(s, n, now);
    if (!created.ok()) {
      if (created.status().code() == ErrorCode::kConflict) {
        return Status(ErrorCode::kConflict, "该统一社会信用代码已被其他单位使用",
                      {{"field", "uscc"}});
      }
      return created.status();
    }
    unit = *created;
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE org_node SET contact_name = ?, contact_phone = ?, "
                                    "contact_email = ? WHERE id = ?",
                                    {rows.Text(0, 6), rows.Text(0, 7), rows.Text(0, 8), unit.id})
                              .status());
    // The name was free when the application came in and pending applications hold it, so
    // only an account made meanwhile by an administrator can take it.
    identity::NewAccount acct{rows.Text(0, 9),         rows.Text(0, 10), rows.Text(0, 11),
                              identity::Role::kFiller, unit.id,          false};
    auto account = identity::AccountRepository::Create(s, acct, now);
    if (!account.ok()) {
      if (account.status().details().is_object() &&
          account.status().details().value("field", "") == "username") {
        return Status(ErrorCode::kConflict,
                      "管理员用户名已被其他账号占用，请驳回后由申请人换名重新申请",
                      {{"field", "admin_username"}});
      }
      return account.status();
    }
    const int64_t account_id = *account;
    // Guarded by the state read above: of two concurrent decisions only one changes the row.
    HUOJU_ASSIGN_OR_RETURN(
        int64_t decided,
        s.Execute("UPDATE registration SET status = 'approved', decided_by = ?, decided_at = ?, "
                  "unit_id = ?, account_id = ? WHERE id = ? AND status = 'pending'",
                  {who.account_id, now, unit.id, account_id, id}));
    if (decided != 1) {
      return Status::Conflict("该申请已处理，不能重复审批");
    }
    for (const store::AuditEntry& e :
         {store::AuditEntry{who.account_id,
                            "registration.approve",
                            "registration",
                            std::to_string(id),
                            unit.id,
                            o.client_address,
                            o.request_id,
                            {{"unit_id", unit.id}, {"account_id", account_id}}},
          store::AuditEntry{who.account_id,
                            "org.create",
                            "org_node",
                            std::to_string(unit.id),
                            unit.id,
                            o.client_address,
                            o.request_id,
                            {{"name", unit.name},
                             {"kind", "unit"},
                             {"parent_id", unit.parent_id},
                             {"registration_id", id},
                             {"after", unit.ToJson()}}},
          store::AuditEntry{who.account_id,
                            "account.create",
                            "account",
                            std::to_string(account_id),
                            unit.id,
                            o.client_address,
                            o.request_id,
                            {{"role", "filler"}, {"registration_id", id}}}}) {
      HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    }
    HUOJU_ASSIGN_OR_RETURN(int64_t tasks, filings_.AddTasksForNewNode(s, unit));
    HUOJU_ASSIGN_OR_RETURN(json reg, Load(s, id, true, nullptr, nullptr));
    out = {{"registration", std::move(reg)},
           {"unit", unit.ToJson()},
           {"account_id", account_id},
           {"tasks_created", tasks}};
    return Status::Ok();
  }));
  // Only after the commit: the directory never shows what the store does not hold.
  directory_.Upsert(unit);
  return out;
}

Result<json> Registrations::Reject(const Principal& who, int64_t id, const std::string& reason,
                                   const RequestOrigin& o) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kReviewRegistration, nullptr));
  HUOJU_RETURN_IF_ERROR(identity::CheckText(reason, 1, 500, "reason", "驳回理由"));
  const int64_t now = clock_.NowMillis();
  json out;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    int64_t parent_id = 0;
    HUOJU_ASSIGN_OR_RETURN(json reg, Load(s, id, true, &parent_id, nullptr));
    HUOJU_ASSIGN_OR_RETURN(auto parent, org::OrgRepository::Get(s, parent_id));
    HUOJU_RETURN_IF_ERROR(InScope(who, parent));
    if (reg["status"] != "pending") {
      return Status::Conflict("该申请已处理，不能重复审批");
    }
    HUOJU_ASSIGN_OR_RETURN(
        int64_t decided, s.Execute("UPDATE registration SET status = 'rejected', decided_by = ?, "
                                   "decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'",
                                   {who.account_id, now, reason, id}));
    if (decided != 1) {
      return Status::Conflict("该申请已处理，不能重复审批");
    }
    store::AuditEntry e{
        who.account_id, "registration.reject", "registration", std::to_string(id),
        parent_id,      o.client_address,      o.request_id,   {{"reason", reason}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    HUOJU_ASSIGN_OR_RETURN(out, Load(s, id, true, nullptr, nullptr));
    return Status::Ok();
  }));
  return out;
}

}  // namespace huoju::app
