// Internal to the rules module: the compiled form of a catalog's rules (typed node trees over
// slot indexes), shared by the per-filing evaluator (engine.cpp) and the columnar one
// (batch.cpp). Built once by BuildProgram, then immutable.
#pragma once

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "huoju/catalog/loader.hpp"
#include "huoju/catalog/model.hpp"

namespace huoju::rules {

class CompiledCatalog;

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class VType : uint8_t { kNumber, kText, kBool, kDate, kList, kError };
enum class SlotKind : uint8_t { kNumber = 0, kText = 1, kList = 2 };

struct SlotRef {
  SlotKind kind = SlotKind::kNumber;
  int slot = -1;
};

struct TableLayout {
  std::vector<SlotRef> columns;  // by column index in RowTable::columns
  int numbers = 0, texts = 0, lists = 0;
};

struct FormLayout {
  std::vector<SlotRef> indicators;  // by index in Form::indicators
  int numbers = 0, texts = 0, lists = 0;
  std::vector<TableLayout> tables;
  std::unordered_map<std::string, int> indicator_index;
  std::unordered_map<std::string, int> table_index;
};

enum class Op : uint8_t {
  kConst,
  kLoad,       // fixed cell of the current period: form, slot (kind = slot_kind)
  kPrevLoad,   // fixed cell of the previous period: form, slot (same catalog), xplan (previous)
  kRowCell,    // for_each row: form, table, slot
  kAggCell,    // row of the innermost aggregate: slot
  kRowNumber,  // 1-based for_each row
  kAdd,
  kSub,
  kMul,
  kDiv,
  kNeg,
  kCmp,  // sub = CmpKind; operand type in kids[0]->type; tol
  kAnd,
  kOr,
  kNot,
  kIn,   // kids[0] text or list; set
  kAgg,  // sub = AggFn; form, table, slot (column; -1 for count_rows), kids = {where?}
  kAbs,
  kRound,
  kMinN,
  kMaxN,
  kApprox,
  kLen,
  kCountSelected,
  kStartsWith,
  kUscc,
  kIdCard,
  kYear,
  kMonth,
  kDaysBetween,
  kAddMonths,
  kPeriodStart,
  kPeriodEnd,
  kPeriodYear,
  kIf,
  kIsMissing,
  kCoalesce,
};

enum CmpKind : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum AggFn : uint8_t { kSum, kCount, kMin, kMax, kAvg, kCountRows };

struct CodeSet {
  std::vector<std::string> sorted;
  bool Contains(std::string_view s) const;
};

struct CNode {
  Op op = Op::kConst;
  VType type = VType::kNumber;
  uint8_t sub = 0;
  SlotKind slot_kind = SlotKind::kNumber;
  int form = -1;
  int table = -1;
  int slot = -1;
  int xplan = -1;
  double num = kNaN;
  double tol = 0;
  std::string text;
  const CodeSet* set = nullptr;
  std::vector<const CNode*> kids;
};

/// How prev(x) reads a filing of the previous catalog year (crosswalk applied).
struct XPlan {
  SlotKind kind = SlotKind::kNumber;
  int form = -1;     // form index in the previous catalog; -1: always missing
  bool sum = false;  // merged: parts summed with `+` semantics
  std::vector<std::pair<int, double>> parts;  // (slot, share); share 1 unless split
  std::string form_code;
  std::vector<std::string> codes;  // old codes, for BatchColumnsNeeded
};

struct CellTemplate {
  std::string prefix;  // full cell, or "projects[" for a per-row cell
  std::string suffix;  // "].expense" for a per-row cell
  bool per_row = false;
};

struct MessagePiece {
  std::string literal;
  const CNode* value = nullptr;
};

struct CRule {
  std::string id;
  catalog::Severity severity = catalog::Severity::kError;
  const CNode* expr = nullptr;
  const CNode* when = nullptr;  // may be null
  const CNode* gate = nullptr;  // visibility of the section / row table; may be null
  int each_table = -1;          // for_each table of the own form
  std::vector<CellTemplate> cells;
  std::vector<MessagePiece> message;
};

struct FormProgram {
  std::vector<CRule> rules;
  const CNode* scan_condition = nullptr;  // `signed_scan_when`, when the form has one
};

struct Program {
  std::vector<FormLayout> layouts;
  std::deque<CNode> nodes;
  std::vector<XPlan> xplans;
  std::map<std::string, CodeSet> sets;
  std::vector<FormProgram> forms;
};

/// Checks and compiles every rule, formula and visibility/required condition of `cat`.
/// `previous` (may be null) supplies the layout prev() reads across the year boundary.
/// Problems are appended; the program is usable only when none were added.
std::unique_ptr<Program> BuildProgram(const catalog::Catalog& cat, const CompiledCatalog* previous,
                                      std::vector<catalog::Problem>* problems);

FormLayout MakeLayout(const catalog::Form& form);
VType TypeOf(const catalog::IndicatorType& t);
SlotKind KindOf(const catalog::IndicatorType& t);

// ---- value operations shared by both evaluators: identical results by construction ----

inline double Finite(double x) {
  return std::isfinite(x) ? x : kNaN;
}
inline double AddOp(double a, double b) {
  bool ma = std::isnan(a), mb = std::isnan(b);
  if (ma && mb) {
    return kNaN;
  }
  return Finite((ma ? 0.0 : a) + (mb ? 0.0 : b));
}
inline double SubOp(double a, double b) {
  bool ma = std::isnan(a), mb = std::isnan(b);
  if (ma && mb) {
    return kNaN;
  }
  return Finite((ma ? 0.0 : a) - (mb ? 0.0 : b));
}
inline double MulOp(double a, double b) {
  return Finite(a * b);
}
inline double DivOp(double a, double b) {
  return b == 0 ? kNaN : Finite(a / b);
}
inline double CmpOp(uint8_t kind, double a, double b, double tol) {
  if (std::isnan(a) || std::isnan(b)) {
    return kNaN;
  }
  // Sums of decimals carry binary rounding (0.1 + 0.2 != 0.3 in doubles): differences within
  // 1e-14 of the operands' size (or 1e-9 absolute) are equal, besides the rule's tolerance.
  // Form values have at most a few decimals, so this never hides a real difference.
  const double slack = std::max({tol, 1e-14 * std::max(std::fabs(a), std::fabs(b)), 1e-9});
  bool near = a == b || std::fabs(a - b) <= slack;
  bool r = false;
  switch (kind) {
    case kEq:
      r = near;
      break;
    case kNe:
      r = !near;
      break;
    case kLt:
      r = a < b && !near;
      break;
    case kLe:
      r = a <= b || near;
      break;
    case kGt:
      r = a > b && !near;
      break;
    case kGe:
      r = a >= b || near;
      break;
  }
  return r ? 1.0 : 0.0;
}
inline double AndOp(double a, double b) {
  if (a == 0 || b == 0) {
    return 0;
  }
  return (a == 1 && b == 1) ? 1.0 : kNaN;
}
inline double OrOp(double a, double b) {
  if (a == 1 || b == 1) {
    return 1;
  }
  return (a == 0 && b == 0) ? 0.0 : kNaN;
}
inline double NotOp(double a) {
  return std::isnan(a) ? kNaN : 1.0 - a;
}
inline double RoundOp(double x, double digits) {
  if (std::isnan(x) || std::isnan(digits) || digits < -15 || digits > 15) {
    return kNaN;
  }
  double p = std::pow(10.0, std::trunc(digits));
  return Finite(std::round(x * p) / p);
}
inline double MinOp(double a, double b) {
  return (std::isnan(a) || std::isnan(b)) ? kNaN : (b < a ? b : a);
}
inline double MaxOp(double a, double b) {
  return (std::isnan(a) || std::isnan(b)) ? kNaN : (b > a ? b : a);
}
inline double ApproxOp(double a, double b, double tol) {
  double d = SubOp(a, b);
  return CmpOp(kLe, std::fabs(d), tol, 0);
}
inline double IfOp(double c, double a, double b) {
  return c == 1 ? a : (c == 0 ? b : kNaN);
}

}  // namespace huoju::rules
