// bench/audit_benchmark.cpp — (a) one filing through the audit engine.
//
// Loads catalog/2024 (LoadCatalog), compiles it, and times CompiledCatalog::Evaluate of one
// realistic, passing filing of each GQ form: the "完整且正确的填报" case of the form's fixture file
// (catalog/2024/fixtures/GQ-00N.yaml), with the other forms of the same unit and a previous-year
// filing so that cross-form and prev() rules run. For GQ-002 the unit also files GQ-003 (its
// fixture) and the previous year holds both forms. A failing GQ-002 filing (several rules fire,
// messages formatted) is timed too.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "huoju/catalog/loader.hpp"
#include "huoju/catalog/yaml_json.hpp"
#include "huoju/rules/engine.hpp"

namespace {

using huoju::rules::CompiledCatalog;
using huoju::rules::UnitPeriodData;

// HUOJU_CATALOG overrides the catalog directory (bench/audit.sh passes it).
const std::string kCatalog = std::getenv("HUOJU_CATALOG") != nullptr
                                 ? std::string(std::getenv("HUOJU_CATALOG"))
                                 : std::string(HUOJU_SOURCE_DIR) + "/catalog/2024";


struct Fixture {
  nlohmann::json current = nlohmann::json::object();   // form → values
  nlohmann::json previous = nlohmann::json::object();  // form → values
};

// The first case of a form's fixture file (the complete, passing filing).
Fixture FirstCase(const std::string& form) {
  YAML::Node doc = YAML::LoadFile(kCatalog + "/fixtures/" + form + ".yaml");
  const YAML::Node c = doc["cases"][0];
  Fixture f;
  nlohmann::json own = c["values"] ? huoju::catalog::YamlToJson(c["values"]) : nlohmann::json::object();
  if (c["rows"]) {
    const nlohmann::json tables = huoju::catalog::YamlToJson(c["rows"]);
    for (const auto& [table, rows] : tables.items()) {
      own[table] = rows;
    }
  }
  f.current[form] = own;
  if (c["other_forms"]) {
    const nlohmann::json others = huoju::catalog::YamlToJson(c["other_forms"]);
    for (const auto& [other, values] : others.items()) {
      f.current[other] = values;
    }
  }
  if (c["previous"]) {
    f.previous[form] = huoju::catalog::YamlToJson(c["previous"]);
  }
  return f;
}

struct Env {
  std::shared_ptr<const CompiledCatalog> cc;
  Env() {
    auto loaded = huoju::catalog::LoadCatalog(kCatalog);
    if (!loaded.ok()) {
      std::fprintf(stderr, "catalog %s does not load: %s\n", kCatalog.c_str(),
                   loaded.problems.empty() ? "" : loaded.problems[0].ToString().c_str());
      std::abort();
    }
    std::shared_ptr<const huoju::catalog::Catalog> cat(std::move(loaded.catalog));
    cc = CompiledCatalog::Compile(cat, nullptr);
    if (cc == nullptr) {
      std::fprintf(stderr, "catalog does not compile\n");
      std::abort();
    }
  }
};
const Env& E() {
  static const Env env;
  return env;
}

UnitPeriodData Data(const nlohmann::json& forms) {
  auto r = UnitPeriodData::FromJson(*E().cc, forms);
  if (!r.ok()) {
    std::fprintf(stderr, "bad filing: %s\n", r.status().message().c_str());
    std::abort();
  }
  return std::move(r).value();
}

void RunEvaluate(benchmark::State& state, const std::string& form, const UnitPeriodData& cur,
                 const UnitPeriodData* prev, size_t expect_failures) {
  const auto& cc = *E().cc;
  const int fi = cc.FormIndex(form);
  const auto period = huoju::rules::PeriodInfo::Year(2024);
  std::vector<huoju::rules::Failure> out;
  out.reserve(64);
  cc.Evaluate(fi, cur, prev, period, &out);
  if (out.size() != expect_failures) {
    state.SkipWithError(("unexpected failure count " + std::to_string(out.size())).c_str());
    return;
  }
  for (auto _ : state) {
    out.clear();
    cc.Evaluate(fi, cur, prev, period, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["catalog_rules"] = static_cast<double>(cc.catalog().forms[fi].rules.size());
  state.counters["failures"] = static_cast<double>(out.size());
}

// Every GQ form: its fixture's complete filing, with the fixture's other forms and previous year.
void BM_EvaluateFiling(benchmark::State& state, const std::string& form) {
  Fixture f = FirstCase(form);
  if (form == "GQ-002") {  // the unit's GQ-003 of the same year and a previous year of both
    Fixture g = FirstCase("GQ-003");
    f.current["GQ-003"] = g.current["GQ-003"];
    f.previous["GQ-003"] = g.previous["GQ-003"];
  }
  UnitPeriodData cur = Data(f.current);
  std::optional<UnitPeriodData> prev;
  if (!f.previous.empty()) {
    prev = Data(f.previous);
  }
  RunEvaluate(state, form, cur, prev ? &*prev : nullptr, 0);
}

// GQ-002 with seven failing rules: failures, messages and cells are built.
void BM_EvaluateFailingGQ002(benchmark::State& state) {
  Fixture f = FirstCase("GQ-002");
  auto& v = f.current["GQ-002"];
  v["qc55"] = 120000;    // R01
  v["qc06_1"] = 9000;    // R02, R03, (sum) R23
  v["qc31"] = 95000;     // R13
  v["qc12"] = 14000;     // R21
  v["qc24"] = 320000;    // R11, R13, R28 (vs previous 180000)
  UnitPeriodData cur = Data(f.current);
  UnitPeriodData prev = Data(f.previous);
  const auto& cc = *E().cc;
  std::vector<huoju::rules::Failure> out;
  cc.Evaluate(cc.FormIndex("GQ-002"), cur, &prev, huoju::rules::PeriodInfo::Year(2024), &out);
  RunEvaluate(state, "GQ-002", cur, &prev, out.size());
}

}  // namespace

BENCHMARK_CAPTURE(BM_EvaluateFiling, GQ-001, std::string("GQ-001"));
BENCHMARK_CAPTURE(BM_EvaluateFiling, GQ-002, std::string("GQ-002"));
BENCHMARK_CAPTURE(BM_EvaluateFiling, GQ-003, std::string("GQ-003"));
BENCHMARK_CAPTURE(BM_EvaluateFiling, GQ-004, std::string("GQ-004"));
BENCHMARK_CAPTURE(BM_EvaluateFiling, GQ-005, std::string("GQ-005"));
BENCHMARK(BM_EvaluateFailingGQ002);

BENCHMARK_MAIN();
