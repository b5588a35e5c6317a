// PostgreSQL backend over libpq: a pool of connections, each with its own prepared-statement
// cache; reads run in parallel, writes are serialized by a mutex.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "src/store/backends.hpp"
#include "src/store/pg_placeholders.hpp"

namespace huoju::store {
namespace {

// Type OIDs from catalog/pg_type_d.h, a server header that libpq-dev does not ship.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

constexpr const char* kConnectionLost = "数据库连接中断";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trim(const char* s) {
  std::string out = s != nullptr ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// SQLSTATEs after which the session is gone: connection exceptions (class 08) and the server
// terminating the backend (admin/crash shutdown, cannot connect now).
bool IsConnectionLoss(std::string_view sqlstate) {
  return StartsWith(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

Status PgError(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string sqlstate = res != nullptr ? Trim(PQresultErrorField(res, PG_DIAG_SQLSTATE)) : "";
  std::string msg = res != nullptr ? Trim(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) : "";
  if (msg.empty()) {
    msg = Trim(PQerrorMessage(conn));
  }
  nlohmann::json details = {{"backend_message", msg}};
  if (!sqlstate.empty()) {
    details["sqlstate"] = sqlstate;
  }
  if (PQstatus(conn) != CONNECTION_OK || IsConnectionLoss(sqlstate)) {
    return Status(ErrorCode::kUnavailable, kConnectionLost, std::move(details));
  }
  if (StartsWith(sqlstate, "23")) {
    return Status(ErrorCode::kConflict, "数据冲突：违反唯一性或关联约束", std::move(details));
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Status(ErrorCode::kUnavailable, "数据库事务冲突，请稍后重试", std::move(details));
  }
  return Status(ErrorCode::kInternal, fmt::format("数据库错误（{}）", what), std::move(details));
}

bool ResultOk(const PGresult* res) {
  if (res == nullptr) {
    return false;
  }
  ExecStatusType s = PQresultStatus(res);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string DecodeBytea(const char* text, int len) {
  if (len >= 2 && text[0] == '\\' && text[1] == 'x') {
    std::string out;
    out.reserve((len - 2) / 2);
    for (int i = 2; i + 1 < len; i += 2) {
      out += static_cast<char>(HexDigit(text[i]) << 4 | HexDigit(text[i + 1]));
    }
    return out;
  }
  // Escape format: only if the server ignored our `bytea_output = hex`.
  size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
  std::string out(reinterpret_cast<const char*>(raw), raw != nullptr ? n : 0);
  PQfreemem(raw);
  return out;
}

Value ConvertCell(Oid type, const char* text, int len) {
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t v = 0;
      if (std::from_chars(text, text + len, v).ec == std::errc()) {
        return v;
      }
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      // from_chars is locale-independent and reads "NaN"/"Infinity" too.
      double v = 0;
      if (std::from_chars(text, text + len, v).ec == std::errc()) {
        return v;
      }
      break;
    }
    case kBoolOid:
      return static_cast<int64_t>(len > 0 && text[0] == 't');
    case kByteaOid:
      return Blob{DecodeBytea(text, len)};
    default:
      break;
  }
  return std::string(text, len);
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One libpq connection. Used by one thread at a time (the pool hands it out).
class PgConnection final : public Session {
 public:
  PgConnection(PGconn* conn, std::atomic<uint64_t>* schema_epoch)
      : conn_(conn), schema_epoch_(schema_epoch) {}
  ~PgConnection() override { PQfinish(conn_); }

  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url,
                                                       std::atomic<uint64_t>* epoch) {
    // `dbname` last: settings in the URL override these defaults.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "client_encoding",
                          "dbname", nullptr};
    const char* values[] = {"10", "huoju", "UTF8", url.c_str(), nullptr};
    PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (raw == nullptr) {
      return Status::Unavailable("无法连接 PostgreSQL 数据库：内存不足");
    }
    auto conn = std::make_unique<PgConnection>(raw, epoch);
    if (PQstatus(raw) != CONNECTION_OK) {
      return Status(ErrorCode::kUnavailable, "无法连接 PostgreSQL 数据库服务器",
                    {{"backend_message", Trim(PQerrorMessage(raw))}});
    }
    // Notices ("drop cascades to …") would otherwise go to stderr.
    PQsetNoticeProcessor(
        raw, [](void*, const char*) {}, nullptr);
    HUOJU_RETURN_IF_ERROR(conn->Setup());
    return conn;
  }

  Backend backend() const override { return Backend::kPostgres; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    HUOJU_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, "查询"));
    int ncol = PQnfields(res.get());
    int nrow = PQntuples(res.get());
    std::vector<std::string> columns;
    std::vector<Oid> types;
    columns.reserve(ncol);
    types.reserve(ncol);
    for (int c = 0; c < ncol; ++c) {
      columns.emplace_back(PQfname(res.get(), c));
      types.push_back(PQftype(res.get(), c));
    }
    std::vector<std::vector<Value>> rows;
    rows.reserve(nrow);
    for (int r = 0; r < nrow; ++r) {
      std::vector<Value> row;
      row.reserve(ncol);
      for (int c = 0; c < ncol; ++c) {
        if (PQgetisnull(res.get(), r, c)) {
          row.emplace_back(nullptr);
        } else {
          row.push_back(
              ConvertCell(types[c], PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c)));
        }
      }
      rows.push_back(std::move(row));
    }
    return Rows(std::move(columns), std::move(rows));
  }

  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    HUOJU_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, "写入"));
    const char* n = PQcmdTuples(res.get());
    int64_t count = 0;
    std::from_chars(n, n + std::strlen(n), count);  // "" for commands without a count
    return count;
  }

  Status ExecuteScript(std::string_view sql) override {
    HUOJU_RETURN_IF_ERROR(CheckUsable());
    PgResult res(PQexec(conn_, std::string(sql).c_str()));
    // Scripts change the schema: statements prepared before may now fail with "cached plan
    // must not change result type". Every connection drops its statements before its next use.
    schema_epoch_->fetch_add(1);
    stale_ = true;
    if (!ResultOk(res.get())) {
      return Fail(res.get(), "脚本执行");
    }
    return Status::Ok();
  }

  // Makes the connection ready for a new transaction: reconnects a broken one, drops prepared
  // statements that a schema change made stale, and ends any transaction left open.
  Status Ready() {
    if (broken_ || PQstatus(conn_) != CONNECTION_OK) {
      PQreset(conn_);
      if (PQstatus(conn_) != CONNECTION_OK) {
        broken_ = true;
        return Status(ErrorCode::kUnavailable, kConnectionLost,
                      {{"backend_message", Trim(PQerrorMessage(conn_))}});
      }
      broken_ = false;
      cache_.clear();  // the new server session has no prepared statements
      stale_ = false;
      epoch_ = schema_epoch_->load();
      HUOJU_RETURN_IF_ERROR(Setup());
    }
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      HUOJU_RETURN_IF_ERROR(Exec("ROLLBACK"));
    }
    uint64_t epoch = schema_epoch_->load();
    if (stale_ || epoch != epoch_) {
      // DEALLOCATE is not transactional, so cache and server stay in step.
      HUOJU_RETURN_IF_ERROR(Exec("DEALLOCATE ALL"));
      cache_.clear();
      stale_ = false;
      epoch_ = epoch;
    }
    first_error_ = Status::Ok();
    return Status::Ok();
  }

  // Runs the first command of a unit of work (BEGIN, or Ping's SELECT 1).
  Status Begin(const char* sql) {
    HUOJU_RETURN_IF_ERROR(Ready());
    Status st = Exec(sql);
    if (!st.ok() && broken_) {
      // The server dropped the idle connection (restart, idle timeout). Nothing has run yet,
      // so reconnecting and starting again is safe.
      HUOJU_RETURN_IF_ERROR(Ready());
      st = Exec(sql);
    }
    first_error_ = Status::Ok();
    return st;
  }

  Status Commit() {
    PgResult res(PQexec(conn_, "COMMIT"));
    if (!ResultOk(res.get())) {
      return Fail(res.get(), "提交事务");
    }
    // COMMIT of a transaction that an earlier failed statement aborted reports ROLLBACK:
    // `fn` ignored that error, but nothing was kept.
    if (std::strcmp(PQcmdStatus(res.get()), "ROLLBACK") == 0) {
      if (!first_error_.ok()) {
        return first_error_;
      }
      return Status::Internal("数据库事务已回滚");
    }
    return Status::Ok();
  }

  void Rollback() {
    if (!broken_ && PQstatus(conn_) == CONNECTION_OK) {
      (void)Exec("ROLLBACK");
    }
  }

  // Runs one parameterless command through the simple protocol.
  Status Exec(const char* sql) {
    PgResult res(PQexec(conn_, sql));
    if (!ResultOk(res.get())) {
      return Fail(res.get(), sql);
    }
    return Status::Ok();
  }

 private:
  struct Prepared {
    std::string name;
    int params = 0;
  };

  Status Setup() {
    // extra_float_digits = 1 and hex bytea are the defaults; set them so that server
    // configuration cannot make doubles lossy or bytea unreadable.
    return Exec(
        "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET bytea_output = 'hex'; "
        "SET extra_float_digits = 1");
  }

  Status CheckUsable() {
    if (broken_) {
      return Status(ErrorCode::kUnavailable, kConnectionLost);
    }
    return Status::Ok();
  }

  // Maps a failed result, remembers the first failure of the transaction and notes whether
  // the connection must be reset or its statements dropped.
  Status Fail(const PGresult* res, std::string_view what) {
    Status st = PgError(conn_, res, what);
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string_view sqlstate = state != nullptr ? state : "";
    if (PQstatus(conn_) != CONNECTION_OK || IsConnectionLoss(sqlstate)) {
      broken_ = true;
    }
    if (sqlstate == "0A000") {
      stale_ = true;  // "cached plan must not change result type"
    }
    if (first_error_.ok()) {
      first_error_ = st;
    }
    return st;
  }

  Result<PgResult> Run(std::string_view sql, const Params& params, std::string_view what) {
    HUOJU_RETURN_IF_ERROR(CheckUsable());
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      PgStatementText text = RewritePlaceholders(sql);
      if (static_cast<int>(params.size()) != text.params) {
        return Status::Internal(
            fmt::format("参数个数不符：需要{}个，给出{}个", text.params, params.size()));
      }
      Prepared p{fmt::format("huoju_{}", next_statement_++), text.params};
      PgResult res(PQprepare(conn_, p.name.c_str(), text.sql.c_str(), p.params, nullptr));
      if (!ResultOk(res.get())) {
        return Fail(res.get(), "语句准备");
      }
      it = cache_.emplace(std::string(sql), std::move(p)).first;
    }
    const Prepared& p = it->second;
    if (static_cast<int>(params.size()) != p.params) {
      return Status::Internal(
          fmt::format("参数个数不符：需要{}个，给出{}个", p.params, params.size()));
    }
    // Numbers and text go in text format (the server infers each parameter's type from the
    // statement); Blobs go in binary format so any byte, NUL included, survives.
    size_t n = params.size();
    std::vector<std::string> text(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (const auto* x = std::get_if<int64_t>(&v)) {
        text[i] = std::to_string(*x);
        values[i] = text[i].c_str();
      } else if (const auto* d = std::get_if<double>(&v)) {
        text[i] = fmt::format("{}", *d);  // shortest form that reads back exactly
        values[i] = text[i].c_str();
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        if (s->find('\0') != std::string::npos) {
          return Status::Invalid(fmt::format("第{}个参数：文本中不能含有 NUL 字符", i + 1));
        }
        values[i] = s->c_str();
      } else if (const auto* b = std::get_if<Blob>(&v)) {
        values[i] = b->bytes.data();
        lengths[i] = static_cast<int>(b->bytes.size());
        formats[i] = 1;
      }
    }
    PgResult res(PQexecPrepared(conn_, p.name.c_str(), static_cast<int>(n), values.data(),
                                lengths.data(), formats.data(), /*resultFormat=*/0));
    if (!ResultOk(res.get())) {
      return Fail(res.get(), what);
    }
    return res;
  }

  PGconn* conn_;
  std::atomic<uint64_t>* schema_epoch_;  // shared by the pool; bumped by ExecuteScript
  std::unordered_map<std::string, Prepared, StringHash, std::equal_to<>> cache_;
  uint64_t next_statement_ = 0;
  uint64_t epoch_ = 0;   // schema epoch the cache belongs to
  bool stale_ = false;   // prepared statements must be dropped before the next transaction
  bool broken_ = false;  // the connection must be reset before reuse
  Status first_error_;   // first failure in the current transaction
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(OpenOptions options) : options_(options) {}

  Status Init(const std::string& url) {
    for (int i = 0; i < std::max(1, options_.connections); ++i) {
      auto conn = PgConnection::Connect(url, &schema_epoch_);
      if (!conn.ok()) {
        return conn.status();
      }
      idle_.push_back(std::move(conn).value());
    }
    return Status::Ok();
  }

  Backend backend() const override { return Backend::kPostgres; }

  Status Read(const std::function<Status(Session&)>& fn) override {
    Lease conn(this);
    return Transaction(*conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }

  // No process-wide lock: concurrent writes are separate READ COMMITTED transactions, so
  // PostgreSQL can flush their commits together. Callers lock what they check (see the
  // contract in database.hpp); a deadlock or serialization failure rolls back and reruns `fn`.
  Status Write(const std::function<Status(Session&)>& fn) override {
    Lease conn(this);
    for (int attempt = 1;; ++attempt) {
      Status st = Transaction(*conn, "BEGIN", fn);
      if (st.ok() || attempt >= kMaxWriteAttempts || !Retryable(st)) {
        return st;
      }
      // The other transaction holds its locks until it commits: wait a little, jittered so
      // the two do not collide again in step.
      thread_local std::minstd_rand jitter(std::random_device{}());
      std::this_thread::sleep_for(
          std::chrono::microseconds(attempt * 1000 + static_cast<int>(jitter() % 2000)));
    }
  }

  Status CheckIntegrity() override {
    // amcheck lives in contrib and needs a superuser to install; without it, fall back to a
    // full scan of every table, which at least reads every heap page.
    bool install = false;
    Status probe = Read([&](Session& s) -> Status {
      auto r = s.Query(
          "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck') AND EXISTS "
          "(SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck')");
      if (r.ok()) {
        install = r->Text(0, 0) == "1";
      }
      return r.status();
    });
    HUOJU_RETURN_IF_ERROR(probe);
    if (install) {
      // Fails without the privilege to create extensions; the table scan below covers that.
      (void)Write(
          [](Session& s) { return s.ExecuteScript("CREATE EXTENSION IF NOT EXISTS amcheck"); });
    }
    bool checked = false;
    Status result;
    Status st = Read([&](Session& s) -> Status {
      auto ext = s.Query(
          "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = "
          "e.extnamespace WHERE e.extname = 'amcheck'");
      if (!ext.ok() || ext->empty()) {
        return ext.status();
      }
      auto indexes = s.Query(
          "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
          "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam "
          "WHERE n.nspname = 'public' AND a.amname = 'btree' AND c.relpersistence <> 't' "
          "AND i.indisvalid AND i.indisready ORDER BY 1");
      if (!indexes.ok()) {
        return indexes.status();
      }
      std::string check = fmt::format("SELECT {}.bt_index_check(?::regclass)", ext->Text(0, 0));
      for (size_t i = 0; i < indexes->size(); ++i) {
        auto r = s.Query(check, {indexes->Text(i, 0)});
        if (!r.ok()) {
          std::string sqlstate = r.status().details().value("sqlstate", "");
          if (StartsWith(sqlstate, "XX")) {  // data_corrupted / index_corrupted
            result =
                Status(ErrorCode::kInternal, "数据库完整性检查未通过",
                       {{"index", indexes->Text(i, 0)},
                        {"backend_message", r.status().details().value("backend_message", "")}});
            checked = true;
            return Status::Ok();
          }
          return r.status();  // e.g. no permission: scan instead
        }
      }
      checked = true;
      return Status::Ok();
    });
    if (checked) {
      return result;
    }
    if (!st.ok() && st.code() == ErrorCode::kUnavailable) {
      return st;
    }
    st = Read([&](Session& s) -> Status {
      auto tables = s.Query(
          "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      if (!tables.ok()) {
        return tables.status();
      }
      for (size_t i = 0; i < tables->size(); ++i) {
        auto r = s.Query(fmt::format("SELECT count(*) FROM public.{}", tables->Text(i, 0)));
        if (!r.ok()) {
          result = Status(ErrorCode::kInternal, "数据库完整性检查未通过",
                          {{"table", tables->Text(i, 0)},
                           {"backend_message", r.status().details().value("backend_message", "")}});
          return Status::Ok();
        }
      }
      return Status::Ok();
    });
    return st.ok() ? result : st;
  }

  Status Ping() override {
    Lease conn(this);
    return conn->Begin("SELECT 1");
  }

  Status RefreshAfterBulkWrite(std::string_view table) override {
    HUOJU_RETURN_IF_ERROR(CheckTableName(table));
    const std::string sql = fmt::format("VACUUM (ANALYZE) {}", table);
    Lease conn(this);
    return conn->Begin(sql.c_str());  // a command of its own: VACUUM refuses transactions
  }

 private:
  // A pooled connection, returned to the pool when the lease ends.
  class Lease {
   public:
    explicit Lease(PostgresDatabase* db) : db_(db) {
      std::unique_lock<std::mutex> lock(db_->pool_mu_);
      db_->pool_cv_.wait(lock, [this] { return !db_->idle_.empty(); });
      conn_ = std::move(db_->idle_.back());
      db_->idle_.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard<std::mutex> lock(db_->pool_mu_);
        db_->idle_.push_back(std::move(conn_));
      }
      db_->pool_cv_.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }

   private:
    PostgresDatabase* db_;
    std::unique_ptr<PgConnection> conn_;
  };

  static Status Transaction(PgConnection& conn, const char* begin,
                            const std::function<Status(Session&)>& fn) {
    HUOJU_RETURN_IF_ERROR(conn.Begin(begin));
    Status st;
    try {
      st = fn(conn);
    } catch (const std::exception& e) {
      st = Status(ErrorCode::kInternal, "内部错误", {{"exception", e.what()}});
    } catch (...) {
      // Anything else would escape with the transaction still open.
      st = Status(ErrorCode::kInternal, "内部错误");
    }
    if (!st.ok()) {
      conn.Rollback();
      return st;
    }
    return conn.Commit();
  }

  OpenOptions options_;
  std::atomic<uint64_t> schema_epoch_{0};

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;

  static constexpr int kMaxWriteAttempts = 5;

  static bool Retryable(const Status& st) {
    const std::string sqlstate = st.details().is_object() ? st.details().value("sqlstate", "") : "";
    return sqlstate == "40001" || sqlstate == "40P01";
  }
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, const OpenOptions& options) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
  if (parsed == nullptr) {
    Status st(ErrorCode::kValidationFailed, "PostgreSQL 连接地址格式错误",
              {{"backend_message", Trim(err != nullptr ? err : "out of memory")}});
    PQfreemem(err);
    return st;
  }
  PQconninfoFree(parsed);
  auto db = std::make_unique<PostgresDatabase>(options);
  HUOJU_RETURN_IF_ERROR(db->Init(url));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace huoju::store
