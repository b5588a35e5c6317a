#include "huoju/rules/check.hpp"

#include "src/rules/compile.hpp"

namespace huoju::rules {

std::vector<catalog::Problem> CheckCatalogRules(const catalog::Catalog& catalog) {
  std::vector<catalog::Problem> problems;
  BuildProgram(catalog, nullptr, &problems);
  return problems;
}

}  // namespace huoju::rules
