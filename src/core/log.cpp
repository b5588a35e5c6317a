#include "huoju/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "huoju/core/clock.hpp"

namespace huoju {
namespace {

bool g_json = true;
LogLevel g_min = LogLevel::kInfo;

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("huoju");
    l->set_pattern("%v");
    return l;
  }();
  return logger;
}

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void InitLogging(const std::string& format, LogLevel min_level) {
  g_json = format != "text";
  g_min = min_level;
  Logger();
}

void LogEvent(LogLevel level, const std::string& event, nlohmann::json fields) {
  if (level < g_min) {
    return;
  }
  const std::string ts = FormatIsoUtc(SystemClock::Instance().NowMillis());
  std::string line;
  if (g_json) {
    nlohmann::json j = {{"ts", ts}, {"level", LevelName(level)}, {"event", event}};
    if (fields.is_object()) {
      j.update(fields);
    }
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " " + LevelName(level) + " " + event;
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        line += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
  }
  Logger()->info(line);
}

void LogRaw(LogLevel level, const char* event, const std::string& json_members) {
  if (level < g_min) {
    return;
  }
  if (!g_json) {
    LogEvent(level, event, nlohmann::json::parse("{" + json_members + "}", nullptr, false));
    return;
  }
  Logger()->info(fmt::format("{{\"ts\":\"{}\",\"level\":\"{}\",\"event\":\"{}\",{}}}",
                             FormatIsoUtc(SystemClock::Instance().NowMillis()), LevelName(level),
                             event, json_members));
}

}  // namespace huoju
