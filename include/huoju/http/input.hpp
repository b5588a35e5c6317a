// huoju/http/input.hpp
//
// Strict readers for request input. Every failure is a Status whose message names the
// field in Chinese and whose details carry {"field": name}, and nothing is changed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"
#include "huoju/core/utf8.hpp"
#include "huoju/http/request.hpp"
#include "huoju/org/org_node.hpp"

namespace huoju::http {

/// A JSON object body whose field names are all known.
class JsonBody {
 public:
  /// Parses the body: it must be `application/json`, valid JSON, an object, and use only
  /// `allowed` field names.
  static Result<JsonBody> Parse(const Request& request, const std::vector<std::string>& allowed);

  /// A string of 1…max_chars characters (after trimming nothing: whitespace counts).
  Result<std::string> RequiredString(const std::string& name, const std::string& label,
                                     size_t max_chars) const;
  /// Absent or null gives "".
  Result<std::string> OptionalString(const std::string& name, const std::string& label,
                                     size_t max_chars) const;
  Result<int64_t> RequiredInt(const std::string& name, const std::string& label) const;
  /// Multi-line text (line breaks allowed, other control characters not); absent gives "".
  Result<std::string> OptionalText(const std::string& name, const std::string& label,
                                   size_t max_chars) const;
  Result<bool> RequiredBool(const std::string& name, const std::string& label) const;
  /// A "YYYY-MM-DD" date as days since 1970-01-01; absent or null gives nullopt.
  Result<std::optional<int>> OptionalDate(const std::string& name, const std::string& label) const;
  /// A JSON object (absent gives `{}`), checked for shape by the caller.
  Result<nlohmann::json> OptionalObject(const std::string& name, const std::string& label) const;
  /// An array of 1…max positive integer ids.
  Result<std::vector<int64_t>> IdList(const std::string& name, const std::string& label,
                                      size_t max) const;
  /// The raw value (null when absent).
  const nlohmann::json& Raw(const std::string& name) const;

 private:
  nlohmann::json json_;
};

/// A path parameter that must be a positive id.
Result<int64_t> PathId(const std::map<std::string, std::string>& params, const std::string& name);

/// `offset` and `limit` from the query (defaults 0 and 50, limit at most 200).
Result<org::Page> PageFromQuery(const Request& request);

/// Optional `kind` from the query.
Result<std::optional<org::NodeKind>> KindFromQuery(const Request& request);

}  // namespace huoju::http
