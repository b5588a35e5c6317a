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
  int64_t AddAccount(const std::string& name, Role role, bool must_change,
                     PasswordHasher* hasher = nullptr) {
    auto hash = (hasher != nullptr ? *hasher : hasher_).Hash("Correct#Horse9");
    EXPECT_TRUE(hash.ok());
    int64_t id = 0;
    EXPECT_TRUE(
        db_->Write([&](store::Session& s) -> Status {
             HUOJU_ASSIGN_OR_RETURN(
                 id, AccountRepository::Create(s, {name, name, *hash, role, 1, must_change}, 0));
             return Status::Ok();
           })
            .ok());
    return id;
  }
  std::string StoredHash(const std::string& name) {
    std::string hash;
    EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                     HUOJU_ASSIGN_OR_RETURN(
                         auto rows,
                         s.Query("SELECT password_hash FROM account WHERE username = ?", {name}));
                     hash = rows.Text(0, 0);
                     return Status::Ok();
                   })
                    .ok());
    return hash;
  }
  std::shared_ptr<const Principal> Who(const std::string& token) {
    auto who = sessions_->Authenticate(token);
    EXPECT_TRUE(who.ok()) << who.status().ToString();
    return who.ok() ? *who : nullptr;
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

TEST_F(SessionTest, AccountLockoutBacksOff) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(sessions_->Login("alice", "nope", {}).ok());
  }
  clock_.Advance(16 * kMinute);
  for (int i = 0; i < 5; ++i) {  // five more failures, no success in between: twice as long
    EXPECT_FALSE(sessions_->Login("alice", "nope", {}).ok());
  }
  clock_.Advance(16 * kMinute);
  EXPECT_EQ(sessions_->Login("alice", "Correct#Horse9", {}).status().code(),
            ErrorCode::kRateLimited);
  clock_.Advance(15 * kMinute);
  EXPECT_TRUE(sessions_->Login("alice", "Correct#Horse9", {}).ok());
}

TEST_F(SessionTest, AddressLockoutThenRecoveryWithBackOff) {
  RequestOrigin attacker{"10.0.0.9", "curl", ""};
  RequestOrigin other{"10.0.0.8", "curl", ""};
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(sessions_->Login("nobody" + std::to_string(i), "nope", attacker).status().code(),
              ErrorCode::kUnauthenticated);
  }
  auto locked = sessions_->Login("alice", "Correct#Horse9", attacker);
  EXPECT_EQ(locked.status().code(), ErrorCode::kRateLimited);
  EXPECT_TRUE(sessions_->Login("alice", "Correct#Horse9", other).ok());
  clock_.Advance(16 * kMinute);
  EXPECT_TRUE(sessions_->Login("alice", "Correct#Horse9", attacker).ok());
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(sessions_->Login("nobody", "nope", attacker).ok());
  }
  clock_.Advance(16 * kMinute);  // the second lock lasts 30 minutes
  EXPECT_EQ(sessions_->Login("alice", "Correct#Horse9", attacker).status().code(),
            ErrorCode::kRateLimited);
  clock_.Advance(15 * kMinute);
  EXPECT_TRUE(sessions_->Login("alice", "Correct#Horse9", attacker).ok());
}

TEST_F(SessionTest, PasswordRehashedOnLoginWhenParametersChanged) {
  PasswordHasher old_hasher{{2, 8192}, 1};  // other parameters than hasher_ (Fast)
  AddAccount("carol", Role::kFiller, false, &old_hasher);
  const std::string before = StoredHash("carol");
  EXPECT_TRUE(hasher_.NeedsRehash(before));
  ASSERT_TRUE(sessions_->Login("carol", "Correct#Horse9", {}).ok());
  const std::string after = StoredHash("carol");
  EXPECT_NE(after, before);
  EXPECT_FALSE(hasher_.NeedsRehash(after));
  EXPECT_TRUE(sessions_->Login("carol", "Correct#Horse9", {}).ok());
  EXPECT_EQ(StoredHash("carol"), after);  // current parameters: left alone
}

TEST_F(SessionTest, ChangePasswordKeepsThisSessionEndsOthers) {
  auto a = sessions_->Login("alice", "Correct#Horse9", {});
  auto b = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_NE(sessions_->TryAuthenticateCached(b->token), nullptr);
  auto who = Who(a->token);
  Status wrong = sessions_->ChangePassword(*who, "nope", "Lantern-River-42", {});
  EXPECT_EQ(wrong.details().value("field", ""), "current_password");
  Status weak = sessions_->ChangePassword(*who, "Correct#Horse9", "short", {});
  EXPECT_EQ(weak.details().value("field", ""), "new_password");
  ASSERT_TRUE(sessions_->ChangePassword(*who, "Correct#Horse9", "Lantern-River-42", {}).ok());
  EXPECT_TRUE(sessions_->Authenticate(a->token).ok());
  EXPECT_EQ(sessions_->TryAuthenticateCached(b->token), nullptr);
  EXPECT_EQ(sessions_->Authenticate(b->token).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_FALSE(sessions_->Login("alice", "Correct#Horse9", {}).ok());
  EXPECT_TRUE(sessions_->Login("alice", "Lantern-River-42", {}).ok());
}

TEST_F(SessionTest, TheLastFivePasswordsAreRefused) {
  auto login = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(login.ok());
  std::string current = "Correct#Horse9";
  auto change = [&](const std::string& next) {
    Status st = sessions_->ChangePassword(*Who(login->token), current, next, {});
    if (st.ok()) {
      current = next;
    }
    return st;
  };
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(change("Lantern-River-" + std::to_string(i)).ok()) << i;
  }
  EXPECT_FALSE(change("Lantern-River-4").ok());  // the current one
  Status reused = change("Correct#Horse9");      // four changes ago: still among the last 5
  EXPECT_EQ(reused.code(), ErrorCode::kValidationFailed);
  EXPECT_NE(reused.message().find('5'), std::string::npos);
  ASSERT_TRUE(change("Lantern-River-5").ok());
  EXPECT_TRUE(change("Correct#Horse9").ok());  // now six passwords back
}

TEST_F(SessionTest, MustChangePasswordGatesEverythingButMeLogoutAndTheChange) {
  AddAccount("dave", Role::kCenter, true);
  auto login = sessions_->Login("dave", "Correct#Horse9", {});
  ASSERT_TRUE(login.ok());
  auto who = Who(login->token);
  EXPECT_TRUE(who->must_change_password);
  EXPECT_EQ(Authorize(*who, Action::kViewOrg, nullptr).code(), ErrorCode::kPasswordChangeRequired);
  EXPECT_EQ(Authorize(*who, Action::kManageOwnSessions, nullptr).code(),
            ErrorCode::kPasswordChangeRequired);
  EXPECT_TRUE(Authorize(*who, Action::kViewOwnAccount, nullptr).ok());
  EXPECT_TRUE(Authorize(*who, Action::kChangeOwnPassword, nullptr).ok());
  EXPECT_EQ(sessions_->ListOwnSessions(*who).status().code(), ErrorCode::kPasswordChangeRequired);
  ASSERT_TRUE(sessions_->ChangePassword(*who, "Correct#Horse9", "Lantern-River-42", {}).ok());
  auto after = Who(login->token);  // the same session, no longer gated
  EXPECT_FALSE(after->must_change_password);
  EXPECT_TRUE(Authorize(*after, Action::kViewOrg, nullptr).ok());
}

class CapturingNotifier : public Notifier {
 public:
  Status SendPasswordReset(const PasswordResetNotice& n) override {
    last = n;
    return Status::Ok();
  }
  PasswordResetNotice last;
};

TEST_F(SessionTest, ResetTokenExpiresAfterThirtyMinutesAndWorksOnce) {
  const int64_t alice = 1;
  AddAccount("root", Role::kAdmin, false);
  auto notifier = std::make_shared<CapturingNotifier>();
  sessions_->SetNotifier(notifier);
  auto admin_login = sessions_->Login("root", "Correct#Horse9", {});
  auto alice_login = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(admin_login.ok() && alice_login.ok());
  auto admin = Who(admin_login->token);
  auto alice_who = Who(alice_login->token);

  EXPECT_EQ(sessions_->IssueResetToken(*alice_who, alice, {}).status().code(),
            ErrorCode::kForbidden);
  EXPECT_EQ(sessions_->IssueResetToken(*admin, 999, {}).status().code(), ErrorCode::kNotFound);

  auto expired = sessions_->IssueResetToken(*admin, alice, {});
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(notifier->last.token, expired->token);
  EXPECT_EQ(notifier->last.account_id, alice);
  clock_.Advance(30 * kMinute);
  Status late = sessions_->ResetPassword(expired->token, "Lantern-River-42", {});
  EXPECT_EQ(late.code(), ErrorCode::kValidationFailed);

  auto token = sessions_->IssueResetToken(*Who(admin_login->token), alice, {});
  ASSERT_TRUE(token.ok());
  clock_.Advance(29 * kMinute);
  // A weak password does not use the token up.
  EXPECT_EQ(sessions_->ResetPassword(token->token, "123456", {}).details().value("field", ""),
            "new_password");
  ASSERT_TRUE(sessions_->ResetPassword(token->token, "Lantern-River-42", {}).ok());
  Status again = sessions_->ResetPassword(token->token, "Lantern-River-43", {});
  EXPECT_EQ(again.code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(again.message(), late.message());  // one message for every bad token
  EXPECT_EQ(sessions_->ResetPassword(std::string(64, 'a'), "Lantern-River-43", {}).message(),
            late.message());
  // Every session of alice ended; the new password works.
  EXPECT_EQ(sessions_->Authenticate(alice_login->token).status().code(),
            ErrorCode::kUnauthenticated);
  EXPECT_TRUE(sessions_->Login("alice", "Lantern-River-42", {}).ok());
}

TEST_F(SessionTest, ListAndEndOwnSessions) {
  RequestOrigin laptop{"10.1.1.1", "Firefox", ""};
  RequestOrigin phone{"10.1.1.2", "Safari", ""};
  auto a = sessions_->Login("alice", "Correct#Horse9", laptop);
  auto b = sessions_->Login("alice", "Correct#Horse9", phone);
  ASSERT_TRUE(a.ok() && b.ok());
  auto who = Who(a->token);
  auto list = sessions_->ListOwnSessions(*who);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  const SessionInfo* other = nullptr;
  for (const auto& s : *list) {
    EXPECT_EQ(s.id.size(), 16u);
    EXPECT_EQ(s.current, s.client_address == "10.1.1.1");
    if (!s.current) {
      other = &s;
    }
  }
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->user_agent, "Safari");
  ASSERT_NE(sessions_->TryAuthenticateCached(b->token), nullptr);
  ASSERT_TRUE(sessions_->EndOwnSession(*who, other->id, {}).ok());
  EXPECT_EQ(sessions_->TryAuthenticateCached(b->token), nullptr);
  EXPECT_FALSE(sessions_->Authenticate(b->token).ok());
  EXPECT_EQ(sessions_->EndOwnSession(*who, other->id, {}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(sessions_->EndOwnSession(*who, "../../etc", {}).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(sessions_->Authenticate(a->token).ok());
  auto ended = sessions_->EndAllOwnSessions(*Who(a->token), {});
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 1);
  EXPECT_FALSE(sessions_->Authenticate(a->token).ok());
}

TEST_F(SessionTest, AdministratorEndsSessionsOfAnAccountInScope) {
  AddAccount("root", Role::kAdmin, false);
  auto admin = sessions_->Login("root", "Correct#Horse9", {});
  auto alice = sessions_->Login("alice", "Correct#Horse9", {});
  ASSERT_TRUE(admin.ok() && alice.ok());
  auto list = sessions_->ListAccountSessions(*Who(admin->token), 1);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  EXPECT_EQ(sessions_->ListAccountSessions(*Who(alice->token), 1).status().code(),
            ErrorCode::kForbidden);
  auto ended = sessions_->EndAccountSessions(*Who(admin->token), 1, {});
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 1);
  EXPECT_FALSE(sessions_->Authenticate(alice->token).ok());
  EXPECT_TRUE(sessions_->Authenticate(admin->token).ok());
}

}  // namespace
}  // namespace huoju::identity
