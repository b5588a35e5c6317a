// huoju/core/code_list.hpp
//
// Hierarchical reference code lists (code, name, level, parent): GB/T 2260 regions, GB/T 4754
// industries, the catalog's small lists. Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju {

struct Code {
  std::string code;
  std::string name;
  std::string level;   ///< e.g. "province", "men", "xiao", "1"
  std::string parent;  ///< empty at the top level
};

class CodeList {
 public:
  /// Parses `code,name,level,parent` CSV (with header). Reports the first bad line.
  static Result<CodeList> FromCsv(std::string_view csv);
  /// Builds a list from codes; Invalid on a duplicate code or an unknown parent.
  static Result<CodeList> FromCodes(std::vector<Code> codes);

  const std::vector<Code>& all() const { return codes_; }
  /// nullptr when absent.
  const Code* Find(std::string_view code) const;
  /// Codes whose parent is `parent` ("" for the top level), in file order.
  std::vector<const Code*> Children(std::string_view parent) const;
  /// Codes of the given level, in file order.
  std::vector<const Code*> OfLevel(std::string_view level) const;

 private:
  std::vector<Code> codes_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace huoju
