// huoju/identity/accounts.hpp
//
// Accounts and login sessions. The session cookie carries a random token; only its hash is
// stored. Authenticated sessions are cached in memory for a short time so that reads do not
// hit the store on every request; logout removes the entry at once.
#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "huoju/core/clock.hpp"
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
  int64_t lockout_ms = 15 * 60 * 1000;
};

/// Who made a request, for the audit log.
struct RequestOrigin {
  std::string client_address;
  std::string user_agent;
  std::string request_id;
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

 private:
  struct Cached {
    std::shared_ptr<const Principal> principal;
    int64_t created_at;
    int64_t last_seen_at;
    int64_t cached_at;
  };
  Result<Cached> LoadSession(const std::string& hash);
  Result<Principal> LoadPrincipal(store::Session& s, int64_t account_id);

  store::Database& db_;
  PasswordHasher& hasher_;
  const Clock& clock_;
  SessionPolicy policy_;
  std::string dummy_hash_;  // verified against when the user is unknown, to even out timing

  std::shared_mutex mu_;
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace huoju::identity
