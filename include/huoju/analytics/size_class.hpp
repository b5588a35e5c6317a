// huoju/analytics/size_class.hpp
//
// Enterprise size class (大中小微) by 统计上大中小微型企业划分办法(2017) (国统字〔2017〕213号):
// per industry group, 大型, 中型 and 小型 must meet every listed lower bound, else the firm
// drops one class; 微型 is what fails the 小型 bounds. Thresholds as in
// shared/docs/domain-facts.md (rows 工业 and 软件 confirmed from sources, the others from the
// same table). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace huoju::analytics {

enum class SizeClass { kLarge = 1, kMedium = 2, kSmall = 3, kMicro = 4 };

/// "1".."4", as the catalog's code list enterprise_scale.
const char* SizeClassCode(SizeClass c);
/// 大型, 中型, 小型, 微型.
const char* SizeClassName(SizeClass c);

/// What the rules read: X 从业人员 (人), Y 营业收入 (万元), Z 资产总额 (万元); nullopt = blank.
struct SizeInputs {
  std::optional<double> employees;
  std::optional<double> revenue_wan;
  std::optional<double> assets_wan;
};

/// The class of a firm in GB/T 4754-2017 industry `industry_code` (4-digit 小类, or at least
/// the 2-digit 大类). nullopt when the industry is unknown or a value the industry's rule reads
/// is blank.
std::optional<SizeClass> ClassifySize(std::string_view industry_code, const SizeInputs& in);

}  // namespace huoju::analytics
