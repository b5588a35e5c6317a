#include "huoju/core/status.hpp"

namespace huoju {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kBadRequest:
      return "bad_request";
    case ErrorCode::kValidationFailed:
      return "validation_failed";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kCsrfFailed:
      return "csrf_failed";
    case ErrorCode::kPasswordChangeRequired:
      return "password_change_required";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kHeadersTooLarge:
      return "headers_too_large";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

Status Status::InvalidField(std::string field, std::string msg) {
  return Status(ErrorCode::kValidationFailed, std::move(msg), {{"field", std::move(field)}});
}

Status Status::WithDetail(const std::string& key, nlohmann::json value) const {
  Status copy = *this;
  if (!copy.details_.is_object()) {
    copy.details_ = nlohmann::json::object();
  }
  copy.details_[key] = std::move(value);
  return copy;
}

std::string Status::ToString() const {
  if (ok()) {
    return "ok";
  }
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace huoju
