// src/store/pg_placeholders.hpp: `?` → `$n` rewriting for the PostgreSQL backend (private).
#pragma once

#include <string>
#include <string_view>

namespace huoju::store {

struct PgStatementText {
  std::string sql;  ///< with `$1..$n`
  int params = 0;   ///< n
};

/// Rewrites each `?` placeholder of portable SQL to `$1..$n`. A `?` inside a string literal
/// ('…', E'…', $tag$…$tag$), a quoted identifier or a comment is left alone.
PgStatementText RewritePlaceholders(std::string_view sql);

}  // namespace huoju::store
