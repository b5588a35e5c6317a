// Internal to the rules module: the per-filing tree evaluator, shared by engine.cpp and the
// per-filing fallback of batch.cpp.
#pragma once

#include <string_view>
#include <vector>

#include "huoju/rules/engine.hpp"
#include "src/rules/compile.hpp"

namespace huoju::rules {

/// A value of any type: numbers, dates (days), bools (0/1) in `num` with NaN = missing /
/// unknown; text in `text` (empty = missing); multi_code selections in `list`.
struct Val {
  Val() = default;
  explicit Val(double n) : num(n) {}
  double num = kNaN;
  std::string_view text;
  const std::vector<std::string>* list = nullptr;
};

struct EvalCtx {
  const Program* prog = nullptr;
  const UnitPeriodData* cur = nullptr;
  const UnitPeriodData* prev = nullptr;
  int prev_mode = 0;  // 0 no previous data, 1 same catalog, 2 previous catalog year
  const PeriodInfo* period = nullptr;
  int form = -1;  // the audited form
  int row = -1;   // for_each row
  int agg_row = -1;
  const UnitPeriodData::Table* agg_table = nullptr;
};

Val Eval(const CNode& n, EvalCtx& c);
/// Eval(n, c).num, without building a Val for the nodes most rules are made of (number loads,
/// constants, arithmetic, comparisons of numbers, and/or/not): a rule checked per filing is
/// mostly these.
double EvalNumber(const CNode& n, EvalCtx& c);
/// True when the rule fails; appends failures to *out when out is not null (else stops at the
/// first failing row).
bool RuleFails(const CRule& r, EvalCtx& c, std::vector<Failure>* out);
/// 0/1/2 as EvalCtx::prev_mode for data of `prev_catalog`.
int PrevMode(const CompiledCatalog& self, const CompiledCatalog* previous_year,
             const CompiledCatalog* prev_catalog);
void CivilFromDays(int days, int* y, int* m, int* d);

}  // namespace huoju::rules
