#include "huoju/filing/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace huoju::filing {

namespace {

const nlohmann::json& Field(const nlohmann::json& obj, const std::string& key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) {
    return kNull;
  }
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

bool Blank(const nlohmann::json& v) {
  return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
         (v.is_array() && v.empty());
}

bool SameValue(const nlohmann::json& a, const nlohmann::json& b, bool numeric) {
  if (Blank(a) || Blank(b)) {
    return Blank(a) && Blank(b);
  }
  if (numeric) {
    auto x = AsNumber(a);
    auto y = AsNumber(b);
    if (x && y) {
      return *x == *y;
    }
  }
  return a == b;
}

nlohmann::json Shown(const nlohmann::json& v) {
  return Blank(v) ? nlohmann::json() : v;
}

}  // namespace

std::optional<double> AsNumber(const nlohmann::json& v) {
  if (v.is_number()) {
    return v.get<double>();
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) {
      return d;
    }
  }
  return std::nullopt;
}

std::vector<CellChange> DiffValues(const catalog::Form& form, const nlohmann::json& before,
                                   const nlohmann::json& after) {
  std::vector<CellChange> out;
  for (const auto& ind : form.indicators) {
    const auto& a = Field(before, ind.code);
    const auto& b = Field(after, ind.code);
    if (!SameValue(a, b, ind.type.IsNumber())) {
      out.push_back({ind.code, ind.name, Shown(a), Shown(b)});
    }
  }
  for (const auto& table : form.row_tables) {
    const auto& ra = Field(before, table.code);
    const auto& rb = Field(after, table.code);
    const size_t na = ra.is_array() ? ra.size() : 0;
    const size_t nb = rb.is_array() ? rb.size() : 0;
    for (size_t r = 0; r < std::max(na, nb); ++r) {
      const std::string row_name = fmt::format("{} 第{}行", table.title, r + 1);
      if (r >= na || r >= nb) {
        out.push_back({fmt::format("{}[{}]", table.code, r + 1), row_name,
                       r < na ? ra[r] : nlohmann::json(), r < nb ? rb[r] : nlohmann::json()});
        continue;
      }
      for (const auto& col : table.columns) {
        const auto& a = Field(ra[r], col.code);
        const auto& b = Field(rb[r], col.code);
        if (!SameValue(a, b, col.type.IsNumber())) {
          out.push_back({fmt::format("{}[{}].{}", table.code, r + 1, col.code),
                         fmt::format("{} {}", row_name, col.name), Shown(a), Shown(b)});
        }
      }
    }
  }
  return out;
}

nlohmann::json ChangesToJson(const std::vector<CellChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) {
    out.push_back({{"cell", c.cell}, {"name", c.name}, {"before", c.before}, {"after", c.after}});
  }
  return out;
}

double RiskScore(double size, double previous, int warnings, int errors) {
  const double s = std::isfinite(size) && size > 0 ? size : 0;
  double change = 1;  // unknown last year: a neutral factor
  if (std::isfinite(previous)) {
    const double base = std::max(std::abs(previous), 1.0);
    change = 1 + std::min(std::abs(s - previous) / base, 100.0);
  }
  const double r = std::log10(1 + s) * change * (1 + warnings + 2.0 * errors);
  return std::isfinite(r) ? r : 0;
}

}  // namespace huoju::filing
