#include "huoju/app/audit_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "huoju/app/catalog_command.hpp"
#include "huoju/core/csv.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::app {
namespace {

constexpr int kExitUsage = 2;

constexpr const char* kHelp =
    R"(用法: huoju audit --catalog DIR --form 表号 --input 文件 [--previous 文件]

用目录中的审核规则审核文件中的填报数据，逐条列出不通过的规则（规则编号、强制性/核实性、说明、单元格）。
  --input 文件.json   一个单位本期的数据: {"GQ-002": {"qc05_0": 100, ...}, "GQ-003": {...}}，
                      或只含该表指标的对象 {"qc05_0": 100, ...}
  --input 文件.csv    每行一份该表的填报，首行为指标代码；可有名为 unit 的列标识单位
  --previous 文件.json 上期数据（prev() 使用），格式同 --input 的 JSON
退出状态: 0 无错误（可能有核实性提示），1 有强制性错误，2 用法或输入错误。
)";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "错误: %s\n", message.c_str());
  return kExitUsage;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Invalid(fmt::format("无法读取文件 {}", path));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Wraps a bare values object as {form: values}.
nlohmann::json AsForms(const nlohmann::json& j, const std::string& form,
                       const catalog::Catalog& cat) {
  for (const auto& [key, value] : j.items()) {
    if (cat.FindForm(key) != nullptr) {
      return j;
    }
  }
  return {{form, j}};
}

const char* SeverityName(catalog::Severity s) {
  return s == catalog::Severity::kError ? "强制性错误" : "核实性提示";
}

// Prints the failures; returns how many are errors.
int Print(const std::string& label, const std::vector<rules::Failure>& failures) {
  int errors = 0;
  for (const auto& f : failures) {
    std::string cells;
    for (const auto& c : f.cells) {
      cells += cells.empty() ? c : ", " + c;
    }
    std::printf("%s%s  %s  %s  单元格: %s\n", label.c_str(), f.rule_id.c_str(),
                SeverityName(f.severity), f.message.c_str(), cells.c_str());
    errors += f.severity == catalog::Severity::kError ? 1 : 0;
  }
  return errors;
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  std::string catalog_dir;
  std::string form;
  std::string input;
  std::string previous_path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s", kHelp);
      return 0;
    }
    std::string* target = args[i] == "--catalog"    ? &catalog_dir
                          : args[i] == "--form"     ? &form
                          : args[i] == "--input"    ? &input
                          : args[i] == "--previous" ? &previous_path
                                                    : nullptr;
    if (target == nullptr) {
      return UsageError(fmt::format("未知参数“{}”，运行 huoju audit --help 查看用法", args[i]));
    }
    if (i + 1 >= args.size()) {
      return UsageError(fmt::format("参数 {} 缺少取值", args[i]));
    }
    *target = args[++i];
  }
  if (catalog_dir.empty() || form.empty() || input.empty()) {
    return UsageError("需要 --catalog、--form 和 --input 三个参数");
  }
  catalog::LoadResult loaded = CheckCatalogDir(catalog_dir);
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) {
      std::fprintf(stderr, "%s/%s\n", catalog_dir.c_str(), p.ToString().c_str());
    }
    return UsageError(fmt::format("目录 {} 未通过检查，不能用于审核", catalog_dir));
  }
  std::shared_ptr<const catalog::Catalog> cat(std::move(loaded.catalog));
  std::vector<catalog::Problem> problems;
  auto compiled = rules::CompiledCatalog::Compile(cat, &problems);
  if (!compiled) {
    return UsageError("审核规则编译失败");
  }
  if (cat->FindForm(form) == nullptr) {
    return UsageError(fmt::format("目录中没有表号为“{}”的报表", form));
  }
  auto text = ReadFile(input);
  if (!text.ok()) {
    return UsageError(text.status().message());
  }
  std::optional<rules::UnitPeriodData> previous;
  if (!previous_path.empty()) {
    auto prev_text = ReadFile(previous_path);
    if (!prev_text.ok()) {
      return UsageError(prev_text.status().message());
    }
    auto j = nlohmann::json::parse(*prev_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return UsageError(fmt::format("{} 不是有效的 JSON 对象", previous_path));
    }
    auto data = rules::UnitPeriodData::FromJson(*compiled, AsForms(j, form, *cat));
    if (!data.ok()) {
      return UsageError(fmt::format("{}：{}", previous_path, data.status().message()));
    }
    previous = std::move(data).value();
  }
  const rules::PeriodInfo period = rules::PeriodInfo::Year(cat->year);
  const rules::UnitPeriodData* prev = previous ? &*previous : nullptr;

  int errors = 0;
  int filings = 0;
  int failing = 0;
  if (input.size() >= 4 && input.compare(input.size() - 4, 4, ".csv") == 0) {
    std::istringstream lines(*text);
    std::string line;
    std::vector<std::string> header;
    int row = 0;
    rules::UnitPeriodData data(*compiled);
    while (std::getline(lines, line)) {
      ++row;
      if (row == 1) {
        if (line.rfind("\xEF\xBB\xBF", 0) == 0) {
          line = line.substr(3);  // UTF-8 BOM from spreadsheet programs
        }
        header = SplitCsvRecord(line);
        continue;
      }
      if (line.empty() || line == "\r") {
        continue;
      }
      auto fields = SplitCsvRecord(line);
      if (fields.size() != header.size()) {
        return UsageError(
            fmt::format("{} 第{}行有{}列，首行有{}列", input, row, fields.size(), header.size()));
      }
      nlohmann::json values = nlohmann::json::object();
      std::string unit;
      for (size_t c = 0; c < header.size(); ++c) {
        if (header[c] == "unit") {
          unit = fields[c];
        } else if (!fields[c].empty()) {
          values[header[c]] = fields[c];
        }
      }
      data.Clear();
      Status st = data.SetForm(form, values);
      if (!st.ok()) {
        return UsageError(fmt::format("{} 第{}行：{}", input, row, st.message()));
      }
      auto failures = compiled->Evaluate(form, data, prev, period);
      ++filings;
      failing += failures.empty() ? 0 : 1;
      errors +=
          Print(fmt::format("第{}行{}  ", row, unit.empty() ? "" : "（" + unit + "）"), failures);
    }
  } else {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return UsageError(fmt::format("{} 不是有效的 JSON 对象", input));
    }
    auto data = rules::UnitPeriodData::FromJson(*compiled, AsForms(j, form, *cat));
    if (!data.ok()) {
      return UsageError(fmt::format("{}：{}", input, data.status().message()));
    }
    auto failures = compiled->Evaluate(form, *data, prev, period);
    filings = 1;
    failing = failures.empty() ? 0 : 1;
    errors = Print("", failures);
  }
  std::printf("审核完成: %d 份填报，%d 份有问题，强制性错误 %d 条\n", filings, failing, errors);
  return errors > 0 ? 1 : 0;
}

}  // namespace huoju::app
