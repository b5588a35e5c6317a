// huoju/app/registrations.hpp
//
// Self-registration: a unit applies with its 统一社会信用代码 and an administrator account; the
// zone or city it names (and anyone above it) reviews the application, and approval creates the
// unit node (with its tasks in open periods) and the administrator account in one transaction.
// A person registers a personal account at once; it reaches nothing until a unit authorises it
// (UnitAccounts). Registrations from one client address are rate-limited in this process.
//
// Thread-safe. Every method blocks (store, argon2id): call from worker threads.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "huoju/app/filings.hpp"
#include "huoju/core/clock.hpp"
#include "huoju/identity/accounts.hpp"
#include "huoju/identity/password.hpp"
#include "huoju/identity/principal.hpp"
#include "huoju/org/directory.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

struct UnitApplication {
  std::string uscc;
  std::string name;
  std::string region_code;
  int64_t zone_id = 0;  ///< 0: the unit belongs to the city of region_code
  std::string contact_name;
  std::string contact_phone;
  std::string contact_email;
  std::string admin_username;
  std::string admin_display_name;  ///< empty: "<name>管理员"
  std::string admin_password;
};

struct PersonApplication {
  std::string username;
  std::string display_name;
  std::string password;
  std::string id_type;
  std::string id_number;
  std::string phone;
  std::string email;
};

struct RegistrationLimits {
  int per_address = 10;                  ///< registrations per address per window
  int64_t window_ms = 60LL * 60 * 1000;  ///< one hour
};

class Registrations {
 public:
  Registrations(store::Database& db, identity::PasswordHasher& hasher, org::Directory& directory,
                Filings& filings, const Clock& clock, RegistrationLimits limits = {});

  /// Zones in the prefecture of a GB/T 2260 code: {"items":[{id,name,code,city_name}]}.
  /// InvalidField("region_code") when the code is unknown or has no city in the tree.
  Result<nlohmann::json> ZonesFor(const std::string& region_code) const;

  /// Validates and stores a pending application; {"id","status","status_token"}. The token is
  /// shown once; only its hash is kept. InvalidField / Conflict naming the field; RateLimited.
  Result<nlohmann::json> SubmitUnit(const UnitApplication& a, const identity::RequestOrigin& o);
  /// The applicant's view (no contact details). One NotFound for a wrong id or token.
  Result<nlohmann::json> StatusOf(int64_t id, const std::string& token);
  /// Creates an active personal account (role person, kind person): {"account_id","username"}.
  Result<nlohmann::json> SubmitPerson(const PersonApplication& a, const identity::RequestOrigin& o);

  /// Applications placed inside the reviewer's scope; status "pending"|"approved"|"rejected"|"all".
  Result<nlohmann::json> List(const identity::Principal& who, const std::string& status,
                              org::Page page);
  /// One application; NotFound outside the scope.
  Result<nlohmann::json> Get(const identity::Principal& who, int64_t id);
  /// Creates the unit (and its tasks) and its administrator account; Conflict when decided.
  Result<nlohmann::json> Approve(const identity::Principal& who, int64_t id,
                                 const identity::RequestOrigin& o);
  Result<nlohmann::json> Reject(const identity::Principal& who, int64_t id,
                                const std::string& reason, const identity::RequestOrigin& o);

 private:
  /// RateLimited when the address used up its registrations; else counts this one.
  Status Admit(const std::string& address);
  /// The zone or city node a unit of `region_code` (and optional zone) belongs under.
  Result<org::OrgNode> PlaceFor(const std::string& region_code, int64_t zone_id) const;
  /// The application row as JSON; `full` adds contact details and the admin username.
  Result<nlohmann::json> Load(store::Session& s, int64_t id, bool full, int64_t* parent_id,
                              std::string* token_hash);

  store::Database& db_;
  identity::PasswordHasher& hasher_;
  org::Directory& directory_;
  Filings& filings_;
  const Clock& clock_;
  RegistrationLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<int64_t>> recent_;  // address → times
};

}  // namespace huoju::app
