#include "huoju/core/csv.hpp"

#include <gtest/gtest.h>

namespace huoju {
namespace {

TEST(Csv, SplitsQuotedFieldsWithEscapes) {
  EXPECT_EQ(SplitCsvRecord("a,b,,c\r"), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(SplitCsvRecord("\"x,y\",\"he said \"\"hi\"\"\",z"),
            (std::vector<std::string>{"x,y", "he said \"hi\"", "z"}));
  EXPECT_EQ(SplitCsvRecord(""), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitCsvRecord("营业收入,1000"), (std::vector<std::string>{"营业收入", "1000"}));
}

}  // namespace
}  // namespace huoju
