// huoju/core/identifiers.hpp
//
// Check-digit validation of the national identifiers the system is keyed on:
// 统一社会信用代码 (GB 32100-2015, with its embedded GB 11714 组织机构代码) and
// 居民身份证号码 (GB 11643-1999). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huoju {

/// True when `code` is 18 characters from the USCC alphabet with a correct check character
/// and a correct embedded organisation-code check character.
bool IsValidUscc(std::string_view code);

/// The check character for the first 17 characters of a USCC, or nullopt when they are not
/// from the alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY`.
std::optional<char> UsccCheckChar(std::string_view first17);

/// The GB 11714 check character for an 8-character organisation-code body, or nullopt.
std::optional<char> OrgCodeCheckChar(std::string_view first8);

/// True when `id` is an 18-character 身份证号 with a valid birth date and check character.
bool IsValidIdCard(std::string_view id);

/// Explains in Chinese why a USCC is invalid, or an empty string when it is valid.
std::string DescribeUsccProblem(std::string_view code);

}  // namespace huoju
