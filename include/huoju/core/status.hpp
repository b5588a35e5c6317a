// huoju/core/status.hpp
//
// Expected failures travel as Status / Result<T> (LevelDB style). A Status carries a machine
// code, a message meant for the user (Simplified Chinese) and optional structured details.
// The one place that maps codes to HTTP status is http/error_mapping.
#pragma once

#include <cassert>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace huoju {

/// Machine-readable failure kinds. Client errors first, then server errors; when this grows,
/// update ErrorCodeName() and http::HttpStatusFor().
enum class ErrorCode {
  kOk = 0,
  kBadRequest,
  kValidationFailed,
  kUnauthenticated,
  kForbidden,
  kCsrfFailed,
  kPasswordChangeRequired,  ///< the account must change its password first
  kNotFound,
  kMethodNotAllowed,
  kConflict,
  kHeadersTooLarge,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kRateLimited,
  kInternal,
  kUnavailable,
};

/// Stable snake_case name of a code, as used in the JSON error body.
const char* ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status BadRequest(std::string msg) { return {ErrorCode::kBadRequest, std::move(msg)}; }
  static Status Invalid(std::string msg) { return {ErrorCode::kValidationFailed, std::move(msg)}; }
  /// A validation failure that names the field the user must correct.
  static Status InvalidField(std::string field, std::string msg);
  static Status Unauthenticated(std::string msg) {
    return {ErrorCode::kUnauthenticated, std::move(msg)};
  }
  static Status Forbidden(std::string msg) { return {ErrorCode::kForbidden, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {ErrorCode::kNotFound, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {ErrorCode::kConflict, std::move(msg)}; }
  static Status Internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {ErrorCode::kUnavailable, std::move(msg)}; }

  Status(ErrorCode code, std::string message, nlohmann::json details = nullptr)
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const nlohmann::json& details() const { return details_; }

  /// Returns a copy with `key` set in details (details becomes an object if needed).
  Status WithDetail(const std::string& key, nlohmann::json value) const;

  /// "code: message" for logs.
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  nlohmann::json details_;
};

/// Either a value or a failed Status. Never holds an OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace huoju

/// Returns early from the enclosing function when `expr` (a Status) failed.
#define HUOJU_RETURN_IF_ERROR(expr)         \
  do {                                      \
    ::huoju::Status huoju_status_ = (expr); \
    if (!huoju_status_.ok()) {              \
      return huoju_status_;                 \
    }                                       \
  } while (false)

#define HUOJU_CONCAT_INNER(a, b) a##b
#define HUOJU_CONCAT(a, b) HUOJU_CONCAT_INNER(a, b)

/// `HUOJU_ASSIGN_OR_RETURN(auto x, ResultExpr())`: binds the value or returns the Status.
#define HUOJU_ASSIGN_OR_RETURN(lhs, expr) \
  HUOJU_ASSIGN_OR_RETURN_IMPL(HUOJU_CONCAT(huoju_result_, __LINE__), lhs, expr)
#define HUOJU_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) {                                  \
    return tmp.status();                            \
  }                                                 \
  lhs = std::move(tmp).value()
