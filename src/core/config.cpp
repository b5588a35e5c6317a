#include "huoju/core/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace huoju {
namespace {

Status ParseListen(Config& c, const std::string& value, const std::string& source) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
    return Status::Invalid(
        fmt::format("{} 的值“{}”无效：应为 主机:端口，例如 127.0.0.1:8080", source, value));
  }
  int port = 0;
  auto text = value.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || ptr != text.data() + text.size() || port < 0 || port > 65535) {
    return Status::Invalid(fmt::format("{} 的端口“{}”无效：应为 0 到 65535 的整数", source, text));
  }
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  c.listen_host = host;
  c.listen_port = static_cast<uint16_t>(port);
  return Status::Ok();
}

Status ParseInt(int& out, const std::string& value, const std::string& source, int lo, int hi) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < lo || v > hi) {
    return Status::Invalid(
        fmt::format("{} 的值“{}”无效：应为 {} 到 {} 的整数", source, value, lo, hi));
  }
  out = v;
  return Status::Ok();
}

Status ParseChoice(std::string& out, const std::string& value, const std::string& source,
                   std::initializer_list<const char*> choices) {
  for (const char* c : choices) {
    if (value == c) {
      out = value;
      return Status::Ok();
    }
  }
  std::string list;
  for (const char* c : choices) {
    list += list.empty() ? c : std::string("、") + c;
  }
  return Status::Invalid(fmt::format("{} 的值“{}”无效：可选 {}", source, value, list));
}

Status ParseDatabaseUrl(std::string& out, const std::string& value, const std::string& source) {
  if (value.rfind("sqlite:", 0) == 0 || value.rfind("postgresql://", 0) == 0 ||
      value.rfind("postgres://", 0) == 0) {
    if (value == "sqlite:" || value == "sqlite://") {
      return Status::Invalid(fmt::format("{} 缺少 SQLite 文件路径", source));
    }
    out = value;
    return Status::Ok();
  }
  return Status::Invalid(
      fmt::format("{} 的值“{}”无效：应以 sqlite: 或 postgresql:// 开头", source, value));
}

// Applies one named setting; `source` names where it came from, for messages.
Status ApplySetting(Config& c, const std::string& name, const std::string& value,
                    const std::string& source) {
  if (name == "data-dir") {
    if (value.empty()) {
      return Status::Invalid(fmt::format("{} 不能为空", source));
    }
    c.data_dir = value;
    return Status::Ok();
  }
  if (name == "database-url") {
    return ParseDatabaseUrl(c.database_url, value, source);
  }
  if (name == "listen") {
    return ParseListen(c, value, source);
  }
  if (name == "web-root") {
    c.web_root = value;
    return Status::Ok();
  }
  if (name == "catalog-dir") {
    c.catalog_dir = value;
    return Status::Ok();
  }
  if (name == "io-threads") {
    return ParseInt(c.io_threads, value, source, 1, 64);
  }
  if (name == "workers") {
    return ParseInt(c.worker_threads, value, source, 1, 256);
  }
  if (name == "password-cost") {
    return ParseChoice(c.password_cost, value, source, {"interactive", "fast"});
  }
  if (name == "log-format") {
    return ParseChoice(c.log_format, value, source, {"json", "text"});
  }
  return Status::Invalid(fmt::format("未知参数 {}", source));
}

}  // namespace

std::string Config::EffectiveDatabaseUrl() const {
  if (!database_url.empty()) {
    return database_url;
  }
  return "sqlite:" + data_dir + "/huoju.db";
}

Status ApplyEnvironment(Config& config, const std::function<const char*(const char*)>& getenv_fn) {
  static const std::pair<const char*, const char*> kVars[] = {
      {"HUOJU_DATA_DIR", "data-dir"},       {"HUOJU_DATABASE_URL", "database-url"},
      {"HUOJU_LISTEN", "listen"},           {"HUOJU_WEB_ROOT", "web-root"},
      {"HUOJU_CATALOG_DIR", "catalog-dir"}, {"HUOJU_IO_THREADS", "io-threads"},
      {"HUOJU_WORKERS", "workers"},         {"HUOJU_PASSWORD_COST", "password-cost"},
      {"HUOJU_LOG_FORMAT", "log-format"},
  };
  for (const auto& [var, name] : kVars) {
    const char* v = getenv_fn(var);
    if (v != nullptr && *v != '\0') {
      HUOJU_RETURN_IF_ERROR(ApplySetting(config, name, v, std::string("环境变量 ") + var));
    }
  }
  return Status::Ok();
}

Status ApplyFlags(Config& config, const std::vector<std::string>& args,
                  const std::vector<std::string>& allowed) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      return Status::Invalid(fmt::format("无法识别的参数“{}”", a));
    }
    std::string name = a.substr(2);
    std::string value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) {
        return Status::Invalid(fmt::format("参数 --{} 缺少取值", name));
      }
      value = args[++i];
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Status::Invalid(fmt::format("未知参数 --{}", name));
    }
    HUOJU_RETURN_IF_ERROR(ApplySetting(config, name, value, "参数 --" + name));
  }
  return Status::Ok();
}

}  // namespace huoju
