#include "huoju/identity/account_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "huoju/core/identifiers.hpp"

namespace huoju::identity {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), IsDigit);
}

// Code points of valid UTF-8 without control characters; nullopt otherwise.
std::optional<size_t> PlainLength(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) {
      return std::nullopt;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return std::nullopt;
      }
    }
    if (len == 1 && (c < 0x20 || c == 0x7F)) {
      return std::nullopt;
    }
    i += len;
    ++n;
  }
  return n;
}

}  // namespace

Status CheckUsername(std::string_view u, const std::string& field) {
  const bool ok = u.size() >= 3 && u.size() <= 32 && IsLower(u[0]) &&
                  std::all_of(u.begin(), u.end(), [](char c) {
                    return IsLower(c) || IsDigit(c) || c == '_' || c == '.' || c == '-';
                  });
  if (!ok) {
    return Status::InvalidField(
        field, "用户名应为 3 到 32 个字符，以小写字母开头，只含小写字母、数字、下划线、点和连字符");
  }
  return Status::Ok();
}

Status CheckPhone(std::string_view p, const std::string& field) {
  bool ok = false;
  if (p.size() == 11 && p[0] == '1' && AllDigits(p)) {
    ok = true;  // mobile
  } else if (!p.empty() && p[0] == '0') {
    std::string digits;
    size_t dashes = 0;
    for (char c : p) {
      if (c == '-') {
        ++dashes;
      } else {
        digits += c;
      }
    }
    ok = dashes <= 1 && AllDigits(digits) && digits.size() >= 10 && digits.size() <= 12;
  }
  if (!ok) {
    return Status::InvalidField(
        field, "联系电话应为 11 位手机号码，或带区号的固定电话（如 0755-26880000）");
  }
  return Status::Ok();
}

Status CheckEmail(std::string_view e, const std::string& field) {
  const size_t at = e.find('@');
  const bool ok = e.size() <= 100 && at != std::string_view::npos && at > 0 &&
                  e.find('@', at + 1) == std::string_view::npos &&
                  e.find('.', at) != std::string_view::npos && e.back() != '.' &&
                  e[at + 1] != '.' && std::all_of(e.begin(), e.end(), [](char c) {
                    return IsLower(c) || IsUpper(c) || IsDigit(c) || c == '@' || c == '.' ||
                           c == '_' || c == '-' || c == '+';
                  });
  if (!ok) {
    return Status::InvalidField(field, "电子邮箱格式不正确（如 name@example.com）");
  }
  return Status::Ok();
}

Status CheckText(std::string_view text, size_t min_chars, size_t max_chars,
                 const std::string& field, const std::string& label) {
  auto n = PlainLength(text);
  if (!n) {
    return Status::InvalidField(field, fmt::format("{}含有不允许的控制字符或无效编码", label));
  }
  if (*n < min_chars || *n > max_chars) {
    return Status::InvalidField(field,
                                fmt::format("{}应为 {} 到 {} 个字符", label, min_chars, max_chars));
  }
  return Status::Ok();
}

const char* IdTypeName(std::string_view t) {
  if (t == "resident_id") {
    return "居民身份证";
  }
  if (t == "passport") {
    return "护照";
  }
  if (t == "hk_macao_permit") {
    return "港澳居民来往内地通行证";
  }
  if (t == "taiwan_permit") {
    return "台湾居民来往大陆通行证";
  }
  return nullptr;
}

Status CheckIdDocument(std::string_view t, std::string_view n, const std::string& type_field,
                       const std::string& number_field) {
  if (IdTypeName(t) == nullptr) {
    return Status::InvalidField(
        type_field, "证件类型应为 resident_id、passport、hk_macao_permit 或 taiwan_permit");
  }
  if (t == "resident_id") {
    if (!IsValidIdCard(n)) {
      return Status::InvalidField(
          number_field, "居民身份证号码应为 18 位，出生日期有效且末位校验码正确（末位 X 大写）");
    }
  } else if (t == "passport") {
    const bool ok = n.size() >= 5 && n.size() <= 17 && std::all_of(n.begin(), n.end(), [](char c) {
                      return IsUpper(c) || IsDigit(c);
                    });
    if (!ok) {
      return Status::InvalidField(number_field, "护照号码应为 5 到 17 位大写字母或数字");
    }
  } else if (t == "hk_macao_permit") {
    const bool ok =
        (n.size() == 9 || n.size() == 11) && (n[0] == 'H' || n[0] == 'M') && AllDigits(n.substr(1));
    if (!ok) {
      return Status::InvalidField(number_field,
                                  "港澳居民来往内地通行证号码应为 H 或 M 加 8 位或 10 位数字");
    }
  } else {
    if (!((n.size() == 8 || n.size() == 10) && AllDigits(n))) {
      return Status::InvalidField(number_field, "台湾居民来往大陆通行证号码应为 8 位或 10 位数字");
    }
  }
  return Status::Ok();
}

std::string MaskIdNumber(std::string_view n) {
  std::string out(n);
  for (size_t i = 4; i + 4 < out.size(); ++i) {
    out[i] = '*';
  }
  return out;
}

}  // namespace huoju::identity
