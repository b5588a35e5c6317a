// huoju/app/catalog_command.hpp
//
// `huoju catalog check|list DIR`: validate and summarize a catalog year (docs/catalog-format.md).
#pragma once

#include <string>
#include <vector>

#include "huoju/catalog/loader.hpp"

namespace huoju::app {

/// Runs `huoju catalog ...`; `args` are the words after `catalog`. Writes the report to stdout
/// (usage errors to stderr) and returns the process exit code: 0 clean, 1 problems found,
/// 2 usage error.
int RunCatalogCommand(const std::vector<std::string>& args);

/// Every problem of the catalog in `dir`: the loader's, then the deeper checks (rule type-check,
/// fixtures) when those modules provide them. Problem files are relative to `dir`.
/// `result.catalog` may be null (directory unreadable).
catalog::LoadResult CheckCatalogDir(const std::string& dir);

}  // namespace huoju::app
