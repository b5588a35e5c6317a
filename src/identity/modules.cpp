#include "huoju/identity/modules.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace huoju::identity {

const std::vector<Module>& Modules() {
  static const std::vector<Module> kAll = {
      {"survey", "统计调查"},
      {"contract", "技术合同登记"},
      {"achievement", "科技成果登记"},
      {"institution", "技术转移机构"},
      {"certification", "高企认定/科技型中小企业评价"},
  };
  return kAll;
}

const Module* FindModule(std::string_view code) {
  for (const Module& m : Modules()) {
    if (code == m.code) {
      return &m;
    }
  }
  return nullptr;
}

std::vector<std::string> ModulesForRole(Role role) {
  std::vector<std::string> out;
  switch (role) {
    case Role::kFiller:
    case Role::kAdmin:
      for (const Module& m : Modules()) {
        out.emplace_back(m.code);
      }
      break;
    case Role::kReviewer:
    case Role::kCenter:
      out.emplace_back("survey");
      break;
    case Role::kRegistry:
      out.emplace_back("contract");
      break;
    case Role::kPerson:
      break;
  }
  return out;
}

Result<std::vector<std::string>> NormalizeModules(const std::vector<std::string>& codes,
                                                  const std::string& field) {
  for (const std::string& c : codes) {
    if (FindModule(c) == nullptr) {
      return Status::InvalidField(
          field, fmt::format("模块“{}”不存在（可选：survey、contract、achievement、institution、"
                             "certification）",
                             c.substr(0, 40)));
    }
  }
  std::vector<std::string> out;
  for (const Module& m : Modules()) {
    if (std::find(codes.begin(), codes.end(), m.code) != codes.end()) {
      out.emplace_back(m.code);
    }
  }
  return out;
}

}  // namespace huoju::identity
