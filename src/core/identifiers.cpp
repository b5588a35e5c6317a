#include "huoju/core/identifiers.hpp"

#include <array>
#include <cstring>

namespace huoju {
namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kUsccWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                              29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> kOrgWeights = {3, 7, 9, 10, 5, 8, 4, 2};

int UsccValue(char c) {
  auto pos = kUsccAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// GB 11714 characters: digits and upper-case letters, A=10 … Z=35.
int OrgValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'Z') {
    return c - 'A' + 10;
  }
  return -1;
}

bool IsLeapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

std::optional<char> UsccCheckChar(std::string_view first17) {
  if (first17.size() != 17) {
    return std::nullopt;
  }
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    int v = UsccValue(first17[i]);
    if (v < 0) {
      return std::nullopt;
    }
    sum += v * kUsccWeights[i];
  }
  return kUsccAlphabet[(31 - sum % 31) % 31];
}

std::optional<char> OrgCodeCheckChar(std::string_view first8) {
  if (first8.size() != 8) {
    return std::nullopt;
  }
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    int v = OrgValue(first8[i]);
    if (v < 0) {
      return std::nullopt;
    }
    sum += v * kOrgWeights[i];
  }
  int c = 11 - sum % 11;
  if (c == 10) {
    return 'X';
  }
  if (c == 11) {
    return '0';
  }
  return static_cast<char>('0' + c);
}

std::string DescribeUsccProblem(std::string_view code) {
  if (code.size() != 18) {
    return "统一社会信用代码应为18位，当前为" + std::to_string(code.size()) + "位";
  }
  for (size_t i = 0; i < code.size(); ++i) {
    if (UsccValue(code[i]) < 0) {
      return "统一社会信用代码第" + std::to_string(i + 1) +
             "位含有不允许的字符（只允许数字和除I、O、Z、S、V以外的大写字母）";
    }
  }
  auto check = UsccCheckChar(code.substr(0, 17));
  if (!check || *check != code[17]) {
    return "统一社会信用代码校验位错误";
  }
  auto org_check = OrgCodeCheckChar(code.substr(8, 8));
  if (!org_check || *org_check != code[16]) {
    return "统一社会信用代码中的组织机构代码校验位错误";
  }
  return {};
}

bool IsValidUscc(std::string_view code) {
  return DescribeUsccProblem(code).empty();
}

bool IsValidIdCard(std::string_view id) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr std::string_view kChecks = "10X98765432";
  if (id.size() != 18) {
    return false;
  }
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    if (id[i] < '0' || id[i] > '9') {
      return false;
    }
    sum += (id[i] - '0') * kWeights[i];
  }
  if (kChecks[sum % 11] != id[17]) {
    return false;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      v = v * 10 + (id[i] - '0');
    }
    return v;
  };
  int year = num(6, 4);
  int month = num(10, 2);
  int day = num(12, 2);
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1880 || month < 1 || month > 12 || day < 1) {
    return false;
  }
  int max_day = kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  return day <= max_day;
}

}  // namespace huoju
