#include "huoju/identity/accounts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "huoju/core/log.hpp"
#include "huoju/identity/modules.hpp"
#include "huoju/identity/password_policy.hpp"

namespace huoju::identity {
namespace {

const Status& BadCredentials() {
  static const Status kStatus = Status::Unauthenticated("用户名或密码错误");
  return kStatus;
}

const Status& BadResetToken() {
  static const Status kStatus =
      Status::InvalidField("token", "重置令牌无效、已过期或已使用，请联系管理员重新获取");
  return kStatus;
}

Status TooManyFromAddress() {
  return {ErrorCode::kRateLimited, "来自您所在网络地址的失败尝试过多，请稍后再试"};
}

// `base` doubled for each lock after the first, at most `max`.
int64_t BackOff(int64_t base, int locks, int64_t max) {
  int64_t ms = base;
  for (int i = 1; i < locks && ms < max; ++i) {
    ms *= 2;
  }
  return std::min(ms, max);
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

}  // namespace

Result<int64_t> AccountRepository::Create(store::Session& s, const NewAccount& a,
                                          int64_t now_millis) {
  auto rows = s.Query(
      "INSERT INTO account (username, display_name, password_hash, role, scope_node_id, "
      "must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {a.username, a.display_name, a.password_hash, std::string(RoleCode(a.role)), a.scope_node_id,
       static_cast<int64_t>(a.must_change_password ? 1 : 0), now_millis, now_millis});
  if (!rows.ok()) {
    if (rows.status().code() == ErrorCode::kConflict) {
      return Status::InvalidField("username", "用户名已被使用");
    }
    return rows.status();
  }
  return rows->Int(0, 0);
}

SessionManager::SessionManager(store::Database& db, PasswordHasher& hasher, const Clock& clock,
                               SessionPolicy policy)
    : db_(db), hasher_(hasher), clock_(clock), policy_(policy) {
  auto dummy = hasher_.Hash("huoju-timing-equaliser");
  dummy_hash_ = dummy.ok() ? *dummy : "";
}

Result<Principal> SessionManager::LoadPrincipal(store::Session& s, int64_t account_id) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows, s.Query("SELECT username, display_name, role, scope_node_id, status, "
                         "must_change_password, kind, modules_json FROM account WHERE id = ?",
                         {account_id}));
  if (rows.empty() || rows.Text(0, 4) != "active") {
    return Status::Unauthenticated("登录已失效，请重新登录");
  }
  Principal p;
  p.account_id = account_id;
  p.username = rows.Text(0, 0);
  p.display_name = rows.Text(0, 1);
  p.role = ParseRole(rows.Text(0, 2)).value_or(Role::kFiller);
  p.must_change_password = rows.Int(0, 5) != 0;
  HUOJU_ASSIGN_OR_RETURN(p.scope, org::OrgRepository::Get(s, rows.Int(0, 3)));
  HUOJU_ASSIGN_OR_RETURN(auto lineage, org::OrgRepository::Lineage(s, p.scope));
  for (const auto& n : lineage) {
    p.scope_names.push_back(n.name);
  }
  p.kind = ParseAccountKind(rows.Text(0, 6));
  HUOJU_RETURN_IF_ERROR(LoadModules(s, rows.IsNull(0, 7) ? "" : rows.Text(0, 7), p));
  return p;
}

Status SessionManager::LoadModules(store::Session& s, const std::string& modules_json,
                                   Principal& p) {
  auto parse = [](const std::string& text) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_array()) {
      for (const auto& m : j) {
        if (m.is_string() && FindModule(m.get<std::string>()) != nullptr) {
          out.push_back(m.get<std::string>());
        }
      }
    }
    return out;
  };
  switch (p.kind) {
    case AccountKind::kSub:
      p.modules = parse(modules_json);
      return Status::Ok();
    case AccountKind::kPerson: {
      // A person reaches what its units granted, and only while those units are active.
      HUOJU_ASSIGN_OR_RETURN(
          auto rows, s.Query("SELECT n.id, n.name, n.uscc, l.modules_json FROM person_link l JOIN "
                             "org_node n ON n.id = l.unit_id WHERE l.account_id = ? AND l.status "
                             "= 'granted' AND n.status = 'active' ORDER BY n.id",
                             {p.account_id}));
      std::vector<std::string> all;
      for (size_t i = 0; i < rows.size(); ++i) {
        LinkedUnit u{rows.Int(i, 0), rows.Text(i, 1), rows.Text(i, 2), parse(rows.Text(i, 3))};
        all.insert(all.end(), u.modules.begin(), u.modules.end());
        p.units.push_back(std::move(u));
      }
      auto normalized = NormalizeModules(all, "modules");
      p.modules = normalized.ok() ? *normalized : std::vector<std::string>{};
      return Status::Ok();
    }
    case AccountKind::kPrimary:
      p.modules = ModulesForRole(p.role);
      return Status::Ok();
  }
  return Status::Ok();
}

Result<LoginResult> SessionManager::Login(std::string_view username, std::string_view password,
                                          const RequestOrigin& origin) {
  struct AccountRow {
    int64_t id = 0;
    std::string hash;
    std::string status;
    int64_t locked_until = 0;
    int64_t failed_logins = 0;
  } acct;
  HUOJU_RETURN_IF_ERROR(CheckAddress(origin.client_address, clock_.NowMillis()));
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT id, password_hash, status, locked_until, "
                                              "failed_logins FROM account WHERE username = ?",
                                              {std::string(username)}));
    if (!rows.empty()) {
      acct = {rows.Int(0, 0), rows.Text(0, 1), rows.Text(0, 2), rows.Int(0, 3), rows.Int(0, 4)};
    }
    return Status::Ok();
  }));

  const int64_t now = clock_.NowMillis();
  const bool known = acct.id != 0;
  // A full hash queue answers 429 before anything is counted: not a failed attempt.
  HUOJU_ASSIGN_OR_RETURN(bool verified,
                         hasher_.VerifyOrBusy(known ? acct.hash : dummy_hash_, password));
  const bool password_ok = verified && known;
  const bool locked = known && acct.locked_until > now;

  if (!password_ok || locked || acct.status != "active") {
    if (!password_ok) {
      RecordAddressFailure(origin.client_address, now);
    }
    if (known) {
      // Back-off: every `lockout_threshold` further failures double the lock.
      const int64_t failures = acct.failed_logins + 1;
      const int locks = static_cast<int>(failures / std::max(1, policy_.lockout_threshold));
      const int64_t lock_until = now + BackOff(policy_.lockout_ms, locks, policy_.max_lockout_ms);
      HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
        if (!password_ok) {
          HUOJU_RETURN_IF_ERROR(
              s.Execute(
                   "UPDATE account SET failed_logins = failed_logins + 1, locked_until = "
                   "CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END WHERE id = ?",
                   {static_cast<int64_t>(policy_.lockout_threshold), lock_until, acct.id})
                  .status());
        }
        store::AuditEntry e{
            acct.id,
            "auth.login_failed",
            "account",
            std::to_string(acct.id),
            0,
            origin.client_address,
            origin.request_id,
            {{"reason", locked ? "locked" : (password_ok ? "disabled" : "password")}}};
        return s.AppendAudit(e, now);
      }));
    }
    if (locked && password_ok) {
      return Status(ErrorCode::kRateLimited, "登录失败次数过多，账号已临时锁定，请稍后再试");
    }
    return BadCredentials();
  }

  // Parameters changed since this hash was made: store a new one now that we know the password.
  std::string rehashed;
  if (hasher_.NeedsRehash(acct.hash)) {
    auto fresh = hasher_.Hash(password);
    if (fresh.ok()) {
      rehashed = std::move(fresh).value();
    }
  }

  LoginResult result;
  result.token = RandomHex(32);
  const std::string hash = TokenHash(result.token);
  uint64_t revocations = 0;
  {
    std::unique_lock lock(mu_);
    revocations = revocations_;
  }
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // The account as it is now, not as it was when the password was checked: a disable or a
    // password change that committed since then wins (PostgreSQL runs writes concurrently).
    HUOJU_RETURN_IF_ERROR(s.LockRow("account", acct.id));
    HUOJU_ASSIGN_OR_RETURN(result.principal, LoadPrincipal(s, acct.id));
    HUOJU_ASSIGN_OR_RETURN(auto current,
                           s.Query("SELECT password_hash FROM account WHERE id = ?", {acct.id}));
    if (current.empty() || current.Text(0, 0) != acct.hash) {
      return Status::Unauthenticated("账号密码刚刚发生变更，请重新登录");
    }
    result.principal.csrf_token = RandomHex(32);
    result.principal.session_hash = hash;
    HUOJU_RETURN_IF_ERROR(
        s.Execute("INSERT INTO login_session (token_hash, account_id, csrf_token, created_at, "
                  "last_seen_at, expires_at, client_address, user_agent) VALUES (?, ?, ?, ?, ?, ?, "
                  "?, ?)",
                  {hash, acct.id, result.principal.csrf_token, now, now,
                   now + policy_.absolute_timeout_ms, origin.client_address,
                   origin.user_agent.substr(0, 512)})
            .status());
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE account SET failed_logins = 0, locked_until = 0, "
                                    "last_login_at = ? WHERE id = ?",
                                    {now, acct.id})
                              .status());
    if (!rehashed.empty()) {
      HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE account SET password_hash = ? WHERE id = ? AND "
                                      "password_hash = ?",
                                      {rehashed, acct.id, acct.hash})
                                .status());
      store::AuditEntry rehash{
          acct.id, "auth.password_rehashed", "account",        std::to_string(acct.id),
          0,       origin.client_address,    origin.request_id};
      HUOJU_RETURN_IF_ERROR(s.AppendAudit(rehash, now));
    }
    store::AuditEntry e{acct.id,
                        "auth.login",
                        "account",
                        std::to_string(acct.id),
                        result.principal.scope.id,
                        origin.client_address,
                        origin.request_id};
    return s.AppendAudit(e, now);
  }));
  {
    std::unique_lock lock(mu_);
    // Not cached when an account was disabled or changed meanwhile (the session is then
    // checked against the database on its first use, like any other not in the cache).
    if (revocations_ == revocations) {
      cache_[hash] = Cached{std::make_shared<const Principal>(result.principal), now, now, now};
    }
  }
  return result;
}

Result<SessionManager::Cached> SessionManager::LoadSession(const std::string& hash) {
  Cached c;
  bool found = false;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query("SELECT account_id, csrf_token, created_at, last_seen_at, expires_at, "
                           "revoked_at FROM login_session WHERE token_hash = ?",
                           {hash}));
    if (rows.empty() || !rows.IsNull(0, 5)) {
      return Status::Ok();
    }
    HUOJU_ASSIGN_OR_RETURN(Principal p, LoadPrincipal(s, rows.Int(0, 0)));
    p.csrf_token = rows.Text(0, 1);
    p.session_hash = hash;
    c.principal = std::make_shared<const Principal>(std::move(p));
    c.created_at = rows.Int(0, 2);
    c.last_seen_at = rows.Int(0, 3);
    found = true;
    return Status::Ok();
  }));
  if (!found) {
    return Status::Unauthenticated("登录已失效，请重新登录");
  }
  return c;
}

std::shared_ptr<const Principal> SessionManager::TryAuthenticateCached(std::string_view token) {
  if (token.size() != 64) {
    return nullptr;
  }
  const std::string hash = TokenHash(token);
  const int64_t now = clock_.NowMillis();
  std::shared_lock lock(mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end()) {
    return nullptr;
  }
  const Cached& c = it->second;
  const bool fresh = now - c.cached_at < policy_.cache_ttl_ms &&
                     now - c.last_seen_at <= policy_.touch_interval_ms &&
                     now - c.created_at <= policy_.absolute_timeout_ms;
  return fresh ? c.principal : nullptr;
}

Result<std::shared_ptr<const Principal>> SessionManager::Authenticate(std::string_view token) {
  if (token.size() != 64) {
    return Status::Unauthenticated("请先登录");
  }
  const std::string hash = TokenHash(token);
  const int64_t now = clock_.NowMillis();
  std::optional<Cached> cached;
  uint64_t revocations = 0;
  {
    std::shared_lock lock(mu_);
    revocations = revocations_;
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.cached_at < policy_.cache_ttl_ms) {
      cached = it->second;
    }
  }
  if (!cached) {
    HUOJU_ASSIGN_OR_RETURN(Cached loaded, LoadSession(hash));
    loaded.cached_at = now;
    cached = loaded;
  }
  if (now - cached->last_seen_at > policy_.idle_timeout_ms ||
      now - cached->created_at > policy_.absolute_timeout_ms) {
    std::unique_lock lock(mu_);
    cache_.erase(hash);
    return Status::Unauthenticated("登录已超时，请重新登录");
  }
  if (now - cached->last_seen_at > policy_.touch_interval_ms) {
    HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) {
      return s
          .Execute("UPDATE login_session SET last_seen_at = ? WHERE token_hash = ?", {now, hash})
          .status();
    }));
    cached->last_seen_at = now;
  }
  {
    std::unique_lock lock(mu_);
    // A session ended while this one was loaded may be this one: do not bring it back.
    if (revocations_ == revocations) {
      cache_[hash] = *cached;
    }
  }
  return cached->principal;
}

Status SessionManager::Logout(const Principal& who, const RequestOrigin& origin) {
  const int64_t now = clock_.NowMillis();
  {
    std::unique_lock lock(mu_);
    cache_.erase(who.session_hash);
    ++revocations_;
  }
  return db_.Write([&](store::Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(
        s.Execute(
             "UPDATE login_session SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
             {now, who.session_hash})
            .status());
    store::AuditEntry e{
        who.account_id, "auth.logout",         "account",        std::to_string(who.account_id),
        who.scope.id,   origin.client_address, origin.request_id};
    return s.AppendAudit(e, now);
  });
}

Status SessionManager::CheckAddress(const std::string& address, int64_t now) {
  std::lock_guard lock(address_mu_);
  auto it = addresses_.find(address);
  if (it != addresses_.end() && it->second.locked_until > now) {
    return TooManyFromAddress();
  }
  return Status::Ok();
}

void SessionManager::RecordAddressFailure(const std::string& address, int64_t now) {
  std::lock_guard lock(address_mu_);
  if (addresses_.size() > 100'000) {  // forget addresses that are quiet and unlocked
    std::erase_if(addresses_, [&](const auto& kv) {
      return kv.second.locked_until <= now &&
             now - kv.second.window_start > policy_.address_window_ms &&
             now - kv.second.last_lock_at > policy_.max_lockout_ms;
    });
  }
  AddressState& a = addresses_[address];
  if (now - a.window_start > policy_.address_window_ms) {
    a.window_start = now;
    a.failures = 0;
  }
  if (++a.failures < policy_.address_lockout_threshold) {
    return;
  }
  // A lock soon after the last one lasts twice as long (back-off), up to max_lockout_ms.
  a.locks = now - a.last_lock_at <= policy_.max_lockout_ms ? a.locks + 1 : 1;
  a.last_lock_at = now;
  a.locked_until = now + BackOff(policy_.lockout_ms, a.locks, policy_.max_lockout_ms);
  a.failures = 0;
  a.window_start = now;
  LogEvent(LogLevel::kWarn, "auth.address_locked",
           {{"locks", a.locks}, {"until", FormatIsoUtc(a.locked_until)}});
}

Result<int64_t> SessionManager::RevokeAllIn(store::Session& s, int64_t account_id,
                                            int64_t now_millis) {
  return s.Execute(
      "UPDATE login_session SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
      {now_millis, account_id});
}

Result<Principal> SessionManager::PrincipalOf(int64_t account_id) {
  Principal p;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(p, LoadPrincipal(s, account_id));
    return Status::Ok();
  }));
  return p;
}

void SessionManager::ForgetAccount(int64_t account_id) {
  std::unique_lock lock(mu_);
  std::erase_if(cache_,
                [&](const auto& kv) { return kv.second.principal->account_id == account_id; });
  ++revocations_;
}

Status SessionManager::CheckAccountInScope(store::Session& s, const Principal& admin,
                                           int64_t account_id) {
  static const char* const kAbsent = "账号不存在或不在您的管辖范围内";
  HUOJU_ASSIGN_OR_RETURN(auto rows,
                         s.Query("SELECT scope_node_id FROM account WHERE id = ?", {account_id}));
  if (rows.empty()) {
    return Status::NotFound(kAbsent);
  }
  auto node = org::OrgRepository::Get(s, rows.Int(0, 0));
  if (!node.ok()) {
    return node.status().code() == ErrorCode::kNotFound ? Status::NotFound(kAbsent) : node.status();
  }
  Status allowed = Authorize(admin, Action::kManageAccounts, &*node);
  if (allowed.code() == ErrorCode::kNotFound) {
    return Status::NotFound(kAbsent);
  }
  return allowed;
}

Status SessionManager::CheckNotReused(store::Session& s, int64_t account_id,
                                      const std::string& current_hash, std::string_view next,
                                      const std::string& field) {
  std::vector<std::string> recent = {current_hash};
  HUOJU_ASSIGN_OR_RETURN(
      auto rows,
      s.Query("SELECT password_hash FROM password_history WHERE account_id = ? "
              "ORDER BY id DESC LIMIT ?",
              {account_id, static_cast<int64_t>(std::max(0, policy_.password_history - 1))}));
  for (size_t i = 0; i < rows.size(); ++i) {
    recent.push_back(rows.Text(i, 0));
  }
  for (const std::string& h : recent) {
    if (hasher_.Verify(h, next)) {
      return Status::InvalidField(
          field, fmt::format("新密码不能与最近 {} 次使用过的密码相同", policy_.password_history));
    }
  }
  return Status::Ok();
}

Status SessionManager::ChangePassword(const Principal& who, std::string_view current,
                                      std::string_view next, const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kChangeOwnPassword, nullptr));
  const int64_t now = clock_.NowMillis();
  std::string old_hash;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query("SELECT password_hash FROM account WHERE id = ?", {who.account_id}));
    if (rows.empty()) {
      return Status::Unauthenticated("登录已失效，请重新登录");
    }
    old_hash = rows.Text(0, 0);
    return Status::Ok();
  }));
  if (!hasher_.Verify(old_hash, current)) {
    RecordAddressFailure(origin.client_address, now);
    return Status::InvalidField("current_password", "当前密码不正确");
  }
  HUOJU_RETURN_IF_ERROR(CheckPasswordPolicy(next, who.username, "new_password"));
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) {
    return CheckNotReused(s, who.account_id, old_hash, next, "new_password");
  }));
  HUOJU_ASSIGN_OR_RETURN(std::string new_hash, hasher_.Hash(next));
  int64_t ended = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        int64_t changed,
        s.Execute("UPDATE account SET password_hash = ?, must_change_password = 0, "
                  "failed_logins = 0, locked_until = 0, updated_at = ? WHERE id = ? AND "
                  "password_hash = ?",
                  {new_hash, now, who.account_id, old_hash}));
    if (changed != 1) {
      return Status::Conflict("密码刚刚已被修改，请重新登录后再试");
    }
    HUOJU_RETURN_IF_ERROR(s.Execute("INSERT INTO password_history (account_id, password_hash, "
                                    "replaced_at) VALUES (?, ?, ?)",
                                    {who.account_id, old_hash, now})
                              .status());
    HUOJU_ASSIGN_OR_RETURN(ended, s.Execute("UPDATE login_session SET revoked_at = ? WHERE "
                                            "account_id = ? AND token_hash <> ? AND revoked_at "
                                            "IS NULL",
                                            {now, who.account_id, who.session_hash}));
    store::AuditEntry e{
        who.account_id, "auth.password_changed", "account",         std::to_string(who.account_id),
        who.scope.id,   origin.client_address,   origin.request_id, {{"ended_sessions", ended}}};
    return s.AppendAudit(e, now);
  }));
  ForgetAccount(who.account_id);
  return Status::Ok();
}

Result<ResetTokenIssued> SessionManager::IssueResetToken(const Principal& admin, int64_t account_id,
                                                         const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageAccounts, nullptr));
  const int64_t now = clock_.NowMillis();
  ResetTokenIssued issued{account_id, RandomHex(32), now + policy_.reset_token_ttl_ms};
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // One valid token per account even when two administrators issue at once.
    HUOJU_RETURN_IF_ERROR(s.LockRow("account", account_id));
    HUOJU_RETURN_IF_ERROR(CheckAccountInScope(s, admin, account_id));
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE password_reset_token SET used_at = ? WHERE "
                                    "account_id = ? AND used_at IS NULL",
                                    {now, account_id})
                              .status());
    HUOJU_RETURN_IF_ERROR(
        s.Execute("INSERT INTO password_reset_token (token_hash, account_id, "
                  "created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                  {TokenHash(issued.token), account_id, admin.account_id, now, issued.expires_at})
            .status());
    store::AuditEntry e{admin.account_id,  "account.password_reset_issued",
                        "account",         std::to_string(account_id),
                        admin.scope.id,    origin.client_address,
                        origin.request_id, {{"expires_at", issued.expires_at}}};
    return s.AppendAudit(e, now);
  }));
  Status sent =
      notifier_->SendPasswordReset({account_id, issued.token, issued.expires_at, admin.account_id});
  if (!sent.ok()) {
    LogEvent(LogLevel::kWarn, "identity.reset_notify_failed",
             {{"account_id", account_id}, {"error", sent.ToString()}});
  }
  return issued;
}

Status SessionManager::ResetPassword(std::string_view token, std::string_view next,
                                     const RequestOrigin& origin) {
  const int64_t now = clock_.NowMillis();
  HUOJU_RETURN_IF_ERROR(CheckAddress(origin.client_address, now));
  if (token.size() != 64 || !IsHex(token)) {
    RecordAddressFailure(origin.client_address, now);
    return BadResetToken();
  }
  const std::string token_hash = TokenHash(token);
  struct {
    int64_t account_id = 0;
    std::string username;
    std::string password_hash;
    int64_t scope = 0;
  } acct;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT a.id, a.username, a.password_hash, a.scope_node_id FROM "
                "password_reset_token t JOIN account a ON a.id = t.account_id WHERE "
                "t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ? AND a.status = "
                "'active'",
                {token_hash, now}));
    if (!rows.empty()) {
      acct = {rows.Int(0, 0), rows.Text(0, 1), rows.Text(0, 2), rows.Int(0, 3)};
    }
    return Status::Ok();
  }));
  if (acct.account_id == 0) {
    RecordAddressFailure(origin.client_address, now);
    return BadResetToken();
  }
  HUOJU_RETURN_IF_ERROR(CheckPasswordPolicy(next, acct.username, "new_password"));
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) {
    return CheckNotReused(s, acct.account_id, acct.password_hash, next, "new_password");
  }));
  HUOJU_ASSIGN_OR_RETURN(std::string new_hash, hasher_.Hash(next));
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    // The account as it is now (a disable or a password change may have committed since the
    // token was read): the hash it replaces goes into the history.
    HUOJU_RETURN_IF_ERROR(s.LockRow("account", acct.account_id));
    HUOJU_ASSIGN_OR_RETURN(auto current, s.Query("SELECT password_hash FROM account WHERE id = ? "
                                                 "AND status = 'active'",
                                                 {acct.account_id}));
    if (current.empty()) {
      return BadResetToken();
    }
    // Single use: only the first of two racing requests marks the token.
    HUOJU_ASSIGN_OR_RETURN(int64_t used,
                           s.Execute("UPDATE password_reset_token SET used_at = ? WHERE "
                                     "token_hash = ? AND used_at IS NULL AND expires_at > ?",
                                     {now, token_hash, now}));
    if (used != 1) {
      return BadResetToken();
    }
    HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE account SET password_hash = ?, must_change_password "
                                    "= 0, failed_logins = 0, locked_until = 0, updated_at = ? "
                                    "WHERE id = ?",
                                    {new_hash, now, acct.account_id})
                              .status());
    HUOJU_RETURN_IF_ERROR(s.Execute("INSERT INTO password_history (account_id, password_hash, "
                                    "replaced_at) VALUES (?, ?, ?)",
                                    {acct.account_id, current.Text(0, 0), now})
                              .status());
    HUOJU_ASSIGN_OR_RETURN(int64_t ended,
                           s.Execute("UPDATE login_session SET revoked_at = ? WHERE account_id "
                                     "= ? AND revoked_at IS NULL",
                                     {now, acct.account_id}));
    store::AuditEntry e{
        acct.account_id, "auth.password_reset", "account",         std::to_string(acct.account_id),
        acct.scope,      origin.client_address, origin.request_id, {{"ended_sessions", ended}}};
    return s.AppendAudit(e, now);
  }));
  ForgetAccount(acct.account_id);
  return Status::Ok();
}

Result<std::vector<SessionInfo>> SessionManager::ListSessions(int64_t account_id,
                                                              const std::string& current_hash) {
  const int64_t now = clock_.NowMillis();
  std::vector<SessionInfo> out;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query("SELECT token_hash, created_at, last_seen_at, client_address, user_agent FROM "
                "login_session WHERE account_id = ? AND revoked_at IS NULL AND expires_at > ? "
                "AND last_seen_at > ? ORDER BY created_at DESC LIMIT 200",
                {account_id, now, now - policy_.idle_timeout_ms}));
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string hash = rows.Text(i, 0);
      out.push_back({SessionId(hash), rows.Int(i, 1), rows.Int(i, 2),
                     rows.IsNull(i, 3) ? "" : rows.Text(i, 3),
                     rows.IsNull(i, 4) ? "" : rows.Text(i, 4), hash == current_hash});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<SessionInfo>> SessionManager::ListOwnSessions(const Principal& who) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageOwnSessions, nullptr));
  return ListSessions(who.account_id, who.session_hash);
}

Result<std::vector<SessionInfo>> SessionManager::ListAccountSessions(const Principal& admin,
                                                                     int64_t account_id) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageAccounts, nullptr));
  HUOJU_RETURN_IF_ERROR(
      db_.Read([&](store::Session& s) { return CheckAccountInScope(s, admin, account_id); }));
  return ListSessions(account_id, admin.session_hash);
}

Status SessionManager::EndOwnSession(const Principal& who, std::string_view session_id,
                                     const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageOwnSessions, nullptr));
  if (session_id.size() != 16 || !IsHex(session_id)) {
    return Status::NotFound("会话不存在或已结束");
  }
  const int64_t now = clock_.NowMillis();
  int64_t ended = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        ended, s.Execute("UPDATE login_session SET revoked_at = ? WHERE account_id = ? AND "
                         "substr(token_hash, 1, 16) = ? AND revoked_at IS NULL",
                         {now, who.account_id, std::string(session_id)}));
    if (ended == 0) {
      return Status::NotFound("会话不存在或已结束");
    }
    store::AuditEntry e{who.account_id,    "auth.session_ended",
                        "account",         std::to_string(who.account_id),
                        who.scope.id,      origin.client_address,
                        origin.request_id, {{"session", std::string(session_id)}}};
    return s.AppendAudit(e, now);
  }));
  ForgetAccount(who.account_id);
  return Status::Ok();
}

Result<int64_t> SessionManager::EndSessions(const Principal& actor, int64_t account_id,
                                            const std::string& keep_hash, const char* audit_action,
                                            const RequestOrigin& origin) {
  const int64_t now = clock_.NowMillis();
  int64_t ended = 0;
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    if (actor.account_id != account_id) {
      HUOJU_RETURN_IF_ERROR(CheckAccountInScope(s, actor, account_id));
    }
    HUOJU_ASSIGN_OR_RETURN(ended, s.Execute("UPDATE login_session SET revoked_at = ? WHERE "
                                            "account_id = ? AND token_hash <> ? AND revoked_at "
                                            "IS NULL",
                                            {now, account_id, keep_hash}));
    store::AuditEntry e{
        actor.account_id, audit_action,          "account",         std::to_string(account_id),
        actor.scope.id,   origin.client_address, origin.request_id, {{"ended_sessions", ended}}};
    return s.AppendAudit(e, now);
  }));
  ForgetAccount(account_id);
  return ended;
}

Result<int64_t> SessionManager::EndAllOwnSessions(const Principal& who,
                                                  const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kManageOwnSessions, nullptr));
  return EndSessions(who, who.account_id, "", "auth.logout_all", origin);
}

Result<int64_t> SessionManager::EndAccountSessions(const Principal& admin, int64_t account_id,
                                                   const RequestOrigin& origin) {
  HUOJU_RETURN_IF_ERROR(Authorize(admin, Action::kManageAccounts, nullptr));
  return EndSessions(admin, account_id, "", "account.sessions_ended", origin);
}

}  // namespace huoju::identity
