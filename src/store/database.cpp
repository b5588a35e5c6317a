#include "huoju/store/database.hpp"

#include <fmt/format.h>

#include <cmath>

#include "src/store/backends.hpp"
#include "src/store/migrations.hpp"

namespace huoju::store {

bool Rows::IsNull(size_t row, size_t col) const {
  return std::holds_alternative<std::nullptr_t>(rows_[row][col]);
}

int64_t Rows::Int(size_t row, size_t col, int64_t fallback) const {
  const Value& v = rows_[row][col];
  if (const auto* i = std::get_if<int64_t>(&v)) {
    return *i;
  }
  if (const auto* d = std::get_if<double>(&v)) {
    return static_cast<int64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    try {
      return std::stoll(*s);
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

double Rows::Double(size_t row, size_t col, double fallback) const {
  const Value& v = rows_[row][col];
  if (const auto* d = std::get_if<double>(&v)) {
    return *d;
  }
  if (const auto* i = std::get_if<int64_t>(&v)) {
    return static_cast<double>(*i);
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    try {
      return std::stod(*s);
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

std::string Rows::Text(size_t row, size_t col) const {
  const Value& v = rows_[row][col];
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  if (const auto* i = std::get_if<int64_t>(&v)) {
    return std::to_string(*i);
  }
  if (const auto* d = std::get_if<double>(&v)) {
    return fmt::format("{}", *d);
  }
  if (const auto* b = std::get_if<Blob>(&v)) {
    return b->bytes;
  }
  return {};
}

std::string Rows::BlobBytes(size_t row, size_t col) const {
  const Value& v = rows_[row][col];
  if (const auto* b = std::get_if<Blob>(&v)) {
    return b->bytes;
  }
  return Text(row, col);
}

Status Session::AppendAudit(const AuditEntry& e, int64_t at_millis) {
  auto r = Execute(
      "INSERT INTO audit_log (at, actor_account_id, action, object_type, object_id, org_node_id, "
      "client_address, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {at_millis, e.actor_account_id, e.action, e.object_type, e.object_id, e.org_node_id,
       e.client_address, e.request_id, e.detail.dump()});
  return r.status();
}

Status Session::LockRow(std::string_view table, int64_t id) {
  HUOJU_RETURN_IF_ERROR(CheckTableName(table));
  if (backend() != Backend::kPostgres) {
    return Status::Ok();
  }
  return Query(fmt::format("SELECT id FROM {} WHERE id = ? FOR UPDATE", table), {id}).status();
}

Status Session::Lock(WriteLock lock) {
  if (backend() != Backend::kPostgres) {
    return Status::Ok();
  }
  return Query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(CAST(? AS bigint))) AS locked",
               {static_cast<int64_t>(lock)})
      .status();
}

const char* Database::backend_name() const {
  return backend() == Backend::kSqlite ? "sqlite" : "postgresql";
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& url,
                                                 const OpenOptions& options) {
  if (url.rfind("sqlite://", 0) == 0) {
    return OpenSqlite(url.substr(9), options);
  }
  if (url.rfind("sqlite:", 0) == 0) {
    return OpenSqlite(url.substr(7), options);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return OpenPostgres(url, options);
  }
  return Status::Invalid("数据库地址无法识别：应以 sqlite: 或 postgresql:// 开头");
}

Status CheckTableName(std::string_view table) {
  bool ok = !table.empty() && table.size() <= 63 && !(table[0] >= '0' && table[0] <= '9');
  for (char c : table) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  return ok ? Status::Ok() : Status::Invalid(fmt::format("表名“{}”无效", table));
}

Status Database::RefreshStatistics() {
  return Write([&](Session& s) -> Status {
    // analysis_limit samples each index, so this stays fast on millions of rows.
    return s.ExecuteScript(backend() == Backend::kSqlite ? "PRAGMA analysis_limit = 1000; ANALYZE"
                                                         : "ANALYZE");
  });
}

Result<int> Database::SchemaVersion() {
  int version = 0;
  Status st = Read([&](Session& s) -> Status {
    auto exists = s.Query(backend() == Backend::kSqlite
                              ? "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migration'"
                              : "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = "
                                "'schema_migration' AND table_schema = current_schema()");
    if (!exists.ok()) {
      return exists.status();
    }
    if (exists->Int(0, 0) == 0) {
      return Status::Ok();
    }
    auto rows = s.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migration");
    if (!rows.ok()) {
      return rows.status();
    }
    version = static_cast<int>(rows->Int(0, 0));
    return Status::Ok();
  });
  if (!st.ok()) {
    return st;
  }
  return version;
}

Status Database::Migrate() {
  HUOJU_ASSIGN_OR_RETURN(int current, SchemaVersion());
  for (const Migration& m : AllMigrations()) {
    if (m.version <= current) {
      continue;
    }
    std::string sql = RenderMigration(m, backend());
    HUOJU_RETURN_IF_ERROR(Write([&](Session& s) -> Status {
      HUOJU_RETURN_IF_ERROR(s.ExecuteScript(sql));
      auto r = s.Execute("INSERT INTO schema_migration (version, name) VALUES (?, ?)",
                         {static_cast<int64_t>(m.version), std::string(m.name)});
      return r.status();
    }));
  }
  return Status::Ok();
}

}  // namespace huoju::store
