// huoju/core/utf8.hpp
//
// Counting characters of UTF-8 text, for the length limits stated in characters (names,
// reasons, explanations) rather than bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace huoju {

/// Number of Unicode characters in valid UTF-8 text; nullopt when it is not valid UTF-8
/// (a stray continuation byte, a truncated sequence, a lead byte over 4 bytes).
std::optional<size_t> Utf8Length(std::string_view text);

}  // namespace huoju
