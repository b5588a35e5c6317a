#include "huoju/core/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace huoju {
namespace {

TEST(JsonText, EscapesAndRoundTrips) {
  for (const std::string& s :
       {std::string("plain"), std::string("引号\"与\\反斜杠"), std::string("line\nbreak\ttab\x01"),
        std::string("深圳市华创科技有限公司")}) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), s) << out;
  }
}

TEST(JsonText, ReplacesInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\xff"
                                    "b\xe4\xb8",
                                    5));
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace huoju
