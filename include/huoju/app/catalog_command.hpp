// huoju/app/catalog_command.hpp
//
// `huoju catalog check|list DIR`: validate and summarize a catalog year (docs/catalog-format.md).
#pragma once

#include <string>
#include <vector>

#include "huoju/catalog/loader.hpp"
#include "huoju/rules/fixtures.hpp"

namespace huoju::app {

/// Runs `huoju catalog ...`; `args` are the words after `catalog`. Writes the report to stdout
/// (usage errors to stderr) and returns the process exit code: 0 clean, 1 problems found,
/// 2 usage error.
int RunCatalogCommand(const std::vector<std::string>& args);

/// Every problem of the catalog in `dir`: the loader's, the rule type-check, and (when those
/// are clean) the rule fixtures, whose counts go to `fixtures` when given. Problem files are
/// relative to `dir`. `result.catalog` may be null (directory unreadable).
catalog::LoadResult CheckCatalogDir(const std::string& dir,
                                    rules::FixtureReport* fixtures = nullptr);

}  // namespace huoju::app
