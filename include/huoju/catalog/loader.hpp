// huoju/catalog/loader.hpp
//
// Loads one catalog year directory (docs/catalog-format.md) into a Catalog. Reports every
// problem at once, each with file, line, column and a Chinese message; a catalog with problems
// must never be published. Rule expressions are only stored here: the rules module type-checks
// them (rules::CheckCatalogRules).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "huoju/catalog/model.hpp"

namespace huoju::catalog {

struct Problem {
  SourceRef source;
  std::string message;
  /// "file:line:column: message"
  std::string ToString() const;
};

struct LoadResult {
  std::unique_ptr<Catalog> catalog;  ///< null only when nothing could be read at all
  std::vector<Problem> problems;
  bool ok() const { return catalog != nullptr && problems.empty(); }
};

/// Reads `dir` (e.g. catalog/2024). Thread-safe; does file I/O.
LoadResult LoadCatalog(const std::string& dir);

}  // namespace huoju::catalog
