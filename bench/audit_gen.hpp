// bench/audit_gen.hpp
//
// Deterministic generator of a whole period of GQ-002 (经济概况) and GQ-003 (人员概况) filings for
// the audit benchmark (bench/audit.sh): N units with realistic magnitudes, every numeric indicator
// of both forms plus the code cells of GQ-002, the previous year's values that the prev() rules
// read, about 10 % blank cells and a few per cent deliberate violations of each rule. The same
// seed and N give the same data on every run (per-unit random streams, no library distributions).
//
// Values are held as integers in the indicator's smallest unit (decimal(15,1) → tenths), so
// value = raw / scale is the correctly rounded double of the decimal text written to the CSV:
// the C++ columns and DuckDB's DOUBLE parse of the CSV hold bit-identical numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "huoju/catalog/model.hpp"

namespace huoju::bench {

struct GenColumn {
  std::string form;       ///< GQ-002
  std::string code;       ///< qc05_0
  bool previous = false;  ///< the previous period's value of the same unit
  bool text = false;      ///< a code cell (qc226_1): code_index instead of raw
  int64_t scale = 1;      ///< value = raw / scale
  std::string csv_name;   ///< qc05_0, or p_qc05_0 for previous
  std::vector<int64_t> raw;
  std::vector<int8_t> code_index;  ///< text: index into codes, -1 = blank
  std::vector<std::string> codes;
  std::vector<uint64_t> missing;  ///< bit i set = unit i blank

  bool IsMissing(size_t i) const { return ((missing[i >> 6] >> (i & 63)) & 1) != 0; }
  double Value(size_t i) const { return static_cast<double>(raw[i]) / static_cast<double>(scale); }
};

struct GenData {
  size_t units = 0;
  uint64_t seed = 0;
  std::vector<GenColumn> columns;
  size_t cells = 0;        ///< all current-period cells (numbers + codes)
  size_t blank_cells = 0;  ///< of those, blank
  size_t units_with_previous = 0;

  /// Index in columns, or -1.
  int Find(const std::string& form, const std::string& code, bool previous) const;
};

/// Generates `units` units. Fails (returns false, fills *error) when the catalog's GQ-002/GQ-003
/// indicators are not the ones the generator knows (a new indicator, another decimal scale).
bool Generate(const catalog::Catalog& cat, size_t units, uint64_t seed, GenData* out,
              std::string* error);

/// Writes unit_id + every column as CSV with a header (blank = empty field). Returns bytes.
size_t WriteCsv(const GenData& data, const std::string& path, std::string* error);

/// A deterministic hash of `x` in 1..n (splitmix finaliser).
uint32_t MixHash(uint64_t x, uint32_t n);

/// Appends `n` synthetic indicators (x01, …: decimals in tenths up to 10^7, 10 % blank) so that
/// the data carries 100+ indicators; GQ-002 + GQ-003 have 86 numeric ones.
void AddSyntheticColumns(GenData& d, size_t n, uint64_t seed);

/// The numeric current-period columns of the generated data, in order.
std::vector<size_t> NumericColumns(const GenData& d);

}  // namespace huoju::bench
