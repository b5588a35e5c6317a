// src/store/migrations.hpp: the numbered schema migrations (private to store).
//
// Migration SQL is written once for both backends; a few tokens stand for the spelling that
// differs: {{ID}} (auto-assigned 64-bit primary key), {{BLOB}}, {{REAL}}, {{BINARY}}
// (byte-order collation). What cannot share a spelling (triggers) goes in the per-backend tail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "huoju/store/database.hpp"

namespace huoju::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  /// Appended to `sql` on that backend only.
  std::string_view sqlite_sql = {};
  std::string_view postgres_sql = {};
};

/// Every migration, in ascending version order. Never edit a published one; add a new one.
const std::vector<Migration>& AllMigrations();

/// The migration's SQL with the backend's spelling substituted.
std::string RenderMigration(const Migration& m, Backend backend);

}  // namespace huoju::store
