#include "huoju/app/catalog_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string_view>
#include <tuple>

#include "huoju/catalog/loader.hpp"
#include "huoju/catalog/publish.hpp"
#include "huoju/core/clock.hpp"
#include "huoju/core/config.hpp"
#include "huoju/core/csv.hpp"
#include "huoju/rules/check.hpp"
#include "huoju/rules/fixtures.hpp"
#include "huoju/rules/impact.hpp"

namespace huoju::app {
namespace {

constexpr int kExitProblems = 1;
constexpr int kExitUsage = 2;

const char* kCatalogHelp = R"(用法: huoju catalog <子命令> 目录

统计调查目录（制度、报表、指标、代码表、审核规则）的检查与查看，目录格式见 docs/catalog-format.md。

子命令:
  check 目录   检查一个年度目录（如 catalog/2024），一次列出全部问题
  list 目录    列出制度、报表及其指标数、行表数、规则数
  publish 目录 检查通过后把目录发布到数据库，成为不可修改的版本（内容未变则沿用原版本）
  versions     列出数据库中已发布的目录版本
  impact 目录 --baseline 目录 --form 表号 --input 文件
               规则影响预览：已有填报在新目录与基准目录下各有多少份不通过每条规则

每个子命令都接受 --help。
)";

const char* kCheckHelp = R"(用法: huoju catalog check 目录

检查一个年度目录（如 catalog/2024）：YAML 语法、必填与未知字段、取值类型、重复的表号/指标/
规则编号、上级指标与计算公式、代码表、日历、审核层级、上年对照表等。
没有问题时输出一行摘要并以 0 退出；否则每个问题一行（文件:行:列: 说明），以 1 退出。
)";

const char* kListHelp = R"(用法: huoju catalog list 目录

以表格列出目录中的报表：制度、表号、表名、报告期别、指标数、行表数、规则数、是否暂定，
最后一行为合计。目录有问题时仍列出能读取的部分，在标准错误上提示问题数并以 1 退出。
)";

const char* kPublishHelp = R"(用法: huoju catalog publish 目录 [--data-dir DIR | --database-url URL]

先做 check 的全部检查（含规则夹具）；通过后把目录的全部文件原样存入数据库，成为该年度的一个
新版本（编号递增、不可修改）。内容与已发布版本完全相同时不新建版本。有任何问题则不发布，以 1 退出。
数据库参数同 huoju serve（也可用环境变量 HUOJU_DATABASE_URL / HUOJU_DATA_DIR）。
)";

const char* kVersionsHelp = R"(用法: huoju catalog versions [--data-dir DIR | --database-url URL]

列出数据库中已发布的目录版本（年度、版本号、内容摘要、发布时间）。
)";

const char* kImpactHelp =
    R"(用法: huoju catalog impact 目录 --baseline 基准目录 --form 表号 --input 文件
                           [--examples N] [--all] [--json]

规则影响预览：在发布修改过的规则之前，用已有的填报数据比较新目录（目录）与基准目录（如当前
已发布的 catalog/2024）的审核结果。逐条规则给出基准与新目录下不通过的填报数、新增不通过和不再
不通过的填报数及示例，并标明规则是新增、修改、删除还是未变。只加载和编译两个目录（不运行夹具）。
  --input 文件.csv    每行一份该表的填报，首行为指标代码；可有名为 unit 的列标识单位（同 huoju audit）
  --input 文件.json   一个单位的数据 {"GQ-002": {...}, ...}，或由多个单位组成的数组；
                      数组元素可有 "unit"（单位标识）和 "previous"（上期数据，格式相同）
  --examples N        每条规则每个方向最多列出 N 个示例单位（默认 5）
  --all               也列出定义和结果都未变的规则
  --json              输出 JSON
某个目录中没有的指标代码在该目录下忽略（并在报告中列出）。退出状态: 0 完成，2 用法或输入错误。
)";

// Opens and migrates the database named by `args` (flags after the positional ones) and the
// environment; prints one line and returns null on a bad value.
std::unique_ptr<store::Database> OpenDatabase(const std::vector<std::string>& flags) {
  Config config;
  Status st = ApplyEnvironment(config, [](const char* n) { return std::getenv(n); });
  if (st.ok()) {
    st = ApplyFlags(config, flags, {"data-dir", "database-url"});
  }
  if (st.ok()) {
    auto db = store::Database::Open(config.EffectiveDatabaseUrl());
    if (db.ok()) {
      st = (*db)->Migrate();
      if (st.ok()) {
        return std::move(db).value();
      }
    } else {
      st = db.status();
    }
  }
  std::fprintf(stderr, "错误: %s\n", st.message().c_str());
  return nullptr;
}

void PrintProblems(const std::string& dir, const std::vector<catalog::Problem>& problems);

int Publish(const std::vector<std::string>& args) {
  if (args.size() < 2 || args[1].compare(0, 2, "--") == 0) {
    std::fprintf(stderr, "错误: 缺少目录参数，用法: huoju catalog publish 目录\n");
    return kExitUsage;
  }
  const std::string& dir = args[1];
  auto db = OpenDatabase({args.begin() + 2, args.end()});
  if (!db) {
    return kExitUsage;
  }
  rules::FixtureReport fixtures;
  catalog::LoadResult r = CheckCatalogDir(dir, &fixtures);
  if (!r.ok()) {
    PrintProblems(dir, r.problems);
    std::printf("共 %zu 个问题，目录未发布\n", r.problems.size());
    return kExitProblems;
  }
  auto v = catalog::PublishCatalog(*db, *r.catalog, dir, 0, SystemClock::Instance().NowMillis());
  if (!v.ok()) {
    std::fprintf(stderr, "错误: %s\n", v.status().message().c_str());
    return kExitProblems;
  }
  std::printf("%s: %s（%d）第 %lld 版，内容摘要 %s\n", v->created ? "已发布" : "内容未变，沿用",
              v->title.c_str(), v->year, static_cast<long long>(v->version),
              v->content_hash.substr(0, 16).c_str());
  return 0;
}

int Versions(const std::vector<std::string>& args) {
  auto db = OpenDatabase({args.begin() + 1, args.end()});
  if (!db) {
    return kExitUsage;
  }
  auto list = catalog::ListPublished(*db, 0);
  if (!list.ok()) {
    std::fprintf(stderr, "错误: %s\n", list.status().message().c_str());
    return kExitProblems;
  }
  std::printf("年度  版本  内容摘要          发布时间                  标题\n");
  for (const auto& v : *list) {
    std::printf("%d  %4lld  %s  %s  %s\n", v.year, static_cast<long long>(v.version),
                v.content_hash.substr(0, 16).c_str(), FormatIsoUtc(v.published_at).c_str(),
                v.title.c_str());
  }
  return 0;
}

bool IsHelp(std::string_view a) {
  return a == "--help" || a == "-h" || a == "help";
}

// Terminal columns of UTF-8 text: CJK and full-width characters take two.
size_t DisplayWidth(std::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    char32_t cp = c;
    if (len > 1 && i + len <= s.size()) {
      cp = c & (0xFF >> (len + 1));
      for (size_t k = 1; k < len; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += len;
  }
  return width;
}

std::string Pad(const std::string& s, size_t width, bool right = false) {
  size_t w = DisplayWidth(s);
  std::string fill(w < width ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

const char* PeriodName(catalog::PeriodType p) {
  switch (p) {
    case catalog::PeriodType::kAnnual:
      return "年报";
    case catalog::PeriodType::kQuickAnnual:
      return "年快报";
    case catalog::PeriodType::kHalfYear:
      return "半年报";
    case catalog::PeriodType::kQuarter:
      return "季报";
    case catalog::PeriodType::kMonth:
      return "月报";
    case catalog::PeriodType::kEvent:
      return "不定期";
  }
  return "";
}

// Problems name files relative to the catalog; on the terminal they are prefixed with the
// directory as typed so that editors and terminals can open them.
void PrintProblems(const std::string& dir, const std::vector<catalog::Problem>& problems) {
  std::filesystem::path base(dir);
  for (const auto& p : problems) {
    catalog::Problem shown = p;
    if (!shown.source.file.empty() && std::filesystem::path(shown.source.file).is_relative()) {
      shown.source.file = (base / shown.source.file).generic_string();
    }
    std::printf("%s\n", shown.ToString().c_str());
  }
}

// Splits `args` (after the subcommand) into the single directory operand; reports usage errors.
bool OneDir(const std::vector<std::string>& args, const char* sub, std::string& dir) {
  if (args.size() != 2) {
    std::fprintf(stderr, "错误: huoju catalog %s 需要一个目录参数，如 catalog/2024\n", sub);
    return false;
  }
  if (args[1].rfind('-', 0) == 0) {
    std::fprintf(stderr, "错误: 未知参数 %s\n", args[1].c_str());
    return false;
  }
  dir = args[1];
  return true;
}

int Check(const std::vector<std::string>& args) {
  std::string dir;
  if (!OneDir(args, "check", dir)) {
    return kExitUsage;
  }
  rules::FixtureReport fixtures;
  catalog::LoadResult r = CheckCatalogDir(dir, &fixtures);
  if (!r.ok()) {
    PrintProblems(dir, r.problems);
    std::printf("共 %zu 个问题\n", r.problems.size());
    return kExitProblems;
  }
  const catalog::Catalog& c = *r.catalog;
  size_t indicators = 0, tables = 0, rules = 0;
  for (const auto& f : c.forms) {
    indicators += f.indicators.size();
    tables += f.row_tables.size();
    rules += f.rules.size();
  }
  std::printf(
      "目录检查通过: %s（%d）: %zu 个制度，%zu 张表，%zu 个指标，%zu 个行表，%zu 条规则，"
      "%zu 个代码表\n",
      c.title.c_str(), c.year, c.regimes.size(), c.forms.size(), indicators, tables, rules,
      c.code_lists.size());
  std::printf("规则夹具: %d 个文件，%d 例，%d passed, %d failed\n", fixtures.files, fixtures.cases,
              fixtures.passed, fixtures.cases - fixtures.passed);
  return 0;
}

int List(const std::vector<std::string>& args) {
  std::string dir;
  if (!OneDir(args, "list", dir)) {
    return kExitUsage;
  }
  catalog::LoadResult r = catalog::LoadCatalog(dir);
  if (r.catalog == nullptr) {
    PrintProblems(dir, r.problems);
    return kExitProblems;
  }
  const catalog::Catalog& c = *r.catalog;
  std::vector<std::vector<std::string>> rows = {
      {"制度", "表号", "表名", "报告期别", "指标数", "行表数", "规则数", "暂定"}};
  size_t indicators = 0, tables = 0, rules = 0, provisional = 0;
  // Regimes in catalog.yaml order, then forms of unknown regimes so nothing is hidden.
  std::vector<std::string> order;
  for (const auto& reg : c.regimes) {
    order.push_back(reg.id);
  }
  for (const auto& f : c.forms) {
    if (std::find(order.begin(), order.end(), f.regime) == order.end()) {
      order.push_back(f.regime);
    }
  }
  for (const auto& regime : order) {
    for (const auto& f : c.forms) {
      if (f.regime != regime) {
        continue;
      }
      rows.push_back({f.regime, f.code, f.title, PeriodName(f.period),
                      std::to_string(f.indicators.size()), std::to_string(f.row_tables.size()),
                      std::to_string(f.rules.size()), f.provisional ? "暂定" : ""});
      indicators += f.indicators.size();
      tables += f.row_tables.size();
      rules += f.rules.size();
      provisional += f.provisional ? 1 : 0;
    }
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  for (size_t r_i = 0; r_i < rows.size(); ++r_i) {
    std::string line;
    for (size_t i = 0; i < rows[r_i].size(); ++i) {
      bool number = r_i > 0 && i >= 4 && i <= 6;
      line += Pad(rows[r_i][i], widths[i], number);
      line += i + 1 < rows[r_i].size() ? "  " : "";
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("合计: %zu 个制度，%zu 张表，%zu 个指标，%zu 个行表，%zu 条规则，暂定表 %zu 张\n",
              c.regimes.size(), c.forms.size(), indicators, tables, rules, provisional);
  if (!r.problems.empty()) {
    std::fprintf(stderr, "注意: 目录有 %zu 个问题，运行 huoju catalog check %s 查看\n",
                 r.problems.size(), dir.c_str());
    return kExitProblems;
  }
  return 0;
}

// ---- catalog impact ------------------------------------------------------------------------

int ImpactUsage(const std::string& message) {
  std::fprintf(stderr, "错误: %s\n", message.c_str());
  return kExitUsage;
}

// The units of an impact input file (CSV rows of one form, or JSON units), or a message.
Result<std::vector<rules::ImpactUnit>> ReadImpactUnits(
    const std::string& path, const std::string& form,
    const std::function<bool(const std::string&)>& is_form) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Invalid(fmt::format("无法读取文件 {}", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<rules::ImpactUnit> units;
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0) {
    std::istringstream lines(text.str());
    std::string line;
    std::vector<std::string> header;
    int row = 0;
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
        return Status::Invalid(
            fmt::format("{} 第{}行有{}列，首行有{}列", path, row, fields.size(), header.size()));
      }
      rules::ImpactUnit u;
      u.label = fmt::format("第{}行", row);
      nlohmann::json values = nlohmann::json::object();
      for (size_t c = 0; c < header.size(); ++c) {
        if (header[c] == "unit") {
          u.label = fields[c].empty() ? u.label : fields[c];
        } else if (!fields[c].empty()) {
          values[header[c]] = fields[c];
        }
      }
      u.forms = {{form, values}};
      units.push_back(std::move(u));
    }
    return units;
  }
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !(j.is_object() || j.is_array())) {
    return Status::Invalid(fmt::format("{} 不是有效的 JSON 对象或数组", path));
  }
  // {"GQ-002": {...}} or the form's bare values {"qc05_0": ...}; "unit" and "previous" apart.
  auto as_forms = [&](nlohmann::json v) {
    v.erase("unit");
    v.erase("previous");
    bool has_form_key = std::any_of(v.items().begin(), v.items().end(),
                                    [&](const auto& kv) { return is_form(kv.key()); });
    return has_form_key ? v : nlohmann::json{{form, v}};
  };
  const nlohmann::json list = j.is_array() ? j : nlohmann::json::array({j});
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& e = list[i];
    if (!e.is_object()) {
      return Status::Invalid(fmt::format("{} 第{}个单位不是 JSON 对象", path, i + 1));
    }
    rules::ImpactUnit u;
    u.label = e.contains("unit") && e["unit"].is_string() ? e["unit"].get<std::string>()
                                                          : fmt::format("第{}个单位", i + 1);
    u.forms = as_forms(e);
    if (e.contains("previous") && e["previous"].is_object()) {
      u.previous = as_forms(e["previous"]);
    }
    units.push_back(std::move(u));
  }
  return units;
}

// Loads and compiles a catalog directory (no fixtures: a changed rule may not match its old
// fixtures yet, which is exactly what the preview is for). Prints problems; null on failure.
std::shared_ptr<const rules::CompiledCatalog> LoadCompiled(const std::string& dir) {
  catalog::LoadResult r = catalog::LoadCatalog(dir);
  if (r.catalog != nullptr && r.problems.empty()) {
    r.problems = rules::CheckCatalogRules(*r.catalog);
  }
  if (!r.ok()) {
    for (const auto& p : r.problems) {
      std::fprintf(stderr, "%s/%s\n", dir.c_str(), p.ToString().c_str());
    }
    return nullptr;
  }
  std::vector<catalog::Problem> problems;
  auto cc = rules::CompiledCatalog::Compile(
      std::shared_ptr<const catalog::Catalog>(std::move(r.catalog)), &problems);
  for (const auto& p : problems) {
    std::fprintf(stderr, "%s/%s\n", dir.c_str(), p.ToString().c_str());
  }
  return cc;
}

std::string Joined(const std::vector<std::string>& items, size_t total) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : "、") + s;
  }
  if (total > items.size()) {
    out += fmt::format(" 等{}个", total);
  }
  return out.empty() ? "—" : out;
}

int Impact(const std::vector<std::string>& args) {
  std::string dir, baseline_dir, form, input;
  size_t examples = 5;
  bool all = false, json = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--all" || a == "--json") {
      (a == "--all" ? all : json) = true;
      continue;
    }
    std::string* target = a == "--baseline" ? &baseline_dir
                          : a == "--form"   ? &form
                          : a == "--input"  ? &input
                                            : nullptr;
    if (a == "--examples") {
      if (i + 1 >= args.size() || args[i + 1].empty() ||
          args[i + 1].find_first_not_of("0123456789") != std::string::npos ||
          args[i + 1].size() > 6) {
        return ImpactUsage("--examples 需要一个不大于 999999 的非负整数");
      }
      examples = std::stoul(args[++i]);
      continue;
    }
    if (target == nullptr) {
      if (a.rfind('-', 0) == 0 || !dir.empty()) {
        return ImpactUsage(
            fmt::format("未知参数“{}”，运行 huoju catalog impact --help 查看用法", a));
      }
      dir = a;
      continue;
    }
    if (i + 1 >= args.size()) {
      return ImpactUsage(fmt::format("参数 {} 缺少取值", a));
    }
    *target = args[++i];
  }
  if (dir.empty() || baseline_dir.empty() || form.empty() || input.empty()) {
    return ImpactUsage("需要目录以及 --baseline、--form 和 --input 参数");
  }
  auto candidate = LoadCompiled(dir);
  if (!candidate) {
    return ImpactUsage(fmt::format("目录 {} 有问题，不能预览", dir));
  }
  auto baseline = LoadCompiled(baseline_dir);
  if (!baseline) {
    return ImpactUsage(fmt::format("基准目录 {} 有问题，不能预览", baseline_dir));
  }
  auto units = ReadImpactUnits(input, form, [&](const std::string& code) {
    return candidate->catalog().FindForm(code) != nullptr ||
           baseline->catalog().FindForm(code) != nullptr;
  });
  if (!units.ok()) {
    return ImpactUsage(units.status().message());
  }
  auto report = rules::PreviewImpact(*baseline, *candidate, form, *units, examples);
  if (!report.ok()) {
    return ImpactUsage(report.status().message());
  }
  if (json) {
    nlohmann::json j = report->ToJson();
    j["catalog"] = dir;
    j["baseline"] = baseline_dir;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }

  std::printf("规则影响预览: 表 %s，%zu 份填报；新目录 %s（%d），基准目录 %s（%d）\n", form.c_str(),
              report->filings, dir.c_str(), candidate->catalog().year, baseline_dir.c_str(),
              baseline->catalog().year);
  const std::vector<std::string> head = {"规则编号",   "变更",       "级别",
                                         "基准不通过", "新不通过",   "变化",
                                         "新增不通过", "不再不通过", "示例"};
  std::vector<std::vector<std::string>> rows;
  size_t added = 0, changed = 0, removed = 0, moved = 0;
  for (const auto& r : report->rules) {
    added += r.change == rules::RuleChange::kAdded ? 1 : 0;
    changed += r.change == rules::RuleChange::kChanged ? 1 : 0;
    removed += r.change == rules::RuleChange::kRemoved ? 1 : 0;
    moved += (r.newly_failing != 0 || r.newly_passing != 0) ? 1 : 0;
    if (!all && !r.Affected()) {
      continue;
    }
    auto delta =
        static_cast<int64_t>(r.candidate_failures) - static_cast<int64_t>(r.baseline_failures);
    std::string example;
    if (r.newly_failing != 0) {
      example = "新增不通过: " + Joined(r.newly_failing_examples, r.newly_failing);
    }
    if (r.newly_passing != 0) {
      example += (example.empty() ? "" : "；") + std::string("不再不通过: ") +
                 Joined(r.newly_passing_examples, r.newly_passing);
    }
    rows.push_back({r.rule_id, rules::RuleChangeName(r.change),
                    r.severity == catalog::Severity::kError ? "强制性" : "核实性",
                    std::to_string(r.baseline_failures), std::to_string(r.candidate_failures),
                    delta > 0 ? "+" + std::to_string(delta) : std::to_string(delta),
                    std::to_string(r.newly_failing), std::to_string(r.newly_passing),
                    example.empty() ? "—" : example});
  }
  if (rows.empty()) {
    std::printf("没有规则的定义或结果发生变化。\n");
  } else {
    std::vector<size_t> width(head.size());
    for (size_t c = 0; c < head.size(); ++c) {
      width[c] = DisplayWidth(head[c]);
      for (const auto& row : rows) {
        width[c] = std::max(width[c], DisplayWidth(row[c]));
      }
    }
    auto print_row = [&](const std::vector<std::string>& row) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) {
        bool number = c >= 3 && c <= 7;
        line +=
            (c == 0 ? "" : "  ") + (c + 1 == row.size() ? row[c] : Pad(row[c], width[c], number));
      }
      std::printf("%s\n", line.c_str());
    };
    print_row(head);
    for (const auto& row : rows) {
      print_row(row);
    }
  }
  std::printf(
      "合计: 规则新增 %zu 条、修改 %zu 条、删除 %zu 条；%zu "
      "条规则（含内置检查）的不通过填报有变化\n",
      added, changed, removed, moved);
  if (!report->ignored_by_candidate.empty()) {
    std::printf("新目录中没有、已忽略的指标: %s\n",
                Joined(report->ignored_by_candidate, 0).c_str());
  }
  if (!report->ignored_by_baseline.empty()) {
    std::printf("基准目录中没有、已忽略的指标: %s\n",
                Joined(report->ignored_by_baseline, 0).c_str());
  }
  return 0;
}

}  // namespace

catalog::LoadResult CheckCatalogDir(const std::string& dir, rules::FixtureReport* fixtures) {
  catalog::LoadResult r = catalog::LoadCatalog(dir);
  if (r.catalog == nullptr) {
    return r;
  }
  // ---- HOOK: deeper checks from the rules module -------------------------------------------
  // Rule type-checking runs even when the loader found problems (all errors at once); fixtures
  // only on a structurally clean catalog, where their failures mean something.
  std::vector<catalog::Problem> rule_problems = rules::CheckCatalogRules(*r.catalog);
  r.problems.insert(r.problems.end(), rule_problems.begin(), rule_problems.end());
  if (r.problems.empty()) {
    std::shared_ptr<const catalog::Catalog> shared(std::move(r.catalog));
    std::vector<catalog::Problem> compile_problems;
    auto compiled = rules::CompiledCatalog::Compile(shared, &compile_problems);
    r.problems.insert(r.problems.end(), compile_problems.begin(), compile_problems.end());
    if (compiled) {
      rules::FixtureReport report = rules::RunFixtures(*compiled, dir);
      r.problems.insert(r.problems.end(), report.problems.begin(), report.problems.end());
      if (fixtures != nullptr) {
        *fixtures = std::move(report);
      }
    }
    // The caller owns the catalog again (the compiled one keeps its own reference).
    r.catalog = std::make_unique<catalog::Catalog>(*shared);
  }
  // ------------------------------------------------------------------------------------------
  std::stable_sort(r.problems.begin(), r.problems.end(),
                   [](const catalog::Problem& a, const catalog::Problem& b) {
                     return std::tie(a.source.file, a.source.line, a.source.column) <
                            std::tie(b.source.file, b.source.line, b.source.column);
                   });
  // The checks overlap a little (e.g. a formula cycle met from several indicators).
  auto same = [](const catalog::Problem& a, const catalog::Problem& b) {
    return a.source.file == b.source.file && a.source.line == b.source.line &&
           a.source.column == b.source.column && a.message == b.message;
  };
  r.problems.erase(std::unique(r.problems.begin(), r.problems.end(), same), r.problems.end());
  return r;
}

int RunCatalogCommand(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fprintf(stderr, "%s", kCatalogHelp);
    return kExitUsage;
  }
  const std::string& sub = args[0];
  if (IsHelp(sub)) {
    std::printf("%s", kCatalogHelp);
    return 0;
  }
  bool help = std::any_of(args.begin() + 1, args.end(),
                          [](const std::string& a) { return a == "--help" || a == "-h"; });
  if (sub == "check") {
    if (help) {
      std::printf("%s", kCheckHelp);
      return 0;
    }
    return Check(args);
  }
  if (sub == "list") {
    if (help) {
      std::printf("%s", kListHelp);
      return 0;
    }
    return List(args);
  }
  if (sub == "publish") {
    if (help) {
      std::printf("%s", kPublishHelp);
      return 0;
    }
    return Publish(args);
  }
  if (sub == "impact") {
    if (help) {
      std::printf("%s", kImpactHelp);
      return 0;
    }
    return Impact(args);
  }
  if (sub == "versions") {
    if (help) {
      std::printf("%s", kVersionsHelp);
      return 0;
    }
    return Versions(args);
  }
  std::fprintf(stderr, "错误: 未知子命令“%s”，运行 huoju catalog --help 查看用法\n", sub.c_str());
  return kExitUsage;
}

}  // namespace huoju::app
