#include "huoju/org/code_list.hpp"

#include <gtest/gtest.h>

namespace huoju::org {
namespace {

TEST(EmbeddedCodeLists, HaveTheDocumentedCounts) {
  EXPECT_EQ(Regions().OfLevel("province").size(), 31u);
  EXPECT_EQ(Regions().OfLevel("prefecture").size(), 342u);
  EXPECT_EQ(Industries().OfLevel("men").size(), 20u);
  EXPECT_EQ(Industries().OfLevel("da").size(), 97u);
  EXPECT_EQ(Industries().OfLevel("xiao").size(), 1381u);
  EXPECT_EQ(HighTechFields().all().size(), 314u);
  ASSERT_NE(Regions().Find("440300"), nullptr);
  EXPECT_EQ(Regions().Find("440300")->name, "深圳市");
  EXPECT_EQ(Industries().Find("3911")->parent, "391");
}

TEST(CodeList, ReportsBadInput) {
  EXPECT_FALSE(CodeList::FromCsv("code,name,level,parent\n1,a,x,\n1,b,x,\n").ok());
  EXPECT_FALSE(CodeList::FromCsv("code,name,level,parent\n2,a,x,9\n").ok());
  EXPECT_FALSE(CodeList::FromCsv("code,name,level,parent\nonly,two\n").ok());
  auto ok = CodeList::FromCsv("code,name,level,parent\r\n1,甲,top,\r\n11,乙,sub,1\r\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->Children("1").size(), 1u);
}

}  // namespace
}  // namespace huoju::org
