#include "huoju/rules/fixtures.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "huoju/catalog/yaml_json.hpp"

namespace huoju::rules {
namespace {

std::string JoinIds(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    out += out.empty() ? id : "，" + id;
  }
  return out.empty() ? "（无）" : out;
}

}  // namespace

FixtureReport RunFixtures(const CompiledCatalog& compiled, const std::string& catalog_dir) {
  FixtureReport report;
  const catalog::Catalog& cat = compiled.catalog();
  namespace fs = std::filesystem;
  fs::path dir = fs::path(catalog_dir) / "fixtures";
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".yaml") {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  // Per rule id: seen failing / seen passing in some case of its form.
  std::map<std::string, std::pair<bool, bool>> coverage;
  std::set<std::string> forms_with_fixtures;
  const PeriodInfo period = PeriodInfo::Year(cat.year);

  for (const auto& path : files) {
    const std::string rel = fs::relative(path, catalog_dir, ec).string();
    ++report.files;
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& e) {
      report.problems.push_back(
          {{rel, e.mark.line + 1, e.mark.column + 1}, "夹具文件不是有效的 YAML：" + e.msg});
      continue;
    }
    std::string form = doc["form"] ? doc["form"].as<std::string>("") : "";
    const catalog::Form* f = cat.FindForm(form);
    if (f == nullptr) {
      report.problems.push_back({{rel, 1, 1}, fmt::format("夹具文件指向不存在的报表“{}”", form)});
      continue;
    }
    forms_with_fixtures.insert(form);
    for (const auto& rule : f->rules) {
      coverage.emplace(rule.id, std::make_pair(false, false));
    }
    for (const auto& c : doc["cases"]) {
      ++report.cases;
      const std::string name = c["name"] ? c["name"].as<std::string>("") : "";
      catalog::SourceRef where{rel, c.Mark().line + 1, c.Mark().column + 1};
      nlohmann::json current = nlohmann::json::object();
      nlohmann::json own =
          c["values"] ? catalog::YamlToJson(c["values"]) : nlohmann::json::object();
      if (c["rows"]) {
        const nlohmann::json tables =
            catalog::YamlToJson(c["rows"]);  // named: items() does not own it
        for (const auto& [table, rows] : tables.items()) {
          own[table] = rows;
        }
      }
      current[form] = own;
      if (c["other_forms"]) {
        const nlohmann::json others = catalog::YamlToJson(c["other_forms"]);
        for (const auto& [other, values] : others.items()) {
          current[other] = values;
        }
      }
      auto data = UnitPeriodData::FromJson(compiled, current);
      if (!data.ok()) {
        report.problems.push_back(
            {where, fmt::format("夹具“{}”的数据无效：{}", name, data.status().message())});
        continue;
      }
      std::optional<UnitPeriodData> previous;
      if (c["previous"]) {
        auto prev =
            UnitPeriodData::FromJson(compiled, {{form, catalog::YamlToJson(c["previous"])}});
        if (!prev.ok()) {
          report.problems.push_back(
              {where, fmt::format("夹具“{}”的上期数据无效：{}", name, prev.status().message())});
          continue;
        }
        previous = std::move(prev).value();
      }
      std::set<std::string> expected;
      for (const auto& id : c["expect"]) {
        expected.insert(id.as<std::string>());
      }
      std::set<std::string> actual;
      for (const auto& failure :
           compiled.Evaluate(form, *data, previous ? &*previous : nullptr, period)) {
        actual.insert(failure.rule_id);
      }
      for (const auto& rule : f->rules) {
        auto& seen = coverage[rule.id];
        (actual.count(rule.id) != 0 ? seen.first : seen.second) = true;
      }
      if (actual == expected) {
        ++report.passed;
      } else {
        report.problems.push_back(
            {where, fmt::format("夹具“{}”：应不通过的规则为 {}，实际不通过的为 {}", name,
                                JoinIds(expected), JoinIds(actual))});
      }
    }
  }
  for (const auto& f : cat.forms) {
    for (const auto& rule : f.rules) {
      auto it = coverage.find(rule.id);
      if (it == coverage.end()) {
        report.problems.push_back(
            {rule.source,
             fmt::format("规则 {} 没有夹具（报表 {} 缺少夹具文件）", rule.id, f.code)});
        continue;
      }
      if (!it->second.first) {
        report.problems.push_back(
            {rule.source, fmt::format("规则 {} 没有不通过的夹具样例", rule.id)});
      }
      if (!it->second.second) {
        report.problems.push_back(
            {rule.source, fmt::format("规则 {} 没有通过的夹具样例", rule.id)});
      }
    }
  }
  return report;
}

}  // namespace huoju::rules
