#include "src/store/migrations.hpp"

namespace huoju::store {
namespace {

constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE schema_migration (
  version BIGINT PRIMARY KEY,
  name TEXT NOT NULL
);

-- The org tree: 火炬中心 → provinces → cities → zones / registration bodies → units.
-- `path` is the materialised path of ids ("/1/5/23/"), so a scope check is a prefix test and
-- a subtree is one range scan.
CREATE TABLE org_node (
  id {{ID}},
  parent_id BIGINT REFERENCES org_node(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  code TEXT,
  uscc TEXT,
  region_code TEXT,
  zone_id BIGINT,
  industry_code TEXT,
  unit_type TEXT,
  contact_name TEXT,
  contact_phone TEXT,
  path TEXT {{BINARY}} NOT NULL,
  depth BIGINT NOT NULL,
  child_count BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX org_node_parent ON org_node(parent_id, kind, name);
CREATE INDEX org_node_path ON org_node(path);
CREATE UNIQUE INDEX org_node_uscc ON org_node(uscc);
CREATE INDEX org_node_zone ON org_node(zone_id);

CREATE TABLE account (
  id {{ID}},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scope_node_id BIGINT NOT NULL REFERENCES org_node(id),
  status TEXT NOT NULL DEFAULT 'active',
  must_change_password BIGINT NOT NULL DEFAULT 0,
  failed_logins BIGINT NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_login_at BIGINT
);
CREATE INDEX account_scope ON account(scope_node_id);

-- Server-side sessions. Only a hash of the cookie token is stored.
CREATE TABLE login_session (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES account(id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  client_address TEXT,
  user_agent TEXT,
  revoked_at BIGINT
);
CREATE INDEX login_session_account ON login_session(account_id);

-- Append-only: rows are inserted in the transaction of the change they record, never
-- updated or deleted.
CREATE TABLE audit_log (
  id {{ID}},
  at BIGINT NOT NULL,
  actor_account_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  org_node_id BIGINT NOT NULL,
  client_address TEXT,
  request_id TEXT,
  detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_account_id, at);
)sql";

// Published catalog versions. Rows are only ever inserted: a version, once published, is what
// filings of its period were audited with.
constexpr std::string_view kMigration2 = R"sql(
CREATE TABLE catalog_version (
  id {{ID}},
  year BIGINT NOT NULL,
  version BIGINT NOT NULL,
  content_hash TEXT NOT NULL,
  title TEXT NOT NULL,
  files TEXT NOT NULL,
  summary TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  published_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX catalog_version_number ON catalog_version(year, version);
CREATE UNIQUE INDEX catalog_version_content ON catalog_version(year, content_hash);
)sql";

// Survey periods, filings (one row per task: unit × form × period, with its current values),
// every saved version, deadline extensions and signed scans. The history of state changes is
// the audit log (object_type 'filing'), indexed here by object.
constexpr const char* kMigration3 = R"sql(
CREATE TABLE survey_period (
  id {{ID}},
  form_code TEXT NOT NULL,
  period_key TEXT NOT NULL,
  catalog_year BIGINT NOT NULL,
  catalog_version_id BIGINT NOT NULL REFERENCES catalog_version(id),
  opens_on BIGINT NOT NULL,
  due_on BIGINT NOT NULL,
  review_due_on BIGINT NOT NULL,
  expected BIGINT NOT NULL DEFAULT 0,
  opened_by BIGINT NOT NULL,
  opened_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX survey_period_key ON survey_period(form_code, period_key);

CREATE TABLE filing (
  id {{ID}},
  period_id BIGINT NOT NULL REFERENCES survey_period(id),
  form_code TEXT NOT NULL,
  period_key TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES org_node(id),
  unit_path TEXT {{BINARY}} NOT NULL,
  state TEXT NOT NULL,
  review_level BIGINT NOT NULL DEFAULT 0,
  reviewed_since_submit BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 0,
  data_hash TEXT NOT NULL DEFAULT '',
  values_json TEXT NOT NULL DEFAULT '{}',
  failures_json TEXT NOT NULL DEFAULT '[]',
  explanations_json TEXT NOT NULL DEFAULT '{}',
  decisions_json TEXT NOT NULL DEFAULT '{}',
  return_json TEXT NOT NULL DEFAULT 'null',
  error_count BIGINT NOT NULL DEFAULT 0,
  warning_count BIGINT NOT NULL DEFAULT 0,
  size_value {{REAL}},
  previous_size_value {{REAL}},
  risk {{REAL}} NOT NULL DEFAULT 0,
  submitted_version BIGINT NOT NULL DEFAULT 0,
  returned_version BIGINT NOT NULL DEFAULT 0,
  submitted_at BIGINT,
  late BIGINT NOT NULL DEFAULT 0,
  final_at BIGINT,
  scan_version BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX filing_task ON filing(form_code, period_key, unit_id);
CREATE INDEX filing_unit ON filing(unit_id, period_key);
CREATE INDEX filing_queue ON filing(form_code, period_key, state, review_level, unit_path);
CREATE INDEX filing_scope ON filing(form_code, period_key, unit_path);

CREATE TABLE filing_version (
  filing_id BIGINT NOT NULL REFERENCES filing(id),
  version BIGINT NOT NULL,
  values_json TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  explanations_json TEXT NOT NULL,
  failures_json TEXT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (filing_id, version)
);

CREATE TABLE deadline_extension (
  id {{ID}},
  period_id BIGINT NOT NULL REFERENCES survey_period(id),
  org_node_id BIGINT NOT NULL REFERENCES org_node(id),
  org_path TEXT {{BINARY}} NOT NULL,
  due_on BIGINT NOT NULL,
  review_due_on BIGINT NOT NULL,
  reason TEXT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX deadline_extension_period ON deadline_extension(period_id);

CREATE TABLE signed_scan (
  id {{ID}},
  filing_id BIGINT NOT NULL REFERENCES filing(id),
  version BIGINT NOT NULL,
  data_hash TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  content {{BLOB}} NOT NULL,
  uploaded_by BIGINT NOT NULL,
  uploaded_at BIGINT NOT NULL
);
CREATE INDEX signed_scan_filing ON signed_scan(filing_id, id);

CREATE INDEX audit_log_object ON audit_log(object_type, object_id, id);
)sql";

// Password history (for "no reuse of the last 5"), one-time password-reset tokens (stored
// hashed, single use), both per account.
constexpr const char* kMigration4 = R"sql(
CREATE TABLE password_history (
  id {{ID}},
  account_id BIGINT NOT NULL REFERENCES account(id),
  password_hash TEXT NOT NULL,
  replaced_at BIGINT NOT NULL
);
CREATE INDEX password_history_account ON password_history(account_id, id);

CREATE TABLE password_reset_token (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES account(id),
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX password_reset_token_account ON password_reset_token(account_id);
)sql";

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kAll = {
      {1, "org tree, accounts, sessions, audit log", kMigration1},
      {2, "published catalog versions", kMigration2},
      {3, "survey periods, filings, versions, extensions, signed scans", kMigration3},
      {4, "password history and reset tokens", kMigration4},
  };
  return kAll;
}

std::string RenderMigration(const Migration& m, Backend backend) {
  std::string sql(m.sql);
  auto replace_all = [&](std::string_view token, std::string_view with) {
    for (size_t pos = sql.find(token); pos != std::string::npos;
         pos = sql.find(token, pos + with.size())) {
      sql.replace(pos, token.size(), with);
    }
  };
  const bool sqlite = backend == Backend::kSqlite;
  replace_all("{{ID}}", sqlite ? "INTEGER PRIMARY KEY"
                               : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  replace_all("{{BLOB}}", sqlite ? "BLOB" : "BYTEA");
  replace_all("{{REAL}}", sqlite ? "REAL" : "DOUBLE PRECISION");
  // Byte-order comparison, so that path range scans mean "subtree" whatever the locale.
  replace_all("{{BINARY}}", sqlite ? "COLLATE BINARY" : "COLLATE \"C\"");
  return sql;
}

}  // namespace huoju::store
