// huoju/app/catalog_registry.hpp
//
// The catalog years a running server audits with. At start every year directory under the
// catalog root (catalog/2024, …) is loaded, checked (loader, rule type-check, fixtures),
// published into the store (a no-op when that content is already published, so filings can
// name the exact version that audited them) and compiled, each year against the year before
// when that is present. Immutable after Open; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "huoju/core/clock.hpp"
#include "huoju/core/status.hpp"
#include "huoju/rules/engine.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

struct CatalogYear {
  int year = 0;
  int64_t version_id = 0;  ///< catalog_version.id
  std::shared_ptr<const rules::CompiledCatalog> compiled;
  const catalog::Catalog& catalog() const { return compiled->catalog(); }
};

class CatalogRegistry {
 public:
  /// Loads `root` (a directory of year directories). A missing root gives an empty registry
  /// (a server without forms); a catalog with problems is an error naming the first ones.
  static Result<std::unique_ptr<CatalogRegistry>> Open(store::Database& db, const std::string& root,
                                                       const Clock& clock);
  /// An empty registry (tests, servers without forms).
  CatalogRegistry() = default;

  /// The catalog of exactly `year`, or null.
  const CatalogYear* Year(int year) const;
  /// The catalog that serves periods of `year`: that year's, else the latest earlier one.
  const CatalogYear* ForPeriodYear(int year) const;
  const std::map<int, CatalogYear>& years() const { return years_; }

 private:
  std::map<int, CatalogYear> years_;
};

}  // namespace huoju::app
