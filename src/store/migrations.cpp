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

// Identity (issue 7): account kinds (unit administrator / 填报人 sub-account / personal), module
// grants of sub-accounts, personal ID documents, unit registrations awaiting review, persons
// authorised by units. Closed and merged units keep their rows (status), so history stays.
constexpr const char* kMigration7 = R"sql(
ALTER TABLE account ADD COLUMN kind TEXT NOT NULL DEFAULT 'primary';
ALTER TABLE account ADD COLUMN modules_json TEXT;
ALTER TABLE account ADD COLUMN id_type TEXT;
ALTER TABLE account ADD COLUMN id_number TEXT;
ALTER TABLE account ADD COLUMN phone TEXT;
ALTER TABLE account ADD COLUMN email TEXT;
CREATE UNIQUE INDEX account_id_document ON account(id_type, id_number);
ALTER TABLE org_node ADD COLUMN contact_email TEXT;
CREATE INDEX org_node_code ON org_node(kind, code);

CREATE TABLE registration (
  id {{ID}},
  status TEXT NOT NULL,
  uscc TEXT NOT NULL,
  name TEXT NOT NULL,
  region_code TEXT NOT NULL,
  zone_id BIGINT,
  parent_id BIGINT NOT NULL REFERENCES org_node(id),
  contact_name TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  admin_username TEXT NOT NULL,
  admin_display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  status_token_hash TEXT NOT NULL,
  reason TEXT,
  decided_by BIGINT,
  decided_at BIGINT,
  unit_id BIGINT,
  account_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX registration_parent ON registration(parent_id, status);
CREATE INDEX registration_status ON registration(status, id);
CREATE UNIQUE INDEX registration_pending_uscc ON registration(uscc) WHERE status = 'pending';
CREATE UNIQUE INDEX registration_pending_user ON registration(admin_username)
  WHERE status = 'pending';

CREATE TABLE person_link (
  id {{ID}},
  account_id BIGINT NOT NULL REFERENCES account(id),
  unit_id BIGINT NOT NULL REFERENCES org_node(id),
  status TEXT NOT NULL,
  modules_json TEXT NOT NULL DEFAULT '[]',
  requested_at BIGINT NOT NULL,
  decided_at BIGINT,
  decided_by BIGINT
);
CREATE UNIQUE INDEX person_link_pair ON person_link(account_id, unit_id);
CREATE INDEX person_link_unit ON person_link(unit_id, status);

CREATE INDEX audit_log_node ON audit_log(org_node_id, at);
)sql";

// The review queue and progress read only index columns. The queue filters by state (and the
// acting review level) inside a province's unit_path range and sorts by risk; the progress is
// read from filing_tally, counts of filings per (unit's parent node, state, review level, late),
// kept by triggers so that every writer (save, review, import, opening a period, a new unit)
// updates it in its own transaction and no code path can forget it. The parent's path is the
// unit path without its last id: rtrim(rtrim(path, '/'), digits) on both backends.
constexpr const char* kMigration5 = R"sql(
DROP INDEX filing_queue;
CREATE INDEX filing_queue ON filing(form_code, period_key, state, unit_path, review_level, risk, id);
DROP INDEX filing_scope;
CREATE INDEX filing_scope ON filing(form_code, period_key, unit_path, state, review_level, risk, id);

CREATE TABLE filing_tally (
  form_code TEXT NOT NULL,
  period_key TEXT NOT NULL,
  parent_path TEXT {{BINARY}} NOT NULL,
  state TEXT NOT NULL,
  review_level BIGINT NOT NULL,
  late BIGINT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (form_code, period_key, parent_path, state, review_level, late)
);
INSERT INTO filing_tally (form_code, period_key, parent_path, state, review_level, late, n)
SELECT form_code, period_key, rtrim(rtrim(unit_path, '/'), '0123456789'), state, review_level,
       late, COUNT(*)
FROM filing
GROUP BY form_code, period_key, rtrim(rtrim(unit_path, '/'), '0123456789'), state, review_level,
         late;
)sql";

constexpr const char* kMigration5Sqlite = R"sql(
CREATE TRIGGER filing_tally_insert AFTER INSERT ON filing BEGIN
  INSERT OR IGNORE INTO filing_tally VALUES (NEW.form_code, NEW.period_key,
      rtrim(rtrim(NEW.unit_path, '/'), '0123456789'), NEW.state, NEW.review_level, NEW.late, 0);
  UPDATE filing_tally SET n = n + 1 WHERE form_code = NEW.form_code
      AND period_key = NEW.period_key
      AND parent_path = rtrim(rtrim(NEW.unit_path, '/'), '0123456789') AND state = NEW.state
      AND review_level = NEW.review_level AND late = NEW.late;
END;
CREATE TRIGGER filing_tally_delete AFTER DELETE ON filing BEGIN
  UPDATE filing_tally SET n = n - 1 WHERE form_code = OLD.form_code
      AND period_key = OLD.period_key
      AND parent_path = rtrim(rtrim(OLD.unit_path, '/'), '0123456789') AND state = OLD.state
      AND review_level = OLD.review_level AND late = OLD.late;
END;
CREATE TRIGGER filing_tally_update
AFTER UPDATE OF form_code, period_key, unit_path, state, review_level, late ON filing
WHEN OLD.form_code IS NOT NEW.form_code OR OLD.period_key IS NOT NEW.period_key
  OR OLD.unit_path IS NOT NEW.unit_path OR OLD.state IS NOT NEW.state
  OR OLD.review_level IS NOT NEW.review_level OR OLD.late IS NOT NEW.late
BEGIN
  UPDATE filing_tally SET n = n - 1 WHERE form_code = OLD.form_code
      AND period_key = OLD.period_key
      AND parent_path = rtrim(rtrim(OLD.unit_path, '/'), '0123456789') AND state = OLD.state
      AND review_level = OLD.review_level AND late = OLD.late;
  INSERT OR IGNORE INTO filing_tally VALUES (NEW.form_code, NEW.period_key,
      rtrim(rtrim(NEW.unit_path, '/'), '0123456789'), NEW.state, NEW.review_level, NEW.late, 0);
  UPDATE filing_tally SET n = n + 1 WHERE form_code = NEW.form_code
      AND period_key = NEW.period_key
      AND parent_path = rtrim(rtrim(NEW.unit_path, '/'), '0123456789') AND state = NEW.state
      AND review_level = NEW.review_level AND late = NEW.late;
END;
)sql";

constexpr const char* kMigration5Postgres = R"sql(
CREATE FUNCTION filing_tally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE filing_tally SET n = n - 1 WHERE form_code = OLD.form_code
        AND period_key = OLD.period_key
        AND parent_path = rtrim(rtrim(OLD.unit_path, '/'), '0123456789') AND state = OLD.state
        AND review_level = OLD.review_level AND late = OLD.late;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO filing_tally VALUES (NEW.form_code, NEW.period_key,
        rtrim(rtrim(NEW.unit_path, '/'), '0123456789'), NEW.state, NEW.review_level, NEW.late, 1)
    ON CONFLICT (form_code, period_key, parent_path, state, review_level, late)
    DO UPDATE SET n = filing_tally.n + 1;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER filing_tally_insert_delete AFTER INSERT OR DELETE ON filing
FOR EACH ROW EXECUTE FUNCTION filing_tally_apply();
CREATE TRIGGER filing_tally_update
AFTER UPDATE OF form_code, period_key, unit_path, state, review_level, late ON filing
FOR EACH ROW
WHEN (OLD.form_code IS DISTINCT FROM NEW.form_code OR OLD.period_key IS DISTINCT FROM NEW.period_key
  OR OLD.unit_path IS DISTINCT FROM NEW.unit_path OR OLD.state IS DISTINCT FROM NEW.state
  OR OLD.review_level IS DISTINCT FROM NEW.review_level OR OLD.late IS DISTINCT FROM NEW.late)
EXECUTE FUNCTION filing_tally_apply();
)sql";

// Analytics (issue 6): the snapshots of a period catch up by reading the filings changed since
// the newest change they saw (include/huoju/analytics/snapshot.hpp).
constexpr const char* kMigration6 = R"sql(
CREATE INDEX filing_changes ON filing(period_key, updated_at);
)sql";

// PostgreSQL: the tally's insert and delete triggers become statement triggers that add the
// inserted (removed) rows' counts per key once per statement. Row by row, opening a national
// period (one INSERT … SELECT of 600,000 tasks) updated the same few tally rows hundreds of
// thousands of times in one transaction; each update is a new row version that the next one must
// walk past, so the statement ran for over 8 minutes and kept getting slower. SQLite keeps its
// row triggers (an update in place there costs the same every time).
constexpr const char* kMigration8Postgres = R"sql(
DROP TRIGGER filing_tally_insert_delete ON filing;
CREATE FUNCTION filing_tally_add_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO filing_tally AS t (form_code, period_key, parent_path, state, review_level, late, n)
  SELECT form_code, period_key, rtrim(rtrim(unit_path, '/'), '0123456789'), state, review_level,
         late, COUNT(*)
  FROM added GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (form_code, period_key, parent_path, state, review_level, late)
  DO UPDATE SET n = t.n + EXCLUDED.n;
  RETURN NULL;
END
$$;
CREATE FUNCTION filing_tally_remove_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE filing_tally t SET n = t.n - r.c
  FROM (SELECT form_code, period_key, rtrim(rtrim(unit_path, '/'), '0123456789') AS parent_path,
               state, review_level, late, COUNT(*) AS c
        FROM removed GROUP BY 1, 2, 3, 4, 5, 6) r
  WHERE t.form_code = r.form_code AND t.period_key = r.period_key
    AND t.parent_path = r.parent_path AND t.state = r.state
    AND t.review_level = r.review_level AND t.late = r.late;
  RETURN NULL;
END
$$;
CREATE TRIGGER filing_tally_insert AFTER INSERT ON filing REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION filing_tally_add_rows();
CREATE TRIGGER filing_tally_delete AFTER DELETE ON filing REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION filing_tally_remove_rows();
)sql";

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> kAll = {
      {1, "org tree, accounts, sessions, audit log", kMigration1},
      {2, "published catalog versions", kMigration2},
      {3, "survey periods, filings, versions, extensions, signed scans", kMigration3},
      {4, "password history and reset tokens", kMigration4},
      {5, "covering queue and scope indexes, progress tally kept by triggers", kMigration5,
       kMigration5Sqlite, kMigration5Postgres},
      {6, "filings by period and change time, for the analytics catch-up", kMigration6},
      {7, "account kinds and modules, unit registrations, person links", kMigration7},
      {8, "PostgreSQL: tally insert/delete triggers per statement", "", "", kMigration8Postgres},
  };
  return kAll;
}

std::string RenderMigration(const Migration& m, Backend backend) {
  std::string sql(m.sql);
  sql += backend == Backend::kSqlite ? m.sqlite_sql : m.postgres_sql;
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
