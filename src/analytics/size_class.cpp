// 大中小微 by the 2017 NBS rules (include/huoju/analytics/size_class.hpp).
#include "huoju/analytics/size_class.hpp"

#include <array>
#include <charconv>

namespace huoju::analytics {
namespace {

// Which of X (employees), Y (revenue), Z (assets) a group's rule reads, and its lower bounds
// for 大型, 中型, 小型 (a bound of 0 on an unread measure is ignored).
struct Bounds {
  bool x, y, z;
  std::array<double, 3> bx, by, bz;
};

// Index of the rule row for a 大类 (and, for real estate, the 中类).
enum Group {
  kAgriculture,
  kIndustry,
  kConstruction,
  kWholesale,
  kRetail,
  kTransport,
  kStorage,
  kPost,
  kHospitality,
  kTelecom,
  kSoftware,
  kRealEstateDevelopment,
  kPropertyManagement,
  kLeasing,
  kOther,
};

constexpr std::array<Bounds, 15> kRules = {{
    {false, true, false, {}, {20000, 500, 50}, {}},                   // 农林牧渔
    {true, true, false, {1000, 300, 20}, {40000, 2000, 300}, {}},     // 工业
    {false, true, true, {}, {80000, 6000, 300}, {80000, 5000, 300}},  // 建筑业
    {true, true, false, {200, 20, 5}, {40000, 5000, 1000}, {}},       // 批发
    {true, true, false, {300, 50, 10}, {20000, 500, 100}, {}},        // 零售
    {true, true, false, {1000, 300, 20}, {30000, 3000, 200}, {}},     // 交通运输
    {true, true, false, {200, 100, 20}, {30000, 1000, 100}, {}},      // 仓储
    {true, true, false, {1000, 300, 20}, {30000, 2000, 100}, {}},     // 邮政
    {true, true, false, {300, 100, 10}, {10000, 2000, 100}, {}},      // 住宿和餐饮
    {true, true, false, {2000, 100, 10}, {100000, 1000, 100}, {}},    // 信息传输
    {true, true, false, {300, 100, 10}, {10000, 1000, 50}, {}},       // 软件和信息技术服务
    {false, true, true, {}, {200000, 1000, 100}, {10000, 5000, 2000}},  // 房地产开发经营
    {true, true, false, {1000, 300, 100}, {5000, 1000, 500}, {}},       // 物业管理
    {true, false, true, {300, 100, 10}, {}, {120000, 8000, 100}},       // 租赁和商务服务
    {true, false, false, {300, 100, 10}, {}, {}},                       // 其他未列明
}};

std::optional<Group> GroupOf(std::string_view code) {
  int division = 0;
  if (code.size() < 2 ||
      std::from_chars(code.data(), code.data() + 2, division).ec != std::errc()) {
    return std::nullopt;
  }
  if (division >= 1 && division <= 5) {
    return kAgriculture;
  }
  if (division >= 6 && division <= 46) {  // 采矿业, 制造业, 电力热力燃气及水
    return kIndustry;
  }
  if (division >= 47 && division <= 50) {
    return kConstruction;
  }
  switch (division) {
    case 51:
      return kWholesale;
    case 52:
      return kRetail;
    case 59:
      return kStorage;
    case 60:
      return kPost;
    case 61:
    case 62:
      return kHospitality;
    case 63:
    case 64:
      return kTelecom;
    case 65:
      return kSoftware;
    case 70:
      // 房地产业: 开发经营 (701) and 物业管理 (702) have rows; the rest of 70 is 其他.
      if (code.size() >= 3 && code[2] == '1') {
        return kRealEstateDevelopment;
      }
      if (code.size() >= 3 && code[2] == '2') {
        return kPropertyManagement;
      }
      return kOther;
    case 71:
    case 72:
      return kLeasing;
    default:
      break;
  }
  if (division >= 53 && division <= 58) {
    return kTransport;
  }
  return division >= 1 && division <= 97 ? std::optional<Group>(kOther) : std::nullopt;
}

}  // namespace

const char* SizeClassCode(SizeClass c) {
  switch (c) {
    case SizeClass::kLarge:
      return "1";
    case SizeClass::kMedium:
      return "2";
    case SizeClass::kSmall:
      return "3";
    case SizeClass::kMicro:
      return "4";
  }
  return "4";
}

const char* SizeClassName(SizeClass c) {
  switch (c) {
    case SizeClass::kLarge:
      return "大型";
    case SizeClass::kMedium:
      return "中型";
    case SizeClass::kSmall:
      return "小型";
    case SizeClass::kMicro:
      return "微型";
  }
  return "微型";
}

std::optional<SizeClass> ClassifySize(std::string_view industry_code, const SizeInputs& in) {
  const auto group = GroupOf(industry_code);
  if (!group) {
    return std::nullopt;
  }
  const Bounds& b = kRules[*group];
  if ((b.x && !in.employees) || (b.y && !in.revenue_wan) || (b.z && !in.assets_wan)) {
    return std::nullopt;
  }
  for (size_t level = 0; level < 3; ++level) {
    const bool meets = (!b.x || *in.employees >= b.bx[level]) &&
                       (!b.y || *in.revenue_wan >= b.by[level]) &&
                       (!b.z || *in.assets_wan >= b.bz[level]);
    if (meets) {
      return static_cast<SizeClass>(level + 1);
    }
  }
  return SizeClass::kMicro;
}

}  // namespace huoju::analytics
