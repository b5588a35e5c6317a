// huoju/app/demo_data.hpp
//
// A deterministic, realistic demo org tree: 火炬中心, 31 provinces, their cities, 178
// national high-tech zones, one technology-contract registration body per province, and K
// reporting units with valid 统一社会信用代码 and GB/T 4754 industries, plus demo accounts.
// The same seed and unit count always give the same tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "huoju/core/clock.hpp"
#include "huoju/identity/password.hpp"
#include "huoju/store/database.hpp"

namespace huoju::app {

struct DemoOptions {
  uint64_t seed = 1;
  int64_t units = 2000;
  std::string password = "Huoju@2024";
};

struct DemoAccount {
  std::string username;
  std::string description;
};

struct DemoSummary {
  int64_t nodes = 0;
  int64_t provinces = 0;
  int64_t cities = 0;
  int64_t zones = 0;
  int64_t registries = 0;
  int64_t units = 0;
  std::vector<DemoAccount> accounts;
};

/// Fills an empty, migrated database. Invalid when the org tree is not empty.
Result<DemoSummary> GenerateDemoData(store::Database& db, identity::PasswordHasher& hasher,
                                     const Clock& clock, const DemoOptions& options);

}  // namespace huoju::app
