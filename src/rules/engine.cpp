// Per-filing evaluation of compiled rules (docs/rule-language.md, "Evaluation").
#include "huoju/rules/engine.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <functional>

#include "huoju/core/identifiers.hpp"
#include "src/rules/compile.hpp"
#include "src/rules/eval.hpp"

namespace huoju::rules {

// ---------------------------------------------------------------- dates

int DaysFromCivil(int y, int m, int d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(int z, int* y, int* m, int* d) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe) + era * 400 + (*m <= 2);
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::optional<int> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') {
    return std::nullopt;
  }
  int parts[3] = {0, 0, 0};
  size_t starts[3] = {0, 5, 8};
  size_t lens[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k) {
    for (size_t i = 0; i < lens[k]; ++i) {
      char c = s[starts[k] + i];
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      parts[k] = parts[k] * 10 + (c - '0');
    }
  }
  if (parts[0] < 1 || parts[1] < 1 || parts[1] > 12 || parts[2] < 1 ||
      parts[2] > DaysInMonth(parts[0], parts[1])) {
    return std::nullopt;
  }
  return DaysFromCivil(parts[0], parts[1], parts[2]);
}

std::string FormatDate(int days) {
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

PeriodInfo PeriodInfo::Year(int year) {
  return {year, DaysFromCivil(year, 1, 1), DaysFromCivil(year, 12, 31)};
}

PeriodInfo PeriodInfo::Month(int year, int month) {
  return {year, DaysFromCivil(year, month, 1),
          DaysFromCivil(year, month, DaysInMonth(year, month))};
}

// ---------------------------------------------------------------- evaluation

namespace {

int Utf8Length(std::string_view s) {
  int n = 0;
  for (char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }
  return n;
}

bool IsMissing(const Val& v, VType t) {
  switch (t) {
    case VType::kText:
      return v.text.empty();
    case VType::kList:
      return v.list == nullptr || v.list->empty();
    default:
      return std::isnan(v.num);
  }
}

Val LoadSlot(const UnitPeriodData::Form& f, SlotKind kind, int slot) {
  Val v;
  switch (kind) {
    case SlotKind::kNumber:
      if (static_cast<size_t>(slot) < f.numbers.size()) {
        v.num = f.numbers[slot];
      }
      break;
    case SlotKind::kText:
      if (static_cast<size_t>(slot) < f.texts.size()) {
        v.text = f.texts[slot];
      }
      break;
    case SlotKind::kList:
      if (static_cast<size_t>(slot) < f.lists.size()) {
        v.list = &f.lists[slot];
      }
      break;
  }
  return v;
}

Val LoadRow(const UnitPeriodData::Table& t, SlotKind kind, int slot, int row) {
  Val v;
  if (row < 0 || row >= t.rows) {
    return v;
  }
  switch (kind) {
    case SlotKind::kNumber:
      if (static_cast<size_t>(slot) < t.numbers.size()) {
        v.num = t.numbers[slot][row];
      }
      break;
    case SlotKind::kText:
      if (static_cast<size_t>(slot) < t.texts.size()) {
        v.text = t.texts[slot][row];
      }
      break;
    case SlotKind::kList:
      if (static_cast<size_t>(slot) < t.lists.size()) {
        v.list = &t.lists[slot][row];
      }
      break;
  }
  return v;
}

const UnitPeriodData::Table* TableOf(const UnitPeriodData* d, int form, int table) {
  const auto& f = d->form(form);
  return static_cast<size_t>(table) < f.tables.size() ? &f.tables[table] : nullptr;
}

}  // namespace

double EvalNumber(const CNode& n, EvalCtx& c) {
  switch (n.op) {
    case Op::kConst:
      return n.num;
    case Op::kLoad:
      if (n.slot_kind == SlotKind::kNumber) {
        const auto& numbers = c.cur->form(n.form).numbers;
        return static_cast<size_t>(n.slot) < numbers.size() ? numbers[n.slot] : kNaN;
      }
      break;
    case Op::kAdd:
      return AddOp(EvalNumber(*n.kids[0], c), EvalNumber(*n.kids[1], c));
    case Op::kSub:
      return SubOp(EvalNumber(*n.kids[0], c), EvalNumber(*n.kids[1], c));
    case Op::kMul:
      return MulOp(EvalNumber(*n.kids[0], c), EvalNumber(*n.kids[1], c));
    case Op::kDiv:
      return DivOp(EvalNumber(*n.kids[0], c), EvalNumber(*n.kids[1], c));
    case Op::kNeg:
      return -EvalNumber(*n.kids[0], c);
    case Op::kCmp:
      if (n.kids[0]->type != VType::kText) {
        const double a = EvalNumber(*n.kids[0], c);
        return CmpOp(n.sub, a, EvalNumber(*n.kids[1], c), n.tol);
      }
      break;
    case Op::kAnd: {
      const double a = EvalNumber(*n.kids[0], c);
      return a == 0 ? 0.0 : AndOp(a, EvalNumber(*n.kids[1], c));
    }
    case Op::kOr: {
      const double a = EvalNumber(*n.kids[0], c);
      return a == 1 ? 1.0 : OrOp(a, EvalNumber(*n.kids[1], c));
    }
    case Op::kNot:
      return NotOp(EvalNumber(*n.kids[0], c));
    case Op::kAbs:
      return std::fabs(EvalNumber(*n.kids[0], c));
    case Op::kPrevLoad:
      // Last year's number in the same catalog (the crosswalk case goes through Eval).
      if (n.slot_kind == SlotKind::kNumber && c.prev_mode == 1) {
        const auto& numbers = c.prev->form(n.form).numbers;
        return static_cast<size_t>(n.slot) < numbers.size() ? numbers[n.slot] : kNaN;
      }
      break;
    default:
      break;
  }
  return Eval(n, c).num;
}

Val Eval(const CNode& n, EvalCtx& c) {
  switch (n.op) {
    case Op::kConst: {
      Val v;
      v.num = n.num;
      v.text = n.text;
      return v;
    }
    case Op::kLoad:
      return LoadSlot(c.cur->form(n.form), n.slot_kind, n.slot);
    case Op::kPrevLoad: {
      if (c.prev_mode == 1) {
        return LoadSlot(c.prev->form(n.form), n.slot_kind, n.slot);
      }
      if (c.prev_mode != 2 || n.xplan < 0) {
        return Val{};
      }
      const XPlan& p = c.prog->xplans[n.xplan];
      if (p.form < 0) {
        return Val{};
      }
      const auto& f = c.prev->form(p.form);
      if (p.kind != SlotKind::kNumber) {
        return LoadSlot(f, p.kind, p.parts[0].first);
      }
      if (p.sum) {
        double acc = kNaN;
        for (const auto& [slot, share] : p.parts) {
          acc = AddOp(acc, LoadSlot(f, p.kind, slot).num);
        }
        Val v;
        v.num = acc;
        return v;
      }
      Val v = LoadSlot(f, p.kind, p.parts[0].first);
      if (p.parts[0].second != 1.0) {
        v.num = MulOp(v.num, p.parts[0].second);
      }
      return v;
    }
    case Op::kRowCell: {
      const auto* t = TableOf(c.cur, n.form, n.table);
      return t == nullptr ? Val{} : LoadRow(*t, n.slot_kind, n.slot, c.row);
    }
    case Op::kAggCell:
      return c.agg_table == nullptr ? Val{} : LoadRow(*c.agg_table, n.slot_kind, n.slot, c.agg_row);
    case Op::kRowNumber:
      return Val{static_cast<double>(c.row + 1)};
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kNeg:
    case Op::kAnd:
    case Op::kOr:
    case Op::kNot:
      return Val{EvalNumber(n, c)};
    case Op::kCmp: {
      if (n.kids[0]->type != VType::kText) {
        return Val{EvalNumber(n, c)};
      }
      Val a = Eval(*n.kids[0], c);
      Val b = Eval(*n.kids[1], c);
      if (a.text.empty() || b.text.empty()) {
        return Val{};
      }
      int r = a.text.compare(b.text);
      bool res = n.sub == kEq   ? r == 0
                 : n.sub == kNe ? r != 0
                 : n.sub == kLt ? r < 0
                 : n.sub == kLe ? r <= 0
                 : n.sub == kGt ? r > 0
                                : r >= 0;
      return Val{res ? 1.0 : 0.0};
    }
    case Op::kIn: {
      Val a = Eval(*n.kids[0], c);
      if (n.kids[0]->type == VType::kText) {
        return a.text.empty() ? Val{} : Val{n.set->Contains(a.text) ? 1.0 : 0.0};
      }
      if (a.list == nullptr || a.list->empty()) {
        return Val{};
      }
      for (const auto& s : *a.list) {
        if (!n.set->Contains(s)) {
          return Val{0.0};
        }
      }
      return Val{1.0};
    }
    case Op::kAgg: {
      const auto* t = TableOf(c.cur, n.form, n.table);
      int rows = t == nullptr ? 0 : t->rows;
      const CNode* cond = n.kids.empty() ? nullptr : n.kids[0];
      const UnitPeriodData::Table* saved_table = c.agg_table;
      int saved_row = c.agg_row;
      c.agg_table = t;
      double sum = 0, mn = kNaN, mx = kNaN;
      int count = 0;
      for (int r = 0; r < rows; ++r) {
        if (cond != nullptr) {
          c.agg_row = r;
          if (Eval(*cond, c).num != 1) {
            continue;
          }
        }
        if (n.sub == kCountRows) {
          ++count;
          continue;
        }
        Val v = LoadRow(*t, n.slot_kind, n.slot, r);
        if (n.slot_kind != SlotKind::kNumber) {  // count() of a text / list column
          count += n.slot_kind == SlotKind::kText ? !v.text.empty()
                                                  : (v.list != nullptr && !v.list->empty());
          continue;
        }
        if (std::isnan(v.num)) {
          continue;
        }
        ++count;
        sum += v.num;
        mn = std::isnan(mn) || v.num < mn ? v.num : mn;
        mx = std::isnan(mx) || v.num > mx ? v.num : mx;
      }
      c.agg_table = saved_table;
      c.agg_row = saved_row;
      switch (n.sub) {
        case kSum:
          return Val{Finite(sum)};
        case kCount:
        case kCountRows:
          return Val{static_cast<double>(count)};
        case kMin:
          return Val{mn};
        case kMax:
          return Val{mx};
        default:
          return Val{count == 0 ? kNaN : Finite(sum / count)};
      }
    }
    case Op::kAbs:
      return Val{EvalNumber(n, c)};
    case Op::kRound:
      return Val{RoundOp(Eval(*n.kids[0], c).num, Eval(*n.kids[1], c).num)};
    case Op::kMinN:
    case Op::kMaxN: {
      double acc = Eval(*n.kids[0], c).num;
      for (size_t i = 1; i < n.kids.size(); ++i) {
        double v = Eval(*n.kids[i], c).num;
        acc = n.op == Op::kMinN ? MinOp(acc, v) : MaxOp(acc, v);
      }
      return Val{acc};
    }
    case Op::kApprox:
      return Val{
          ApproxOp(Eval(*n.kids[0], c).num, Eval(*n.kids[1], c).num, Eval(*n.kids[2], c).num)};
    case Op::kLen: {
      Val a = Eval(*n.kids[0], c);
      return a.text.empty() ? Val{} : Val{static_cast<double>(Utf8Length(a.text))};
    }
    case Op::kCountSelected: {
      Val a = Eval(*n.kids[0], c);
      return Val{a.list == nullptr ? 0.0 : static_cast<double>(a.list->size())};
    }
    case Op::kStartsWith: {
      Val a = Eval(*n.kids[0], c);
      Val b = Eval(*n.kids[1], c);
      if (a.text.empty() || b.text.empty()) {
        return Val{};
      }
      return Val{a.text.substr(0, b.text.size()) == b.text ? 1.0 : 0.0};
    }
    case Op::kUscc:
    case Op::kIdCard: {
      Val a = Eval(*n.kids[0], c);
      if (a.text.empty()) {
        return Val{};
      }
      bool ok = n.op == Op::kUscc ? IsValidUscc(a.text) : IsValidIdCard(a.text);
      return Val{ok ? 1.0 : 0.0};
    }
    case Op::kYear:
    case Op::kMonth: {
      double d = Eval(*n.kids[0], c).num;
      if (std::isnan(d)) {
        return Val{};
      }
      int y, m, day;
      CivilFromDays(static_cast<int>(d), &y, &m, &day);
      return Val{static_cast<double>(n.op == Op::kYear ? y : m)};
    }
    case Op::kDaysBetween: {
      double a = Eval(*n.kids[0], c).num;
      double b = Eval(*n.kids[1], c).num;
      return Val{std::isnan(a) || std::isnan(b) ? kNaN : b - a};
    }
    case Op::kAddMonths: {
      double d = Eval(*n.kids[0], c).num;
      double k = Eval(*n.kids[1], c).num;
      if (std::isnan(d) || std::isnan(k) || std::fabs(k) > 120000) {
        return Val{};
      }
      int y, m, day;
      CivilFromDays(static_cast<int>(d), &y, &m, &day);
      int total = y * 12 + (m - 1) + static_cast<int>(std::trunc(k));
      int ny = total >= 0 ? total / 12 : (total - 11) / 12;
      int nm = total - ny * 12 + 1;
      return Val{static_cast<double>(DaysFromCivil(ny, nm, std::min(day, DaysInMonth(ny, nm))))};
    }
    case Op::kPeriodStart:
      return Val{static_cast<double>(c.period->start)};
    case Op::kPeriodEnd:
      return Val{static_cast<double>(c.period->end)};
    case Op::kPeriodYear:
      return Val{static_cast<double>(c.period->year)};
    case Op::kIf: {
      double cond = Eval(*n.kids[0], c).num;
      if (cond == 1) {
        return Eval(*n.kids[1], c);
      }
      if (cond == 0) {
        return Eval(*n.kids[2], c);
      }
      return Val{};
    }
    case Op::kIsMissing:
      return Val{IsMissing(Eval(*n.kids[0], c), n.kids[0]->type) ? 1.0 : 0.0};
    case Op::kCoalesce:
      for (const CNode* k : n.kids) {
        Val v = Eval(*k, c);
        if (!IsMissing(v, k->type)) {
          return v;
        }
      }
      return Val{};
  }
  return Val{};
}

namespace {

std::string FormatValue(const Val& v, VType t) {
  if (IsMissing(v, t)) {
    return "（空）";
  }
  switch (t) {
    case VType::kText:
      return std::string(v.text);
    case VType::kBool:
      return v.num == 1 ? "是" : "否";
    case VType::kDate:
      return FormatDate(static_cast<int>(v.num));
    case VType::kList: {
      std::string out;
      for (const auto& s : *v.list) {
        out += (out.empty() ? "" : "、") + s;
      }
      return out;
    }
    default: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.15g", v.num);
      return buf;
    }
  }
}

Failure MakeFailure(const CRule& r, EvalCtx& c) {
  Failure f;
  f.rule_id = r.id;
  f.severity = r.severity;
  for (const auto& p : r.message) {
    f.message += p.literal;
    if (p.value != nullptr) {
      f.message += FormatValue(Eval(*p.value, c), p.value->type);
    }
  }
  for (const auto& cell : r.cells) {
    f.cells.push_back(cell.per_row ? cell.prefix + std::to_string(c.row + 1) + cell.suffix
                                   : cell.prefix);
  }
  return f;
}

}  // namespace

bool RuleFails(const CRule& r, EvalCtx& c, std::vector<Failure>* out) {
  c.row = -1;
  if (r.gate != nullptr && EvalNumber(*r.gate, c) != 1) {
    return false;
  }
  if (r.each_table < 0) {
    if (r.when != nullptr && EvalNumber(*r.when, c) != 1) {
      return false;
    }
    if (EvalNumber(*r.expr, c) != 0) {
      return false;
    }
    if (out != nullptr) {
      out->push_back(MakeFailure(r, c));
    }
    return true;
  }
  const auto* t = TableOf(c.cur, c.form, r.each_table);
  int rows = t == nullptr ? 0 : t->rows;
  bool failed = false;
  for (int row = 0; row < rows; ++row) {
    c.row = row;
    if (r.when != nullptr && EvalNumber(*r.when, c) != 1) {
      continue;
    }
    if (EvalNumber(*r.expr, c) != 0) {
      continue;
    }
    failed = true;
    if (out == nullptr) {
      break;
    }
    out->push_back(MakeFailure(r, c));
  }
  c.row = -1;
  return failed;
}

int PrevMode(const CompiledCatalog& self, const CompiledCatalog* previous_year,
             const CompiledCatalog* prev_catalog) {
  if (prev_catalog == nullptr) {
    return 0;
  }
  if (prev_catalog == &self) {
    return 1;
  }
  return prev_catalog == previous_year ? 2 : 0;
}

// ---------------------------------------------------------------- CompiledCatalog

CompiledCatalog::~CompiledCatalog() = default;

std::shared_ptr<const CompiledCatalog> CompiledCatalog::Compile(
    std::shared_ptr<const catalog::Catalog> catalog, std::vector<catalog::Problem>* problems,
    std::shared_ptr<const CompiledCatalog> previous_year) {
  std::vector<catalog::Problem> local;
  auto* out = problems != nullptr ? problems : &local;
  size_t before = out->size();
  auto prog = BuildProgram(*catalog, previous_year.get(), out);
  if (out->size() != before) {
    return nullptr;
  }
  std::shared_ptr<CompiledCatalog> c(new CompiledCatalog());
  c->catalog_ = std::move(catalog);
  c->previous_year_ = std::move(previous_year);
  c->program_ = std::move(prog);
  return c;
}

int CompiledCatalog::FormIndex(std::string_view form_code) const {
  for (size_t i = 0; i < catalog_->forms.size(); ++i) {
    if (catalog_->forms[i].code == form_code) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::pair<int, int> CompiledCatalog::Slot(int form_index, std::string_view code) const {
  if (form_index < 0 || static_cast<size_t>(form_index) >= program_->layouts.size()) {
    return {-1, -1};
  }
  const auto& l = program_->layouts[form_index];
  auto it = l.indicator_index.find(std::string(code));
  if (it == l.indicator_index.end()) {
    return {-1, -1};
  }
  return {static_cast<int>(l.indicators[it->second].kind), l.indicators[it->second].slot};
}

std::vector<Failure> CompiledCatalog::Evaluate(std::string_view form_code,
                                               const UnitPeriodData& current,
                                               const UnitPeriodData* previous,
                                               const PeriodInfo& period) const {
  std::vector<Failure> out;
  int f = FormIndex(form_code);
  if (f >= 0) {
    Evaluate(f, current, previous, period, &out);
  }
  return out;
}

void CompiledCatalog::Evaluate(int form_index, const UnitPeriodData& current,
                               const UnitPeriodData* previous, const PeriodInfo& period,
                               std::vector<Failure>* out) const {
  if (form_index < 0 || static_cast<size_t>(form_index) >= program_->forms.size() ||
      &current.catalog() != this) {
    return;
  }
  EvalCtx c;
  c.prog = program_.get();
  c.cur = &current;
  c.prev = previous;
  c.prev_mode =
      PrevMode(*this, previous_year_.get(), previous == nullptr ? nullptr : &previous->catalog());
  c.period = &period;
  c.form = form_index;
  for (const CRule& r : program_->forms[form_index].rules) {
    RuleFails(r, c, out);
  }
}

CompiledCatalog::FormsRead CompiledCatalog::FormsReadBy(int form_index) const {
  FormsRead out;
  if (form_index < 0 || static_cast<size_t>(form_index) >= program_->forms.size()) {
    return out;
  }
  out.current.insert(catalog_->forms[form_index].code);  // for_each tables, gates
  std::vector<const CNode*> todo;
  for (const CRule& r : program_->forms[form_index].rules) {
    for (const CNode* n : {r.expr, r.when, r.gate}) {
      todo.push_back(n);
    }
    for (const auto& piece : r.message) {
      todo.push_back(piece.value);
    }
  }
  // Every read of a unit's data is one of these nodes (see Eval).
  while (!todo.empty()) {
    const CNode* n = todo.back();
    todo.pop_back();
    if (n == nullptr) {
      continue;
    }
    const bool form_known = n->form >= 0 && static_cast<size_t>(n->form) < catalog_->forms.size();
    if ((n->op == Op::kLoad || n->op == Op::kRowCell || n->op == Op::kAgg) && form_known) {
      out.current.insert(catalog_->forms[n->form].code);
    } else if (n->op == Op::kPrevLoad) {
      if (form_known) {
        out.previous.insert(catalog_->forms[n->form].code);  // same catalog as last year's
      }
      if (n->xplan >= 0 && !program_->xplans[n->xplan].form_code.empty()) {
        out.previous.insert(program_->xplans[n->xplan].form_code);  // through the crosswalk
      }
    }
    todo.insert(todo.end(), n->kids.begin(), n->kids.end());
  }
  return out;
}

bool CompiledCatalog::SignedScanRequired(int form_index, const UnitPeriodData& current,
                                         const UnitPeriodData* previous,
                                         const PeriodInfo& period) const {
  if (form_index < 0 || static_cast<size_t>(form_index) >= program_->forms.size() ||
      &current.catalog() != this) {
    return false;
  }
  const std::string& mode = catalog_->forms[form_index].signed_scan;
  if (mode != "required_if") {
    return mode == "required";
  }
  const CNode* condition = program_->forms[form_index].scan_condition;
  if (condition == nullptr) {
    return true;  // a condition that did not compile never waives the scan
  }
  EvalCtx c;
  c.prog = program_.get();
  c.cur = &current;
  c.prev = previous;
  c.prev_mode =
      PrevMode(*this, previous_year_.get(), previous == nullptr ? nullptr : &previous->catalog());
  c.period = &period;
  c.form = form_index;
  c.row = -1;
  return Eval(*condition, c).num == 1;
}

const RuleCount* BatchResult::Find(std::string_view rule_id) const {
  for (const auto& r : rules) {
    if (r.rule_id == rule_id) {
      return &r;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------- UnitPeriodData

UnitPeriodData::UnitPeriodData(const CompiledCatalog& catalog)
    : catalog_(&catalog), forms_(catalog.catalog().forms.size()) {}

UnitPeriodData::Form& UnitPeriodData::form(int form_index) {
  Form& f = forms_[form_index];
  if (!f.filed) {
    // Sized on first use: most units file few of the catalog's forms.
    const FormLayout& l = catalog_->program().layouts[form_index];
    f.filed = true;
    f.numbers.assign(l.numbers, kNaN);
    f.texts.assign(l.texts, std::string());
    f.lists.assign(l.lists, {});
    f.tables.assign(l.tables.size(), Table{});
    for (size_t t = 0; t < l.tables.size(); ++t) {
      f.tables[t].numbers.resize(l.tables[t].numbers);
      f.tables[t].texts.resize(l.tables[t].texts);
      f.tables[t].lists.resize(l.tables[t].lists);
    }
  }
  return f;
}

void UnitPeriodData::Clear() {
  for (auto& f : forms_) {
    if (f.filed) {
      ClearForm(f);
    }
  }
}

namespace {

Status BadValue(const std::string& field, const std::string& why) {
  return Status::InvalidField(field, "“" + field + "”的值无效：" + why);
}

// Converts one JSON value to the storage of `type`.
Status ConvertValue(const catalog::IndicatorType& type, const nlohmann::json& v,
                    const std::string& field, double* num, std::string* text,
                    std::vector<std::string>* list) {
  *num = kNaN;
  text->clear();
  list->clear();
  if (v.is_null()) {
    return Status::Ok();
  }
  switch (TypeOf(type)) {
    case VType::kNumber:
      if (v.is_number()) {
        *num = Finite(v.get<double>());
      } else if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (s.empty()) {
          return Status::Ok();
        }
        char* end = nullptr;
        errno = 0;
        double d = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size() || errno == ERANGE) {
          return BadValue(field, "应为数值");
        }
        *num = Finite(d);
      } else {
        return BadValue(field, "应为数值");
      }
      return Status::Ok();
    case VType::kBool:
      if (!v.is_boolean()) {
        return BadValue(field, "应为true或false");
      }
      *num = v.get<bool>() ? 1 : 0;
      return Status::Ok();
    case VType::kDate: {
      if (!v.is_string()) {
        return BadValue(field, "应为日期YYYY-MM-DD");
      }
      const std::string& s = v.get_ref<const std::string&>();
      if (s.empty()) {
        return Status::Ok();
      }
      auto d = ParseDate(s);
      if (!d) {
        return BadValue(field, "应为日期YYYY-MM-DD");
      }
      *num = *d;
      return Status::Ok();
    }
    case VType::kText:
      if (v.is_string()) {
        *text = v.get<std::string>();
      } else if (v.is_number_integer()) {
        *text = std::to_string(v.get<long long>());
      } else {
        return BadValue(field, "应为文本");
      }
      return Status::Ok();
    case VType::kList:
      if (!v.is_array()) {
        return BadValue(field, "应为代码数组");
      }
      for (const auto& e : v) {
        if (e.is_string()) {
          list->push_back(e.get<std::string>());
        } else if (e.is_number_integer()) {
          list->push_back(std::to_string(e.get<long long>()));
        } else {
          return BadValue(field, "应为代码数组");
        }
      }
      return Status::Ok();
    case VType::kError:
      break;
  }
  return Status::Ok();
}

}  // namespace

Status UnitPeriodData::SetValue(int fi, int ii, const nlohmann::json& v) {
  const auto& ind = catalog_->catalog().forms[fi].indicators[ii];
  SlotRef s = catalog_->program().layouts[fi].indicators[ii];
  Form& f = form(fi);
  double num;
  std::string text;
  std::vector<std::string> list;
  HUOJU_RETURN_IF_ERROR(ConvertValue(ind.type, v, ind.code, &num, &text, &list));
  switch (s.kind) {
    case SlotKind::kNumber:
      f.numbers[s.slot] = num;
      break;
    case SlotKind::kText:
      f.texts[s.slot] = std::move(text);
      break;
    case SlotKind::kList:
      f.lists[s.slot] = std::move(list);
      break;
  }
  return Status::Ok();
}

Status UnitPeriodData::SetForm(std::string_view form_code, const nlohmann::json& values) {
  int fi = catalog_->FormIndex(form_code);
  if (fi < 0) {
    return Status::Invalid("未知的表“" + std::string(form_code) + "”");
  }
  if (!values.is_object()) {
    return Status::Invalid("表“" + std::string(form_code) + "”的数据应为对象");
  }
  const catalog::Form& cf = catalog_->catalog().forms[fi];
  const FormLayout& l = catalog_->program().layouts[fi];
  Form& f = form(fi);
  for (const auto& [key, v] : values.items()) {
    if (auto it = l.indicator_index.find(key); it != l.indicator_index.end()) {
      HUOJU_RETURN_IF_ERROR(SetValue(fi, it->second, v));
      continue;
    }
    auto ti = l.table_index.find(key);
    if (ti == l.table_index.end()) {
      return Status::InvalidField(key, "表" + cf.code + "中没有指标“" + key + "”");
    }
    if (!v.is_array()) {
      return Status::InvalidField(key, "行表“" + key + "”的数据应为数组");
    }
    const catalog::RowTable& rt = cf.row_tables[ti->second];
    const TableLayout& tl = l.tables[ti->second];
    Table& t = f.tables[ti->second];
    t.rows = static_cast<int>(v.size());
    for (auto& c : t.numbers) {
      c.assign(t.rows, kNaN);
    }
    for (auto& c : t.texts) {
      c.assign(t.rows, std::string());
    }
    for (auto& c : t.lists) {
      c.assign(t.rows, {});
    }
    for (int r = 0; r < t.rows; ++r) {
      const auto& row = v[r];
      if (!row.is_object()) {
        return Status::InvalidField(key, "行表“" + key + "”的每一行应为对象");
      }
      for (const auto& item : row.items()) {
        const std::string& col = item.key();
        const nlohmann::json& cv = item.value();
        auto ci = std::find_if(rt.columns.begin(), rt.columns.end(),
                               [&](const catalog::Column& c) { return c.code == col; });
        if (ci == rt.columns.end()) {
          return Status::InvalidField(key, "行表“" + key + "”中没有列“" + col + "”");
        }
        SlotRef s = tl.columns[ci - rt.columns.begin()];
        double num;
        std::string text;
        std::vector<std::string> list;
        HUOJU_RETURN_IF_ERROR(ConvertValue(
            ci->type, cv, key + "[" + std::to_string(r + 1) + "]." + col, &num, &text, &list));
        switch (s.kind) {
          case SlotKind::kNumber:
            t.numbers[s.slot][r] = num;
            break;
          case SlotKind::kText:
            t.texts[s.slot][r] = std::move(text);
            break;
          case SlotKind::kList:
            t.lists[s.slot][r] = std::move(list);
            break;
        }
      }
    }
  }
  return Status::Ok();
}

namespace {

// Reads a form's stored JSON straight into its slots: the fixed cells' scalars and code lists,
// with no document built. Stops (returns false) at anything else (a row table, an unknown key,
// deeper nesting), at a bad value and at a syntax error; `outcome` says which.
class FormTextReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  enum class Outcome { kDone, kNeedsDocument, kBadValue, kSyntax };
  FormTextReader(const std::unordered_map<std::string, int>& indicator_index,
                 std::function<Status(int, const nlohmann::json&)> set)
      : indicator_index_(indicator_index), set_(std::move(set)) {}

  Outcome outcome = Outcome::kDone;
  Status status;

  bool null() override { return Scalar(nlohmann::json()); }
  bool boolean(bool v) override { return Scalar(nlohmann::json(v)); }
  bool number_integer(number_integer_t v) override { return Scalar(nlohmann::json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Scalar(nlohmann::json(v)); }
  bool number_float(number_float_t v, const string_t&) override {
    return Scalar(nlohmann::json(v));
  }
  bool string(string_t& v) override { return Scalar(nlohmann::json(std::move(v))); }
  bool binary(binary_t&) override { return NeedsDocument(); }
  bool start_object(std::size_t) override {
    if (depth_ != 0) {
      return NeedsDocument();
    }
    depth_ = 1;
    return true;
  }
  bool key(string_t& k) override {
    auto it = indicator_index_.find(k);
    if (it == indicator_index_.end()) {
      return NeedsDocument();  // a row table, or an unknown code (SetForm words the error)
    }
    indicator_ = it->second;
    return true;
  }
  bool end_object() override {
    depth_ = 0;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ != 1) {
      return NeedsDocument();
    }
    depth_ = 2;
    list_ = nlohmann::json::array();
    return true;
  }
  bool end_array() override {
    depth_ = 1;
    return Set(list_);
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    outcome = Outcome::kSyntax;
    return false;
  }

 private:
  bool NeedsDocument() {
    outcome = Outcome::kNeedsDocument;
    return false;
  }
  bool Scalar(nlohmann::json v) {
    if (depth_ == 2) {
      list_.push_back(std::move(v));
      return true;
    }
    if (depth_ != 1) {
      return NeedsDocument();  // not an object: SetForm words the error
    }
    return Set(v);
  }
  bool Set(const nlohmann::json& v) {
    status = set_(indicator_, v);
    if (!status.ok()) {
      outcome = Outcome::kBadValue;
      return false;
    }
    return true;
  }

  const std::unordered_map<std::string, int>& indicator_index_;
  std::function<Status(int, const nlohmann::json&)> set_;
  int depth_ = 0;
  int indicator_ = -1;
  nlohmann::json list_;
};

}  // namespace

void UnitPeriodData::ClearForm(Form& f) {
  std::fill(f.numbers.begin(), f.numbers.end(), kNaN);
  for (auto& s : f.texts) {
    s.clear();
  }
  for (auto& l : f.lists) {
    l.clear();
  }
  for (auto& t : f.tables) {
    t.rows = 0;
    for (auto& c : t.numbers) {
      c.clear();
    }
    for (auto& c : t.texts) {
      c.clear();
    }
    for (auto& c : t.lists) {
      c.clear();
    }
  }
}

Status UnitPeriodData::SetFormText(std::string_view form_code, std::string_view text) {
  const int fi = catalog_->FormIndex(form_code);
  if (fi < 0) {
    return Status::Invalid("未知的表“" + std::string(form_code) + "”");
  }
  FormTextReader reader(catalog_->program().layouts[fi].indicator_index,
                        [&](int ii, const nlohmann::json& v) { return SetValue(fi, ii, v); });
  (void)form(fi);
  nlohmann::json::sax_parse(text.begin(), text.end(), &reader);
  switch (reader.outcome) {
    case FormTextReader::Outcome::kDone:
      return Status::Ok();
    case FormTextReader::Outcome::kBadValue:
      return reader.status;
    case FormTextReader::Outcome::kSyntax:
      ClearForm(form(fi));  // as if nothing had been read
      return Status::Invalid("表“" + std::string(form_code) + "”的数据不是有效的 JSON");
    case FormTextReader::Outcome::kNeedsDocument:
      break;
  }
  ClearForm(form(fi));
  auto values = nlohmann::json::parse(text, nullptr, false);
  if (values.is_discarded()) {
    return Status::Invalid("表“" + std::string(form_code) + "”的数据不是有效的 JSON");
  }
  return SetForm(form_code, values);
}

Result<UnitPeriodData> UnitPeriodData::FromJson(const CompiledCatalog& catalog,
                                                const nlohmann::json& forms) {
  UnitPeriodData d(catalog);
  if (!forms.is_object()) {
    return Status::Invalid("填报数据应为对象");
  }
  for (const auto& [code, values] : forms.items()) {
    HUOJU_RETURN_IF_ERROR(d.SetForm(code, values));
  }
  return d;
}

Status UnitPeriodData::SetNumber(std::string_view form_code, std::string_view code, double value) {
  return SetForm(form_code, nlohmann::json{{std::string(code), value}});
}

Status UnitPeriodData::SetText(std::string_view form_code, std::string_view code,
                               std::string value) {
  return SetForm(form_code, nlohmann::json{{std::string(code), std::move(value)}});
}

Status UnitPeriodData::SetBlank(std::string_view form_code, std::string_view code) {
  return SetForm(form_code, nlohmann::json{{std::string(code), nullptr}});
}

}  // namespace huoju::rules
