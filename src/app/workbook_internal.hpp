// src/app/workbook_internal.hpp
//
// What the template writer and the workbook reader share: the names of the hidden sheets,
// the metadata version and the code label format. Internal to src/app.
#pragma once

#include <set>
#include <string>

#include "huoju/core/code_list.hpp"

namespace huoju::app::workbook_internal {

inline constexpr const char* kMetaSheet = "_huoju";
inline constexpr const char* kCodesSheet = "_codes";
inline constexpr int kTemplateVersion = 1;

/// A valid, unique Excel sheet name from a title (≤ 31 characters, none of []:*?/\').
std::string SheetNameFor(const std::string& title, std::set<std::string>* used);

/// "code 名称": what a dropdown offers; the import keeps the part before the first space.
std::string CodeLabel(const Code& code);

}  // namespace huoju::app::workbook_internal
