// One conformance suite for both store backends. PostgreSQL runs against HUOJU_TEST_PG_URL
// (tests/pg_cluster.sh start DIR prints one); without it the PostgreSQL cases are skipped
// locally and fail in CI, so CI can never silently test SQLite only.
#include "huoju/store/database.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>

#include "src/store/migrations.hpp"
#include "src/store/pg_placeholders.hpp"

namespace huoju::store {

// Readable parameter in gtest output (found by ADL, hence outside the unnamed namespace).
static void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "sqlite" : "postgresql");
}

namespace {

const char* PgUrl() {
  const char* url = std::getenv("HUOJU_TEST_PG_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0';
}

constexpr const char* kNoPgUrl =
    "HUOJU_TEST_PG_URL is not set. Start a cluster with `tests/pg_cluster.sh start DIR` and "
    "export the URL it prints.";

// Skips (locally) or fails (in CI) the current test when no PostgreSQL server is configured.
// Must be called directly from SetUp or a test body: both macros return from the caller.
#define HUOJU_REQUIRE_PG_URL()  \
  do {                          \
    if (PgUrl() == nullptr) {   \
      if (InCi()) {             \
        FAIL() << kNoPgUrl;     \
      }                         \
      GTEST_SKIP() << kNoPgUrl; \
    }                           \
  } while (false)

// Serializes PostgreSQL tests across processes (ctest -j runs each test in its own process and
// they share one database): a session advisory lock, held until the returned pool closes.
std::unique_ptr<Database> LockPgTestDatabase() {
  auto db = Database::Open(PgUrl(), OpenOptions{.connections = 1});
  EXPECT_TRUE(db.ok()) << db.status().ToString() << " " << db.status().details().dump();
  if (!db.ok()) {
    return nullptr;
  }
  Status st = (*db)->Read([](Session& s) {
    return s.Query("SELECT pg_advisory_lock(?)", {int64_t{0x68756f6a75}}).status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  return st.ok() ? std::move(db).value() : nullptr;
}

// DDL written once for both backends, with the migration tokens ({{ID}}, {{BLOB}}, {{REAL}}).
std::string Ddl(std::string_view sql, Backend backend) {
  return RenderMigration(Migration{0, "test", sql}, backend);
}

std::string ValueDebug(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          return "NULL";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return "int " + std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          return "double " + std::to_string(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "text '" + x + "'";
        } else {
          return "blob of " + std::to_string(x.bytes.size()) + " bytes";
        }
      },
      v);
}

class DatabaseConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      HUOJU_REQUIRE_PG_URL();
      url_ = PgUrl();
      lock_ = LockPgTestDatabase();
      ASSERT_NE(lock_, nullptr);
    } else {
      // Unique per process and test, so parallel ctest runs do not share files.
      std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
      std::replace(name.begin(), name.end(), '/', '_');
      dir_ = std::filesystem::path(::testing::TempDir()) /
             ("huoju_db_" + std::to_string(::getpid()) + "_" + name);
      std::filesystem::remove_all(dir_);
      url_ = "sqlite:" + (dir_ / "test.db").string();
    }
    auto db = Database::Open(url_);
    ASSERT_TRUE(db.ok()) << db.status().ToString() << " " << db.status().details().dump();
    db_ = std::move(db).value();
    ASSERT_EQ(db_->backend(), GetParam());
    if (GetParam() == Backend::kPostgres) {
      // Every test starts from an empty schema.
      Status st = db_->Write([](Session& s) {
        return s.ExecuteScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
      });
      ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
    }
  }

  void TearDown() override {
    db_.reset();
    lock_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  Backend backend() const { return GetParam(); }

  void Script(std::string_view ddl) {
    std::string sql = Ddl(ddl, backend());
    Status st = db_->Write([&](Session& s) { return s.ExecuteScript(sql); });
    ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  }

  int64_t Count(const std::string& table) {
    int64_t n = -1;
    Status st = db_->Read([&](Session& s) -> Status {
      auto rows = s.Query("SELECT COUNT(*) FROM " + table);
      if (!rows.ok()) {
        return rows.status();
      }
      n = rows->Int(0, 0);
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return n;
  }

  std::string url_;
  std::filesystem::path dir_;
  std::unique_ptr<Database> lock_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseConformance, MigrateIsIdempotent) {
  auto v0 = db_->SchemaVersion();
  ASSERT_TRUE(v0.ok()) << v0.status().ToString();
  EXPECT_EQ(*v0, 0);

  ASSERT_TRUE(db_->Migrate().ok());
  auto v1 = db_->SchemaVersion();
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(*v1, AllMigrations().back().version);

  Status again = db_->Migrate();
  ASSERT_TRUE(again.ok()) << again.ToString() << " " << again.details().dump();
  auto v2 = db_->SchemaVersion();
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, *v1);
  EXPECT_EQ(Count("schema_migration"), static_cast<int64_t>(AllMigrations().size()));
}

TEST_P(DatabaseConformance, RefreshAfterBulkWriteLeavesStatisticsAndVisibility) {
  Script("CREATE TABLE bulk (id {{ID}}, k BIGINT)");
  Script("CREATE INDEX bulk_k ON bulk (k)");
  Status st = db_->Write([&](Session& s) -> Status {
    for (int64_t i = 0; i < 2000; ++i) {
      HUOJU_RETURN_IF_ERROR(s.Execute("INSERT INTO bulk (k) VALUES (?)", {i % 97}).status());
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = db_->RefreshAfterBulkWrite("bulk");
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  int64_t done = 0;
  st = db_->Read([&](Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows,
        s.Query(backend() == Backend::kSqlite
                    ? "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'bulk'"
                    // reltuples is -1 until a VACUUM or ANALYZE counts the rows. (Pages marked
                    // all-visible are not asserted: a snapshot held by a test running beside
                    // this one keeps VACUUM from marking them.)
                    : "SELECT COUNT(*) FROM pg_class WHERE relname = 'bulk' AND reltuples >= "
                      "2000"));
    done = rows.Int(0, 0);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_GE(done, 1);
  // The pool's connection is usable for transactions again afterwards.
  EXPECT_EQ(Count("bulk"), 2000);
  for (std::string_view bad : {"", "bulk; DROP TABLE bulk", "Bulk", "1bulk", "bulk k"}) {
    Status refused = db_->RefreshAfterBulkWrite(bad);
    EXPECT_EQ(refused.code(), ErrorCode::kValidationFailed) << bad;
  }
  EXPECT_EQ(Count("bulk"), 2000);
}

TEST_P(DatabaseConformance, EveryValueTypeRoundTrips) {
  Script("CREATE TABLE v (id {{ID}}, i BIGINT, d {{REAL}}, s TEXT, b {{BLOB}}, n TEXT)");
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) {
    all_bytes += static_cast<char>(c);
  }
  const std::vector<Params> inputs = {
      {int64_t{0}, 0.0, std::string(""), Blob{}, nullptr},
      {int64_t{9223372036854775807}, 3.141592653589793, std::string("火炬中心：高新技术企业 ✓"),
       Blob{std::string("\0a\0b\xff", 5)}, nullptr},
      {int64_t{-9223372036854775807 - 1}, -1e300, std::string("what? 'quoted' \"dq\" ?? \\"),
       Blob{all_bytes}, nullptr},
      {int64_t{9007199254740993}, 0.1, std::string("it''s ? -- not a comment"),
       Blob{std::string(1, '\0')}, nullptr},
      {nullptr, nullptr, nullptr, nullptr, nullptr},
  };
  Status st = db_->Write([&](Session& s) -> Status {
    for (const Params& p : inputs) {
      auto n = s.Execute("INSERT INTO v (i, d, s, b, n) VALUES (?, ?, ?, ?, ?)", p);
      if (!n.ok()) {
        return n.status();
      }
      EXPECT_EQ(*n, 1);
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();

  st = db_->Read([&](Session& s) -> Status {
    auto rows = s.Query("SELECT i, d, s, b, n FROM v ORDER BY id");
    if (!rows.ok()) {
      return rows.status();
    }
    EXPECT_EQ(rows->columns(), (std::vector<std::string>{"i", "d", "s", "b", "n"}));
    EXPECT_EQ(rows->size(), inputs.size());
    for (size_t r = 0; r < std::min(rows->size(), inputs.size()); ++r) {
      for (size_t c = 0; c < inputs[r].size(); ++c) {
        EXPECT_TRUE(rows->row(r)[c] == inputs[r][c])
            << "row " << r << " col " << c << ": got " << ValueDebug(rows->row(r)[c]) << ", want "
            << ValueDebug(inputs[r][c]);
      }
    }
    // `?` inside string literals is text, not a placeholder.
    auto q =
        s.Query("SELECT i FROM v WHERE s = 'what? ''quoted'' \"dq\" ?? \\' OR i = ?", {int64_t{0}});
    if (!q.ok()) {
      return q.status();
    }
    EXPECT_EQ(q->size(), 2u);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();

  // Execute reports the number of rows changed.
  st = db_->Write([&](Session& s) -> Status {
    auto n = s.Execute("UPDATE v SET n = ? WHERE i IS NOT NULL", {std::string("x")});
    if (!n.ok()) {
      return n.status();
    }
    EXPECT_EQ(*n, 4);
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
}

TEST_P(DatabaseConformance, PlaceholderCountMismatchIsAnError) {
  Script("CREATE TABLE t (a BIGINT, b BIGINT)");
  Status st = db_->Read([&](Session& s) -> Status {
    EXPECT_FALSE(s.Query("SELECT a FROM t WHERE a = ? AND b = ?", {int64_t{1}}).ok());
    EXPECT_FALSE(s.Query("SELECT a FROM t WHERE a = ?", {int64_t{1}, int64_t{2}}).ok());
    EXPECT_FALSE(s.Query("SELECT a FROM t WHERE a = '?'", {int64_t{1}}).ok());
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  // The same statement still works with the right count (the cache holds no bad state).
  st = db_->Write([&](Session& s) -> Status {
    auto n = s.Execute("INSERT INTO t (a, b) VALUES (?, ?)", {int64_t{1}});
    EXPECT_FALSE(n.ok());
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  st = db_->Write([&](Session& s) {
    return s.Execute("INSERT INTO t (a, b) VALUES (?, ?)", {int64_t{1}, int64_t{2}}).status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(DatabaseConformance, WriteRollsBackWhenFnFails) {
  Script("CREATE TABLE t (a BIGINT)");
  Status st = db_->Write([&](Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(s.Execute("INSERT INTO t (a) VALUES (?)", {int64_t{1}}).status());
    return Status::Invalid("故意失败");
  });
  EXPECT_EQ(st.code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(st.message(), "故意失败");
  EXPECT_EQ(Count("t"), 0);
}

TEST_P(DatabaseConformance, WriteRollsBackWhenFnThrows) {
  Script("CREATE TABLE t (a BIGINT)");
  Status st = db_->Write([&](Session& s) -> Status {
    (void)s.Execute("INSERT INTO t (a) VALUES (?)", {int64_t{1}});
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(st.code(), ErrorCode::kInternal);
  EXPECT_EQ(Count("t"), 0);
  // The connection is usable afterwards.
  st = db_->Write(
      [&](Session& s) { return s.Execute("INSERT INTO t (a) VALUES (?)", {int64_t{2}}).status(); });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(DatabaseConformance, UniqueViolationIsConflictAndKeepsNothing) {
  Script("CREATE TABLE u (id {{ID}}, k TEXT NOT NULL UNIQUE)");
  Status st = db_->Write([&](Session& s) {
    return s.Execute("INSERT INTO u (k) VALUES (?)", {std::string("a")}).status();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = db_->Write([&](Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(s.Execute("INSERT INTO u (k) VALUES (?)", {std::string("b")}).status());
    return s.Execute("INSERT INTO u (k) VALUES (?)", {std::string("a")}).status();
  });
  EXPECT_EQ(st.code(), ErrorCode::kConflict) << st.ToString();
  EXPECT_EQ(st.message(), "数据冲突：违反唯一性或关联约束");
  EXPECT_TRUE(st.details().contains("backend_message")) << st.details().dump();
  EXPECT_EQ(Count("u"), 1);
}

TEST_P(DatabaseConformance, AuditLogIsPartOfTheTransaction) {
  ASSERT_TRUE(db_->Migrate().ok());
  AuditEntry e;
  e.actor_account_id = 7;
  e.action = "org.create";
  e.object_type = "org_node";
  e.object_id = "42";
  e.org_node_id = 3;
  e.client_address = "127.0.0.1";
  e.request_id = "req-1";
  e.detail = {{"name", "成都高新区"}};

  Status st = db_->Write([&](Session& s) -> Status {
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, 1700000000000));
    return Status::Conflict("后续步骤失败");
  });
  EXPECT_EQ(st.code(), ErrorCode::kConflict);
  EXPECT_EQ(Count("audit_log"), 0);

  st = db_->Write([&](Session& s) { return s.AppendAudit(e, 1700000000001); });
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  st = db_->Read([&](Session& s) -> Status {
    auto rows = s.Query(
        "SELECT at, actor_account_id, action, object_type, object_id, org_node_id, "
        "client_address, request_id, detail FROM audit_log");
    if (!rows.ok()) {
      return rows.status();
    }
    EXPECT_EQ(rows->size(), 1u);
    if (rows->size() == 1) {
      EXPECT_EQ(rows->Int(0, 0), 1700000000001);
      EXPECT_EQ(rows->Int(0, 1), 7);
      EXPECT_EQ(rows->Text(0, 2), "org.create");
      EXPECT_EQ(rows->Text(0, 4), "42");
      EXPECT_EQ(rows->Int(0, 5), 3);
      EXPECT_EQ(nlohmann::json::parse(rows->Text(0, 8)), e.detail);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// Runs `writes` Write() calls of `fn(thread, i, session)` on each of `threads` threads at once;
// returns how many failed.
int WriteFromThreads(Database& db, int threads, int writes,
                     const std::function<Status(int, int, Session&)>& fn) {
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < writes; ++i) {
        if (!db.Write([&](Session& s) { return fn(t, i, s); }).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : pool) {
    th.join();
  }
  return failures.load();
}

TEST_P(DatabaseConformance, ConcurrentWritersAreAllKept) {
  Script(
      "CREATE TABLE w (id {{ID}}, thread BIGINT NOT NULL, seq BIGINT NOT NULL);"
      "CREATE UNIQUE INDEX w_thread_seq ON w(thread, seq);"
      "CREATE TABLE counter (n BIGINT NOT NULL);"
      "INSERT INTO counter (n) VALUES (0);");
  constexpr int kThreads = 8;
  constexpr int kWrites = 200;
  const int failures =
      WriteFromThreads(*db_, kThreads, kWrites, [](int t, int i, Session& s) -> Status {
        HUOJU_RETURN_IF_ERROR(
            s.Execute("INSERT INTO w (thread, seq) VALUES (?, ?)", {int64_t{t}, int64_t{i}})
                .status());
        // Read-modify-write under the contract (lock what you check on PostgreSQL, where
        // writes run concurrently): lost updates would show as a short count.
        auto n = s.Query(s.backend() == Backend::kPostgres ? "SELECT n FROM counter FOR UPDATE"
                                                           : "SELECT n FROM counter");
        if (!n.ok()) {
          return n.status();
        }
        return s.Execute("UPDATE counter SET n = ?", {n->Int(0, 0) + 1}).status();
      });
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Count("w"), kThreads * kWrites);
  Status st = db_->Read([&](Session& s) -> Status {
    auto n = s.Query("SELECT n FROM counter");
    if (!n.ok()) {
      return n.status();
    }
    EXPECT_EQ(n->Int(0, 0), kThreads * kWrites);
    auto per = s.Query(
        "SELECT thread, COUNT(*), COUNT(DISTINCT seq) FROM w GROUP BY thread ORDER BY thread");
    if (!per.ok()) {
      return per.status();
    }
    EXPECT_EQ(per->size(), static_cast<size_t>(kThreads));
    for (size_t r = 0; r < per->size(); ++r) {
      EXPECT_EQ(per->Int(r, 1), kWrites);
      EXPECT_EQ(per->Int(r, 2), kWrites);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// Session::LockRow and Session::Lock make a plain read-modify-write safe on both backends:
// with them, 3 + 3 writers × 100 increments of two counters read without FOR UPDATE lose none.
TEST_P(DatabaseConformance, LockRowAndNamedLockSerializeReadModifyWrite) {
  Script(
      "CREATE TABLE counter (id {{ID}}, n BIGINT NOT NULL);"
      "INSERT INTO counter (n) VALUES (0);"
      "INSERT INTO counter (n) VALUES (0);");
  constexpr int kThreads = 6;
  constexpr int kWrites = 100;
  // Even threads count in row 1 under its row lock, odd ones in row 2 under the named lock.
  const int failures =
      WriteFromThreads(*db_, kThreads, kWrites, [](int t, int, Session& s) -> Status {
        const int64_t row = t % 2 == 0 ? 1 : 2;
        HUOJU_RETURN_IF_ERROR(row == 1 ? s.LockRow("counter", 1)
                                       : s.Lock(Session::WriteLock::kOrgTree));
        HUOJU_ASSIGN_OR_RETURN(auto n, s.Query("SELECT n FROM counter WHERE id = ?", {row}));
        return s.Execute("UPDATE counter SET n = ? WHERE id = ?", {n.Int(0, 0) + 1, row}).status();
      });
  EXPECT_EQ(failures, 0);
  Status st = db_->Read([&](Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto n, s.Query("SELECT n FROM counter ORDER BY id"));
    EXPECT_EQ(n.Int(0, 0), kThreads / 2 * kWrites);
    EXPECT_EQ(n.Int(1, 0), kThreads / 2 * kWrites);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  Status bad = db_->Write([](Session& s) { return s.LockRow("counter; DROP TABLE counter", 1); });
  EXPECT_EQ(bad.code(), ErrorCode::kValidationFailed) << bad.ToString();
  EXPECT_TRUE(db_->Write([](Session& s) { return s.LockRow("counter", 99); }).ok());  // no row
}

// The version check of a save (read the version, then write only if it is still the one the
// user opened), run by many writers at once: of the writers that opened the same version of
// one row exactly one succeeds and the others are told of the conflict; writers of different
// rows never stand in each other's way.
TEST_P(DatabaseConformance, ConcurrentVersionCheckedSaves) {
  Script("CREATE TABLE doc (id {{ID}}, version BIGINT NOT NULL, body TEXT NOT NULL);");
  constexpr int kDocs = 8;
  constexpr int kRounds = 20;
  ASSERT_TRUE(db_->Write([&](Session& s) -> Status {
                   for (int d = 0; d < kDocs; ++d) {
                     HUOJU_RETURN_IF_ERROR(
                         s.Execute("INSERT INTO doc (version, body) VALUES (0, '')").status());
                   }
                   return Status::Ok();
                 })
                  .ok());
  const char* lock_sql = backend() == Backend::kPostgres
                             ? "SELECT version FROM doc WHERE id = ? FOR UPDATE"
                             : "SELECT version FROM doc WHERE id = ?";
  auto save = [&](int64_t id, int64_t opened, const std::string& body) {
    return db_->Write([&](Session& s) -> Status {
      auto now = s.Query(lock_sql, {id});
      if (!now.ok()) {
        return now.status();
      }
      if (now->Int(0, 0) != opened) {
        return Status::Conflict("changed under us");
      }
      return s.Execute("UPDATE doc SET version = ?, body = ? WHERE id = ?", {opened + 1, body, id})
          .status();
    });
  };
  // Same row: kDocs writers per round, all holding the round's version.
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> ok{0};
    std::atomic<int> conflicts{0};
    std::atomic<int> other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kDocs; ++t) {
      threads.emplace_back([&, t] {
        Status st = save(1, round, "writer " + std::to_string(t));
        (st.ok() ? ok : st.code() == ErrorCode::kConflict ? conflicts : other) += 1;
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    ASSERT_EQ(ok.load(), 1) << "round " << round;
    ASSERT_EQ(conflicts.load(), kDocs - 1) << "round " << round;
    ASSERT_EQ(other.load(), 0) << "round " << round;
  }
  // Different rows: one writer per row, every save of every round succeeds.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int d = 2; d <= kDocs; ++d) {
    threads.emplace_back([&, d] {
      for (int round = 0; round < kRounds; ++round) {
        failures += save(d, round, "round " + std::to_string(round)).ok() ? 0 : 1;
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
  Status st = db_->Read([&](Session& s) -> Status {
    auto rows = s.Query("SELECT id, version FROM doc ORDER BY id");
    if (!rows.ok()) {
      return rows.status();
    }
    for (size_t r = 0; r < rows->size(); ++r) {
      EXPECT_EQ(rows->Int(r, 1), kRounds) << "doc " << rows->Int(r, 0);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// Two writers locking the same two rows in opposite orders: PostgreSQL aborts one with a
// deadlock (40P01); Write() rolls it back and runs it again, so both changes are kept.
TEST_P(DatabaseConformance, DeadlockedWriteIsRetried) {
  Script(
      "CREATE TABLE acct (id {{ID}}, n BIGINT NOT NULL);"
      "INSERT INTO acct (n) VALUES (0);"
      "INSERT INTO acct (n) VALUES (0);");
  std::atomic<int> attempts{0};
  auto transfer = [&](int64_t first, int64_t second) {
    return db_->Write([&](Session& s) -> Status {
      ++attempts;
      HUOJU_RETURN_IF_ERROR(s.Execute("UPDATE acct SET n = n + 1 WHERE id = ?", {first}).status());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return s.Execute("UPDATE acct SET n = n + 1 WHERE id = ?", {second}).status();
    });
  };
  Status a;
  Status b;
  std::thread ta([&] { a = transfer(1, 2); });
  std::thread tb([&] { b = transfer(2, 1); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a.ok()) << a.ToString() << " " << a.details().dump();
  EXPECT_TRUE(b.ok()) << b.ToString() << " " << b.details().dump();
  if (backend() == Backend::kPostgres) {
    EXPECT_EQ(attempts.load(), 3);  // one of the two ran twice
  }
  Status st = db_->Read([&](Session& s) -> Status {
    auto rows = s.Query("SELECT n FROM acct ORDER BY id");
    if (!rows.ok()) {
      return rows.status();
    }
    EXPECT_EQ(rows->Int(0, 0), 2);
    EXPECT_EQ(rows->Int(1, 0), 2);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_P(DatabaseConformance, ReadersSeeConsistentSnapshots) {
  Script("CREATE TABLE p (id {{ID}}, v BIGINT NOT NULL)");
  std::atomic<bool> done{false};
  std::atomic<int> odd{0};
  std::atomic<int> changed{0};
  std::atomic<int> reads{0};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        Status st = db_->Read([&](Session& s) -> Status {
          auto a = s.Query("SELECT COUNT(*) FROM p");
          if (!a.ok()) {
            return a.status();
          }
          std::this_thread::yield();
          auto b = s.Query("SELECT COUNT(*), COALESCE(SUM(v), 0) FROM p");
          if (!b.ok()) {
            return b.status();
          }
          if (a->Int(0, 0) % 2 != 0) {
            ++odd;
          }
          if (a->Int(0, 0) != b->Int(0, 0)) {
            ++changed;  // two statements of one Read saw different data
          }
          return Status::Ok();
        });
        if (!st.ok()) {
          ++read_errors;
        }
        ++reads;
      }
    });
  }
  constexpr int kPairs = 150;
  int write_errors = 0;
  for (int i = 0; i < kPairs; ++i) {
    Status st = db_->Write([&](Session& s) -> Status {
      HUOJU_RETURN_IF_ERROR(s.Execute("INSERT INTO p (v) VALUES (?)", {int64_t{i}}).status());
      return s.Execute("INSERT INTO p (v) VALUES (?)", {int64_t{-i}}).status();
    });
    if (!st.ok()) {
      ++write_errors;
    }
  }
  done = true;
  for (auto& th : readers) {
    th.join();
  }
  EXPECT_EQ(write_errors, 0);
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(odd.load(), 0);
  EXPECT_EQ(changed.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(Count("p"), 2 * kPairs);
}

TEST_P(DatabaseConformance, ReturningIdWorks) {
  Script("CREATE TABLE r (id {{ID}}, name TEXT NOT NULL)");
  std::vector<int64_t> ids;
  Status st = db_->Write([&](Session& s) -> Status {
    for (const char* name : {"甲", "乙", "丙"}) {
      auto rows = s.Query("INSERT INTO r (name) VALUES (?) RETURNING id", {std::string(name)});
      if (!rows.ok()) {
        return rows.status();
      }
      EXPECT_EQ(rows->size(), 1u);
      ids.push_back(rows->Int(0, 0));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_GT(ids[0], 0);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  st = db_->Read([&](Session& s) -> Status {
    auto rows = s.Query("SELECT name FROM r WHERE id = ?", {ids[1]});
    if (!rows.ok()) {
      return rows.status();
    }
    EXPECT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->Text(0, 0), "乙");
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TEST_P(DatabaseConformance, CheckIntegrityAndPing) {
  ASSERT_TRUE(db_->Migrate().ok());
  AuditEntry entry;
  entry.action = "x";
  Status st = db_->Write([&](Session& s) { return s.AppendAudit(entry, 1); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = db_->CheckIntegrity();
  EXPECT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  st = db_->Ping();
  EXPECT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
}

TEST_P(DatabaseConformance, BadUrlGivesAnErrorNotACrash) {
  std::vector<std::string> bad;
  if (backend() == Backend::kSqlite) {
    bad = {"sqlite:", "sqlite:/proc/huoju-no-such-dir/x.db"};
  } else {
    // Port 1 on loopback: refused at once, no timeout to wait for.
    bad = {"postgresql://postgres@127.0.0.1:1/huoju_test?connect_timeout=2",
           "postgresql://[::1/bad", "postgres://postgres@127.0.0.1:1/x?sslmode=nonsense"};
  }
  for (const std::string& url : bad) {
    auto db = Database::Open(url, OpenOptions{.connections = 2});
    EXPECT_FALSE(db.ok()) << url;
    if (!db.ok()) {
      EXPECT_FALSE(db.status().message().empty());
      if (backend() == Backend::kPostgres) {
        EXPECT_TRUE(db.status().details().contains("backend_message")) << db.status().details();
      }
    }
  }
  EXPECT_FALSE(Database::Open("mysql://x").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseConformance,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "sqlite" : "postgresql";
                         });

// PostgreSQL-only behaviour: losing the server session.
class PostgresConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    HUOJU_REQUIRE_PG_URL();
    lock_ = LockPgTestDatabase();
    ASSERT_NE(lock_, nullptr);
  }
  void TearDown() override { lock_.reset(); }

  std::unique_ptr<Database> lock_;

  // Terminates the backend serving `pid` from a second, independent pool.
  static void Terminate(int64_t pid) {
    auto admin = Database::Open(PgUrl(), OpenOptions{.connections = 1});
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    Status st = (*admin)->Read([&](Session& s) {
      return s.Query("SELECT pg_terminate_backend(CAST(? AS INTEGER))", {pid}).status();
    });
    ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
    // Termination is asynchronous; wait until the backend is gone.
    for (int i = 0; i < 200; ++i) {
      int64_t alive = 1;
      st = (*admin)->Read([&](Session& s) -> Status {
        auto r =
            s.Query("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = CAST(? AS INTEGER)", {pid});
        if (r.ok()) {
          alive = r->Int(0, 0);
        }
        return r.status();
      });
      if (alive == 0) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  static int64_t BackendPid(Database& db) {
    int64_t pid = 0;
    Status st = db.Read([&](Session& s) -> Status {
      auto r = s.Query("SELECT pg_backend_pid()");
      if (r.ok()) {
        pid = r->Int(0, 0);
      }
      return r.status();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return pid;
  }
};

TEST_F(PostgresConformance, ReconnectsAfterIdleConnectionIsKilled) {
  auto db = Database::Open(PgUrl(), OpenOptions{.connections = 1});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  int64_t pid = BackendPid(**db);
  ASSERT_GT(pid, 0);
  Terminate(pid);
  // Nothing ran yet in the next transaction, so the backend reconnects transparently.
  EXPECT_TRUE((*db)->Ping().ok());
  int64_t pid2 = BackendPid(**db);
  EXPECT_GT(pid2, 0);
  EXPECT_NE(pid2, pid);
}

TEST_F(PostgresConformance, ConnectionLossMidTransactionIsUnavailable) {
  auto db = Database::Open(PgUrl(), OpenOptions{.connections = 1});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Status st = (*db)->Read([&](Session& s) -> Status {
    auto pid = s.Query("SELECT pg_backend_pid()");
    if (!pid.ok()) {
      return pid.status();
    }
    Terminate(pid->Int(0, 0));
    return s.Query("SELECT 1").status();
  });
  EXPECT_EQ(st.code(), ErrorCode::kUnavailable) << st.ToString();
  EXPECT_EQ(st.message(), "数据库连接中断");
  // The connection is reset before its next use.
  EXPECT_TRUE((*db)->Ping().ok());
  EXPECT_GT(BackendPid(**db), 0);
}

TEST_F(PostgresConformance, IgnoredStatementErrorStillFailsTheWrite) {
  // PostgreSQL aborts the whole transaction on a failed statement; if `fn` ignores the error
  // and returns OK, Write must not report success.
  auto db = Database::Open(PgUrl(), OpenOptions{.connections = 2});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Status st = (*db)->Write([](Session& s) {
    return s.ExecuteScript(
        "DROP TABLE IF EXISTS pg_only_t; CREATE TABLE pg_only_t (k TEXT PRIMARY KEY)");
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  st = (*db)->Write([](Session& s) -> Status {
    (void)s.Execute("INSERT INTO pg_only_t (k) VALUES (?)", {std::string("a")});
    (void)s.Execute("INSERT INTO pg_only_t (k) VALUES (?)", {std::string("a")});
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), ErrorCode::kConflict) << st.ToString();
  int64_t n = -1;
  st = (*db)->Read([&](Session& s) -> Status {
    auto r = s.Query("SELECT COUNT(*) FROM pg_only_t");
    if (r.ok()) {
      n = r->Int(0, 0);
    }
    return r.status();
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(n, 0);
  (void)(*db)->Write([](Session& s) { return s.ExecuteScript("DROP TABLE pg_only_t"); });
}

TEST_F(PostgresConformance, CheckIntegrityWithoutAmcheckScansTables) {
  // A role that may not install amcheck (untrusted extension) gets the table-scan fallback.
  auto admin = Database::Open(PgUrl(), OpenOptions{.connections = 1});
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  Status st = (*admin)->Write([](Session& s) {
    return s.ExecuteScript(
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
        "DO $$ BEGIN CREATE ROLE huoju_test_plain LOGIN; EXCEPTION WHEN duplicate_object THEN "
        "NULL; END $$; GRANT ALL ON SCHEMA public TO huoju_test_plain;");
  });
  ASSERT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  std::string url = PgUrl();
  url += (url.find('?') == std::string::npos ? "?" : "&");
  url += "user=huoju_test_plain";
  auto db = Database::Open(url, OpenOptions{.connections = 2});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Migrate().ok());
  st = (*db)->CheckIntegrity();
  EXPECT_TRUE(st.ok()) << st.ToString() << " " << st.details().dump();
  int64_t amcheck = -1;
  st = (*db)->Read([&](Session& s) -> Status {
    auto user = s.Query("SELECT current_user");
    if (!user.ok()) {
      return user.status();
    }
    EXPECT_EQ(user->Text(0, 0), "huoju_test_plain");
    auto r = s.Query("SELECT COUNT(*) FROM pg_extension WHERE extname = 'amcheck'");
    if (r.ok()) {
      amcheck = r->Int(0, 0);
    }
    return r.status();
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(amcheck, 0);
  db->reset();
  (void)(*admin)->Write([](Session& s) {
    return s.ExecuteScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  });
}

TEST(PgPlaceholderConformance, RewritesOnlyRealPlaceholders) {
  EXPECT_EQ(RewritePlaceholders("SELECT ?, ?").sql, "SELECT $1, $2");
  EXPECT_EQ(RewritePlaceholders("SELECT ?, ?").params, 2);
  EXPECT_EQ(RewritePlaceholders("SELECT '?', ?").sql, "SELECT '?', $1");
  EXPECT_EQ(RewritePlaceholders("SELECT 'it''s ?', ?").sql, "SELECT 'it''s ?', $1");
  EXPECT_EQ(RewritePlaceholders("SELECT E'\\' ?', ?").sql, "SELECT E'\\' ?', $1");
  EXPECT_EQ(RewritePlaceholders("SELECT \"a?\" FROM t WHERE x = ?").sql,
            "SELECT \"a?\" FROM t WHERE x = $1");
  EXPECT_EQ(RewritePlaceholders("SELECT ? -- why?\n, ?").sql, "SELECT $1 -- why?\n, $2");
  EXPECT_EQ(RewritePlaceholders("SELECT /* ? /* ? */ ? */ ?").sql, "SELECT /* ? /* ? */ ? */ $1");
  EXPECT_EQ(RewritePlaceholders("SELECT $$ ? $$, $x$ ? $x$, ?").sql,
            "SELECT $$ ? $$, $x$ ? $x$, $1");
  EXPECT_EQ(RewritePlaceholders("SELECT 'unterminated ?").params, 0);
  EXPECT_EQ(RewritePlaceholders("").params, 0);
}

}  // namespace
}  // namespace huoju::store
