// SQLite backend: WAL, one writer thread with group commit, a pool of reader connections.
#include <fmt/format.h>
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "src/store/backends.hpp"

namespace huoju::store {
namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) {
    return Status(ErrorCode::kConflict, "数据冲突：违反唯一性或关联约束",
                  {{"backend_message", msg}});
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status(ErrorCode::kUnavailable, "数据库繁忙，请稍后重试", {{"backend_message", msg}});
  }
  return Status(ErrorCode::kInternal, fmt::format("数据库错误（{}）", what),
                {{"backend_message", msg}});
}

// One sqlite3 connection with a prepared-statement cache.
class SqliteConnection final : public Session {
 public:
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) {
      sqlite3_finalize(stmt);
    }
    if (db_ != nullptr) {
      sqlite3_close_v2(db_);
    }
  }

  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool writer) {
    auto conn = std::make_unique<SqliteConnection>();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &conn->db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      return SqliteError(conn->db_, rc, "打开数据库文件");
    }
    sqlite3_extended_result_codes(conn->db_, 1);
    sqlite3_busy_timeout(conn->db_, 5000);
    // FULL: an acknowledged commit survives power loss, not just a process crash.
    // temp_store FILE, not MEMORY: with MEMORY the statement journal of a write job (every job
    // runs in a savepoint, and every statement that fires the tally triggers opens a statement
    // transaction) is an in-memory list that SQLite walks from its start on every statement,
    // so a job's time grew with the square of its size (20,000 filing inserts in one job:
    // 6.8 s against 2.0 s; demo-data of 50,000 units: 29 s against 11 s). On FILE it spills to
    // a temporary file past 64 KiB.
    std::string pragmas =
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA temp_store = FILE;"
        "PRAGMA cache_size = -65536;";
    if (writer) {
      pragmas = "PRAGMA journal_mode = WAL; " + pragmas;
    } else {
      // Readers map the database file (up to 8 GiB) instead of copying each page with a
      // pread call: a workbook import's audit of 100,000 units (mostly reads of last year's
      // filings) went from 5.0 to 3.5 s.
      pragmas += " PRAGMA query_only = ON; PRAGMA mmap_size = 8589934592;";
    }
    HUOJU_RETURN_IF_ERROR(conn->ExecuteScript(pragmas));
    return conn;
  }

  Backend backend() const override { return Backend::kSqlite; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    HUOJU_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    std::vector<std::string> columns;
    int ncol = sqlite3_column_count(stmt);
    columns.reserve(ncol);
    for (int i = 0; i < ncol; ++i) {
      columns.emplace_back(sqlite3_column_name(stmt, i));
    }
    std::vector<std::vector<Value>> rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) {
        break;
      }
      if (rc != SQLITE_ROW) {
        Status st = SqliteError(db_, rc, "查询");
        sqlite3_reset(stmt);
        return st;
      }
      std::vector<Value> row;
      row.reserve(ncol);
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(stmt, i));
            break;
          case SQLITE_TEXT:
            row.emplace_back(
                std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                            sqlite3_column_bytes(stmt, i)));
            break;
          case SQLITE_BLOB: {
            const char* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
            row.emplace_back(Blob{std::string(p == nullptr ? "" : p,
                                              p == nullptr ? 0 : sqlite3_column_bytes(stmt, i))});
            break;
          }
          default:
            row.emplace_back(nullptr);
            break;
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return Rows(std::move(columns), std::move(rows));
  }

  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    HUOJU_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      Status st = SqliteError(db_, rc, "写入");
      sqlite3_reset(stmt);
      return st;
    }
    sqlite3_reset(stmt);
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status ExecuteScript(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      sqlite3_free(err);
      return SqliteError(db_, rc, "脚本执行");
    }
    return Status::Ok();
  }

  sqlite3* handle() { return db_; }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql, const Params& params) {
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      stmt = it->second;
      sqlite3_clear_bindings(stmt);
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        return SqliteError(db_, rc, "语句准备");
      }
      cache_.emplace(std::string(sql), stmt);
    }
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return Status::Internal(fmt::format("参数个数不符：需要{}个，给出{}个",
                                          sqlite3_bind_parameter_count(stmt), params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, idx);
            } else if constexpr (std::is_same_v<T, int64_t>) {
              return sqlite3_bind_int64(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, idx, v);
            } else if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text64(stmt, idx, v.data(), v.size(), SQLITE_TRANSIENT,
                                         SQLITE_UTF8);
            } else {
              return sqlite3_bind_blob64(stmt, idx, v.bytes.data(), v.bytes.size(),
                                         SQLITE_TRANSIENT);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) {
        return SqliteError(db_, rc, "参数绑定");
      }
    }
    return stmt;
  }

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, OpenOptions options)
      : path_(std::move(path)), options_(options) {}

  ~SqliteDatabase() override {
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      stopping_ = true;
    }
    write_cv_.notify_all();
    if (writer_thread_.joinable()) {
      writer_thread_.join();
    }
  }

  Status Init() {
    auto writer = SqliteConnection::Open(path_, /*writer=*/true);
    if (!writer.ok()) {
      return writer.status();
    }
    writer_ = std::move(writer).value();
    for (int i = 0; i < std::max(1, options_.connections); ++i) {
      auto reader = SqliteConnection::Open(path_, /*writer=*/false);
      if (!reader.ok()) {
        return reader.status();
      }
      idle_readers_.push_back(std::move(reader).value());
    }
    writer_thread_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  Backend backend() const override { return Backend::kSqlite; }

  Status Read(const std::function<Status(Session&)>& fn) override {
    std::unique_ptr<SqliteConnection> conn;
    {
      std::unique_lock<std::mutex> lock(read_mu_);
      read_cv_.wait(lock, [this] { return !idle_readers_.empty(); });
      conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
    Status st = conn->ExecuteScript("BEGIN");
    if (st.ok()) {
      st = Invoke(fn, *conn);
      Status end = conn->ExecuteScript("COMMIT");
      if (st.ok()) {
        st = end;
      }
    }
    {
      std::lock_guard<std::mutex> lock(read_mu_);
      idle_readers_.push_back(std::move(conn));
    }
    read_cv_.notify_one();
    return st;
  }

  Status Write(const std::function<Status(Session&)>& fn) override {
    WriteJob job{&fn, {}};
    std::future<Status> done = job.promise.get_future();
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      if (stopping_) {
        return Status::Unavailable("数据库正在关闭");
      }
      write_queue_.push_back(&job);
    }
    write_cv_.notify_one();
    return done.get();
  }

  Status RefreshAfterBulkWrite(std::string_view table) override {
    HUOJU_RETURN_IF_ERROR(CheckTableName(table));
    return Write([&](Session& s) -> Status {
      return s.ExecuteScript(fmt::format("PRAGMA analysis_limit = 1000; ANALYZE {}", table));
    });
  }

  Status CheckIntegrity() override {
    Status result;
    Status st = Read([&](Session& s) -> Status {
      auto rows = s.Query("PRAGMA integrity_check");
      if (!rows.ok()) {
        return rows.status();
      }
      if (rows->size() != 1 || rows->Text(0, 0) != "ok") {
        std::string all;
        for (size_t i = 0; i < rows->size(); ++i) {
          all += rows->Text(i, 0) + "\n";
        }
        result = Status(ErrorCode::kInternal, "数据库完整性检查未通过", {{"report", all}});
      }
      auto fk = s.Query("PRAGMA foreign_key_check");
      if (fk.ok() && !fk->empty() && result.ok()) {
        result = Status(ErrorCode::kInternal, "数据库外键检查未通过");
      }
      return Status::Ok();
    });
    return st.ok() ? result : st;
  }

  Status Ping() override {
    return Read([](Session& s) { return s.Query("SELECT 1").status(); });
  }

 private:
  struct WriteJob {
    const std::function<Status(Session&)>* fn;
    std::promise<Status> promise;
  };

  static Status Invoke(const std::function<Status(Session&)>& fn, Session& s) {
    try {
      return fn(s);
    } catch (const std::exception& e) {
      return Status(ErrorCode::kInternal, "内部错误", {{"exception", e.what()}});
    } catch (...) {
      return Status(ErrorCode::kInternal, "内部错误");
    }
  }

  // Takes every queued job (up to the group limit), runs each in its own savepoint inside one
  // transaction, commits once, and only then answers the callers: fewer fsyncs under load, and
  // no caller hears OK before its change is durable.
  void WriterLoop() {
    for (;;) {
      std::vector<WriteJob*> batch;
      {
        std::unique_lock<std::mutex> lock(write_mu_);
        write_cv_.wait(lock, [this] { return stopping_ || !write_queue_.empty(); });
        if (write_queue_.empty()) {
          return;
        }
        while (!write_queue_.empty() &&
               static_cast<int>(batch.size()) < std::max(1, options_.max_group_commit)) {
          batch.push_back(write_queue_.front());
          write_queue_.pop_front();
        }
      }
      std::vector<Status> results(batch.size());
      Status begin = writer_->ExecuteScript("BEGIN IMMEDIATE");
      if (!begin.ok()) {
        for (WriteJob* job : batch) {
          job->promise.set_value(begin);
        }
        continue;
      }
      bool any_ok = false;
      for (size_t i = 0; i < batch.size(); ++i) {
        Status sp = writer_->ExecuteScript("SAVEPOINT job");
        if (!sp.ok()) {
          results[i] = sp;
          continue;
        }
        results[i] = Invoke(*batch[i]->fn, *writer_);
        if (sqlite3_get_autocommit(writer_->handle()) != 0) {
          // SQLite rolled the whole transaction back (I/O error, disk full): every job of
          // this batch so far is lost with it.
          Status lost = Status::Unavailable("数据库写入失败，事务已回滚");
          for (size_t j = 0; j <= i; ++j) {
            if (results[j].ok()) {
              results[j] = lost;
            }
          }
          (void)writer_->ExecuteScript("BEGIN IMMEDIATE");
          continue;
        }
        if (!results[i].ok()) {
          (void)writer_->ExecuteScript("ROLLBACK TO job");
        } else {
          any_ok = true;
        }
        (void)writer_->ExecuteScript("RELEASE job");
      }
      Status commit =
          any_ok ? writer_->ExecuteScript("COMMIT") : writer_->ExecuteScript("ROLLBACK");
      if (!commit.ok()) {
        (void)writer_->ExecuteScript("ROLLBACK");
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i]->promise.set_value(results[i].ok() && !commit.ok() ? commit : results[i]);
      }
    }
  }

  std::string path_;
  OpenOptions options_;

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;

  std::unique_ptr<SqliteConnection> writer_;
  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<WriteJob*> write_queue_;
  bool stopping_ = false;
  std::thread writer_thread_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const OpenOptions& options) {
  if (path.empty()) {
    return Status::Invalid("SQLite 数据库文件路径为空");
  }
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status::Invalid(fmt::format("无法创建数据目录 {}：{}", parent.string(), ec.message()));
    }
  }
  auto db = std::make_unique<SqliteDatabase>(path, options);
  HUOJU_RETURN_IF_ERROR(db->Init());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace huoju::store
