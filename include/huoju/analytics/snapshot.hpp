// huoju/analytics/snapshot.hpp
//
// The columnar in-memory snapshot of one (form, period): per filing its ids, org path, state
// and review level, the dimension values summaries group by, and one column per numeric
// indicator of the form (doubles, 0 where blank, plus a missing bitmap, the layout
// rules::BatchEvaluate reads). Rows are in unit-id order when built, so two periods line up
// for year-on-year work by a merge.
//
// SQL stays the truth. A snapshot is built from the store on first use and, before every
// use, catches up from the store: it re-reads the filings of its period (its form and the
// forms its dimensions come from) whose updated_at is at or after the newest one it has seen
// minus a lag window (Options::lag_millis, for transactions that commit after a later-stamped
// one), and upserts them by filing id. So it needs no hooks in the workflow and sees the
// writes of every server process sharing the database. Rebuild() drops it; the next use
// builds it again. The catch-up query uses the index filing_changes(period_key, updated_at)
// (migration 6).
//
// Dimensions: province, city and zone are org node ids (the unit's lineage; its zone_id when
// set); industry 门类/大类 from the unit's GB/T 4754 code; registration type and high-tech
// field from the unit's GQ-001 of the same period (qb06, qb16); size class (大中小微) from
// GQ-003 qd01 (从业人员), GQ-002 qc05_0 and qc24 (营业收入, 资产总计, 千元) — see
// DimensionSources. Values are interned in dictionaries shared by every snapshot, so the
// same code has the same id in every period.
//
// Memory (Snapshot::MemoryBytes(), measured by bench/summary.sh, bench/results/summary.md):
// 104 MB per 100,000 filings of 106 numeric indicators, i.e. 8 bytes per value plus a missing
// bit, and about 180 bytes per filing (ids, org path, dimension ids, the id indexes); a GQ-002
// snapshot (65 numeric indicators) takes about 71 MB per 100,000 filings.
//
// Thread-safety: Snapshots is thread-safe. Read() runs its callback under a shared lock of
// every snapshot's data; catching up takes the exclusive lock only to apply parsed changes.
// All methods that touch the store block: call them from worker threads.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "huoju/catalog/model.hpp"
#include "huoju/core/status.hpp"
#include "huoju/org/directory.hpp"
#include "huoju/rules/engine.hpp"
#include "huoju/store/database.hpp"

namespace huoju::analytics {

enum class Dimension : uint8_t {
  kProvince,
  kCity,
  kZone,
  kIndustrySection,
  kIndustryDivision,
  kHighTechField,
  kRegistrationType,
  kSizeClass,
  kState,
};
constexpr size_t kDimensionCount = 9;

const char* DimensionCode(Dimension d);  ///< province, city, zone, industry_section, …
const char* DimensionName(Dimension d);  ///< 省份, 地市, 园区, 行业门类, …
std::optional<Dimension> ParseDimension(std::string_view code);

/// Code of "no value" in every dimension (未分类).
inline constexpr std::string_view kNoValue = "-";

/// Where the enterprise dimensions come from: a form of the same period and an indicator.
struct DimensionSources {
  struct Source {
    std::string form;
    std::string indicator;
  };
  Source registration_type{"GQ-001", "qb06"};
  Source high_tech_field{"GQ-001", "qb16"};
  Source employees{"GQ-003", "qd01"};  ///< 人
  Source revenue{"GQ-002", "qc05_0"};  ///< 千元
  Source assets{"GQ-002", "qc24"};     ///< 千元
};

/// Code ↔ dense id for one dimension. Id 0 is kNoValue. Thread-safe; ids are never reused.
class Dictionary {
 public:
  Dictionary();
  uint32_t Intern(std::string_view code);
  /// Id of `code`, or nullopt when never seen.
  std::optional<uint32_t> Find(std::string_view code) const;
  std::string Code(uint32_t id) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::deque<std::string> codes_;
  std::unordered_map<std::string, uint32_t> ids_;
};

/// One (form, period). Read it only inside Snapshots::Read().
struct Snapshot {
  std::string form_code;
  std::string period_key;
  int catalog_year = 0;
  std::vector<std::string> indicators;  ///< numeric indicator codes, in column order
  std::unordered_map<std::string, size_t> indicator_index;

  // One entry per filing (row).
  std::vector<int64_t> filing_id;
  std::vector<int64_t> unit_id;
  std::vector<int64_t> version;
  std::vector<int64_t> updated_at;
  std::vector<std::string> unit_path;
  std::vector<uint8_t> state;                               ///< filing::FilingState
  std::vector<uint8_t> review_level;                        ///< level holding a submitted filing
  std::array<std::vector<uint32_t>, kDimensionCount> dims;  ///< dictionary ids
  std::vector<rules::NumericColumn> columns;  ///< per indicator; values 0 where missing

  std::unordered_map<int64_t, uint32_t> row_of_filing;
  std::unordered_map<int64_t, uint32_t> row_of_unit;
  bool unit_ordered = true;  ///< rows ascend by unit id

  /// Per unit, the raw inputs of the enterprise dimensions (from whichever form holds them).
  struct UnitAttributes {
    std::string registration_type;
    std::string high_tech_field;
    std::optional<double> employees, revenue, assets;
  };
  std::unordered_map<int64_t, UnitAttributes> attributes;
  /// Versions of the attribute forms' filings applied, by filing id (to skip re-reads).
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> attribute_seen;  ///< version, at

  int64_t cursor = 0;        ///< newest updated_at seen
  int64_t refreshed_at = 0;  ///< wall-clock millis of the last catch-up

  size_t rows() const { return filing_id.size(); }
  bool Missing(size_t column, size_t row) const {
    const auto& m = columns[column].missing;
    return (m[row / 64] >> (row % 64)) & 1U;
  }
  /// Approximate heap bytes held (columns, per-row vectors, indexes).
  size_t MemoryBytes() const;
};

class Snapshots {
 public:
  struct Options {
    int64_t lag_millis = 10000;  ///< re-read window behind the newest updated_at seen
    size_t page_rows = 20000;    ///< filings per store query while building
  };
  /// The catalog of a catalog year, or null.
  using CatalogLookup = std::function<const catalog::Catalog*(int year)>;

  Snapshots(store::Database& db, const org::Directory& directory, CatalogLookup catalogs,
            Options options, DimensionSources sources = {});
  ~Snapshots();
  Snapshots(const Snapshots&) = delete;
  Snapshots& operator=(const Snapshots&) = delete;

  /// Brings the snapshots of `keys` ({form, period}) up to date (building them on first use)
  /// and runs `fn` on them in that order under a shared lock. Fails when
  /// a period is not open for the form (validation_failed, field `period`), or the form has no
  /// catalog (field `form`). Blocking.
  using Key = std::pair<std::string, std::string>;
  Status Read(const std::vector<Key>& keys,
              const std::function<Status(const std::vector<const Snapshot*>&)>& fn);

  /// Drops a snapshot; the next Read() builds it from the store.
  void Rebuild(const std::string& form_code, const std::string& period_key);

  const Dictionary& dictionary(Dimension d) const { return dictionaries_[static_cast<size_t>(d)]; }
  /// Display name of a dimension value (org node name, industry, code-list entry, …).
  std::string ValueName(Dimension d, const std::string& code, int catalog_year) const;
  const org::Directory& directory() const { return directory_; }

 private:
  struct Entry;
  struct Change;
  Result<Entry*> EntryFor(const Key& key);
  Status Build(Entry& e);
  Status CatchUp(Entry& e);
  /// Upserts store rows into `s`: while building (no lock, `s` not yet published, rows with
  /// values_json) or catching up (values read for changed filings only, applied under the lock).
  Status ApplyRows(Snapshot& s, const store::Rows& rows, bool building);
  void SetUnitDimensions(Snapshot& s, size_t row);
  void SetAttributeDimensions(Snapshot& s, size_t row);
  std::vector<std::string> AttributeForms(const std::string& form_code) const;

  store::Database& db_;
  const org::Directory& directory_;
  CatalogLookup catalogs_;
  Options options_;
  DimensionSources sources_;
  std::array<Dictionary, kDimensionCount> dictionaries_;

  std::mutex entries_mu_;
  std::map<Key, std::unique_ptr<Entry>> entries_;
  std::shared_mutex data_mu_;  ///< guards every Snapshot's data
};

/// One top-level member value of a flat JSON object, as ScanValues() sees it.
struct ScannedValue {
  bool is_string = false;  ///< a JSON string (else a JSON number)
  std::string_view text;   ///< the string's content (unescaped only when it had no escapes) or
                           ///< the number's token
};

/// Reads the top-level members of a JSON object: numbers and strings go to `fn`; arrays,
/// objects, booleans and nulls are skipped. Invalid when the text is not one JSON object.
/// Much faster than a DOM for values_json, where most members are numbers.
Status ScanValues(std::string_view json,
                  const std::function<void(std::string_view key, const ScannedValue& value)>& fn);

/// The number a scanned value holds (a JSON number or a numeric string), or nullopt.
std::optional<double> NumberOf(const ScannedValue& v);

}  // namespace huoju::analytics
