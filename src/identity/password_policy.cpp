#include "huoju/identity/password_policy.hpp"

#include <string>
#include <unordered_set>

namespace huoju::embedded {
std::string_view common_passwords_txt();
}  // namespace huoju::embedded

namespace huoju::identity {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') {
      ch = static_cast<char>(ch - 'A' + 'a');
    }
  }
  return out;
}

const std::unordered_set<std::string>& CommonPasswords() {
  static const auto* const kSet = [] {
    auto* set = new std::unordered_set<std::string>();
    std::string_view text = embedded::common_passwords_txt();
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.remove_suffix(1);
      }
      if (!line.empty() && line.front() != '#') {
        set->insert(Lower(line));
      }
    }
    return set;
  }();
  return *kSet;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char ch : s) {
    n += (ch & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

}  // namespace

bool IsCommonPassword(std::string_view password) {
  return CommonPasswords().contains(Lower(password));
}

Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                           std::string_view field) {
  const std::string f(field);
  const size_t length = CodePoints(password);
  if (length < 10) {
    return Status::InvalidField(f, "新密码至少需要 10 个字符");
  }
  if (length > 128) {
    return Status::InvalidField(f, "新密码不能超过 128 个字符");
  }
  bool upper = false;
  bool lower = false;
  bool digit = false;
  bool symbol = false;
  for (unsigned char ch : password) {
    if (ch >= 'A' && ch <= 'Z') {
      upper = true;
    } else if (ch >= 'a' && ch <= 'z') {
      lower = true;
    } else if (ch >= '0' && ch <= '9') {
      digit = true;
    } else {
      symbol = true;
    }
  }
  if (static_cast<int>(upper) + static_cast<int>(lower) + static_cast<int>(digit) +
          static_cast<int>(symbol) <
      3) {
    return Status::InvalidField(f, "新密码须包含大写字母、小写字母、数字、符号中的至少三类");
  }
  if (username.size() >= 3 && Lower(password).find(Lower(username)) != std::string::npos) {
    return Status::InvalidField(f, "新密码不能包含用户名");
  }
  if (IsCommonPassword(password)) {
    return Status::InvalidField(f, "新密码过于常见，容易被猜中，请换一个");
  }
  return Status::Ok();
}

}  // namespace huoju::identity
