// bench/audit_gen.cpp — see audit_gen.hpp.
#include "bench/audit_gen.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

namespace huoju::bench {
namespace {

// ---- random numbers: splitmix64 per unit, hand-written distributions (same on every stdlib)

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double U() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double U(double a, double b) { return a + (b - a) * U(); }
  bool P(double p) { return U() < p; }
  int Int(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  double Normal() {  // Box–Muller
    double u1 = U();
    double u2 = U();
    return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

 private:
  uint64_t s_;
};

// ---- the indicators the generator fills (raw units: qc* tenths of 千元, qc41 hundredths of a
// tonne, qd* persons)

enum V : int {
  qc02,
  qc05_0,
  qc55,
  qc06,
  qc06_1,
  qc06_2,
  qc06_3,
  qc06_4,
  qc07,
  qc09,
  qc10,
  qc49,
  qc52,
  qc11,
  qc38,
  qc11_1,
  qc220,
  qc221,
  qc222,
  qc223,
  qc224,
  qc236,
  qc228,
  qc235,
  qc229,
  qc225,
  qc239,
  qc233,
  qc232,
  qc120,
  qc227,
  qc230,
  qc234,
  qc231,
  qc12,
  qc13,
  qc14,
  qc16,
  qc17,
  qc18,
  qc20,
  qc20_1,
  qc20_2,
  qc20_3,
  qc62,
  qc51,
  qc24,
  qc25,
  qc27_1,
  qc238,
  qc29,
  qc30,
  qc65,
  qc61,
  qc31,
  qc237,
  qc32,
  qc33,
  qc34,
  qc63,
  qc50,
  qc39,
  qc40,
  qc41,
  qc226,
  qd01,
  qd03,
  qd25,
  qd21,
  qd26,
  qd14,
  qd14_0,
  qd05,
  qd18,
  qd06,
  qd07,
  qd08,
  qd09,
  qd31,
  qd32,
  qd33,
  qd34,
  qd35,
  qd36,
  qd27,
  qd28,
  kNumV
};

// Text cells of GQ-002.
enum T : int { qc226_1, qc226_2, kNumT };

struct VInfo {
  const char* code;
  const char* form;
  int64_t scale;
  bool signed_ok;  // negative values are legitimate (negative_allowed)
  bool required;
};

#define Q(c) \
  { #c, "GQ-002", 10, false, false }
#define QS(c) \
  { #c, "GQ-002", 10, true, false }
#define D(c) \
  { #c, "GQ-003", 1, false, false }
const VInfo kV[kNumV] = {
    Q(qc02),
    {"qc05_0", "GQ-002", 10, false, true},
    Q(qc55),
    Q(qc06),
    Q(qc06_1),
    Q(qc06_2),
    Q(qc06_3),
    Q(qc06_4),
    Q(qc07),
    Q(qc09),
    Q(qc10),
    Q(qc49),
    Q(qc52),
    Q(qc11),
    Q(qc38),
    Q(qc11_1),
    Q(qc220),
    Q(qc221),
    Q(qc222),
    Q(qc223),
    QS(qc224),
    Q(qc236),
    QS(qc228),
    QS(qc235),
    QS(qc229),
    QS(qc225),
    QS(qc239),
    QS(qc233),
    Q(qc232),
    QS(qc120),
    Q(qc227),
    Q(qc230),
    QS(qc234),
    QS(qc231),
    QS(qc12),
    Q(qc13),
    Q(qc14),
    Q(qc16),
    Q(qc17),
    Q(qc18),
    Q(qc20),
    Q(qc20_1),
    Q(qc20_2),
    Q(qc20_3),
    QS(qc62),
    Q(qc51),
    {"qc24", "GQ-002", 10, false, true},
    Q(qc25),
    Q(qc27_1),
    Q(qc238),
    Q(qc29),
    Q(qc30),
    Q(qc65),
    Q(qc61),
    Q(qc31),
    Q(qc237),
    Q(qc32),
    QS(qc33),
    Q(qc34),
    Q(qc63),
    Q(qc50),
    Q(qc39),
    Q(qc40),
    {"qc41", "GQ-002", 100, false, false},
    Q(qc226),
    {"qd01", "GQ-003", 1, false, true},
    D(qd03),
    D(qd25),
    D(qd21),
    D(qd26),
    D(qd14),
    D(qd14_0),
    D(qd05),
    D(qd18),
    D(qd06),
    D(qd07),
    D(qd08),
    D(qd09),
    D(qd31),
    D(qd32),
    D(qd33),
    D(qd34),
    D(qd35),
    D(qd36),
    D(qd27),
    D(qd28),
};
#undef Q
#undef QS
#undef D

const char* const kT[kNumT] = {"qc226_1", "qc226_2"};
// The previous-year values the prev() rules of GQ-002/GQ-003 read.
const V kPrev[] = {qc05_0, qc24, qc12, qd01};

// Deliberate violations, each with probability kBreak per unit: target = max(target, ref) +
// |ref| × U(lo, hi) + 2 units — above its `其中` parent and off every identity by more than the
// tolerance. Each pair breaks one rule (some two).
struct Break {
  V target, ref;
  double lo = 0.05, hi = 0.6;
};
const Break kBreaks[] = {
    {qc55, qc05_0},         {qc06_2, qc06}, {qc06, qc06},    {qc09, qc07},    {qc11, qc52},
    {qc38, qc11},           {qc11_1, qc11}, {qc16, qc13},    {qc18, qc17},    {qc20_2, qc20},
    {qc25, qc24},           {qc30, qc27_1}, {qc33, qc24},    {qc237, qc31},   {qc32, qc31},
    {qc63, qc34},           {qc50, qc34},   {qc61, qc65},    {qc234, qc05_0}, {qc12, qc234},
    {qc120, qc05_0},        {qc49, qc05_0}, {qc236, qc05_0}, {qd03, qd01},    {qd25, qd01},
    {qd21, qd01},           {qd26, qd01},   {qd14, qd26},    {qd14_0, qd14},  {qd06, qd18},
    {qd08, qd01},           {qd32, qd31},   {qd31, qd01},    {qd27, qd01},    {qd28, qd01},
    {qd05, qd01, 1.1, 2.0},
};
constexpr double kBreak = 0.012;

struct Unit {
  std::array<int64_t, kNumV> v{};
  std::array<bool, kNumV> blank{};
  std::array<int8_t, kNumT> t{};  // -1 blank
  std::array<int64_t, std::size(kPrev)> prev{};
  std::array<bool, std::size(kPrev)> prev_blank{};
  bool has_prev = false;
};

int64_t R(double x) {
  return std::llround(x);
}
int64_t Frac(Rng& g, int64_t x, double lo, double hi) {
  return R(static_cast<double>(x) * g.U(lo, hi));
}

void MakeUnit(Rng& g, Unit* u) {
  auto& v = u->v;
  // -- 一、产值与收入 (tenths of 千元)
  int64_t rev = g.P(0.005) ? 0 : std::max<int64_t>(R(g.LogNormal(30000.0, 1.6) * 10), 100);
  v[qc05_0] = rev;
  v[qc55] = Frac(g, rev, 0.75, 1.0);
  v[qc06] = g.P(0.4) ? Frac(g, rev, 0.01, 0.3) : 0;
  {
    double w[4], sum = 0;
    for (double& x : w) {
      sum += (x = g.U(0.05, 1.0));
    }
    int64_t left = v[qc06];
    for (int k = 0; k < 3; ++k) {
      v[qc06_1 + k] = std::min(left, R(static_cast<double>(v[qc06]) * w[k] / sum));
      left -= v[qc06_1 + k];
    }
    v[qc06_4] = left;
  }
  v[qc07] = Frac(g, rev - v[qc06], 0.4, 0.9);
  v[qc09] = g.P(0.5) ? Frac(g, v[qc07], 0.0, 1.0) : 0;
  v[qc10] = Frac(g, rev - v[qc06] - v[qc07], 0.0, 0.6);
  v[qc49] = rev - v[qc06] - v[qc07] - v[qc10];
  v[qc02] = g.P(0.5) ? Frac(g, rev, 0.6, 1.1) : 0;
  // -- 二、进出口
  if (g.P(0.3)) {
    v[qc52] = Frac(g, rev, 0.02, 0.6);
    v[qc11] = Frac(g, v[qc52], 0.3, 1.0);
    v[qc38] = Frac(g, v[qc11], 0.0, 0.8);
    v[qc11_1] = Frac(g, v[qc11] - v[qc38], 0.0, 0.5);
  }
  // -- 三、成本费用与利润: 营业利润 by the 2019 format, so the identities hold exactly
  v[qc220] = Frac(g, rev, 0.5, 0.8);
  v[qc221] = Frac(g, rev, 0.003, 0.02);
  v[qc222] = Frac(g, rev, 0.01, 0.08);
  v[qc223] = Frac(g, rev, 0.03, 0.1);
  v[qc236] = Frac(g, rev, 0.02, 0.12);
  v[qc224] = Frac(g, rev, -0.01, 0.02);
  v[qc228] = g.P(0.4) ? -Frac(g, rev, 0.0, 0.01) : 0;
  v[qc235] = g.P(0.4) ? -Frac(g, rev, 0.0, 0.01) : 0;
  v[qc229] = g.P(0.2) ? Frac(g, rev, -0.01, 0.01) : 0;
  v[qc225] = g.P(0.3) ? Frac(g, rev, -0.02, 0.05) : 0;
  v[qc239] = g.P(0.02) ? Frac(g, rev, -0.005, 0.005) : 0;
  v[qc233] = g.P(0.1) ? Frac(g, rev, -0.01, 0.01) : 0;
  v[qc232] = g.P(0.4) ? Frac(g, rev, 0.0, 0.02) : 0;
  v[qc120] = v[qc05_0] - v[qc220] - v[qc221] - v[qc222] - v[qc223] - v[qc236] - v[qc224] +
             v[qc232] + v[qc225] + v[qc239] + v[qc229] + v[qc235] + v[qc228] + v[qc233];
  v[qc227] = g.P(0.3) ? Frac(g, rev, 0.0, 0.01) : 0;
  v[qc230] = g.P(0.3) ? Frac(g, rev, 0.0, 0.01) : 0;
  v[qc234] = v[qc120] + v[qc227] - v[qc230];
  v[qc231] = Frac(g, std::max<int64_t>(v[qc234], 0), 0.05, 0.25);
  v[qc12] = v[qc234] - v[qc231];
  // -- 四、税费
  v[qc13] = Frac(g, rev, 0.01, 0.08);
  v[qc14] = Frac(g, v[qc13], 0.3, 0.6);
  v[qc16] = Frac(g, v[qc13] - v[qc14], 0.0, 0.8);
  if (g.P(0.6)) {
    v[qc17] = Frac(g, rev, 0.001, 0.03);
    v[qc18] = Frac(g, v[qc17], 0.0, 0.3);
    v[qc20] = Frac(g, v[qc17] - v[qc18], 0.5, 1.0);
    v[qc20_1] = Frac(g, v[qc20], 0.0, 0.6);
    v[qc20_2] = Frac(g, v[qc20] - v[qc20_1], 0.0, 1.0);
    v[qc20_3] = Frac(g, v[qc20] - v[qc20_1] - v[qc20_2], 0.0, 1.0);
  }
  v[qc62] = Frac(g, rev, -0.005, 0.03);
  v[qc51] = Frac(g, rev, 0.05, 0.3);
  // -- 五、资产负债
  int64_t assets = std::max<int64_t>(
      rev > 0 ? R(static_cast<double>(rev) * g.LogNormal(1.0, 0.6)) : R(g.LogNormal(5000, 1) * 10),
      100);
  v[qc24] = assets;
  v[qc25] = Frac(g, assets, 0.3, 0.8);
  v[qc27_1] = assets - v[qc25];
  v[qc238] = g.P(0.3) ? Frac(g, v[qc27_1], 0.0, 0.1) : 0;
  v[qc29] = Frac(g, v[qc27_1] - v[qc238], 0.2, 0.7);
  v[qc30] = Frac(g, v[qc27_1] - v[qc238] - v[qc29], 0.0, 0.5);
  v[qc65] = Frac(g, v[qc29], 0.1, 0.8);
  v[qc61] = Frac(g, v[qc65], 0.05, 0.4);
  v[qc31] = g.P(0.04) ? Frac(g, assets, 1.0, 1.3) : Frac(g, assets, 0.2, 0.8);
  v[qc33] = assets - v[qc31];  // negative for the 4 % with liabilities above assets
  v[qc237] = Frac(g, v[qc31], 0.5, 1.0);
  v[qc32] = g.P(0.5) ? Frac(g, v[qc31], 0.0, 0.5) : 0;
  v[qc34] = v[qc33] > 0 ? Frac(g, v[qc33], 0.2, 1.0) : Frac(g, assets, 0.05, 0.3);
  if (g.P(0.05)) {  // listed
    v[qc63] = Frac(g, v[qc34], 0.1, 0.6);
    v[qc50] = g.P(0.2) ? Frac(g, v[qc63], 0.1, 1.0) : 0;
  }
  // -- 六、投资与能耗, 补充资料
  v[qc39] = g.P(0.03) ? Frac(g, rev, 0.0, 0.05) : 0;
  v[qc40] = g.P(0.5) ? Frac(g, assets, 0.0, 0.1) : 0;
  v[qc41] = v[qc02] > 0 ? R(static_cast<double>(v[qc02]) * g.U(0.001, 0.05) * 10) : 0;  // t × 100
  double vc = g.U();
  u->t[qc226_1] = vc < 0.06 ? 0 : vc < 0.94 ? 1 : -1;  // "1" 是 / "2" 否 / blank
  u->t[qc226_2] = u->t[qc226_1] == 0 ? static_cast<int8_t>(g.Int(4)) : -1;
  v[qc226] = u->t[qc226_1] == 0 ? Frac(g, std::max<int64_t>(rev, 1000), 0.05, 0.5) : 0;
  // -- GQ-003 (persons)
  int64_t staff = g.P(0.003) ? 0 : std::max<int64_t>(R(g.LogNormal(80, 1.3)), 1);
  v[qd01] = staff;
  v[qd03] = Frac(g, staff, 0.0, 0.03);
  v[qd25] = g.P(0.2) ? Frac(g, staff, 0.0, 0.02) : 0;
  v[qd21] = g.P(0.1) ? Frac(g, staff, 0.0, 0.01) : 0;
  v[qd26] = Frac(g, staff, 0.05, 0.3);
  v[qd14] = Frac(g, v[qd26], 0.0, 0.5);
  v[qd14_0] = Frac(g, v[qd14], 0.0, 0.6);
  v[qd05] = Frac(g, staff, 0.85, 1.1);
  v[qd18] = Frac(g, staff, 0.0, 0.25);
  v[qd06] = Frac(g, v[qd18], 0.0, 0.2);
  v[qd07] = Frac(g, v[qd18] - v[qd06], 0.8, 1.0);
  v[qd08] = Frac(g, staff - v[qd18], 0.2, 0.6);
  v[qd09] = Frac(g, staff - v[qd18] - v[qd08], 0.0, 0.6);
  v[qd31] = Frac(g, staff, 0.0, 0.5);
  {
    int64_t left = v[qd31];
    for (int k = qd32; k <= qd36; ++k) {
      v[k] = Frac(g, left, 0.0, 0.5);
      left -= v[k];
    }
  }
  v[qd27] = Frac(g, staff, 0.03, 0.15);
  v[qd28] = Frac(g, staff, 0.1, 0.6);

  // -- previous year: 95 % of units filed; growth mostly within ±50 %, 1.5 % large jumps
  u->has_prev = g.P(0.95);
  for (size_t k = 0; k < std::size(kPrev); ++k) {
    double growth = std::exp(0.08 + 0.15 * g.Normal());
    if (g.P(0.015)) {
      growth = g.P(0.5) ? g.U(1.6, 3.0) : g.U(0.2, 0.6);
    }
    int64_t cur = v[kPrev[k]];
    int64_t p = R(static_cast<double>(cur) / growth);
    if (kPrev[k] == qc12) {  // profit: level noise too
      p = R(static_cast<double>(cur) / growth + static_cast<double>(rev) * 0.02 * g.Normal());
    }
    u->prev[k] = p;
    u->prev_blank[k] = !u->has_prev || g.P(0.01);
  }

  // -- deliberate violations
  for (const Break& b : kBreaks) {
    if (g.P(kBreak)) {
      int64_t two = 2 * kV[b.target].scale;
      v[b.target] =
          std::max(v[b.target], v[b.ref]) + Frac(g, std::llabs(v[b.ref]), b.lo, b.hi) + two;
    }
  }
  if (g.P(0.01)) {  // R24: 获得风险投资 without an amount
    u->t[qc226_1] = 0;
    u->t[qc226_2] = static_cast<int8_t>(g.Int(4));
    v[qc226] = 0;
  } else if (g.P(0.01)) {  // R25: 未获得 with an amount
    u->t[qc226_1] = 1;
    u->t[qc226_2] = -1;
    v[qc226] = Frac(g, std::max<int64_t>(rev, 1000), 0.01, 0.2) + 10;
  }
  if (g.P(0.01)) {  // a sign typo in a cell that must not be negative (range checks)
    int k = g.Int(kNumV);
    if (!kV[k].signed_ok && v[k] > 0) {
      v[k] = -v[k];
    }
  }
  if (g.P(0.003)) {  // a code outside the list
    u->t[qc226_2] = 9;
  }

  // -- blanks: a zero is usually left blank; otherwise a few cells blank; required rarely
  for (int k = 0; k < kNumV; ++k) {
    double p = kV[k].required ? 0.004 : v[k] == 0 ? 0.3 : 0.015;
    u->blank[k] = g.P(p);
  }
}

}  // namespace

int GenData::Find(const std::string& form, const std::string& code, bool previous) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    const GenColumn& c = columns[i];
    if (c.form == form && c.code == code && c.previous == previous) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool Generate(const catalog::Catalog& cat, size_t units, uint64_t seed, GenData* out,
              std::string* error) {
  out->units = units;
  out->seed = seed;
  out->columns.clear();
  // Columns in catalog order; each bound to the generator's variable (-1 text → kT).
  std::vector<std::pair<int, int>> bind;  // (V or -1, T or -1)
  for (const char* fc : {"GQ-002", "GQ-003"}) {
    const catalog::Form* form = cat.FindForm(fc);
    if (form == nullptr) {
      *error = std::string("catalog has no ") + fc;
      return false;
    }
    for (const auto& ind : form->indicators) {
      GenColumn c;
      c.form = fc;
      c.code = ind.code;
      c.csv_name = ind.code;
      int vi = -1, ti = -1;
      for (int k = 0; k < kNumV; ++k) {
        if (ind.code == kV[k].code && form->code == kV[k].form) {
          vi = k;
        }
      }
      for (int k = 0; k < kNumT; ++k) {
        if (ind.code == kT[k] && form->code == "GQ-002") {
          ti = k;
        }
      }
      if (ind.type.IsNumber()) {
        int64_t scale = ind.type.kind == catalog::ValueType::kDecimal
                            ? static_cast<int64_t>(std::llround(std::pow(10, ind.type.scale)))
                            : 1;
        if (vi < 0 || scale != kV[vi].scale) {
          *error = fc + std::string(".") + ind.code +
                   ": numeric indicator unknown to the generator"
                   " or with another scale";
          return false;
        }
        c.scale = scale;
        c.raw.resize(units);
      } else if (ind.type.kind == catalog::ValueType::kCode && ti >= 0) {
        c.text = true;
        const CodeList* list = cat.FindCodeList(ind.type.code_list);
        if (list == nullptr) {
          *error = "code list " + ind.type.code_list + " missing";
          return false;
        }
        for (const auto& code : list->all()) {
          c.codes.push_back(code.code);
        }
        c.codes.push_back("99");  // index 9 below picks it: not in the list (a .code failure)
        c.code_index.resize(units);
      } else {
        *error = fc + std::string(".") + ind.code + ": indicator type unknown to the generator";
        return false;
      }
      c.missing.assign((units + 63) / 64, 0);
      bind.emplace_back(vi, ti);
      out->columns.push_back(std::move(c));
    }
  }
  std::vector<int> prev_col;
  for (V p : kPrev) {
    GenColumn c;
    c.form = kV[p].form;
    c.code = kV[p].code;
    c.previous = true;
    c.scale = kV[p].scale;
    c.csv_name = std::string("p_") + kV[p].code;
    c.raw.resize(units);
    c.missing.assign((units + 63) / 64, 0);
    prev_col.push_back(static_cast<int>(out->columns.size()));
    out->columns.push_back(std::move(c));
  }
  for (const auto& c : out->columns) {  // CSV names must be unique across both forms
    for (const auto& d : out->columns) {
      if (&c != &d && c.csv_name == d.csv_name) {
        *error = "duplicate column name " + c.csv_name;
        return false;
      }
    }
  }

  Unit u;
  size_t blank = 0, cells = 0, with_prev = 0;
  for (size_t i = 0; i < units; ++i) {
    Rng g(seed * 0x100000001b3ULL + i * 0x9e3779b97f4a7c15ULL);
    u = Unit{};
    MakeUnit(g, &u);
    const uint64_t bit = uint64_t{1} << (i & 63);
    for (size_t c = 0; c < bind.size(); ++c) {
      GenColumn& col = out->columns[c];
      bool is_blank;
      if (col.text) {
        int8_t t = u.t[bind[c].second];
        if (t >= static_cast<int>(col.codes.size())) {
          t = static_cast<int8_t>(col.codes.size() - 1);
        }
        col.code_index[i] = t;
        is_blank = t < 0;
      } else {
        col.raw[i] = u.v[bind[c].first];
        is_blank = u.blank[bind[c].first];
      }
      if (is_blank) {
        col.missing[i >> 6] |= bit;
        ++blank;
      }
      ++cells;
    }
    for (size_t k = 0; k < prev_col.size(); ++k) {
      GenColumn& col = out->columns[prev_col[k]];
      col.raw[i] = u.prev[k];
      if (u.prev_blank[k]) {
        col.missing[i >> 6] |= bit;
      }
    }
    with_prev += u.has_prev ? 1 : 0;
  }
  out->cells = cells;
  out->blank_cells = blank;
  out->units_with_previous = with_prev;
  return true;
}

namespace {

char* PutInt(char* p, int64_t raw, int64_t scale) {
  if (raw < 0) {
    *p++ = '-';
    raw = -raw;
  }
  char tmp[24];
  int n = 0;
  int decimals = scale == 1 ? 0 : scale == 10 ? 1 : scale == 100 ? 2 : 0;
  uint64_t x = static_cast<uint64_t>(raw);
  do {
    tmp[n++] = static_cast<char>('0' + x % 10);
    x /= 10;
  } while (x != 0 || n <= decimals);
  while (n > 0) {
    if (n == decimals) {
      *p++ = '.';
    }
    *p++ = tmp[--n];
  }
  return p;
}

}  // namespace

size_t WriteCsv(const GenData& data, const std::string& path, std::string* error) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) {
    *error = "cannot write " + path;
    return 0;
  }
  std::string header = "unit_id";
  for (const auto& c : data.columns) {
    header += ',' + c.csv_name;
  }
  header += '\n';
  size_t bytes = std::fwrite(header.data(), 1, header.size(), f.get());
  std::vector<char> buf(1 << 20);
  char* p = buf.data();
  for (size_t i = 0; i < data.units; ++i) {
    if (static_cast<size_t>(p - buf.data()) > buf.size() - 4096) {
      bytes += std::fwrite(buf.data(), 1, static_cast<size_t>(p - buf.data()), f.get());
      p = buf.data();
    }
    p = PutInt(p, static_cast<int64_t>(i) + 1, 1);
    for (const auto& c : data.columns) {
      *p++ = ',';
      if (c.IsMissing(i)) {
        continue;
      }
      if (c.text) {
        const std::string& s = c.codes[static_cast<size_t>(c.code_index[i])];
        p = std::copy(s.begin(), s.end(), p);
      } else {
        p = PutInt(p, c.raw[i], c.scale);
      }
    }
    *p++ = '\n';
  }
  bytes += std::fwrite(buf.data(), 1, static_cast<size_t>(p - buf.data()), f.get());
  if (std::ferror(f.get()) != 0) {
    *error = "write error on " + path;
    return 0;
  }
  return bytes;
}

uint32_t MixHash(uint64_t x, uint32_t n) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<uint32_t>(x % n) + 1;
}

// Appends `n` synthetic indicators (x01, …: decimals in tenths up to 10^7, 10 % blank) so the
// snapshot carries 100+ indicators; GQ-002 + GQ-003 have 86 numeric ones.
void AddSyntheticColumns(GenData& d, size_t n, uint64_t seed) {
  for (size_t k = 0; k < n; ++k) {
    GenColumn c;
    c.form = "SYN";
    c.code = (k < 9 ? "x0" : "x") + std::to_string(k + 1);
    c.csv_name = c.code;
    c.scale = 10;
    c.raw.resize(d.units);
    c.missing.assign((d.units + 63) / 64, 0);
    for (size_t i = 0; i < d.units; ++i) {
      const uint64_t h = MixHash(seed * 1000003 + k * 7919 + i, 1000000000);
      c.raw[i] = static_cast<int64_t>(h % 100000000);
      if (h % 10 == 0) {
        c.missing[i / 64] |= uint64_t{1} << (i % 64);
        c.raw[i] = 0;
      }
    }
    d.columns.push_back(std::move(c));
  }
}

// The numeric current-period columns of the generated data, in order.
std::vector<size_t> NumericColumns(const GenData& d) {
  std::vector<size_t> cols;
  for (size_t i = 0; i < d.columns.size(); ++i) {
    if (!d.columns[i].previous && !d.columns[i].text) {
      cols.push_back(i);
    }
  }
  return cols;
}

}  // namespace huoju::bench
