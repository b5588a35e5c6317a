#include "huoju/http/request.hpp"

#include <fmt/format.h>

#include <cctype>

namespace huoju::http {

const char* MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kHead:
      return "HEAD";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::Cookie(const std::string& name) const {
  std::string all = Header("cookie");
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find(';', pos);
    if (end == std::string::npos) {
      end = all.size();
    }
    std::string_view part(all.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      return std::string(part.substr(eq + 1));
    }
    pos = end + 1;
  }
  return {};
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kValidationFailed:
      return 422;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kForbidden:
    case ErrorCode::kCsrfFailed:
    case ErrorCode::kPasswordChangeRequired:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kHeadersTooLarge:
      return 431;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
  }
  return 500;
}

Response ErrorResponse(const Status& status) {
  nlohmann::json details = status.details().is_null() ? nlohmann::json::object() : status.details();
  // Backend messages help operators, not users, and may reveal schema: keep them in logs.
  if (details.is_object()) {
    details.erase("backend_message");
    details.erase("exception");
  }
  return Response::Json(HttpStatusFor(status.code()), {{"error",
                                                        {{"code", ErrorCodeName(status.code())},
                                                         {"message", status.message()},
                                                         {"details", details}}}});
}

Result<std::string> PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) {
        return Status::BadRequest("网址中的百分号编码不完整");
      }
      int hi = hex(in[i + 1]);
      int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) {
        return Status::BadRequest("网址中的百分号编码无效");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    std::string_view part = query.substr(pos, end - pos);
    if (!part.empty()) {
      auto eq = part.find('=');
      HUOJU_ASSIGN_OR_RETURN(std::string key, PercentDecode(part.substr(0, eq), true));
      std::string value;
      if (eq != std::string_view::npos) {
        HUOJU_ASSIGN_OR_RETURN(value, PercentDecode(part.substr(eq + 1), true));
      }
      out[key] = value;
    }
    if (out.size() > 64) {
      return Status::BadRequest("查询参数过多");
    }
    pos = end + 1;
    if (end == query.size()) {
      break;
    }
  }
  return out;
}

std::string AttachmentDisposition(const std::string& file_name) {
  std::string encoded;
  for (unsigned char ch : file_name) {
    if (std::isalnum(ch) != 0 || ch == '.' || ch == '-' || ch == '_') {
      encoded += static_cast<char>(ch);
    } else {
      encoded += fmt::format("%{:02X}", ch);
    }
  }
  const size_t dot = file_name.rfind('.');
  std::string plain = "download";
  if (dot != std::string::npos && file_name.size() - dot <= 6) {
    plain += file_name.substr(dot);
  }
  return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", plain, encoded);
}

}  // namespace huoju::http
