#include "huoju/core/identifiers.hpp"

#include <gtest/gtest.h>

namespace huoju {
namespace {

TEST(Uscc, AcceptsTestVectors) {
  for (const char* code : {"91350100M000100Y43", "912201011239989159", "914403001922038216",
                           "91110000802100433B", "91440300708461136T", "91110000600037341L"}) {
    EXPECT_TRUE(IsValidUscc(code)) << code << ": " << DescribeUsccProblem(code);
  }
}

TEST(Uscc, RejectsInvalidVectors) {
  EXPECT_FALSE(IsValidUscc("91350100M000100Y4Z"));
  EXPECT_FALSE(IsValidUscc("91110000600037342L"));
  EXPECT_FALSE(IsValidUscc(""));
  EXPECT_FALSE(IsValidUscc("91350100M000100Y4"));
  EXPECT_FALSE(IsValidUscc("91350100m000100Y43"));
  // Z is outside the alphabet, so the message names the position rather than the check.
  EXPECT_EQ(DescribeUsccProblem("91350100M000100Y4Z"),
            "统一社会信用代码第18位含有不允许的字符（只允许数字和除I、O、Z、S、V以外的大写字母）");
  EXPECT_EQ(DescribeUsccProblem("91350100M000100Y44"), "统一社会信用代码校验位错误");
}

TEST(Uscc, CheckCharOfWorkedExample) {
  EXPECT_EQ(UsccCheckChar("91350100M000100Y4"), '3');
  EXPECT_EQ(UsccCheckChar("91350100M000100YI"), std::nullopt);
}

TEST(IdCard, TestVectors) {
  EXPECT_TRUE(IsValidIdCard("11010519491231002X"));
  EXPECT_TRUE(IsValidIdCard("360426199101010071"));
  EXPECT_TRUE(IsValidIdCard("120103198806018241"));
  EXPECT_FALSE(IsValidIdCard("360426199101010072"));
  EXPECT_FALSE(IsValidIdCard("11010519491231002"));
  EXPECT_FALSE(IsValidIdCard("1101051949123100XX"));
}

}  // namespace
}  // namespace huoju
