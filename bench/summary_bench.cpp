// bench/summary_bench.cpp — the C++ side of bench/summary.sh.
//
// Generates two survey years of GQ-002 + GQ-003 (bench/audit_gen: every numeric indicator, about
// 10 % blank cells) for N units each, with 95 % of the units filing in both years (current unit
// ids are shifted by N/20), assigns each unit a province (32), zone (180) and industry 门类 (20),
// and lays both years out as analytics::Snapshot columns exactly as the server does. Then it times
// (best and median of --runs) the three operations of the issue-6 bench on 2 threads:
//   province_section  Summarize by province × 门类, every indicator (sum and count)
//   zone              Summarize by zone, every indicator
//   yoy               YearOnYear by province, comparable units, every indicator of both years
// It writes each year as CSV (the data DuckDB loads in the same run) and a JSON report with the
// timings, the snapshot's memory per 100,000 filings, and the result sums for the cross-check.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/audit_gen.hpp"
#include "huoju/analytics/summary.hpp"
#include "huoju/catalog/loader.hpp"

using huoju::analytics::Dimension;
using huoju::analytics::Snapshot;
using huoju::bench::GenData;

namespace {

[[noreturn]] void Die(const std::string& msg) {
  std::cerr << "summary_bench: " << msg << "\n";
  std::exit(2);
}

constexpr uint32_t kProvinces = 32, kZones = 180, kSections = 20;

// Deterministic dimension ids of a unit id (1-based; 0 would be 未分类).
uint32_t ZoneOf(int64_t unit) {
  return huoju::bench::MixHash(static_cast<uint64_t>(unit) * 3 + 1, kZones);
}
uint32_t ProvinceOf(int64_t unit) {
  return (ZoneOf(unit) - 1) % kProvinces + 1;
}  // zones lie in provinces
uint32_t SectionOf(int64_t unit) {
  return huoju::bench::MixHash(static_cast<uint64_t>(unit) * 7 + 5, kSections);
}

Snapshot Lay(const GenData& d, const std::vector<size_t>& cols, int64_t first_unit) {
  Snapshot s;
  s.form_code = "GQ-002+GQ-003";
  const size_t n = d.units;
  for (size_t c : cols) {
    s.indicator_index.emplace(d.columns[c].code, s.indicators.size());
    s.indicators.push_back(d.columns[c].code);
  }
  s.filing_id.resize(n);
  s.unit_id.resize(n);
  s.version.assign(n, 1);
  s.updated_at.assign(n, 0);
  s.unit_path.resize(n);
  s.state.assign(n, 4);  // final
  s.review_level.assign(n, 0);
  for (auto& dim : s.dims) {
    dim.assign(n, 0);
  }
  for (size_t i = 0; i < n; ++i) {
    const int64_t unit = first_unit + static_cast<int64_t>(i);
    s.filing_id[i] = unit;
    s.unit_id[i] = unit;
    s.unit_path[i] = "/1/" + std::to_string(ProvinceOf(unit)) + "/" + std::to_string(unit) + "/";
    s.dims[static_cast<size_t>(Dimension::kProvince)][i] = ProvinceOf(unit);
    s.dims[static_cast<size_t>(Dimension::kZone)][i] = ZoneOf(unit);
    s.dims[static_cast<size_t>(Dimension::kIndustrySection)][i] = SectionOf(unit);
    s.row_of_filing.emplace(unit, static_cast<uint32_t>(i));
    s.row_of_unit.emplace(unit, static_cast<uint32_t>(i));
  }
  for (size_t c : cols) {
    const auto& g = d.columns[c];
    huoju::rules::NumericColumn col;
    col.values.resize(n);
    col.missing = g.missing;
    for (size_t i = 0; i < n; ++i) {
      col.values[i] = g.IsMissing(i) ? 0 : g.Value(i);
    }
    s.columns.push_back(std::move(col));
  }
  return s;
}

// Decimal text of raw / scale (scale a power of ten), as the CSV DuckDB reads.
void AppendDecimal(std::string& out, int64_t raw, int64_t scale) {
  if (scale == 1) {
    out += std::to_string(raw);
    return;
  }
  const bool neg = raw < 0;
  uint64_t a = neg ? static_cast<uint64_t>(-raw) : static_cast<uint64_t>(raw);
  int digits = 0;
  for (int64_t s = scale; s > 1; s /= 10) {
    ++digits;
  }
  std::string frac = std::to_string(a % static_cast<uint64_t>(scale));
  frac.insert(0, static_cast<size_t>(digits) - frac.size(), '0');
  if (neg) {
    out += '-';
  }
  out += std::to_string(a / static_cast<uint64_t>(scale));
  out += '.';
  out += frac;
}

void WriteCsv(const GenData& d, const std::vector<size_t>& cols, int64_t first_unit,
              const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  if (!f) {
    Die("cannot write " + path);
  }
  std::string line = "unit_id,province,zone,section";
  for (size_t c : cols) {
    line += "," + d.columns[c].code;
  }
  line += "\n";
  f << line;
  for (size_t i = 0; i < d.units; ++i) {
    const int64_t unit = first_unit + static_cast<int64_t>(i);
    line.clear();
    line += std::to_string(unit);
    line += "," + std::to_string(ProvinceOf(unit)) + "," + std::to_string(ZoneOf(unit)) + "," +
            std::to_string(SectionOf(unit));
    for (size_t c : cols) {
      line += ',';
      const auto& g = d.columns[c];
      if (!g.IsMissing(i)) {
        AppendDecimal(line, g.raw[i], g.scale);
      }
    }
    line += '\n';
    f << line;
  }
}

template <typename F>
nlohmann::json Time(int runs, F&& fn) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {{"best_ms", ms.front()}, {"median_ms", ms[ms.size() / 2]}, {"runs", runs}};
}

// Sums per group key "a|b" of the leaf rows (for the cross-check with DuckDB).
nlohmann::json Leaves(const std::vector<huoju::analytics::SummaryRow>& rows, size_t depth,
                      const std::vector<std::string>& codes, size_t series) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& r : rows) {
    if (static_cast<size_t>(r.level) != depth) {
      continue;
    }
    std::string key;
    for (uint32_t k : r.keys) {
      key += (key.empty() ? "" : "|") + std::to_string(k);
    }
    nlohmann::json cell = {{"units", r.series[series].units}};
    for (size_t c = 0; c < codes.size(); ++c) {
      cell[codes[c]] = r.series[series].cells[c].sum;
      cell["n_" + codes[c]] = r.series[series].cells[c].count;
    }
    out[key] = cell;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t units = 600000;
  int runs = 5;
  int threads = 2;
  size_t extra = 20;
  std::string catalog_dir = std::string(HUOJU_SOURCE_DIR) + "/catalog/2024";
  std::string csv_prefix;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Die(a + " needs a value");
      }
      return argv[++i];
    };
    if (a == "--units") {
      units = std::stoul(next());
    } else if (a == "--runs") {
      runs = std::stoi(next());
    } else if (a == "--threads") {
      threads = std::stoi(next());
    } else if (a == "--catalog") {
      catalog_dir = next();
    } else if (a == "--extra") {
      extra = std::stoul(next());
    } else if (a == "--csv-prefix") {
      csv_prefix = next();
    } else {
      Die("unknown argument " + a);
    }
  }
  auto loaded = huoju::catalog::LoadCatalog(catalog_dir);
  if (!loaded.ok()) {
    Die("catalog " + catalog_dir + " does not load");
  }
  GenData cur_data, prev_data;
  std::string error;
  if (!huoju::bench::Generate(*loaded.catalog, units, 1, &cur_data, &error) ||
      !huoju::bench::Generate(*loaded.catalog, units, 2, &prev_data, &error)) {
    Die(error);
  }
  huoju::bench::AddSyntheticColumns(cur_data, extra, 1);
  huoju::bench::AddSyntheticColumns(prev_data, extra, 2);
  const auto cols = huoju::bench::NumericColumns(cur_data);
  // 95 % of the units file in both years: this year's ids start N/20 later.
  const auto shift = static_cast<int64_t>(units / 20);
  const Snapshot cur = Lay(cur_data, cols, 1 + shift);
  const Snapshot prev = Lay(prev_data, huoju::bench::NumericColumns(prev_data), 1);
  if (!csv_prefix.empty()) {
    WriteCsv(cur_data, cols, 1 + shift, csv_prefix + "cur.csv");
    WriteCsv(prev_data, huoju::bench::NumericColumns(prev_data), 1, csv_prefix + "prev.csv");
  }
  std::vector<size_t> all(cur.indicators.size());
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  auto less = [](Dimension, uint32_t a, uint32_t b) { return a < b; };
  huoju::analytics::SummarySpec by_ps;
  by_ps.by = {Dimension::kProvince, Dimension::kIndustrySection};
  by_ps.columns = all;
  by_ps.threads = threads;
  huoju::analytics::SummarySpec by_zone = by_ps;
  by_zone.by = {Dimension::kZone};
  huoju::analytics::YoySpec yoy;
  yoy.by = {Dimension::kProvince};
  yoy.current_columns = all;
  yoy.previous_columns = all;
  yoy.threads = threads;

  std::vector<huoju::analytics::SummaryRow> r_ps, r_zone, r_yoy;
  nlohmann::json out;
  out["units"] = units;
  out["indicators"] = cur.indicators.size();
  out["threads"] = threads;
  out["memory_bytes"] = cur.MemoryBytes();
  out["memory_mb_per_100k"] =
      static_cast<double>(cur.MemoryBytes()) / static_cast<double>(units) * 100000 / 1e6;
  out["province_section"] = Time(runs, [&] { r_ps = Summarize(cur, by_ps, less); });
  out["zone"] = Time(runs, [&] { r_zone = Summarize(cur, by_zone, less); });
  out["yoy"] = Time(runs, [&] { r_yoy = YearOnYear(cur, prev, yoy, less); });
  out["comparable_units"] = r_yoy[0].series[0].units;
  out["results"] = {{"province_section", Leaves(r_ps, 2, cur.indicators, 0)},
                    {"zone", Leaves(r_zone, 1, cur.indicators, 0)},
                    {"yoy_current", Leaves(r_yoy, 1, cur.indicators, 0)},
                    {"yoy_previous", Leaves(r_yoy, 1, cur.indicators, 1)}};
  std::cout << out.dump() << "\n";
  return 0;
}
