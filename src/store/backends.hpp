// src/store/backends.hpp: factories of the two Database implementations (private to store).
#pragma once

#include <memory>
#include <string>

#include "huoju/store/database.hpp"

namespace huoju::store {

/// Ok when `table` is a lower-case SQL identifier ([a-z_][a-z0-9_]*), safe to splice into SQL.
Status CheckTableName(std::string_view table);

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, const OpenOptions& options);
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, const OpenOptions& options);

}  // namespace huoju::store
