// huoju/app/administration.hpp
//
// The administrator's use cases: editing the org tree (move a subtree, merge a unit into
// another, close and reopen), each one transaction with an audit entry that holds the reason
// and the node before and after — the node's history is read back from the audit log; account
// management in scope (list, create, change role/scope/status, require a password change —
// the only place must_change_password is set); the audit-log viewer and its export rows.
//
// Thread-safe. Every method blocks: call from worker threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "huoju/core/clock.hpp"
#include "huoju/identity/accounts.hpp"
#include "huoju/identity/password.hpp"
#include "huoju/identity/principal.hpp"
#include "huoju/org/directory.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

struct AccountQuery {
  std::string q;       ///< part of the username or display name
  std::string role;    ///< a role code, or empty
  std::string status;  ///< active | disabled, or empty
  int64_t node = 0;    ///< accounts whose scope lies under this node (0: the caller's scope)
  org::Page page;
};

struct NewAccountRequest {
  std::string username;
  std::string display_name;
  std::string role;
  int64_t scope_node_id = 0;
  std::string password;
};

/// Fields of PATCH /accounts/:id; absent ones stay.
struct AccountChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> role;
  std::optional<int64_t> scope_node_id;
  std::optional<std::string> status;
  std::optional<bool> must_change_password;
};

struct AuditQuery {
  int64_t user = 0;
  int64_t unit = 0;
  std::string action;           ///< exact, or a prefix ending in '.'
  std::optional<int> from_day;  ///< Beijing days since 1970-01-01, inclusive
  std::optional<int> to_day;
  int64_t offset = 0;
  int64_t limit = 50;
};

class Administration {
 public:
  Administration(store::Database& db, identity::PasswordHasher& hasher,
                 identity::SessionManager& sessions, org::Directory& directory, const Clock& clock);

  // --- org tree ---
  /// Moves a node and its subtree under `parent_id`; filings and extensions follow.
  Result<nlohmann::json> MoveNode(const identity::Principal& who, int64_t id, int64_t parent_id,
                                  const std::string& reason, const identity::RequestOrigin& o);
  /// Unit `id` is merged into unit `into_id`: it becomes `merged`, its accounts are disabled.
  Result<nlohmann::json> MergeUnit(const identity::Principal& who, int64_t id, int64_t into_id,
                                   const std::string& reason, const identity::RequestOrigin& o);
  /// closed = true closes (its own accounts are disabled), false reopens.
  Result<nlohmann::json> SetNodeClosed(const identity::Principal& who, int64_t id, bool closed,
                                       const std::string& reason, const identity::RequestOrigin& o);
  /// The node's audit entries, newest first.
  Result<nlohmann::json> NodeHistory(const identity::Principal& who, int64_t id);

  // --- accounts ---
  Result<nlohmann::json> ListAccounts(const identity::Principal& who, const AccountQuery& q);
  Result<nlohmann::json> GetAccount(const identity::Principal& who, int64_t id);
  Result<nlohmann::json> CreateAccount(const identity::Principal& who, const NewAccountRequest& a,
                                       const identity::RequestOrigin& o);
  Result<nlohmann::json> UpdateAccount(const identity::Principal& who, int64_t id,
                                       const AccountChanges& c, const identity::RequestOrigin& o);

  // --- audit log ---
  /// Paged entries in scope; `max_rows` caps exports (InvalidField "to" above it).
  Result<nlohmann::json> AuditLog(const identity::Principal& who, const AuditQuery& q,
                                  int64_t max_rows = 0);

 private:
  /// The node when it exists and lies in the caller's scope (NotFound otherwise) and the
  /// caller may edit the tree.
  Result<org::OrgNode> EditableNode(store::Session& s, const identity::Principal& who, int64_t id,
                                    const std::string& field);
  Result<nlohmann::json> LoadAccount(store::Session& s, const identity::Principal& who, int64_t id);
  /// Disables every account whose scope is exactly `node_id`; answers their ids.
  Result<std::vector<int64_t>> DisableAccountsOf(store::Session& s, int64_t node_id, int64_t now);
  void RefreshDirectory(const std::vector<org::OrgNode>& nodes);

  store::Database& db_;
  identity::PasswordHasher& hasher_;
  identity::SessionManager& sessions_;
  org::Directory& directory_;
  const Clock& clock_;
};

}  // namespace huoju::app
