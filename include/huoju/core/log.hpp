// huoju/core/log.hpp
//
// Structured logging: one JSON object per line on stderr (or key=value text), with a
// timestamp and level. Log ids, never user data beyond ids.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace huoju {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

/// Sets the output format ("json" or "text") and the lowest level written. Call once at start.
void InitLogging(const std::string& format, LogLevel min_level = LogLevel::kInfo);

/// Writes one event: `event` names what happened, `fields` add structured context.
void LogEvent(LogLevel level, const std::string& event,
              nlohmann::json fields = nlohmann::json::object());

/// Like LogEvent, with the fields already written as JSON object members without braces
/// (`"a":1,"b":"x"`), for hot paths.
void LogRaw(LogLevel level, const char* event, const std::string& json_members);

}  // namespace huoju
