// Columnar evaluation over a whole (form, period). Each numeric rule is compiled into a short
// list of vector instructions over blocks of units (registers of kBlock doubles, NaN = missing
// / unknown, exactly as the per-filing evaluator encodes values), and every rule of the form
// runs over one block before the next block is read, so the block's columns stay in cache.
// The element operations are the ones of compile.hpp that the per-filing evaluator uses, which
// is what makes the counts identical.
#include <algorithm>
#include <atomic>
#include <bit>
#include <thread>
#include <unordered_map>

#include "huoju/rules/engine.hpp"
#include "src/rules/compile.hpp"
#include "src/rules/eval.hpp"

namespace huoju::rules {

namespace {

constexpr int kBlock = 256;
constexpr size_t kMaxChunkBlocks = 32;    // units per chunk a thread takes: up to 8192
constexpr size_t kDefaultMaxThreads = 8;  // BatchOptions::threads = 0

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
  std::vector<const NumericColumn*> cols;  // as compiled
  std::vector<int> regs;                   // the same columns' registers, once prepared
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

// Decodes units [base, base + n) of a column: NaN where the bitmap says blank or the value is
// not finite. `base` is a multiple of kBlock, so the bitmap is read a 64-bit word at a time.
void LoadColumn(const NumericColumn& col, size_t base, int n, double* out) {
  const double* v = col.values.data() + base;
  for (int i = 0; i < n; ++i) {
    out[i] = Finite(v[i]);
  }
  if (col.missing.empty()) {
    return;
  }
  const uint64_t* words = col.missing.data() + (base >> 6);
  for (int w = 0; w * 64 < n; ++w) {
    for (uint64_t m = words[w]; m != 0; m &= m - 1) {
      int i = (w * 64) + std::countr_zero(m);
      if (i < n) {
        out[i] = kNaN;
      }
    }
  }
}

// CmpOp with the comparison kind fixed and without early exits, so the loop compiles to
// straight-line (vectorizable) code; same value as CmpOp for every input.
template <uint8_t kKind>
void CmpLoop(const double* a, const double* b, double tol, int n, double* d) {
  for (int i = 0; i < n; ++i) {
    const double x = a[i];
    const double y = b[i];
    const double diff = std::fabs(x - y);
    const double size = 1e-14 * std::max(std::fabs(x), std::fabs(y));
    const double slack = std::max(std::max(tol, size), 1e-9);
    const bool near = (x == y) | (diff <= slack);
    bool r = false;
    if constexpr (kKind == kEq) {
      r = near;
    } else if constexpr (kKind == kNe) {
      r = !near;
    } else if constexpr (kKind == kLt) {
      r = (x < y) & !near;
    } else if constexpr (kKind == kLe) {
      r = (x <= y) | near;
    } else if constexpr (kKind == kGt) {
      r = (x > y) & !near;
    } else {
      r = (x >= y) | near;
    }
    const bool unknown = std::isnan(x) || std::isnan(y);
    d[i] = unknown ? kNaN : (r ? 1.0 : 0.0);
  }
}

void Cmp(uint8_t kind, const double* a, const double* b, double tol, int n, double* d) {
  switch (kind) {
    case kEq:
      CmpLoop<kEq>(a, b, tol, n, d);
      break;
    case kNe:
      CmpLoop<kNe>(a, b, tol, n, d);
      break;
    case kLt:
      CmpLoop<kLt>(a, b, tol, n, d);
      break;
    case kLe:
      CmpLoop<kLe>(a, b, tol, n, d);
      break;
    case kGt:
      CmpLoop<kGt>(a, b, tol, n, d);
      break;
    default:
      CmpLoop<kGe>(a, b, tol, n, d);
      break;
  }
}

// Runs one rule's instructions over a block. Registers below the rule's own are the decoded
// columns of the block (see Prepared); kCol instructions were resolved to them.
void Run(const std::vector<BInstr>& code, int n, double* regs) {
  for (const BInstr& in : code) {
    double* d = regs + static_cast<size_t>(in.dst) * kBlock;
    const double* a = in.a >= 0 ? regs + static_cast<size_t>(in.a) * kBlock : nullptr;
    const double* b = in.b >= 0 ? regs + static_cast<size_t>(in.b) * kBlock : nullptr;
    const double* c = in.c >= 0 ? regs + static_cast<size_t>(in.c) * kBlock : nullptr;
    switch (in.op) {
      case BOp::kConst:
        std::fill(d, d + n, in.k);
        break;
      case BOp::kCol:  // resolved to a column register before running
        break;
      case BOp::kColMul:
        for (int i = 0; i < n; ++i) {
          d[i] = MulOp(a[i], in.k);
        }
        break;
      case BOp::kPrevSum: {
        std::fill(d, d + n, kNaN);
        for (int r : in.regs) {
          const double* t = regs + static_cast<size_t>(r) * kBlock;
          for (int i = 0; i < n; ++i) {
            d[i] = AddOp(d[i], t[i]);
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
        Cmp(in.sub, a, b, in.tol, n, d);
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

// The columnar rules of a form, ready to run: every column any of them reads gets one register
// (0 … columns.size() - 1), decoded once per block; each rule's own registers follow.
struct Prepared {
  std::vector<const NumericColumn*> columns;
  std::vector<BRule> rules;  // only the columnar ones; BRule::rule indexes FormProgram::rules
  size_t regs = 0;           // registers in all
};

Prepared Prepare(const std::vector<BRule>& brules) {
  Prepared p;
  std::unordered_map<const NumericColumn*, int> column_reg;
  auto reg_of = [&](const NumericColumn* c) {
    auto [it, added] = column_reg.emplace(c, static_cast<int>(p.columns.size()));
    if (added) {
      p.columns.push_back(c);
    }
    return it->second;
  };
  for (const BRule& br : brules) {
    if (br.expr < 0) {
      continue;
    }
    for (const BInstr& in : br.code) {
      for (const NumericColumn* c : in.cols) {
        reg_of(c);
      }
    }
  }
  const int base = static_cast<int>(p.columns.size());
  size_t own = 0;
  for (const BRule& br : brules) {
    if (br.expr < 0) {
      continue;
    }
    BRule out;
    out.rule = br.rule;
    std::vector<int> phys(br.code.size(), -1);
    auto map = [&](int r) { return r < 0 ? -1 : phys[r]; };
    for (const BInstr& in : br.code) {
      if (in.op == BOp::kCol) {
        phys[in.dst] = column_reg.at(in.cols[0]);
        continue;
      }
      BInstr o = in;
      o.a = map(in.a);
      o.b = map(in.b);
      o.c = map(in.c);
      o.cols.clear();
      for (const NumericColumn* c : in.cols) {
        o.regs.push_back(column_reg.at(c));
      }
      if (o.op == BOp::kColMul) {
        o.a = o.regs[0];
      }
      o.dst = base + static_cast<int>(out.code.size());
      phys[in.dst] = o.dst;
      out.code.push_back(std::move(o));
    }
    out.gate = map(br.gate);
    out.when = map(br.when);
    out.expr = map(br.expr);
    own = std::max(own, out.code.size());
    p.rules.push_back(std::move(out));
  }
  p.regs = static_cast<size_t>(base) + std::max<size_t>(own, 1);
  return p;
}

// Failures of the columnar rules over one chunk of units: counts and the first unit indexes,
// per entry of Prepared::rules.
struct ChunkResult {
  std::vector<uint64_t> failures;
  std::vector<std::vector<uint32_t>> first;
};

void RunChunk(const Prepared& p, size_t begin, size_t end, size_t keep, double* regs,
              ChunkResult* out) {
  out->failures.assign(p.rules.size(), 0);
  out->first.assign(p.rules.size(), {});
  for (size_t base = begin; base < end; base += kBlock) {
    const int len = static_cast<int>(std::min<size_t>(kBlock, end - base));
    for (size_t c = 0; c < p.columns.size(); ++c) {
      LoadColumn(*p.columns[c], base, len, regs + (c * kBlock));
    }
    for (size_t r = 0; r < p.rules.size(); ++r) {
      const BRule& br = p.rules[r];
      Run(br.code, len, regs);
      const double* g = br.gate >= 0 ? regs + static_cast<size_t>(br.gate) * kBlock : nullptr;
      const double* w = br.when >= 0 ? regs + static_cast<size_t>(br.when) * kBlock : nullptr;
      const double* e = regs + static_cast<size_t>(br.expr) * kBlock;
      uint64_t fails = 0;
      for (int i = 0; i < len; ++i) {
        const bool fail = (g == nullptr || g[i] == 1) && (w == nullptr || w[i] == 1) && e[i] == 0;
        fails += fail ? 1 : 0;
      }
      if (fails == 0) {
        continue;
      }
      out->failures[r] += fails;
      auto& first = out->first[r];
      for (int i = 0; i < len && first.size() < keep; ++i) {
        if ((g == nullptr || g[i] == 1) && (w == nullptr || w[i] == 1) && e[i] == 0) {
          first.push_back(static_cast<uint32_t>(base + i));
        }
      }
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
  std::vector<int> fallback;
  for (size_t r = 0; r < rules.size(); ++r) {
    RuleCount& rc = result.rules[r];
    rc.rule_id = rules[r].id;
    rc.severity = rules[r].severity;
    rc.columnar = brules[r].expr >= 0;
    rc.evaluated = rc.columnar || static_cast<bool>(options.load_filing);
    if (!rc.columnar) {
      fallback.push_back(static_cast<int>(r));
    }
  }
  const Prepared prepared = Prepare(brules);

  // Columnar rules: chunks of units, taken in turn by the worker threads and the calling
  // thread; each chunk keeps its own counts, merged below in chunk (= unit) order.
  // Chunks of up to kMaxChunkBlocks blocks, at least 4 per thread when there are few units.
  const size_t blocks = (n + kBlock - 1) / kBlock;
  size_t threads = options.threads > 0
                       ? static_cast<size_t>(options.threads)
                       : std::min<size_t>(std::thread::hardware_concurrency(), kDefaultMaxThreads);
  threads = std::clamp<size_t>(threads, 1, std::max<size_t>(blocks, 1));
  const size_t chunk_units =
      kBlock * std::clamp<size_t>((blocks + (4 * threads) - 1) / (4 * threads), 1, kMaxChunkBlocks);
  const size_t chunks = prepared.rules.empty() ? 0 : (n + chunk_units - 1) / chunk_units;
  std::vector<ChunkResult> chunk_results(chunks);
  std::atomic<size_t> next_chunk{0};
  auto work = [&] {
    std::vector<double> regs(prepared.regs * kBlock);
    for (size_t c = next_chunk.fetch_add(1); c < chunks; c = next_chunk.fetch_add(1)) {
      RunChunk(prepared, c * chunk_units, std::min(n, (c + 1) * chunk_units),
               options.first_failures, regs.data(), &chunk_results[c]);
    }
  };
  std::vector<std::jthread> workers;
  for (size_t t = 1; t < threads; ++t) {
    workers.emplace_back(work);
  }

  auto record = [&](RuleCount& rc, size_t unit) {
    ++rc.failures;
    if (rc.first_units.size() < options.first_failures) {
      rc.first_units.push_back(static_cast<uint32_t>(unit));
    }
  };
  // The other rules per filing, on the calling thread in unit order (load_filing's contract),
  // while the workers run the columnar ones.
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
  work();
  workers.clear();  // joins

  for (const ChunkResult& cr : chunk_results) {
    for (size_t r = 0; r < prepared.rules.size(); ++r) {
      RuleCount& rc = result.rules[prepared.rules[r].rule];
      rc.failures += cr.failures[r];
      for (uint32_t u : cr.first[r]) {
        if (rc.first_units.size() >= options.first_failures) {
          break;
        }
        rc.first_units.push_back(u);
      }
    }
  }
  return result;
}

}  // namespace huoju::rules
