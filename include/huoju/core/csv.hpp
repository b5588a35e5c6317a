// huoju/core/csv.hpp
//
// Reading one CSV record (RFC 4180 fields on one line: double-quoted fields with "" escapes,
// no line breaks inside a field), as the command-line audit and impact tools take them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace huoju {

/// The fields of `line`; a trailing '\r' is dropped. An empty line is one empty field.
std::vector<std::string> SplitCsvRecord(std::string_view line);

}  // namespace huoju
