// Columnar evaluation over a whole (form, period). Each numeric rule is compiled into a short
// list of vector instructions over blocks of units (registers of kBlock doubles, NaN = missing
// / unknown, exactly as the per-filing evaluator encodes values), and every rule of the form
// runs over one block before the next block is read, so the block's columns stay in cache.
// The element operations are the ones of compile.hpp that the per-filing evaluator uses, which
// is what makes the counts identical.
#include <algorithm>
#include <unordered_map>

#include "huoju/rules/engine.hpp"
#include "src/rules/compile.hpp"
#include "src/rules/eval.hpp"

namespace huoju::rules {

namespace {

constexpr int kBlock = 256;

enum class BOp : uint8_t {
  kConst,
  kCol,      // col
  kColMul,   // col * k (split share)
  kPrevSum,  // sum over cols (merged), `+` semantics
  kAdd,
  kSub,
  kMul,
  kDiv,
  kNeg,
  kCmp,
  kAnd,
  kOr,
  kNot,
  kAbs,
  kRound,
  kMin,
  kMax,
  kApprox,
  kIf,
  kIsMissing,
  kCoalesce,
};

struct BInstr {
  BOp op = BOp::kConst;
  uint8_t sub = 0;
  int dst = 0, a = -1, b = -1, c = -1;
  double k = 0, tol = 0;
  std::vector<const NumericColumn*> cols;
};

struct BRule {
  int rule = -1;  // index in FormProgram::rules
  std::vector<BInstr> code;
  int gate = -1, when = -1, expr = -1;
};

std::string Key(const ColumnSpec& s) {
  return s.form_code + '\x1f' + s.indicator + '\x1f' + (s.previous ? '1' : '0');
}

std::string IndicatorCode(const catalog::Catalog& cat, const Program& prog, int form, int slot) {
  const auto& l = prog.layouts[form];
  for (size_t i = 0; i < l.indicators.size(); ++i) {
    if (l.indicators[i].kind == SlotKind::kNumber && l.indicators[i].slot == slot) {
      return cat.forms[form].indicators[i].code;
    }
  }
  return "";
}

// Compiles a node tree to block instructions; `needs` collects the columns read. Returns the
// result register, or -1 when the tree has something only the per-filing evaluator can do.
class BlockCompiler {
 public:
  BlockCompiler(const catalog::Catalog& cat, const Program& prog, int prev_mode,
                const PeriodInfo* period,
                const std::unordered_map<std::string, const NumericColumn*>* columns,
                std::vector<ColumnSpec>* needs)
      : cat_(cat),
        prog_(prog),
        prev_mode_(prev_mode),
        period_(period),
        columns_(columns),
        needs_(needs) {}

  int Compile(const CNode& n, std::vector<BInstr>* code) {
    code_ = code;
    return C(n);
  }
  bool missing_column = false;
  std::string missing_name;

 private:
  int Emit(BInstr i) {
    i.dst = static_cast<int>(code_->size());
    code_->push_back(std::move(i));
    return code_->back().dst;
  }
  int Const(double v) {
    BInstr i;
    i.op = BOp::kConst;
    i.k = v;
    return Emit(std::move(i));
  }
  const NumericColumn* Column(const ColumnSpec& spec) {
    if (needs_ != nullptr && std::find(needs_->begin(), needs_->end(), spec) == needs_->end()) {
      needs_->push_back(spec);
    }
    if (columns_ == nullptr) {
      return nullptr;
    }
    auto it = columns_->find(Key(spec));
    if (it == columns_->end()) {
      missing_column = true;
      missing_name = spec.form_code + "." + spec.indicator + (spec.previous ? "（上期）" : "");
      return nullptr;
    }
    return it->second;
  }
  static bool NumericType(VType t) { return t == VType::kNumber || t == VType::kBool; }

  int C(const CNode& n) {
    if (!NumericType(n.type)) {
      return -1;
    }
    for (const CNode* k : n.kids) {
      if (!NumericType(k->type)) {
        return -1;
      }
    }
    BInstr i;
    i.sub = n.sub;
    i.tol = n.tol;
    auto kids = [&](int count) {
      int r[3] = {-1, -1, -1};
      for (int k = 0; k < count; ++k) {
        r[k] = C(*n.kids[k]);
        if (r[k] < 0) {
          return false;
        }
      }
      i.a = r[0];
      i.b = r[1];
      i.c = r[2];
      return true;
    };
    auto binary = [&](BOp op) {
      i.op = op;
      return kids(2) ? Emit(std::move(i)) : -1;
    };
    auto unary = [&](BOp op) {
      i.op = op;
      return kids(1) ? Emit(std::move(i)) : -1;
    };
    switch (n.op) {
      case Op::kConst:
        return Const(n.num);
      case Op::kLoad: {
        const std::string& fc = cat_.forms[n.form].code;
        i.op = BOp::kCol;
        i.cols.push_back(Column({fc, IndicatorCode(cat_, prog_, n.form, n.slot), false}));
        return Emit(std::move(i));
      }
      case Op::kPrevLoad: {
        if (prev_mode_ == 1) {
          const std::string& fc = cat_.forms[n.form].code;
          i.op = BOp::kCol;
          i.cols.push_back(Column({fc, IndicatorCode(cat_, prog_, n.form, n.slot), true}));
          return Emit(std::move(i));
        }
        if (prev_mode_ != 2 || n.xplan < 0 || prog_.xplans[n.xplan].form < 0) {
          return Const(kNaN);
        }
        const XPlan& p = prog_.xplans[n.xplan];
        for (const auto& code : p.codes) {
          i.cols.push_back(Column({p.form_code, code, true}));
        }
        if (p.sum) {
          i.op = BOp::kPrevSum;
        } else if (p.parts[0].second != 1.0) {
          i.op = BOp::kColMul;
          i.k = p.parts[0].second;
        } else {
          i.op = BOp::kCol;
        }
        return Emit(std::move(i));
      }
      case Op::kAdd:
        return binary(BOp::kAdd);
      case Op::kSub:
        return binary(BOp::kSub);
      case Op::kMul:
        return binary(BOp::kMul);
      case Op::kDiv:
        return binary(BOp::kDiv);
      case Op::kCmp:
        return binary(BOp::kCmp);
      case Op::kAnd:
        return binary(BOp::kAnd);
      case Op::kOr:
        return binary(BOp::kOr);
      case Op::kRound:
        return binary(BOp::kRound);
      case Op::kNeg:
        return unary(BOp::kNeg);
      case Op::kNot:
        return unary(BOp::kNot);
      case Op::kAbs:
        return unary(BOp::kAbs);
      case Op::kIsMissing:
        return unary(BOp::kIsMissing);
      case Op::kApprox:
        i.op = BOp::kApprox;
        return kids(3) ? Emit(std::move(i)) : -1;
      case Op::kIf:
        i.op = BOp::kIf;
        return kids(3) ? Emit(std::move(i)) : -1;
      case Op::kPeriodYear:
        return Const(period_ == nullptr ? 0 : period_->year);
      case Op::kMinN:
      case Op::kMaxN:
      case Op::kCoalesce: {
        int acc = C(*n.kids[0]);
        for (size_t k = 1; acc >= 0 && k < n.kids.size(); ++k) {
          int r = C(*n.kids[k]);
          if (r < 0) {
            return -1;
          }
          BInstr f;
          f.op = n.op == Op::kMinN ? BOp::kMin : n.op == Op::kMaxN ? BOp::kMax : BOp::kCoalesce;
          f.a = acc;
          f.b = r;
          acc = Emit(std::move(f));
        }
        return acc;
      }
      default:
        return -1;
    }
  }

  const catalog::Catalog& cat_;
  const Program& prog_;
  int prev_mode_;
  const PeriodInfo* period_;
  const std::unordered_map<std::string, const NumericColumn*>* columns_;
  std::vector<ColumnSpec>* needs_;
  std::vector<BInstr>* code_ = nullptr;
};

inline bool Missing(const NumericColumn& c, size_t i) {
  return !c.missing.empty() && ((c.missing[i >> 6] >> (i & 63)) & 1) != 0;
}

void LoadColumn(const NumericColumn& col, size_t base, int n, double* out) {
  const double* v = col.values.data() + base;
  for (int i = 0; i < n; ++i) {
    out[i] = Finite(v[i]);
  }
  if (!col.missing.empty()) {
    for (int i = 0; i < n; ++i) {
      if (Missing(col, base + i)) {
        out[i] = kNaN;
      }
    }
  }
}

void Run(const std::vector<BInstr>& code, size_t base, int n, double* regs) {
  for (const BInstr& in : code) {
    double* d = regs + static_cast<size_t>(in.dst) * kBlock;
    const double* a = in.a >= 0 ? regs + static_cast<size_t>(in.a) * kBlock : nullptr;
    const double* b = in.b >= 0 ? regs + static_cast<size_t>(in.b) * kBlock : nullptr;
    const double* c = in.c >= 0 ? regs + static_cast<size_t>(in.c) * kBlock : nullptr;
    switch (in.op) {
      case BOp::kConst:
        std::fill(d, d + n, in.k);
        break;
      case BOp::kCol:
        LoadColumn(*in.cols[0], base, n, d);
        break;
      case BOp::kColMul:
        LoadColumn(*in.cols[0], base, n, d);
        for (int i = 0; i < n; ++i) {
          d[i] = MulOp(d[i], in.k);
        }
        break;
      case BOp::kPrevSum: {
        std::fill(d, d + n, kNaN);
        double tmp[kBlock];
        for (const NumericColumn* col : in.cols) {
          LoadColumn(*col, base, n, tmp);
          for (int i = 0; i < n; ++i) {
            d[i] = AddOp(d[i], tmp[i]);
          }
        }
        break;
      }
      case BOp::kAdd:
        for (int i = 0; i < n; ++i) {
          d[i] = AddOp(a[i], b[i]);
        }
        break;
      case BOp::kSub:
        for (int i = 0; i < n; ++i) {
          d[i] = SubOp(a[i], b[i]);
        }
        break;
      case BOp::kMul:
        for (int i = 0; i < n; ++i) {
          d[i] = MulOp(a[i], b[i]);
        }
        break;
      case BOp::kDiv:
        for (int i = 0; i < n; ++i) {
          d[i] = DivOp(a[i], b[i]);
        }
        break;
      case BOp::kNeg:
        for (int i = 0; i < n; ++i) {
          d[i] = -a[i];
        }
        break;
      case BOp::kCmp:
        for (int i = 0; i < n; ++i) {
          d[i] = CmpOp(in.sub, a[i], b[i], in.tol);
        }
        break;
      case BOp::kAnd:
        for (int i = 0; i < n; ++i) {
          d[i] = AndOp(a[i], b[i]);
        }
        break;
      case BOp::kOr:
        for (int i = 0; i < n; ++i) {
          d[i] = OrOp(a[i], b[i]);
        }
        break;
      case BOp::kNot:
        for (int i = 0; i < n; ++i) {
          d[i] = NotOp(a[i]);
        }
        break;
      case BOp::kAbs:
        for (int i = 0; i < n; ++i) {
          d[i] = std::fabs(a[i]);
        }
        break;
      case BOp::kRound:
        for (int i = 0; i < n; ++i) {
          d[i] = RoundOp(a[i], b[i]);
        }
        break;
      case BOp::kMin:
        for (int i = 0; i < n; ++i) {
          d[i] = MinOp(a[i], b[i]);
        }
        break;
      case BOp::kMax:
        for (int i = 0; i < n; ++i) {
          d[i] = MaxOp(a[i], b[i]);
        }
        break;
      case BOp::kApprox:
        for (int i = 0; i < n; ++i) {
          d[i] = ApproxOp(a[i], b[i], c[i]);
        }
        break;
      case BOp::kIf:
        for (int i = 0; i < n; ++i) {
          d[i] = IfOp(a[i], b[i], c[i]);
        }
        break;
      case BOp::kIsMissing:
        for (int i = 0; i < n; ++i) {
          d[i] = std::isnan(a[i]) ? 1.0 : 0.0;
        }
        break;
      case BOp::kCoalesce:
        for (int i = 0; i < n; ++i) {
          d[i] = std::isnan(a[i]) ? b[i] : a[i];
        }
        break;
    }
  }
}

// Compiles the columnar rules of a form; the others get BRule::rule set and expr = -1.
std::vector<BRule> CompileForm(const catalog::Catalog& cat, const Program& prog, int form,
                               int prev_mode, const PeriodInfo* period,
                               const std::unordered_map<std::string, const NumericColumn*>* cols,
                               std::vector<ColumnSpec>* needs, std::string* missing) {
  std::vector<BRule> out;
  const auto& rules = prog.forms[form].rules;
  for (size_t r = 0; r < rules.size(); ++r) {
    const CRule& rule = rules[r];
    BRule br;
    br.rule = static_cast<int>(r);
    if (rule.each_table < 0) {
      std::vector<ColumnSpec> local;
      BlockCompiler bc(cat, prog, prev_mode, period, cols, &local);
      bool ok = true;
      if (rule.gate != nullptr) {
        ok = (br.gate = bc.Compile(*rule.gate, &br.code)) >= 0;
      }
      if (ok && rule.when != nullptr) {
        ok = (br.when = bc.Compile(*rule.when, &br.code)) >= 0;
      }
      if (ok) {
        br.expr = bc.Compile(*rule.expr, &br.code);
        ok = br.expr >= 0;
      }
      if (ok) {
        if (bc.missing_column && missing != nullptr && missing->empty()) {
          *missing = bc.missing_name;
        }
        if (needs != nullptr) {
          for (auto& s : local) {
            if (std::find(needs->begin(), needs->end(), s) == needs->end()) {
              needs->push_back(std::move(s));
            }
          }
        }
      } else {
        br.code.clear();
        br.gate = br.when = br.expr = -1;
      }
    }
    out.push_back(std::move(br));
  }
  return out;
}

}  // namespace

std::vector<ColumnSpec> CompiledCatalog::BatchColumnsNeeded(
    std::string_view form_code, const CompiledCatalog* previous_catalog) const {
  std::vector<ColumnSpec> needs;
  int f = FormIndex(form_code);
  if (f < 0) {
    return needs;
  }
  int mode = PrevMode(*this, previous_year_.get(), previous_catalog);
  CompileForm(*catalog_, *program_, f, mode, nullptr, nullptr, &needs, nullptr);
  return needs;
}

Result<BatchResult> CompiledCatalog::BatchEvaluate(std::string_view form_code,
                                                   const BatchColumns& columns,
                                                   const PeriodInfo& period,
                                                   const BatchOptions& options) const {
  int f = FormIndex(form_code);
  if (f < 0) {
    return Status::Invalid("未知的表“" + std::string(form_code) + "”");
  }
  const size_t n = columns.units;
  std::unordered_map<std::string, const NumericColumn*> cols;
  for (const auto& [spec, col] : columns.columns) {
    if (col.values.size() != n || (!col.missing.empty() && col.missing.size() < (n + 63) / 64)) {
      return Status::Invalid("列" + spec.form_code + "." + spec.indicator + "的长度不是" +
                             std::to_string(n));
    }
    cols[Key(spec)] = &col;
  }
  int mode = PrevMode(*this, previous_year_.get(), options.previous_catalog);
  std::string missing;
  std::vector<BRule> brules =
      CompileForm(*catalog_, *program_, f, mode, &period, &cols, nullptr, &missing);
  if (!missing.empty()) {
    return Status::Invalid("缺少列" + missing);
  }

  const auto& rules = program_->forms[f].rules;
  BatchResult result;
  result.rules.resize(rules.size());
  size_t max_regs = 0;
  std::vector<int> fallback;
  for (size_t r = 0; r < rules.size(); ++r) {
    RuleCount& rc = result.rules[r];
    rc.rule_id = rules[r].id;
    rc.severity = rules[r].severity;
    rc.columnar = brules[r].expr >= 0;
    rc.evaluated = rc.columnar || static_cast<bool>(options.load_filing);
    max_regs = std::max(max_regs, brules[r].code.size());
    if (!rc.columnar) {
      fallback.push_back(static_cast<int>(r));
    }
  }

  auto record = [&](RuleCount& rc, size_t unit) {
    ++rc.failures;
    if (rc.first_units.size() < options.first_failures) {
      rc.first_units.push_back(static_cast<uint32_t>(unit));
    }
  };

  std::vector<double> regs(std::max<size_t>(max_regs, 1) * kBlock);
  for (size_t base = 0; base < n; base += kBlock) {
    int len = static_cast<int>(std::min<size_t>(kBlock, n - base));
    for (size_t r = 0; r < rules.size(); ++r) {
      const BRule& br = brules[r];
      if (br.expr < 0) {
        continue;
      }
      Run(br.code, base, len, regs.data());
      const double* g =
          br.gate >= 0 ? regs.data() + static_cast<size_t>(br.gate) * kBlock : nullptr;
      const double* w =
          br.when >= 0 ? regs.data() + static_cast<size_t>(br.when) * kBlock : nullptr;
      const double* e = regs.data() + static_cast<size_t>(br.expr) * kBlock;
      for (int i = 0; i < len; ++i) {
        if ((g == nullptr || g[i] == 1) && (w == nullptr || w[i] == 1) && e[i] == 0) {
          record(result.rules[r], base + i);
        }
      }
    }
  }

  if (!fallback.empty() && options.load_filing) {
    EvalCtx c;
    c.prog = program_.get();
    c.period = &period;
    c.form = f;
    for (size_t u = 0; u < n; ++u) {
      const UnitPeriodData* cur = nullptr;
      const UnitPeriodData* prev = nullptr;
      options.load_filing(u, &cur, &prev);
      if (cur == nullptr || &cur->catalog() != this) {
        continue;
      }
      c.cur = cur;
      c.prev = prev;
      c.prev_mode =
          PrevMode(*this, previous_year_.get(), prev == nullptr ? nullptr : &prev->catalog());
      for (int r : fallback) {
        if (RuleFails(rules[r], c, nullptr)) {
          record(result.rules[r], u);
        }
      }
    }
  }
  return result;
}

}  // namespace huoju::rules
