// huoju/app/filings.hpp
//
// The survey workflow use cases (docs/api.md "Filings"): periods and tasks, filling with audit
// on every save, submission, multi-level review with returns pinned to cells, reopening,
// versions and history, printing and signed scans, progress and notifications. Every method
// takes the caller's Principal and asks identity::Authorize() first; a filing outside the
// caller's scope answers NotFound exactly like an absent one. Every state change and every
// save writes the audit log in the same transaction. All methods block (store, audit engine,
// PDF): call them from worker threads. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "huoju/app/catalog_registry.hpp"
#include "huoju/core/clock.hpp"
#include "huoju/filing/period.hpp"
#include "huoju/identity/accounts.hpp"
#include "huoju/identity/principal.hpp"
#include "huoju/org/directory.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

struct OpenPeriodRequest {
  std::string form_code;
  std::string period;  ///< period key: 2024, 2024M03, …
  /// Overrides of the catalog calendar (days since 1970-01-01); nullopt = the catalog's.
  std::optional<int> opens_on, due_on, review_due_on;
};

struct ExtensionRequest {
  int64_t period_id = 0;
  int64_t org_node_id = 0;  ///< a region, zone or unit: every unit below it
  std::optional<int> due_on, review_due_on;
  std::string reason;
};

struct SaveRequest {
  int64_t expected_version = 0;  ///< the version the editor started from
  nlohmann::json values;         ///< the whole form: {"qc05_0": 1, "projects": [...]}
  nlohmann::json explanations = nlohmann::json::object();  ///< rule id → text
};

struct ReturnPin {
  std::string cell;
  std::string message;
};

struct QueueQuery {
  std::string form_code;  ///< empty: every form
  std::string period;     ///< empty: every period
  /// "waiting" (held at the caller's level, default), "all", or a state code.
  std::string state = "waiting";
  std::string unit_query;  ///< name contains
  int64_t offset = 0;
  int64_t limit = 50;
};

/// One unit's filing in a bulk import.
struct ImportRow {
  std::string uscc;
  nlohmann::json values;  ///< {code: value}
  nlohmann::json explanations = nlohmann::json::object();
  /// Numeric values of fixed indicators that a bulk reader hands over without a JSON object
  /// each (the workbook reader: ≈ 60 per unit): the indicator (of the form's catalog) and its
  /// value as StoredNumber would store it. They count as if they were in `values`, which must
  /// not hold the same codes.
  std::vector<std::pair<const catalog::Indicator*, double>> numbers = {};

  /// `values` with `numbers` merged in: what is saved.
  nlohmann::json AllValues() const;
  /// The number of indicator `code`, from `numbers` or `values`; nullopt when blank.
  std::optional<double> Number(const std::string& code) const;
};

/// How many rows a bulk import checks at once (its store reads go by blocks of this size); the
/// Excel import hands units to the audit in blocks of the same size.
inline constexpr size_t kImportBlockRows = 2000;

/// A number as a filing stores it: an integer when it is a whole number below 9e15, else a
/// double (so 12.0 is saved as 12).
nlohmann::json StoredNumber(double d);

struct ImportOptions {
  std::string form_code;
  std::string period;
  bool submit = true;  ///< submit each clean filing (else leave it a draft)
  /// Audit and answer as usual but write nothing ("saved" counts the rows that would be).
  bool dry_run = false;
  /// After saving kRefreshAfterImportedRows filings or more, refresh the filing table's
  /// statistics and (on PostgreSQL) visibility map (Database::RefreshAfterBulkWrite). A caller
  /// that imports one file in several calls turns this off and refreshes once at its end, by
  /// the same threshold over the whole file.
  bool refresh_after = true;
};

/// Fewer saved rows than this change the planner's picture too little to pay for a refresh of
/// the whole filing table (on PostgreSQL a VACUUM (ANALYZE) of a national year).
inline constexpr int64_t kRefreshAfterImportedRows = 10'000;

/// The dry run of a bulk import fed block by block while the rows are still being read (the
/// Excel batch import audits each block of units as it comes off the sheet, on the other
/// core). Check() may run on several threads at once and blocks may come in any order;
/// Finish() answers exactly like Filings::Import with dry_run set. Made by
/// Filings::StartDryRun; blocks (store reads, audit engine): call from worker threads.
class ImportDryRun {
 public:
  struct Impl;
  explicit ImportDryRun(std::unique_ptr<Impl> impl);
  ~ImportDryRun();
  ImportDryRun(const ImportDryRun&) = delete;
  ImportDryRun& operator=(const ImportDryRun&) = delete;

  /// Audits `rows`, which are the import's rows first_row, first_row + 1, … (0-based; the
  /// answer numbers rows from 1). A failed Status is a store failure, not a rejected row.
  Status Check(size_t first_row, const std::vector<ImportRow>& rows);
  /// Once every block has been checked (they must cover rows 0 … n-1 without gaps).
  Result<nlohmann::json> Finish();

 private:
  std::unique_ptr<Impl> impl_;
};

class Filings {
 public:
  Filings(store::Database& db, const org::Directory& directory, const CatalogRegistry& catalogs,
          const Clock& clock);

  // --- periods and deadlines (Torch Center) ---
  /// Opens a period and creates the tasks of every active unit whose type files the form.
  Result<nlohmann::json> OpenPeriod(const identity::Principal& who, const OpenPeriodRequest& req,
                                    const identity::RequestOrigin& origin);
  Result<nlohmann::json> ListPeriods(const identity::Principal& who);
  Result<nlohmann::json> ExtendDeadline(const identity::Principal& who, const ExtensionRequest& req,
                                        const identity::RequestOrigin& origin);

  /// Inside the caller's write transaction: gives a node created while periods are open the
  /// tasks of every period whose form it files and whose filing is not yet due. Returns how
  /// many tasks were created.
  Result<int64_t> AddTasksForNewNode(store::Session& s, const org::OrgNode& node);

  // --- the unit ---
  /// The caller's unit's tasks, newest period first.
  Result<nlohmann::json> MyTasks(const identity::Principal& who);
  /// The form definition for rendering (sections, indicators, row tables, rules' messages).
  Result<nlohmann::json> FormDefinition(const identity::Principal& who, int year,
                                        const std::string& form_code);
  /// Entries of a code list: children of `parent` (empty = top level) or matches of `query`.
  Result<nlohmann::json> CodeListEntries(const identity::Principal& who, int year,
                                         const std::string& list_id, const std::string& parent,
                                         const std::string& query);
  /// A filing with its values, audit results, explanations, return, deadlines and what the
  /// caller may do with it (`can`).
  Result<nlohmann::json> Get(const identity::Principal& who, int64_t filing_id);
  /// Saves a new version when `expected_version` is current (else Conflict with the current
  /// version in details, nothing written), audits it, stores the failures.
  Result<nlohmann::json> Save(const identity::Principal& who, int64_t filing_id,
                              const SaveRequest& req, const identity::RequestOrigin& origin);
  /// Errors block; warnings need an explanation. Validation failure lists them in details.
  Result<nlohmann::json> Submit(const identity::Principal& who, int64_t filing_id,
                                int64_t expected_version, const identity::RequestOrigin& origin);
  Result<nlohmann::json> Withdraw(const identity::Principal& who, int64_t filing_id,
                                  const std::string& reason, const identity::RequestOrigin& origin);

  /// Bulk import (data migration, a reviewer's batch): every row is validated and audited with
  /// the unit's other forms and last year's data like a save; rows with errors, unexplained
  /// warnings (when submitting), unknown USCCs, units outside the caller's scope or filings
  /// already in review are rejected and written not at all, the others are saved as a new
  /// version (and submitted) in transactions of a few thousand. The answer counts them and
  /// lists the first 1000 rejections with row number and reason (and, for audit failures,
  /// every failure with its rule and cells: `failures`), and the row number of every rejected
  /// row (`rejected_rows`).
  Result<nlohmann::json> Import(const identity::Principal& who, const ImportOptions& options,
                                const std::vector<ImportRow>& rows,
                                const identity::RequestOrigin& origin);

  /// Import's dry run in blocks (see ImportDryRun); the caller must be a reviewer, the period
  /// open. `options.dry_run` is implied.
  Result<std::unique_ptr<ImportDryRun>> StartDryRun(const identity::Principal& who,
                                                    const ImportOptions& options);

  // --- review ---
  Result<nlohmann::json> Queue(const identity::Principal& who, const QueueQuery& query);
  Result<nlohmann::json> Approve(const identity::Principal& who, int64_t filing_id,
                                 int64_t expected_version, const std::string& comment,
                                 const identity::RequestOrigin& origin);
  /// Approves each filing on its own; the answer lists the outcome per id. `versions`, when
  /// not empty, holds the version the reviewer saw of each filing (same order as
  /// `filing_ids`): a filing changed since then is not approved (its result says so). Empty:
  /// the current versions.
  Result<nlohmann::json> ApproveMany(const identity::Principal& who,
                                     const std::vector<int64_t>& filing_ids,
                                     const std::vector<int64_t>& versions,
                                     const identity::RequestOrigin& origin);
  Result<nlohmann::json> Return(const identity::Principal& who, int64_t filing_id,
                                int64_t expected_version, const std::string& reason,
                                const std::vector<ReturnPin>& pins,
                                const identity::RequestOrigin& origin);
  Result<nlohmann::json> Reopen(const identity::Principal& who, int64_t filing_id,
                                const std::string& reason, const identity::RequestOrigin& origin);
  /// Accepts or rejects the unit's explanation of one warning rule.
  Result<nlohmann::json> JudgeExplanation(const identity::Principal& who, int64_t filing_id,
                                          const std::string& rule_id, bool accepted,
                                          const std::string& comment,
                                          const identity::RequestOrigin& origin);

  // --- history ---
  Result<nlohmann::json> History(const identity::Principal& who, int64_t filing_id);
  /// Cell changes from version `from` to version `to` (0 = the current one; `from` 0 = the
  /// version last returned, or the previous version).
  Result<nlohmann::json> Diff(const identity::Principal& who, int64_t filing_id, int64_t from,
                              int64_t to);

  // --- printing and signed scans ---
  struct File {
    std::string content_type;
    std::string file_name;
    std::string bytes;
  };
  /// The PDF of the current version, with the QR code binding it to that version.
  Result<File> Print(const identity::Principal& who, int64_t filing_id);
  /// Stores a signed scan when its QR code names this filing's current version and hash.
  Result<nlohmann::json> UploadScan(const identity::Principal& who, int64_t filing_id,
                                    const std::string& bytes,
                                    const identity::RequestOrigin& origin);
  Result<File> Scan(const identity::Principal& who, int64_t filing_id);

  // --- progress and notifications ---
  /// Per child of `node_id` (default: the caller's scope): expected, submitted, approved at the
  /// caller's level or beyond, final, returned, overdue, and rates.
  Result<nlohmann::json> Progress(const identity::Principal& who, const std::string& form_code,
                                  const std::string& period, int64_t node_id);
  /// Units in scope that have not submitted, with contacts (a page).
  Result<nlohmann::json> NonFilers(const identity::Principal& who, const std::string& form_code,
                                   const std::string& period, int64_t node_id, int64_t offset,
                                   int64_t limit);
  /// Centralized review materials (集中审核材料) of a scope, as a table for a page, Excel or
  /// PDF. `kind`: large_revenue (营业收入 ≥ 2亿元 and their signed covers), listed (上市/挂牌
  /// enterprises from GQ-001), yoy (this year against last, per unit), large_changes (|change|
  /// ≥ 50 % with the units' explanations), revoked (closed units with reasons), audit_notes
  /// (every error and warning of submitted filings with explanations and decisions).
  Result<nlohmann::json> Materials(const identity::Principal& who, const std::string& kind,
                                   const std::string& form_code, const std::string& period,
                                   int64_t node_id);

  /// What waits for the caller: tasks and returns (units), review queues (reviewers).
  Result<nlohmann::json> Notifications(const identity::Principal& who);

  /// The QR payload printed on a filing version: "HUOJU:F<id>:V<version>:<hash>".
  static std::string ScanCode(int64_t filing_id, int64_t version, const std::string& hash);

 private:
  struct Impl;
  store::Database& db_;
  const org::Directory& directory_;
  const CatalogRegistry& catalogs_;
  const Clock& clock_;
};

}  // namespace huoju::app
