// src/app/workbook_internal.hpp
//
// What the template writer and the workbook reader share: the names of the hidden sheets,
// the metadata version and the code label format. Internal to src/app.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "huoju/app/filings.hpp"
#include "huoju/core/code_list.hpp"

namespace huoju::app::workbook_internal {

inline constexpr const char* kMetaSheet = "_huoju";
inline constexpr const char* kCodesSheet = "_codes";
inline constexpr int kTemplateVersion = 1;

/// A valid, unique Excel sheet name from a title (≤ 31 characters, none of []:*?/\').
std::string SheetNameFor(const std::string& title, std::set<std::string>* used);

/// "code 名称": what a dropdown offers; the import keeps the part before the first space.
std::string CodeLabel(const Code& code);

/// A unit's values moved out for a UnitBlockSink (no copy); `unit` keeps its uscc.
inline ImportRow TakeUnit(ImportRow& unit) {
  ImportRow taken;
  taken.uscc = unit.uscc;
  taken.values = std::move(unit.values);
  taken.explanations = std::move(unit.explanations);
  taken.numbers = std::move(unit.numbers);
  return taken;
}

/// TakeUnit of units[begin … end - 1].
inline std::vector<ImportRow> TakeUnits(std::vector<ImportRow>& units, size_t begin, size_t end) {
  std::vector<ImportRow> taken;
  taken.reserve(end - begin);
  for (size_t u = begin; u < end; ++u) {
    taken.push_back(TakeUnit(units[u]));
  }
  return taken;
}

/// Puts back what TakeUnit moved out.
inline void PutUnitBack(ImportRow& unit, ImportRow&& taken) {
  unit.values = std::move(taken.values);
  unit.explanations = std::move(taken.explanations);
  unit.numbers = std::move(taken.numbers);
}

}  // namespace huoju::app::workbook_internal
