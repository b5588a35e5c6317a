// huoju/rules/fixtures.hpp
//
// The rule fixture runner: every catalog/<year>/fixtures/<表号>.yaml holds example filings and
// the exact set of rule ids each must fail (docs/catalog-format.md). Run by `huoju catalog
// check` and so by the test command: a rule change that breaks an example fails the build.
#pragma once

#include <string>
#include <vector>

#include "huoju/catalog/loader.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::rules {

struct FixtureReport {
  int files = 0;
  int cases = 0;
  int passed = 0;
  /// Mismatches, unreadable files, and rules without a failing or a passing example.
  std::vector<catalog::Problem> problems;
};

/// Runs every fixture file under `catalog_dir`/fixtures against `compiled`. Thread-safe.
FixtureReport RunFixtures(const CompiledCatalog& compiled, const std::string& catalog_dir);

}  // namespace huoju::rules
