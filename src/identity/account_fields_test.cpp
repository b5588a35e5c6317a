#include "huoju/identity/account_fields.hpp"

#include <gtest/gtest.h>

#include "huoju/identity/modules.hpp"

namespace huoju::identity {
namespace {

std::string FieldOf(const Status& st) {
  return st.details().is_object() ? st.details().value("field", "") : "";
}

TEST(AccountFieldsTest, Usernames) {
  EXPECT_TRUE(CheckUsername("gd_reviewer", "u").ok());
  EXPECT_TRUE(CheckUsername("a.b-c_9", "u").ok());
  for (const char* bad :
       {"ab", "9abc", "Abc", "a b", "a'--", "张三", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    EXPECT_EQ(FieldOf(CheckUsername(bad, "u")), "u") << bad;
  }
}

TEST(AccountFieldsTest, PhonesAndEmails) {
  EXPECT_TRUE(CheckPhone("13800138000", "p").ok());
  EXPECT_TRUE(CheckPhone("0755-26880000", "p").ok());
  EXPECT_TRUE(CheckPhone("01088886666", "p").ok());
  for (const char* bad :
       {"1380013800", "23800138000", "0755--2688", "0755-2688-0000", "+8613800138000"}) {
    EXPECT_FALSE(CheckPhone(bad, "p").ok()) << bad;
  }
  EXPECT_TRUE(CheckEmail("li.si+reg@example.com.cn", "e").ok());
  for (const char* bad :
       {"x@", "@example.com", "a@b", "a@@b.cn", "a b@c.cn", "a@b.cn.", "<s>@x.cn"}) {
    EXPECT_FALSE(CheckEmail(bad, "e").ok()) << bad;
  }
}

TEST(AccountFieldsTest, IdDocuments) {
  EXPECT_TRUE(CheckIdDocument("resident_id", "11010519491231002X", "t", "n").ok());
  EXPECT_EQ(FieldOf(CheckIdDocument("resident_id", "110105194912310021", "t", "n")), "n");
  EXPECT_EQ(FieldOf(CheckIdDocument("resident_id", "11010519491231002x", "t", "n")), "n");
  EXPECT_TRUE(CheckIdDocument("passport", "E12345678", "t", "n").ok());
  EXPECT_FALSE(CheckIdDocument("passport", "e1234", "t", "n").ok());
  EXPECT_TRUE(CheckIdDocument("hk_macao_permit", "H12345678", "t", "n").ok());
  EXPECT_TRUE(CheckIdDocument("hk_macao_permit", "M1234567890", "t", "n").ok());
  EXPECT_FALSE(CheckIdDocument("hk_macao_permit", "H1234567", "t", "n").ok());
  EXPECT_TRUE(CheckIdDocument("taiwan_permit", "12345678", "t", "n").ok());
  EXPECT_FALSE(CheckIdDocument("taiwan_permit", "1234567A", "t", "n").ok());
  EXPECT_EQ(FieldOf(CheckIdDocument("driver", "1", "t", "n")), "t");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101**********002X");
}

TEST(AccountFieldsTest, TextRefusesControlCharacters) {
  EXPECT_TRUE(CheckText("<script>alert(1)</script>", 1, 50, "f", "名称").ok());
  EXPECT_FALSE(CheckText(std::string("a\0b", 3), 1, 50, "f", "名称").ok());
  EXPECT_FALSE(CheckText("\xff\xfe", 1, 50, "f", "名称").ok());
  EXPECT_FALSE(CheckText("甲", 2, 50, "f", "名称").ok());
  EXPECT_TRUE(CheckText("甲乙", 2, 50, "f", "名称").ok());
}

TEST(AccountFieldsTest, ModulesAreOneList) {
  ASSERT_EQ(Modules().size(), 5U);
  auto normalized = NormalizeModules({"contract", "survey", "contract"}, "modules");
  ASSERT_TRUE(normalized.ok());
  EXPECT_EQ(*normalized, (std::vector<std::string>{"survey", "contract"}));
  EXPECT_EQ(FieldOf(NormalizeModules({"survey", "x"}, "modules").status()), "modules");
  EXPECT_TRUE(ModulesForRole(Role::kPerson).empty());
  EXPECT_EQ(ModulesForRole(Role::kRegistry), std::vector<std::string>{"contract"});
}

}  // namespace
}  // namespace huoju::identity
