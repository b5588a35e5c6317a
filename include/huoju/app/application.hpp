// huoju/app/application.hpp
//
// The application: owns the store, the password hasher and the session manager, and offers
// one method per use case. Every method that touches data takes the caller's Principal and
// asks identity::Authorize() before anything else. Methods that write, hash or read the store
// block: call them from worker threads. The org reads (Org* but OrgCreate) use only the
// in-memory Directory and never block. Thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "huoju/analytics/service.hpp"
#include "huoju/app/administration.hpp"
#include "huoju/app/catalog_registry.hpp"
#include "huoju/app/exports.hpp"
#include "huoju/app/filings.hpp"
#include "huoju/app/jobs.hpp"
#include "huoju/app/registrations.hpp"
#include "huoju/app/unit_accounts.hpp"
#include "huoju/core/clock.hpp"
#include "huoju/core/config.hpp"
#include "huoju/identity/accounts.hpp"
#include "huoju/identity/password.hpp"
#include "huoju/identity/principal.hpp"
#include "huoju/org/directory.hpp"
#include "huoju/org/org_node.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

class Application {
 public:
  /// Opens the database named by `config`, applies migrations, and wires the services.
  static Result<std::unique_ptr<Application>> Open(const Config& config, const Clock& clock);

  store::Database& db() { return *db_; }
  identity::PasswordHasher& hasher() { return *hasher_; }
  identity::SessionManager& sessions() { return *sessions_; }
  const Clock& clock() const { return clock_; }
  const org::Directory& directory() const { return *directory_; }
  const CatalogRegistry& catalogs() const { return *catalogs_; }
  /// The survey workflow (periods, filings, review, scans, progress).
  Filings& filings() { return *filings_; }
  /// Summaries, drill-down lists and year-on-year from the columnar snapshots.
  analytics::Summaries& summaries() { return *summaries_; }
  /// Unit and personal self-registration and its review (docs/api.md "Registration and
  /// administration").
  Registrations& registrations() { return *registrations_; }
  /// A unit administrator's sub-accounts and person links; a person's link requests.
  UnitAccounts& unit_accounts() { return *unit_accounts_; }
  /// Org tree editing with history, account management, the audit-log viewer (admin).
  Administration& administration() { return *administration_; }
  /// Background jobs (exports) with progress, per account.
  Jobs& jobs() { return *jobs_; }
  /// Summaries and lists as Excel, CSV and PDF files made by background jobs.
  Exports& exports() { return *exports_; }
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;
  /// The first active Torch Center account, for operator commands run on the server itself
  /// (demo data, bulk import). Blocking.
  Result<identity::Principal> OperatorPrincipal();

  // --- org tree (docs/api.md "Org tree") ---
  Result<nlohmann::json> OrgScope(const identity::Principal& who);
  Result<nlohmann::json> OrgNode(const identity::Principal& who, int64_t id);
  Result<nlohmann::json> OrgChildren(const identity::Principal& who, int64_t id,
                                     std::optional<org::NodeKind> kind, org::Page page);
  Result<nlohmann::json> OrgPath(const identity::Principal& who, int64_t id);
  Result<nlohmann::json> OrgSearch(const identity::Principal& who, const std::string& query,
                                   std::optional<org::NodeKind> kind, org::Page page);
  /// Validates and creates a node; the audit entry lands in the same transaction.
  Result<nlohmann::json> OrgCreate(const identity::Principal& who, const org::NewNode& node,
                                   const identity::RequestOrigin& origin);

 private:
  Application(std::unique_ptr<store::Database> db, std::unique_ptr<identity::PasswordHasher> hasher,
              std::unique_ptr<org::Directory> directory, std::unique_ptr<CatalogRegistry> catalogs,
              const Clock& clock, const std::string& jobs_dir);

  std::unique_ptr<store::Database> db_;
  std::unique_ptr<identity::PasswordHasher> hasher_;
  std::unique_ptr<org::Directory> directory_;
  std::unique_ptr<CatalogRegistry> catalogs_;
  const Clock& clock_;
  std::unique_ptr<identity::SessionManager> sessions_;
  std::unique_ptr<Filings> filings_;
  std::unique_ptr<analytics::Summaries> summaries_;
  std::unique_ptr<Registrations> registrations_;
  std::unique_ptr<UnitAccounts> unit_accounts_;
  std::unique_ptr<Administration> administration_;
  std::unique_ptr<Jobs> jobs_;
  std::unique_ptr<Exports> exports_;
};

/// Page JSON: {"items": [...], "total", "offset", "limit"}.
nlohmann::json PageJson(const org::NodePage& page, const org::Page& request);

}  // namespace huoju::app
