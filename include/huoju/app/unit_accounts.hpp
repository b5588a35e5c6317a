// huoju/app/unit_accounts.hpp
//
// What a unit's administrator does with the people of the unit: its 填报人 sub-accounts (create,
// grant modules, disable — which ends their sessions — and enable) and the personal accounts
// that asked to act for the unit (grant with modules, withdraw). And what a person does: ask
// units for authorisation and list the links. Ids of other units' accounts or links answer
// NotFound, exactly like absent ones.
//
// Thread-safe. Every method blocks (store, argon2id): call from worker threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "huoju/core/clock.hpp"
#include "huoju/identity/accounts.hpp"
#include "huoju/identity/password.hpp"
#include "huoju/identity/principal.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

struct NewSubAccount {
  std::string username;
  std::string display_name;
  std::string password;
  std::vector<std::string> modules;
};

class UnitAccounts {
 public:
  UnitAccounts(store::Database& db, identity::PasswordHasher& hasher,
               identity::SessionManager& sessions, const Clock& clock);

  /// {"items":[UnitAccount]} of the caller's unit.
  Result<nlohmann::json> List(const identity::Principal& admin);
  /// 201 UnitAccount; the password policy applies; Conflict on a taken username.
  Result<nlohmann::json> Create(const identity::Principal& admin, const NewSubAccount& a,
                                const identity::RequestOrigin& o);
  Result<nlohmann::json> SetModules(const identity::Principal& admin, int64_t id,
                                    const std::vector<std::string>& modules,
                                    const identity::RequestOrigin& o);
  /// Disabling ends every session of the account.
  Result<nlohmann::json> SetEnabled(const identity::Principal& admin, int64_t id, bool enabled,
                                    const identity::RequestOrigin& o);

  /// {"items":[PersonLink]} of the caller's unit (requests first).
  Result<nlohmann::json> ListPersons(const identity::Principal& admin);
  Result<nlohmann::json> GrantPerson(const identity::Principal& admin, int64_t link_id,
                                     const std::vector<std::string>& modules,
                                     const identity::RequestOrigin& o);
  Result<nlohmann::json> WithdrawPerson(const identity::Principal& admin, int64_t link_id,
                                        const identity::RequestOrigin& o);

  /// The person's links.
  Result<nlohmann::json> OwnLinks(const identity::Principal& person);
  /// Asks the active unit with `uscc` for authorisation; NotFound when there is none;
  /// Conflict when a request or grant exists.
  Result<nlohmann::json> RequestLink(const identity::Principal& person, const std::string& uscc,
                                     const identity::RequestOrigin& o);

 private:
  Result<nlohmann::json> LoadSub(store::Session& s, const identity::Principal& admin, int64_t id);
  Result<nlohmann::json> LoadLink(store::Session& s, const identity::Principal& admin,
                                  int64_t link_id);

  store::Database& db_;
  identity::PasswordHasher& hasher_;
  identity::SessionManager& sessions_;
  const Clock& clock_;
};

}  // namespace huoju::app
