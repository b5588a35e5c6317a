// bench/audit_batch.cpp — a whole period through the columnar audit engine.
//
// Generates N units of GQ-002 + GQ-003 (bench/audit_gen.hpp), optionally writes them as CSV for
// the DuckDB peer and the catalog's rule definitions as JSON for its SQL translator, builds the
// BatchColumns each form's columnar rules read (CompiledCatalog::BatchColumnsNeeded), and times
// CompiledCatalog::BatchEvaluate over all units (best of --runs). Rules that cannot run on
// columns (code cells) go through BatchOptions::load_filing, which fills one reused
// UnitPeriodData per unit from the same in-memory columns; that time is included.
// Also: the same batch with BatchOptions::threads = 2, and a check that the batch counts equal
// per-filing Evaluate on every unit. Prints one JSON object on stdout.
//
// Usage: audit_batch [--units N] [--seed S] [--runs R] [--csv FILE] [--rules-json FILE]
//                    [--catalog DIR] [--no-verify]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/audit_gen.hpp"
#include "huoju/catalog/loader.hpp"
#include "huoju/rules/engine.hpp"

namespace {

using huoju::bench::GenColumn;
using huoju::bench::GenData;
using huoju::rules::BatchColumns;
using huoju::rules::BatchOptions;
using huoju::rules::CompiledCatalog;
using huoju::rules::NumericColumn;
using huoju::rules::PeriodInfo;
using huoju::rules::UnitPeriodData;
using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "audit_batch: %s\n", msg.c_str());
  std::exit(1);
}

const char* const kForms[] = {"GQ-002", "GQ-003"};

// Fills one reused UnitPeriodData (current, and previous) from the generated columns of one
// form, through the slot-level API: what a bulk loader of filings would do.
class FilingLoader {
 public:
  FilingLoader(const CompiledCatalog& cc, const GenData& data,
               const std::vector<std::string>& forms)
      : data_(data), cur_(cc), prev_(cc) {
    for (const auto& fc : forms) {
      int fi = cc.FormIndex(fc);
      for (size_t c = 0; c < data.columns.size(); ++c) {
        const GenColumn& col = data.columns[c];
        if (col.form != fc) {
          continue;
        }
        auto [kind, slot] = cc.Slot(fi, col.code);
        if (slot < 0) {
          Die("no slot for " + col.form + "." + col.code);
        }
        (col.previous ? prev_cells_ : cur_cells_).push_back({static_cast<int>(c), fi, kind, slot});
      }
      cur_.form(fi);  // sizes the form's slots and marks it filed
      prev_.form(fi);
    }
  }
  // Loads unit `u` (index into the generated data).
  void Load(size_t u, const UnitPeriodData** cur, const UnitPeriodData** prev) {
    for (const Cell& c : cur_cells_) {
      const GenColumn& col = data_.columns[c.column];
      auto& f = cur_.form(c.form);
      if (c.kind == 1) {
        if (col.IsMissing(u)) {
          f.texts[c.slot].clear();
        } else {
          f.texts[c.slot] = col.codes[static_cast<size_t>(col.code_index[u])];
        }
      } else {
        f.numbers[c.slot] = col.IsMissing(u) ? std::nan("") : col.Value(u);
      }
    }
    bool any_prev = false;
    for (const Cell& c : prev_cells_) {
      const GenColumn& col = data_.columns[c.column];
      bool blank = col.IsMissing(u);
      any_prev = any_prev || !blank;
      prev_.form(c.form).numbers[c.slot] = blank ? std::nan("") : col.Value(u);
    }
    *cur = &cur_;
    *prev = any_prev ? &prev_ : nullptr;  // no previous values at all: no previous filing
  }

 private:
  struct Cell {
    int column, form, kind, slot;
  };
  const GenData& data_;
  UnitPeriodData cur_, prev_;
  std::vector<Cell> cur_cells_, prev_cells_;
};

// The columns BatchColumnsNeeded asks for, cut from the generated data for units [begin, end).
BatchColumns MakeColumns(const std::vector<huoju::rules::ColumnSpec>& needs, const GenData& data,
                         size_t begin, size_t end) {
  BatchColumns bc;
  bc.units = end - begin;
  for (const auto& spec : needs) {
    int c = data.Find(spec.form_code, spec.indicator, spec.previous);
    if (c < 0 || data.columns[c].text) {
      Die("the generator has no numeric column " + spec.form_code + "." + spec.indicator +
          (spec.previous ? " (previous)" : ""));
    }
    const GenColumn& g = data.columns[c];
    NumericColumn col;
    col.values.resize(bc.units);
    col.missing.assign((bc.units + 63) / 64, 0);
    for (size_t i = begin; i < end; ++i) {
      col.values[i - begin] = g.Value(i);
      if (g.IsMissing(i)) {
        col.missing[(i - begin) >> 6] |= uint64_t{1} << ((i - begin) & 63);
      }
    }
    bc.Add(spec, std::move(col));
  }
  return bc;
}

struct FormBatch {
  std::string form;
  BatchColumns columns;
};

// Runs BatchEvaluate for every form over one slice; adds counts into `counts`.
void RunSlice(const CompiledCatalog& cc, const GenData& data, std::vector<FormBatch>& batches,
              size_t offset, bool with_fallback, int threads,
              std::map<std::string, uint64_t>* counts, std::map<std::string, bool>* columnar) {
  const PeriodInfo period = PeriodInfo::Year(2024);
  for (auto& fb : batches) {
    BatchOptions opt;
    opt.threads = threads;
    opt.previous_catalog = &cc;  // prev() reads last year's filings laid out by this catalog
    std::unique_ptr<FilingLoader> loader;
    if (with_fallback) {
      loader = std::make_unique<FilingLoader>(cc, data, std::vector<std::string>{fb.form});
      opt.load_filing = [&](size_t unit, const UnitPeriodData** cur, const UnitPeriodData** prev) {
        loader->Load(offset + unit, cur, prev);
      };
    }
    auto r = cc.BatchEvaluate(fb.form, fb.columns, period, opt);
    if (!r.ok()) {
      Die("BatchEvaluate " + fb.form + ": " + r.status().message());
    }
    for (const auto& rc : r->rules) {
      if (rc.evaluated) {
        (*counts)[rc.rule_id] += rc.failures;
      }
      if (columnar != nullptr) {
        (*columnar)[rc.rule_id] = rc.columnar;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t units = 600000;
  uint64_t seed = 20240101;
  int runs = 3;
  bool verify = true;
  std::string csv_path, rules_path, catalog_dir = std::string(HUOJU_SOURCE_DIR) + "/catalog/2024";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Die("missing value after " + a);
      }
      return argv[++i];
    };
    if (a == "--units") {
      units = std::stoull(next());
    } else if (a == "--seed") {
      seed = std::stoull(next());
    } else if (a == "--runs") {
      runs = std::max(1, std::stoi(next()));
    } else if (a == "--csv") {
      csv_path = next();
    } else if (a == "--rules-json") {
      rules_path = next();
    } else if (a == "--catalog") {
      catalog_dir = next();
    } else if (a == "--no-verify") {
      verify = false;
    } else {
      Die("unknown argument " + a);
    }
  }

  auto loaded = huoju::catalog::LoadCatalog(catalog_dir);
  if (!loaded.ok()) {
    Die("catalog " + catalog_dir + " does not load" +
        (loaded.problems.empty() ? "" : ": " + loaded.problems[0].ToString()));
  }
  std::shared_ptr<const huoju::catalog::Catalog> cat(std::move(loaded.catalog));
  std::vector<huoju::catalog::Problem> problems;
  auto cc = CompiledCatalog::Compile(cat, &problems);
  if (cc == nullptr) {
    Die("catalog rules do not compile" + (problems.empty() ? "" : ": " + problems[0].ToString()));
  }

  nlohmann::json out;
  out["units"] = units;
  out["seed"] = seed;
  out["hardware_threads"] = std::thread::hardware_concurrency();

  GenData data;
  std::string err;
  auto t0 = Clock::now();
  if (!huoju::bench::Generate(*cat, units, seed, &data, &err)) {
    Die(err);
  }
  auto t1 = Clock::now();
  out["generate_ms"] = Ms(t0, t1);
  out["cells"] = data.cells;
  out["blank_cells"] = data.blank_cells;
  out["units_with_previous"] = data.units_with_previous;
  size_t numeric = 0, text = 0, previous = 0;
  for (const auto& c : data.columns) {
    (c.previous ? previous : c.text ? text : numeric) += 1;
  }
  out["indicators"] = {{"numeric", numeric}, {"code", text}, {"previous_year", previous}};
  if (!csv_path.empty()) {
    t0 = Clock::now();
    size_t bytes = huoju::bench::WriteCsv(data, csv_path, &err);
    if (bytes == 0) {
      Die(err);
    }
    out["csv_ms"] = Ms(t0, Clock::now());
    out["csv_bytes"] = bytes;
  }

  // Rule definitions for the DuckDB peer's translator: the catalog's rules, the indicator
  // definitions the built-in checks derive from, the code lists, and the CSV column names.
  std::vector<std::string> engine_ids;
  nlohmann::json rules_json;
  rules_json["code_lists"] = nlohmann::json::object();
  for (const char* fc : kForms) {
    const auto* form = cat->FindForm(fc);
    nlohmann::json f;
    f["code"] = form->code;
    f["ref"] = form->ref_name;
    for (const auto& sec : form->sections) {
      if (!sec.visible_when.empty()) {
        Die(std::string(fc) + ": sections with visible_when are not supported by the translator");
      }
    }
    for (const auto& ind : form->indicators) {
      nlohmann::json j = {{"code", ind.code},
                          {"number", ind.type.IsNumber()},
                          {"code_list", ind.type.code_list},
                          {"kind", static_cast<int>(ind.type.kind)},
                          {"max_chars", ind.type.max_chars},
                          {"required", ind.required},
                          {"required_when", ind.required_when},
                          {"negative_allowed", ind.negative_allowed},
                          {"formula", ind.formula}};
      j["min"] = ind.min ? nlohmann::json(*ind.min) : nlohmann::json(nullptr);
      j["max"] = ind.max ? nlohmann::json(*ind.max) : nlohmann::json(nullptr);
      if (!ind.type.code_list.empty()) {
        nlohmann::json codes = nlohmann::json::array();
        for (const auto& code : cat->FindCodeList(ind.type.code_list)->all()) {
          codes.push_back(code.code);
        }
        rules_json["code_lists"][ind.type.code_list] = codes;
      }
      f["indicators"].push_back(j);
    }
    f["row_tables"] = form->row_tables.size();
    for (const auto& r : form->rules) {
      nlohmann::json j = {
          {"id", r.id},
          {"expr", r.expr},
          {"when", r.when},
          {"for_each", r.for_each},
          {"severity", r.severity == huoju::catalog::Severity::kError ? "error" : "warning"}};
      j["tolerance"] = r.tolerance ? nlohmann::json(*r.tolerance) : nlohmann::json(nullptr);
      f["rules"].push_back(j);
    }
    rules_json["forms"].push_back(f);
  }
  nlohmann::json colmap = nlohmann::json::object();
  for (const auto& c : data.columns) {
    colmap[c.form + (c.previous ? "|prev|" : "|") + c.code] = c.csv_name;
    if (c.text) {
      rules_json["text_columns"].push_back(c.csv_name);
    }
  }
  rules_json["columns"] = colmap;

  // Batch columns per form, for all units.
  std::vector<FormBatch> all;
  nlohmann::json forms_json;
  for (const char* fc : kForms) {
    auto needs = cc->BatchColumnsNeeded(fc, cc.get());
    all.push_back({fc, MakeColumns(needs, data, 0, units)});
    forms_json[fc]["columns_read"] = needs.size();
  }

  // Timed: BatchEvaluate of both forms over all units, best of `runs`: 1 thread, 1 thread
  // without load_filing (the columnar rules only), and BatchOptions::threads = 2 (worker
  // threads take chunks of units; load_filing runs on the calling thread meanwhile).
  std::map<std::string, uint64_t> counts;
  std::map<std::string, bool> columnar;
  std::vector<double> times, times_columnar_only, times_2t, times_columnar_2t;
  for (int r = 0; r < runs; ++r) {
    std::map<std::string, uint64_t> c;
    t0 = Clock::now();
    RunSlice(*cc, data, all, 0, true, 1, &c, r == 0 ? &columnar : nullptr);
    times.push_back(Ms(t0, Clock::now()));
    if (r == 0) {
      counts = c;
    } else if (c != counts) {
      Die("batch counts differ between runs");
    }
  }
  for (int r = 0; r < runs; ++r) {
    std::map<std::string, uint64_t> c;
    t0 = Clock::now();
    RunSlice(*cc, data, all, 0, false, 1, &c, nullptr);
    times_columnar_only.push_back(Ms(t0, Clock::now()));
  }
  std::map<std::string, uint64_t> counts_2t;
  for (int r = 0; r < runs; ++r) {
    std::map<std::string, uint64_t> c;
    t0 = Clock::now();
    RunSlice(*cc, data, all, 0, true, 2, &c, nullptr);
    times_2t.push_back(Ms(t0, Clock::now()));
    counts_2t = c;
  }
  for (int r = 0; r < runs; ++r) {
    std::map<std::string, uint64_t> c;
    t0 = Clock::now();
    RunSlice(*cc, data, all, 0, false, 2, &c, nullptr);
    times_columnar_2t.push_back(Ms(t0, Clock::now()));
  }
  auto best = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
  out["batch"] = {{"threads", 1}, {"runs_ms", times}, {"best_ms", best(times)}};
  out["batch_columnar_only"] = {
      {"threads", 1}, {"runs_ms", times_columnar_only}, {"best_ms", best(times_columnar_only)}};
  out["batch_2_threads"] = {{"threads", 2},
                            {"split", "BatchOptions::threads = 2"},
                            {"runs_ms", times_2t},
                            {"best_ms", best(times_2t)},
                            {"counts_equal_1_thread", counts_2t == counts}};
  out["batch_columnar_only_2_threads"] = {
      {"threads", 2}, {"runs_ms", times_columnar_2t}, {"best_ms", best(times_columnar_2t)}};
  if (counts_2t != counts) {
    Die("2-thread counts differ from 1-thread counts");
  }

  // Untimed against the peer: per-filing Evaluate of every unit must give the same counts.
  if (verify) {
    std::map<std::string, uint64_t> pf;
    for (const auto& [id, n] : counts) {
      pf[id] = 0;
    }
    FilingLoader loader(*cc, data, {"GQ-002", "GQ-003"});
    const PeriodInfo period = PeriodInfo::Year(2024);
    int fi[2] = {cc->FormIndex("GQ-002"), cc->FormIndex("GQ-003")};
    std::vector<huoju::rules::Failure> failures;
    t0 = Clock::now();
    for (size_t u = 0; u < units; ++u) {
      const UnitPeriodData* cur = nullptr;
      const UnitPeriodData* prev = nullptr;
      loader.Load(u, &cur, &prev);
      for (int f : fi) {
        failures.clear();
        cc->Evaluate(f, *cur, prev, period, &failures);
        for (const auto& fl : failures) {
          ++pf[fl.rule_id];
        }
      }
    }
    double ms = Ms(t0, Clock::now());
    out["per_filing"] = {{"ms", ms},
                         {"us_per_unit_both_forms", ms * 1000.0 / static_cast<double>(units)},
                         {"counts_equal_batch", pf == counts}};
    if (pf != counts) {
      for (const auto& [id, n] : pf) {
        if (counts[id] != n) {
          std::fprintf(stderr, "  %s: batch %llu, per filing %llu\n", id.c_str(),
                       static_cast<unsigned long long>(counts[id]),
                       static_cast<unsigned long long>(n));
        }
      }
      Die("batch counts differ from per-filing Evaluate");
    }
  }

  nlohmann::json counts_json = nlohmann::json::object();
  size_t rules_total = 0, rules_columnar = 0;
  for (const char* fc : kForms) {
    forms_json[fc]["catalog_rules"] = cat->FindForm(fc)->rules.size();
  }
  for (const auto& [id, n] : counts) {
    counts_json[id] = n;
    ++rules_total;
    rules_columnar += columnar[id] ? 1 : 0;
  }
  nlohmann::json fallback = nlohmann::json::array();
  for (const auto& [id, col] : columnar) {
    if (!col) {
      fallback.push_back(id);
    }
  }
  out["forms"] = forms_json;
  out["rules_total"] = rules_total;
  out["rules_columnar"] = rules_columnar;
  out["rules_per_filing_fallback"] = fallback;
  out["counts"] = counts_json;
  if (!rules_path.empty()) {
    rules_json["engine_rule_ids"] = nlohmann::json::array();
    for (const auto& [id, n] : counts) {
      rules_json["engine_rule_ids"].push_back(id);
    }
    std::ofstream(rules_path) << rules_json.dump(1);
  }
  std::cout << out.dump(1) << "\n";
  return 0;
}
