// huoju/identity/modules.hpp
//
// The business modules one account can reach with one login (single sign-on). The list is data
// here and nowhere else: API answers, grant checks and the web menu all read it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "huoju/identity/principal.hpp"

namespace huoju::identity {

struct Module {
  const char* code;  ///< "survey", "contract", …
  const char* name;  ///< 统计调查, 技术合同登记, …
};

/// Every module, in menu order.
const std::vector<Module>& Modules();
/// The module with `code`, or nullptr.
const Module* FindModule(std::string_view code);
/// The modules a role reaches without grants (unit administrators: all; sub-accounts and
/// persons: none, their grants decide).
std::vector<std::string> ModulesForRole(Role role);
/// `codes` in the order of Modules(), without duplicates; InvalidField(`field`) naming the
/// first unknown code.
Result<std::vector<std::string>> NormalizeModules(const std::vector<std::string>& codes,
                                                  const std::string& field);

}  // namespace huoju::identity
