// libFuzzer target for the rule-language parser and compiler: any input must give a tree or a
// positioned error, never a crash, hang or sanitizer report. Not part of the normal build
// (`_fuzz.cpp`). Build and run from the repository root with clang:
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I. \
//     src/rules/parser_fuzz.cpp src/rules/parser.cpp src/rules/compile.cpp src/rules/engine.cpp \
//     src/rules/batch.cpp src/catalog/model.cpp src/core/code_list.cpp src/core/identifiers.cpp \
//     src/core/status.cpp -lfmt -o /tmp/rules_fuzz
//   /tmp/rules_fuzz -max_total_time=60 -max_len=4096
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "huoju/rules/check.hpp"
#include "huoju/rules/engine.hpp"
#include "huoju/rules/parser.hpp"
#include "src/rules/test_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = huoju::rules::ParseExpression(text);
  if (!r.ok()) {
    return 0;
  }
  // Parsed: also type-check and evaluate it as a rule of a catalog with every value type.
  static const auto base = huoju::rules::testing::GqCatalog();
  auto cat = std::make_shared<huoju::catalog::Catalog>(base);
  auto rule = huoju::rules::testing::MakeRule("F", std::string(text), "", "{qc05_0}");
  rule.for_each = size % 2 == 0 ? "projects" : "";
  cat->forms[0].rules.push_back(rule);
  std::vector<huoju::catalog::Problem> problems;
  auto cc = huoju::rules::CompiledCatalog::Compile(cat, &problems);
  if (cc) {
    auto d = huoju::rules::UnitPeriodData::FromJson(
        *cc, {{"GQ-002",
               {{"qc05_0", 1e300},
                {"qc55", -0.0},
                {"qb_name", "深圳"},
                {"qb_date", "2024-02-29"},
                {"qb_multi", {"1"}},
                {"projects", nlohmann::json::array({{{"expense", 1}}, {{"gov", 2}}})}}}});
    auto fails =
        cc->Evaluate("GQ-002", d.value(), &d.value(), huoju::rules::PeriodInfo::Year(2024));
    (void)fails;
  }
  return 0;
}
