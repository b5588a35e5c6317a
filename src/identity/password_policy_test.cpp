#include "huoju/identity/password_policy.hpp"

#include <gtest/gtest.h>

namespace huoju::identity {
namespace {

std::string FieldOf(const Status& st) {
  return st.details().is_object() ? st.details().value("field", "") : "";
}

TEST(PasswordPolicyTest, AcceptsAStrongPassword) {
  EXPECT_TRUE(CheckPasswordPolicy("Lantern-River-42", "alice").ok());
  EXPECT_TRUE(CheckPasswordPolicy("zhongguo火炬计划x9", "alice").ok());  // lower, digit, symbol
}

TEST(PasswordPolicyTest, RefusesShortOnesWithTheFieldNamed) {
  Status st = CheckPasswordPolicy("Ab1!xyz", "alice");
  EXPECT_EQ(st.code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(FieldOf(st), "password");
  EXPECT_NE(st.message().find("10"), std::string::npos);
  EXPECT_EQ(FieldOf(CheckPasswordPolicy("Ab1!xyz", "alice", "new_password")), "new_password");
  // Ten Chinese characters are ten characters, not thirty bytes.
  EXPECT_FALSE(CheckPasswordPolicy("火炬火炬火炬A1!", "alice").ok());
}

TEST(PasswordPolicyTest, NeedsThreeClasses) {
  EXPECT_FALSE(CheckPasswordPolicy("abcdefghijkl", "alice").ok());
  EXPECT_FALSE(CheckPasswordPolicy("abcdefgh1234", "alice").ok());
  EXPECT_TRUE(CheckPasswordPolicy("Abcdefgh1234", "alice").ok());
  EXPECT_TRUE(CheckPasswordPolicy("abcdefgh-1234", "alice").ok());
}

TEST(PasswordPolicyTest, RefusesTheUsername) {
  Status st = CheckPasswordPolicy("xx-Alice-2031", "alice");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("用户名"), std::string::npos);
}

TEST(PasswordPolicyTest, RefusesCommonPasswordsWhateverTheCase) {
  EXPECT_TRUE(IsCommonPassword("123456"));
  EXPECT_TRUE(IsCommonPassword("PASSWORD"));
  EXPECT_TRUE(IsCommonPassword("Huoju@2024"));
  EXPECT_FALSE(IsCommonPassword("Lantern-River-42"));
  Status st = CheckPasswordPolicy("P@ssw0rd123", "bob");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("常见"), std::string::npos);
  EXPECT_FALSE(CheckPasswordPolicy("Huoju@2024", "bob").ok());
}

}  // namespace
}  // namespace huoju::identity
