#include "src/store/pg_placeholders.hpp"

namespace huoju::store {
namespace {

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Index just past the literal/comment that starts at `i`, or `i` when none starts there.
size_t SkipQuoted(std::string_view s, size_t i) {
  const size_t n = s.size();
  char c = s[i];
  if (c == '\'') {
    // E'…' strings take backslash escapes; '' inside any string is a quote, which the loop
    // handles as "close, then reopen".
    bool escapes =
        i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && (i < 2 || !IsIdentChar(s[i - 2]));
    for (size_t j = i + 1; j < n; ++j) {
      if (escapes && s[j] == '\\') {
        ++j;
      } else if (s[j] == '\'') {
        return j + 1;
      }
    }
    return n;
  }
  if (c == '"') {
    size_t end = s.find('"', i + 1);
    return end == std::string_view::npos ? n : end + 1;
  }
  if (c == '-' && i + 1 < n && s[i + 1] == '-') {
    size_t end = s.find('\n', i);
    return end == std::string_view::npos ? n : end + 1;
  }
  if (c == '/' && i + 1 < n && s[i + 1] == '*') {
    int depth = 0;  // PostgreSQL block comments nest
    for (size_t j = i; j + 1 < n; ++j) {
      if (s[j] == '/' && s[j + 1] == '*') {
        ++depth;
        ++j;
      } else if (s[j] == '*' && s[j + 1] == '/') {
        ++j;
        if (--depth == 0) {
          return j + 1;
        }
      }
    }
    return n;
  }
  if (c == '$' && (i == 0 || !IsIdentChar(s[i - 1]))) {
    // $tag$…$tag$ (tag may be empty; it cannot start with a digit, unlike $1).
    size_t j = i + 1;
    if (j < n && s[j] >= '0' && s[j] <= '9') {
      return i;
    }
    while (j < n && IsIdentChar(s[j]) && s[j] != '$') {
      ++j;
    }
    if (j >= n || s[j] != '$') {
      return i;
    }
    std::string_view tag = s.substr(i, j - i + 1);
    size_t end = s.find(tag, j + 1);
    return end == std::string_view::npos ? n : end + tag.size();
  }
  return i;
}

}  // namespace

PgStatementText RewritePlaceholders(std::string_view sql) {
  PgStatementText out;
  out.sql.reserve(sql.size() + 8);
  size_t i = 0;
  while (i < sql.size()) {
    size_t skip = SkipQuoted(sql, i);
    if (skip > i) {
      out.sql.append(sql.substr(i, skip - i));
      i = skip;
    } else if (sql[i] == '?') {
      out.sql += '$';
      out.sql += std::to_string(++out.params);
      ++i;
    } else {
      out.sql += sql[i++];
    }
  }
  return out;
}

}  // namespace huoju::store
