// huoju/core/json_text.hpp
//
// Writing JSON text directly, for hot paths where building a DOM costs more than the work
// itself (access log lines, org nodes on every read).
#pragma once

#include <string>
#include <string_view>

namespace huoju {

/// Appends `s` as a JSON string literal (quoted, escaped). Invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace huoju
