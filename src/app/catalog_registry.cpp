#include "huoju/app/catalog_registry.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "huoju/app/catalog_command.hpp"
#include "huoju/catalog/publish.hpp"

namespace huoju::app {

namespace fs = std::filesystem;

Result<std::unique_ptr<CatalogRegistry>> CatalogRegistry::Open(store::Database& db,
                                                               const std::string& root,
                                                               const Clock& clock) {
  auto registry = std::make_unique<CatalogRegistry>();
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) {
    return registry;
  }
  std::map<int, std::string> dirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.size() == 4 &&
        name.find_first_not_of("0123456789") == std::string::npos &&
        fs::exists(entry.path() / "catalog.yaml")) {
      dirs[std::stoi(name)] = entry.path().string();
    }
  }
  for (const auto& [year, dir] : dirs) {  // ascending: each year compiles against the one before
    auto checked = CheckCatalogDir(dir);
    if (!checked.problems.empty() || checked.catalog == nullptr) {
      std::string first = checked.problems.empty() ? "无法读取" : checked.problems[0].message;
      return Status::Invalid(
          fmt::format("目录 {} 有 {} 个问题，首个：{}（请运行 huoju catalog check）", dir,
                      checked.problems.size(), first));
    }
    HUOJU_ASSIGN_OR_RETURN(
        auto published, catalog::PublishCatalog(db, *checked.catalog, dir, 0, clock.NowMillis()));
    std::shared_ptr<const rules::CompiledCatalog> previous;
    if (const auto* prev = registry->Year(checked.catalog->previous_year)) {
      previous = prev->compiled;
    }
    std::vector<catalog::Problem> problems;
    auto compiled =
        rules::CompiledCatalog::Compile(std::move(checked.catalog), &problems, previous);
    if (compiled == nullptr) {
      return Status::Invalid(fmt::format("目录 {} 的审核公式无法编译", dir));
    }
    registry->years_[year] = CatalogYear{year, published.id, std::move(compiled)};
  }
  return registry;
}

const CatalogYear* CatalogRegistry::Year(int year) const {
  auto it = years_.find(year);
  return it == years_.end() ? nullptr : &it->second;
}

const CatalogYear* CatalogRegistry::ForPeriodYear(int year) const {
  auto it = years_.upper_bound(year);
  if (it == years_.begin()) {
    return nullptr;
  }
  return &std::prev(it)->second;
}

}  // namespace huoju::app
