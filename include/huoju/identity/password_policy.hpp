// huoju/identity/password_policy.hpp
//
// The password policy for every password a person chooses (own change, reset). Accounts made
// by `huoju demo-data` are not checked, so the demo password keeps working.
#pragma once

#include <string_view>

#include "huoju/core/status.hpp"

namespace huoju::identity {

/// OK, or InvalidField(`field`, a Chinese message) when `password`:
///  - has fewer than 10 characters (code points) or more than 128;
///  - uses fewer than 3 of the 4 classes upper case, lower case, digit, symbol;
///  - contains the username (case-insensitive, usernames of 3+ characters);
///  - is in the shipped list of common passwords (src/identity/common_passwords.txt,
///    compared case-insensitively).
/// Reuse of earlier passwords needs the store: SessionManager checks it.
Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                           std::string_view field = "password");

/// True when `password` (case-insensitive) is in the shipped list of common passwords.
bool IsCommonPassword(std::string_view password);

}  // namespace huoju::identity
