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
  /// Also one filler account per enterprise for the first N enterprises ("unit000001", …),
  /// for load tests; they share the demo password.
  int64_t unit_accounts = 0;
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

namespace huoju::app {

class Application;

struct DemoSurveySummary {
  int64_t periods = 0;
  int64_t tasks = 0;
  int64_t history = 0;    ///< last year's final filings written
  int64_t submitted = 0;  ///< this year's filings saved, audited and submitted
};

/// The survey part of the demo, on an application opened after GenerateDemoData (so its
/// directory holds the tree): opens GQ-001 … GQ-005 for `year` (filling open from 30 days ago
/// to 60 days ahead, review 30 days longer), writes last year's final GQ-002 of every
/// enterprise (laid out by this year's catalog), and saves, audits and submits this year's
/// GQ-002 of up to `submit` enterprises through the real workflow. Needs the catalog of
/// `year`; Invalid without it.
Result<DemoSurveySummary> GenerateDemoSurvey(Application& app, int year, int64_t submit,
                                             uint64_t seed);

}  // namespace huoju::app
