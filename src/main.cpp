// The `huoju` command: serve, migrate, demo-data, routes, version.
#include <fmt/format.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "huoju/app/application.hpp"
#include "huoju/app/audit_command.hpp"
#include "huoju/app/catalog_command.hpp"
#include "huoju/app/demo_data.hpp"
#include "huoju/core/config.hpp"
#include "huoju/core/log.hpp"
#include "huoju/http/router.hpp"
#include "huoju/http/server.hpp"

namespace {

using huoju::Config;
using huoju::Status;

constexpr int kExitUsage = 2;

const char* kMainHelp = R"(huoju — 火炬统计调查与登记服务平台

用法: huoju <命令> [参数]

命令:
  serve       启动 Web 服务（默认使用内置 SQLite 数据库）
  migrate     创建或升级数据库结构
  demo-data   向空数据库写入演示数据（机构树与演示账号）
  check       检查数据库完整性
  routes      以 JSON 列出全部接口及其权限动作
  catalog     检查或列出统计调查目录（catalog check|list 目录）
  audit       用目录的审核规则审核文件中的填报数据
  import      批量导入填报数据（JSON Lines），逐份审核后保存并上报
  version     显示版本
  help        显示本帮助

每个命令都接受 --help。配置也可来自环境变量:
  HUOJU_DATABASE_URL  数据库地址: sqlite:路径 或 postgresql://用户@主机:端口/库名
  HUOJU_DATA_DIR      数据目录（默认 ./huoju-data，SQLite 文件为其中的 huoju.db）
  HUOJU_LISTEN        监听地址 主机:端口（默认 127.0.0.1:8080）
)";

const char* kCommonFlags =
    R"(  --data-dir DIR         数据目录（环境变量 HUOJU_DATA_DIR，默认 ./huoju-data）
  --database-url URL     数据库地址（环境变量 HUOJU_DATABASE_URL）
                         sqlite:/路径/huoju.db 或 postgresql://user@host:5432/db
  --password-cost C      密码哈希强度 interactive（默认）或 fast（仅测试用）
  --log-format F         日志格式 json（默认）或 text
  --catalog-dir DIR      报表目录根目录，含各年度子目录（环境变量 HUOJU_CATALOG_DIR，默认 catalog）
)";

int Fail(const Status& st) {
  std::fprintf(stderr, "错误: %s\n", st.message().c_str());
  return st.code() == huoju::ErrorCode::kValidationFailed ? kExitUsage : 1;
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      return true;
    }
  }
  return false;
}

// Reads environment then flags; prints one line and returns false on a bad value.
bool LoadConfig(Config& config, const std::vector<std::string>& args,
                const std::vector<std::string>& allowed) {
  Status st = huoju::ApplyEnvironment(config, [](const char* n) { return std::getenv(n); });
  if (st.ok()) {
    st = huoju::ApplyFlags(config, args, allowed);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "错误: %s\n", st.message().c_str());
    return false;
  }
  return true;
}

// Reads the configuration and opens the application (database migrated, directory loaded).
// On failure prints one line, sets `exit_code` and returns null.
std::unique_ptr<huoju::app::Application> OpenApp(Config& config,
                                                 const std::vector<std::string>& args,
                                                 const std::vector<std::string>& allowed,
                                                 int& exit_code) {
  if (!LoadConfig(config, args, allowed)) {
    exit_code = kExitUsage;
    return nullptr;
  }
  auto app = huoju::app::Application::Open(config, huoju::SystemClock::Instance());
  if (!app.ok()) {
    exit_code = Fail(app.status());
    return nullptr;
  }
  return std::move(app).value();
}

const std::vector<std::string> kDbFlags = {"data-dir", "database-url", "password-cost",
                                           "log-format", "catalog-dir"};

int Serve(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::printf(
        "用法: huoju serve [参数]\n\n启动 Web 服务：应用数据库迁移后在监听地址上提供 /api/v1 "
        "与前端页面。\n"
        "收到 SIGTERM 或 SIGINT 时停止接收新连接，处理完进行中的请求后退出。\n\n参数:\n%s"
        "  --listen HOST:PORT     监听地址（环境变量 HUOJU_LISTEN，默认 127.0.0.1:8080）\n"
        "  --web-root DIR         前端构建目录（环境变量 HUOJU_WEB_ROOT，默认 web/dist）\n"
        "  --workers N            工作线程数（环境变量 HUOJU_WORKERS，默认 16）\n"
        "  --io-threads N         I/O 线程数（环境变量 HUOJU_IO_THREADS，默认 2）\n",
        kCommonFlags);
    return 0;
  }
  Config config;
  std::vector<std::string> allowed = kDbFlags;
  allowed.insert(allowed.end(), {"listen", "web-root", "workers", "io-threads"});
  if (!LoadConfig(config, args, allowed)) {
    return kExitUsage;
  }
  if (config.web_root.empty()) {
    config.web_root = "web/dist";
  }
  huoju::InitLogging(config.log_format);
  auto app = huoju::app::Application::Open(config, huoju::SystemClock::Instance());
  if (!app.ok()) {
    return Fail(app.status());
  }
  huoju::http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_queued = static_cast<size_t>(config.max_queued);
  options.web_root = config.web_root;
  huoju::http::Server server(options, **app);
  Status st = server.Start();
  if (!st.ok()) {
    return Fail(st);
  }
  server.StopOnSignals();
  huoju::LogEvent(huoju::LogLevel::kInfo, "server.started",
                  {{"url", fmt::format("http://{}:{}/", config.listen_host, server.port())},
                   {"database", (*app)->db().backend_name()},
                   {"version", HUOJU_VERSION}});
  std::fprintf(stdout, "火炬平台已启动: http://%s:%u/  (数据库: %s)\n", config.listen_host.c_str(),
               server.port(), (*app)->db().backend_name());
  std::fflush(stdout);
  server.Wait();
  return 0;
}

int Migrate(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::printf(
        "用法: huoju migrate [参数]\n\n应用全部尚未应用的数据库迁移并显示结构版本。\n\n参数:\n%s",
        kCommonFlags);
    return 0;
  }
  Config config;
  int exit_code = 0;
  auto app = OpenApp(config, args, kDbFlags, exit_code);
  if (!app) {
    return exit_code;
  }
  auto version = app->db().SchemaVersion();
  if (!version.ok()) {
    return Fail(version.status());
  }
  std::printf("数据库结构版本: %d (%s)\n", *version, app->db().backend_name());
  return 0;
}

int DemoData(std::vector<std::string> args) {
  if (WantsHelp(args)) {
    std::printf(
        "用法: huoju demo-data [--seed N] [--units K] [参数]\n\n"
        "向空数据库写入确定性的演示数据：火炬中心、31个省级、地市、178个国家高新区、\n"
        "技术合同登记机构、K 个填报单位（有效的统一社会信用代码）以及演示账号。\n\n参数:\n"
        "  --seed N               随机种子（默认 1）\n"
        "  --units K              填报单位数量（默认 2000）\n"
        "  --unit-accounts N      另为前 N 家企业各建一个填报账号 unit000001…（压测用，密码同上）\n"
        "  --submit N             本年 GQ-002 经审核后上报的企业数（默认单位数的十分之一，至多 "
        "2000）\n%s",
        kCommonFlags);
    return 0;
  }
  huoju::app::DemoOptions demo;
  int64_t submit = -1;  // default: a tenth of the units, at most 2000
  struct IntFlag {
    const char* name;
    long long max;
    const char* expect;
    std::function<void(long long)> set;
  };
  const std::vector<IntFlag> int_flags = {
      {"--seed", LLONG_MAX, "非负整数", [&](long long v) { demo.seed = static_cast<uint64_t>(v); }},
      {"--units", 2000000, " 0 到 2000000 的整数", [&](long long v) { demo.units = v; }},
      {"--unit-accounts", 2000000, " 0 到 2000000 的整数",
       [&](long long v) { demo.unit_accounts = v; }},
      {"--submit", 2000000, " 0 到 2000000 的整数", [&](long long v) { submit = v; }},
  };
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    const IntFlag* flag = nullptr;
    for (const auto& f : int_flags) {
      const std::string n = f.name;
      if (name == n || name.rfind(n + "=", 0) == 0) {
        flag = &f;
      }
    }
    if (flag == nullptr) {
      rest.push_back(args[i]);
      continue;
    }
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      std::fprintf(stderr, "错误: 参数 %s 缺少取值\n", name.c_str());
      return kExitUsage;
    }
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno != 0 || v < 0 || v > flag->max) {
      std::fprintf(stderr, "错误: 参数 %s 的值“%s”无效：应为%s\n", flag->name, value.c_str(),
                   flag->expect);
      return kExitUsage;
    }
    flag->set(v);
  }
  Config config;
  int exit_code = 0;
  auto app = OpenApp(config, rest, kDbFlags, exit_code);
  if (!app) {
    return exit_code;
  }
  auto summary =
      huoju::app::GenerateDemoData(app->db(), app->hasher(), huoju::SystemClock::Instance(), demo);
  if (!summary.ok()) {
    return Fail(summary.status());
  }
  // Reopen, so the application's in-memory directory holds the new tree, then fill the survey.
  app.reset();
  app = OpenApp(config, rest, kDbFlags, exit_code);
  if (!app) {
    return exit_code;
  }
  std::printf(
      "演示数据已写入: %lld 个机构（省级 %lld、地市 %lld、国家高新区 %lld、登记机构 %lld、填报单位 "
      "%lld）\n",
      static_cast<long long>(summary->nodes), static_cast<long long>(summary->provinces),
      static_cast<long long>(summary->cities), static_cast<long long>(summary->zones),
      static_cast<long long>(summary->registries), static_cast<long long>(summary->units));
  std::printf("演示账号（密码均为 %s）:\n", demo.password.c_str());
  for (const auto& a : summary->accounts) {
    std::printf("  %-18s %s\n", a.username.c_str(), a.description.c_str());
  }
  if (!app->catalogs().years().empty()) {
    const int year = app->catalogs().years().rbegin()->first;
    auto survey = huoju::app::GenerateDemoSurvey(
        *app, year, submit >= 0 ? submit : std::min<int64_t>(demo.units / 10, 2000), demo.seed);
    if (!survey.ok()) {
      return Fail(survey.status());
    }
    std::printf(
        "演示填报: 开启 %lld 个报告期，%lld 个填报任务，上年终审报表 %lld 份，本年已上报 %lld 份\n",
        static_cast<long long>(survey->periods), static_cast<long long>(survey->tasks),
        static_cast<long long>(survey->history), static_cast<long long>(survey->submitted));
  }
  return 0;
}

int Check(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::printf(
        "用法: huoju check [参数]\n\n检查数据库完整性（SQLite integrity_check / PostgreSQL "
        "索引校验）。\n\n参数:\n%s",
        kCommonFlags);
    return 0;
  }
  Config config;
  int exit_code = 0;
  auto app = OpenApp(config, args, kDbFlags, exit_code);
  if (!app) {
    return exit_code;
  }
  Status st = app->db().CheckIntegrity();
  if (!st.ok()) {
    std::fprintf(stderr, "错误: %s %s\n", st.message().c_str(), st.details().dump().c_str());
    return 1;
  }
  std::printf("数据库完整性检查通过 (%s)\n", app->db().backend_name());
  return 0;
}

int Import(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::printf(
        "用法: huoju import --form 表号 --period 报告期 --input 文件.jsonl [--draft] [参数]\n\n"
        "批量导入填报数据：文件每行一个 JSON 对象 {\"uscc\": 统一社会信用代码, \"values\": {指标: "
        "值}, "
        "\"explanations\": {规则编号: 说明}}。\n每份数据都按目录审核公式审核：有错误、或（上报时）"
        "有未说明的核实性提示的行不写入并列出原因；其余保存为新版本并上报（--draft 则只保存）。\n"
        "以火炬中心身份执行，写入审计日志。\n\n参数:\n%s",
        kCommonFlags);
    return 0;
  }
  huoju::app::ImportOptions options;
  options.refresh_after = false;  // the file is imported in chunks: refreshed once at the end
  std::string input;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) {
        return false;
      }
      *out = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--form") {
      ok = value(&options.form_code);
    } else if (a == "--period") {
      ok = value(&options.period);
    } else if (a == "--input") {
      ok = value(&input);
    } else if (a == "--draft") {
      options.submit = false;
    } else {
      rest.push_back(a);
    }
    if (!ok) {
      std::fprintf(stderr, "错误: 参数 %s 缺少取值\n", a.c_str());
      return kExitUsage;
    }
  }
  if (options.form_code.empty() || options.period.empty() || input.empty()) {
    std::fprintf(stderr, "错误: 需要 --form、--period 和 --input\n");
    return kExitUsage;
  }
  // Two passes: the whole file is checked before anything is written, then imported in
  // chunks so memory stays flat however large the file is.
  auto read_rows = [&](const std::function<bool(size_t, nlohmann::json &&)>& each) {
    std::ifstream in(input);
    if (!in) {
      std::fprintf(stderr, "错误: 无法读取文件 %s\n", input.c_str());
      return false;
    }
    std::string line;
    size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) {
        continue;
      }
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("uscc") || !j["uscc"].is_string() ||
          !j.contains("values") || !j["values"].is_object()) {
        std::fprintf(stderr, "错误: %s 第 %zu 行应为 {\"uscc\": …, \"values\": {…}} 形式的 JSON\n",
                     input.c_str(), line_no);
        return false;
      }
      if (!each(line_no, std::move(j))) {
        return false;
      }
    }
    return true;
  };
  size_t total = 0;
  if (!read_rows([&](size_t, nlohmann::json&&) { return ++total > 0; })) {
    return kExitUsage;
  }
  Config config;
  int exit_code = 0;
  auto app = OpenApp(config, rest, kDbFlags, exit_code);
  if (!app) {
    return exit_code;
  }
  auto who = app->OperatorPrincipal();
  if (!who.ok()) {
    return Fail(who.status());
  }
  constexpr size_t kChunk = 20000;
  const auto started = std::chrono::steady_clock::now();
  int64_t saved = 0;
  int64_t submitted = 0;
  int64_t rejected = 0;
  std::vector<huoju::app::ImportRow> rows;
  size_t offset = 0;  // rows before the current chunk, for row numbers in rejections
  Status failed;
  auto flush = [&]() {
    if (rows.empty()) {
      return true;
    }
    auto report = app->filings().Import(*who, options, rows, {"cli", "huoju import", ""});
    if (!report.ok()) {
      failed = report.status();
      return false;
    }
    saved += (*report)["saved"].get<int64_t>();
    submitted += (*report)["submitted"].get<int64_t>();
    rejected += (*report)["rejected"].get<int64_t>();
    for (const auto& r : (*report)["rejections"]) {
      std::printf("  第 %lld 行 %s: %s\n",
                  static_cast<long long>(r["row"].get<int64_t>()) + static_cast<long long>(offset),
                  r["uscc"].get<std::string>().c_str(), r["message"].get<std::string>().c_str());
    }
    offset += rows.size();
    rows.clear();
    return true;
  };
  const bool ok = read_rows([&](size_t, nlohmann::json&& j) {
    huoju::app::ImportRow row;
    row.uscc = j["uscc"].get<std::string>();
    row.values = std::move(j["values"]);
    if (j.contains("explanations")) {
      row.explanations = std::move(j["explanations"]);
    }
    rows.push_back(std::move(row));
    return rows.size() < kChunk || flush();
  });
  if (!ok || !flush()) {
    return failed.ok() ? kExitUsage : Fail(failed);
  }
  // Once for the whole file (each chunk's import leaves it to us), by the import's threshold.
  if (saved >= huoju::app::kRefreshAfterImportedRows) {
    if (Status st = app->db().RefreshAfterBulkWrite("filing"); !st.ok()) {
      std::fprintf(stderr, "警告：导入后刷新统计信息失败：%s\n", st.ToString().c_str());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("导入 %zu 行：保存 %lld 份，上报 %lld 份，拒绝 %lld 行；用时 %.1f 秒（%.0f 行/秒）\n",
              total, static_cast<long long>(saved), static_cast<long long>(submitted),
              static_cast<long long>(rejected), seconds,
              seconds > 0 ? static_cast<double>(total) / seconds : 0.0);
  return rejected > 0 ? 1 : 0;
}

int Routes() {
  nlohmann::json out = nlohmann::json::array();
  auto router = huoju::http::BuildApiRouter();
  for (const auto& r : router.routes()) {
    out.push_back({{"method", huoju::http::MethodName(r.method)},
                   {"path", r.pattern},
                   {"session", r.needs_session},
                   {"action", r.action ? nlohmann::json(huoju::identity::ActionCode(*r.action))
                                       : nlohmann::json()}});
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::printf("%s", kMainHelp);
    return args.empty() ? kExitUsage : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "serve") {
    return Serve(args);
  }
  if (command == "migrate") {
    return Migrate(args);
  }
  if (command == "demo-data") {
    return DemoData(args);
  }
  if (command == "check") {
    return Check(args);
  }
  if (command == "audit") {
    return huoju::app::RunAuditCommand(args);
  }
  if (command == "catalog") {
    return huoju::app::RunCatalogCommand(args);
  }
  if (command == "import") {
    return Import(args);
  }
  if (command == "routes") {
    return Routes();
  }
  if (command == "version" || command == "--version") {
    if (WantsHelp(args)) {
      std::printf("用法: huoju version\n\n显示程序版本。\n");
      return 0;
    }
    std::printf("huoju %s\n", HUOJU_VERSION);
    return 0;
  }
  std::fprintf(stderr, "错误: 未知命令“%s”，运行 huoju help 查看可用命令\n", command.c_str());
  return kExitUsage;
}
