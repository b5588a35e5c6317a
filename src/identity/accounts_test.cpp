#include "huoju/identity/accounts.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "huoju/org/org_node.hpp"

namespace huoju::identity {
namespace {

constexpr int64_t kMinute = 60 * 1000;

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    path_ = std::filesystem::temp_directory_path() /
            ("huoju-session-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    auto db = store::Database::Open("sqlite:" + path_.string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Migrate().ok());
    auto hash = hasher_.Hash("Correct#Horse9");
    ASSERT_TRUE(hash.ok());
    ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                     org::NewNode root;
                     HUOJU_RETURN_IF_ERROR(
                         s.Execute("INSERT INTO org_node (id, kind, name, path, depth, created_at, "
                                   "updated_at) VALUES (1, 'center', '火炬中心', '/1/', 0, 0, 0)")
                             .status());
                     return AccountRepository::Create(
                                s, {"alice", "甲", *hash, Role::kCenter, 1, false}, 0)
                         .status();
                   })
                    .ok());
    sessions_ = std::make_unique<SessionManager>(*db_, hasher_, clock_);
  }
  void TearDown() override {
    sessions_.reset();
    db_.reset();
    std::filesystem::remove(path_);
    std::filesystem::remove(path_.string() + "-wal");
    std::filesystem::remove(path_.string() + "-shm");
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  PasswordHasher hasher_{PasswordCost::Fast(), 2};
  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<SessionManager> sessions_;
};

TEST_F(SessionTest, LoginAuthenticateLogout) {
  auto login = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->token.size(), 64u);
  auto who = sessions_->Authenticate(login->token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ((*who)->username, "alice");
  EXPECT_NE(sessions_->TryAuthenticateCached(login->token), nullptr);
  ASSERT_TRUE(sessions_->Logout(**who, {}).ok());
  EXPECT_FALSE(sessions_->Authenticate(login->token).ok());
  EXPECT_EQ(sessions_->TryAuthenticateCached(login->token), nullptr);
}

TEST_F(SessionTest, IdleAndAbsoluteExpiry) {
  auto login = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(login.ok());
  // Used every 20 minutes: stays alive until the 12-hour absolute limit.
  for (int i = 0; i < 35; ++i) {
    clock_.Advance(20 * kMinute);
    ASSERT_TRUE(sessions_->Authenticate(login->token).ok()) << "after " << (i + 1) * 20 << " min";
  }
  clock_.Advance(60 * kMinute);  // 12h40m after login
  EXPECT_EQ(sessions_->Authenticate(login->token).status().code(), ErrorCode::kUnauthenticated);

  auto second = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(second.ok());
  clock_.Advance(31 * kMinute);  // idle too long
  EXPECT_EQ(sessions_->Authenticate(second->token).status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(SessionTest, WrongPasswordAndUnknownUserLookTheSame) {
  auto wrong = sessions_->Login("alice", "nope", {});
  auto unknown = sessions_->Login("bob", "nope", {});
  EXPECT_EQ(wrong.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
}

TEST_F(SessionTest, LockoutAfterRepeatedFailuresThenRecovers) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(sessions_->Login("alice", "nope", {}).ok());
  }
  auto locked = sessions_->Login("alice", "Correct#Horse9", {});
  EXPECT_EQ(locked.status().code(), ErrorCode::kRateLimited);
  clock_.Advance(16 * kMinute);
  EXPECT_TRUE(sessions_->Login("alice", "Correct#Horse9", {}).ok());
}

TEST_F(SessionTest, EveryLoginGetsAFreshToken) {
  auto a = sessions_->Login("alice", "Correct#Horse9", {});
  auto b = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->token, b->token);
  EXPECT_NE(a->principal.csrf_token, b->principal.csrf_token);
  EXPECT_FALSE(sessions_->Authenticate(std::string(64, 'a')).ok());
  EXPECT_FALSE(sessions_->Authenticate("short").ok());
}

}  // namespace
}  // namespace huoju::identity
