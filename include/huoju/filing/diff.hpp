// huoju/filing/diff.hpp
//
// Comparing two versions of a filing's values, cell by cell, and the risk score that orders a
// review queue.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "huoju/catalog/model.hpp"

namespace huoju::filing {

struct CellChange {
  std::string cell;       ///< qc05_0, projects[2].expense, projects[3] (a row added or removed)
  std::string name;       ///< 营业收入 / 项目情况 第3行 经费
  nlohmann::json before;  ///< null when blank or absent
  nlohmann::json after;
};

/// Every cell whose value differs between `before` and `after` (filing JSON of `form`), in
/// form order: fixed indicators, then row tables row by row. Numbers compare by value (1 and
/// 1.0 and "1" are equal).
std::vector<CellChange> DiffValues(const catalog::Form& form, const nlohmann::json& before,
                                   const nlohmann::json& after);

nlohmann::json ChangesToJson(const std::vector<CellChange>& changes);

/// A cell value as a number: a JSON number, or a string that is wholly a number ("12.5");
/// nullopt for blanks, text and anything else.
std::optional<double> AsNumber(const nlohmann::json& v);

/// Review-queue risk: size × size of change × warnings, so that large units with large
/// swings and many warnings come first. `size` is the unit's size indicator (e.g. revenue),
/// `previous` last year's value of it (NaN when unknown). Always finite and ≥ 0.
double RiskScore(double size, double previous, int warnings, int errors);

}  // namespace huoju::filing
