// huoju/rules/check.hpp
//
// Load-time checking of every expression in a catalog (docs/rule-language.md, "Type checking
// at load"). Called by `huoju catalog check` after the loader. Pure, thread-safe.
#pragma once

#include <vector>

#include "huoju/catalog/loader.hpp"
#include "huoju/catalog/model.hpp"

namespace huoju::rules {

/// Parses and type-checks every rule of every form (`expr`, `when`, `for_each`, `tolerance`,
/// `cells`, `{…}` placeholders of `message`), every indicator's `required_when` and `formula`
/// (including cycles through derived indicators, also across forms), every section's and row
/// table's `visible_when`, and the code lists named by code/multi_code types. Returns all
/// problems (empty = the catalog's rules compile). Messages are Chinese and name the rule or
/// indicator; Problem.source is the rule's SourceRef moved to the error's line and column when
/// the error is in `expr` (columns counted in Unicode code points), else the SourceRef of the
/// rule / indicator / row table (of the form for a section). Does not check rule-id uniqueness
/// (the loader does).
std::vector<catalog::Problem> CheckCatalogRules(const catalog::Catalog& catalog);

}  // namespace huoju::rules
