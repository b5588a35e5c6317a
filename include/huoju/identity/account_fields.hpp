// huoju/identity/account_fields.hpp
//
// Checks of the fields people type when they register or are given an account. Each failure
// is InvalidField naming the field, with a Chinese message that says what is expected. Pure
// functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "huoju/core/status.hpp"

namespace huoju::identity {

/// 3…32 characters of a-z 0-9 _ . -, starting with a letter.
Status CheckUsername(std::string_view username, const std::string& field);
/// A mainland mobile number (1 + 10 digits) or a fixed line (0 + area code, optional '-').
Status CheckPhone(std::string_view phone, const std::string& field);
/// local@domain.tld, at most 100 characters, no spaces or control characters.
Status CheckEmail(std::string_view email, const std::string& field);
/// Plain text of `min`…`max` characters without control characters (names, reasons).
Status CheckText(std::string_view text, size_t min_chars, size_t max_chars,
                 const std::string& field, const std::string& label);

/// ID document types of personal accounts.
/// resident_id 居民身份证 (GB 11643 check character and birth date), passport 护照
/// (5…17 letters/digits), hk_macao_permit 港澳居民来往内地通行证 (H/M + 8 or 10 digits),
/// taiwan_permit 台湾居民来往大陆通行证 (8 or 10 digits).
const char* IdTypeName(std::string_view id_type);  ///< nullptr for an unknown type
/// Checks the number for its type (type named by `type_field`, number by `number_field`).
Status CheckIdDocument(std::string_view id_type, std::string_view number,
                       const std::string& type_field, const std::string& number_field);
/// The number with all but the first 4 and last 4 characters replaced by '*'.
std::string MaskIdNumber(std::string_view number);

}  // namespace huoju::identity
