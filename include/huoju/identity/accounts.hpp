// huoju/identity/accounts.hpp
//
// Accounts and login sessions. The session cookie carries a random token; only its hash is
// stored. Authenticated sessions are cached in memory for a short time so that reads do not
// hit the store on every request; logout, ending sessions and password changes remove the
// entries at once. Password changes and one-time reset tokens live here too, because they end
// sessions.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "huoju/core/clock.hpp"
#include "huoju/identity/notifier.hpp"
#include "huoju/identity/password.hpp"
#include "huoju/identity/principal.hpp"
#include "huoju/store/database.hpp"

namespace huoju::identity {

struct NewAccount {
  std::string username;
  std::string display_name;
  std::string password_hash;
  Role role = Role::kFiller;
  int64_t scope_node_id = 0;
  bool must_change_password = false;
};

class AccountRepository {
 public:
  /// Inserts an account; Conflict when the username is taken. Returns its id.
  static Result<int64_t> Create(store::Session& s, const NewAccount& account, int64_t now_millis);
};

struct SessionPolicy {
  int64_t idle_timeout_ms = 30 * 60 * 1000;           ///< ends after this long unused
  int64_t absolute_timeout_ms = 12 * 60 * 60 * 1000;  ///< ends this long after login
  int64_t touch_interval_ms = 60 * 1000;              ///< last-seen is written at most this often
  int64_t cache_ttl_ms = 30 * 1000;                   ///< cached sessions are re-read after this
  int lockout_threshold = 5;                          ///< failed logins before a lock
  int64_t lockout_ms = 15 * 60 * 1000;  ///< first lock; each further lock doubles it (back-off)
  int64_t max_lockout_ms = 4 * 60 * 60 * 1000;  ///< the back-off stops here
  int address_lockout_threshold = 20;           ///< failures from one address within the window
  int64_t address_window_ms = 15 * 60 * 1000;
  int password_history = 5;                     ///< a new password may not be one of these
  int64_t reset_token_ttl_ms = 30 * 60 * 1000;  ///< one-time reset tokens expire after this
};

/// Who made a request, for the audit log.
struct RequestOrigin {
  std::string client_address;
  std::string user_agent;
  std::string request_id;
};

/// One live session as its owner or an administrator sees it; never the token.
struct SessionInfo {
  std::string id;  ///< the first 16 hex characters of the token hash: not a secret
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
  std::string client_address;
  std::string user_agent;
  bool current = false;  ///< the session making the request
};

struct ResetTokenIssued {
  int64_t account_id = 0;
  std::string token;  ///< shown once to the administrator; only its hash is stored
  int64_t expires_at = 0;
};

struct LoginResult {
  std::string token;  ///< the cookie value; never stored
  Principal principal;
};

/// Thread-safe. Blocking: call from worker threads.
class SessionManager {
 public:
  SessionManager(store::Database& db, PasswordHasher& hasher, const Clock& clock,
                 SessionPolicy policy = {});

  /// Checks the password; on success starts a new session (a fresh token, so a token planted
  /// before login is useless). Unauthenticated with one message for every failure kind.
  Result<LoginResult> Login(std::string_view username, std::string_view password,
                            const RequestOrigin& origin);
  /// The principal of a live session, or Unauthenticated. May read and write the store.
  Result<std::shared_ptr<const Principal>> Authenticate(std::string_view token);
  /// The principal when the session is in the cache, fresh, and needs no store write; nullptr
  /// otherwise (then call Authenticate). Never blocks on I/O: safe on an I/O thread.
  std::shared_ptr<const Principal> TryAuthenticateCached(std::string_view token);
  /// Ends the session. Unknown tokens are not an error.
  Status Logout(const Principal& who, const RequestOrigin& origin);

  /// Changes the own password: checks `current`, the policy and the last
  /// `password_history` passwords; clears must_change_password; ends every other session of
  /// the account. Invalid naming `current_password` or `new_password`.
  Status ChangePassword(const Principal& who, std::string_view current, std::string_view next,
                        const RequestOrigin& origin);
  /// An administrator starts a reset for an account in scope (NotFound otherwise): a one-time
  /// token, valid `reset_token_ttl_ms`, sent through the notifier and returned. Earlier unused
  /// tokens of the account stop working.
  Result<ResetTokenIssued> IssueResetToken(const Principal& admin, int64_t account_id,
                                           const RequestOrigin& origin);
  /// Sets a new password with a reset token (no session): one generic Invalid for a wrong,
  /// expired or used token; RateLimited while the address is locked. Ends every session of
  /// the account.
  Status ResetPassword(std::string_view token, std::string_view next, const RequestOrigin& origin);

  /// The live sessions of the caller.
  Result<std::vector<SessionInfo>> ListOwnSessions(const Principal& who);
  /// The live sessions of an account in the administrator's scope.
  Result<std::vector<SessionInfo>> ListAccountSessions(const Principal& admin, int64_t account_id);
  /// Ends one of the caller's own sessions by its SessionInfo id; NotFound when none.
  Status EndOwnSession(const Principal& who, std::string_view session_id,
                       const RequestOrigin& origin);
  /// Ends every session of the caller (including this one). Answers how many ended.
  Result<int64_t> EndAllOwnSessions(const Principal& who, const RequestOrigin& origin);
  /// Ends every session of an account in the administrator's scope. Answers how many ended.
  Result<int64_t> EndAccountSessions(const Principal& admin, int64_t account_id,
                                     const RequestOrigin& origin);

  /// Forgets the cached sessions of an account, so its next request reloads role, status,
  /// scope and modules from the store. Call after changing any of them (after the commit).
  void Invalidate(int64_t account_id) { ForgetAccount(account_id); }
  /// Ends every session of an account inside the caller's transaction (disabling, merging);
  /// call Invalidate() after the commit. Answers how many ended.
  static Result<int64_t> RevokeAllIn(store::Session& s, int64_t account_id, int64_t now_millis);
  /// The principal of an account as a login would build it (tests, operator commands).
  Result<Principal> PrincipalOf(int64_t account_id);

  /// Replaces the reset-token notifier (default: LogNotifier). Call before serving.
  void SetNotifier(std::shared_ptr<Notifier> notifier) { notifier_ = std::move(notifier); }
  /// The public id of a session given its token hash.
  static std::string SessionId(std::string_view token_hash) {
    return std::string(token_hash.substr(0, 16));
  }

 private:
  struct Cached {
    std::shared_ptr<const Principal> principal;
    int64_t created_at;
    int64_t last_seen_at;
    int64_t cached_at;
  };
  Result<Cached> LoadSession(const std::string& hash);
  Result<Principal> LoadPrincipal(store::Session& s, int64_t account_id);
  /// Fills p.modules (and p.units for persons) from the role, grants and links.
  static Status LoadModules(store::Session& s, const std::string& modules_json, Principal& p);
  /// RateLimited while `address` is locked out.
  Status CheckAddress(const std::string& address, int64_t now);
  void RecordAddressFailure(const std::string& address, int64_t now);
  /// Drops every cached session of the account (after ending sessions or a password change).
  void ForgetAccount(int64_t account_id);
  /// NotFound unless the account exists and lies in the administrator's scope.
  Status CheckAccountInScope(store::Session& s, const Principal& admin, int64_t account_id);
  Result<std::vector<SessionInfo>> ListSessions(int64_t account_id,
                                                const std::string& current_hash);
  Result<int64_t> EndSessions(const Principal& actor, int64_t account_id,
                              const std::string& keep_hash, const char* audit_action,
                              const RequestOrigin& origin);
  /// Invalid naming `field` when `next` is one of the recent passwords (`current_hash` and
  /// the history of the account).
  Status CheckNotReused(store::Session& s, int64_t account_id, const std::string& current_hash,
                        std::string_view next, const std::string& field);

  store::Database& db_;
  PasswordHasher& hasher_;
  const Clock& clock_;
  SessionPolicy policy_;
  std::string dummy_hash_;  // verified against when the user is unknown, to even out timing

  std::shared_ptr<Notifier> notifier_ = std::make_shared<LogNotifier>();

  std::shared_mutex mu_;
  std::unordered_map<std::string, Cached> cache_;
  uint64_t revocations_ = 0;  // guarded by mu_; a load that saw another value is not cached

  // Failed logins and reset attempts per client address (this process only).
  struct AddressState {
    int failures = 0;
    int64_t window_start = 0;
    int64_t locked_until = 0;
    int locks = 0;  ///< consecutive locks, for the back-off
    int64_t last_lock_at = 0;
  };
  std::mutex address_mu_;
  std::unordered_map<std::string, AddressState> addresses_;
};

}  // namespace huoju::identity
