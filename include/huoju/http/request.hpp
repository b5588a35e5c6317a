// huoju/http/request.hpp
//
// The server's own request/response types, independent of the HTTP library, so that
// handlers can be tested and the transport swapped without touching them.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete, kHead, kOptions, kOther };

const char* MethodName(Method m);

struct Request {
  Method method = Method::kGet;
  std::string path;                            ///< percent-decoded, without the query
  std::map<std::string, std::string> query;    ///< decoded query parameters (last wins)
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  std::string client_address;
  std::string request_id;

  /// Header value or empty.
  std::string Header(const std::string& lower_name) const;
  /// Value of a cookie or empty.
  std::string Cookie(const std::string& name) const;
  bool IsWrite() const {
    return method == Method::kPost || method == Method::kPut || method == Method::kPatch ||
           method == Method::kDelete;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Stream this file from disk instead of `body` (finished export files).
  std::string file_path;

  static Response Json(int status, const nlohmann::json& body);
};

/// The HTTP status of an error code: the single place that mapping lives.
int HttpStatusFor(ErrorCode code);

/// `{"error": {"code", "message", "details"}}` with the mapped HTTP status.
Response ErrorResponse(const Status& status);

/// `Content-Disposition: attachment` naming `file_name` (RFC 5987, so Chinese names survive
/// every browser; "download.<ext>" for clients that know only the plain form).
std::string AttachmentDisposition(const std::string& file_name);

/// Decodes %XX and (in queries) '+'. Invalid escapes are an error.
Result<std::string> PercentDecode(std::string_view in, bool plus_is_space);

/// Splits "a=1&b=2" into decoded pairs.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace huoju::http
