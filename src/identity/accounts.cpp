#include "huoju/identity/accounts.hpp"

#include <fmt/format.h>

#include <mutex>

namespace huoju::identity {
namespace {

const Status& BadCredentials() {
  static const Status kStatus = Status::Unauthenticated("用户名或密码错误");
  return kStatus;
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
  HUOJU_ASSIGN_OR_RETURN(auto rows,
                         s.Query("SELECT username, display_name, role, scope_node_id, status, "
                                 "must_change_password FROM account WHERE id = ?",
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
  return p;
}

Result<LoginResult> SessionManager::Login(std::string_view username, std::string_view password,
                                          const RequestOrigin& origin) {
  struct AccountRow {
    int64_t id = 0;
    std::string hash;
    std::string status;
    int64_t locked_until = 0;
  } acct;
  HUOJU_RETURN_IF_ERROR(db_.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto rows,
                           s.Query("SELECT id, password_hash, status, locked_until FROM account "
                                   "WHERE username = ?",
                                   {std::string(username)}));
    if (!rows.empty()) {
      acct = {rows.Int(0, 0), rows.Text(0, 1), rows.Text(0, 2), rows.Int(0, 3)};
    }
    return Status::Ok();
  }));

  const int64_t now = clock_.NowMillis();
  const bool known = acct.id != 0;
  const bool password_ok = hasher_.Verify(known ? acct.hash : dummy_hash_, password) && known;
  const bool locked = known && acct.locked_until > now;

  if (!password_ok || locked || acct.status != "active") {
    if (known) {
      HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
        if (!password_ok) {
          HUOJU_RETURN_IF_ERROR(
              s.Execute(
                   "UPDATE account SET failed_logins = failed_logins + 1, locked_until = "
                   "CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END WHERE id = ?",
                   {static_cast<int64_t>(policy_.lockout_threshold), now + policy_.lockout_ms,
                    acct.id})
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

  LoginResult result;
  result.token = RandomHex(32);
  const std::string hash = TokenHash(result.token);
  HUOJU_RETURN_IF_ERROR(db_.Write([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(result.principal, LoadPrincipal(s, acct.id));
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
    cache_[hash] = Cached{std::make_shared<const Principal>(result.principal), now, now, now};
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
  {
    std::shared_lock lock(mu_);
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
    cache_[hash] = *cached;
  }
  return cached->principal;
}

Status SessionManager::Logout(const Principal& who, const RequestOrigin& origin) {
  const int64_t now = clock_.NowMillis();
  {
    std::unique_lock lock(mu_);
    cache_.erase(who.session_hash);
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

}  // namespace huoju::identity
