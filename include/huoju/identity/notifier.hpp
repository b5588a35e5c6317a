// huoju/identity/notifier.hpp
//
// How a password-reset token reaches its account holder. Pluggable: a deployment that has
// mail or SMS implements Notifier; the default LogNotifier only writes a log event.
#pragma once

#include <cstdint>
#include <string>

#include "huoju/core/status.hpp"

namespace huoju::identity {

struct PasswordResetNotice {
  int64_t account_id = 0;
  std::string token;  ///< the one-time token in clear: the only place it exists
  int64_t expires_at = 0;
  int64_t requested_by = 0;  ///< the administrator's account id
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  /// Delivers the token. A failure is reported to the administrator; the token stays valid.
  virtual Status SendPasswordReset(const PasswordResetNotice& notice) = 0;
};

/// DEMO ONLY: writes the token into the structured log (event `identity.password_reset_token`).
/// Logs must otherwise never hold secrets; a real deployment replaces this notifier.
class LogNotifier final : public Notifier {
 public:
  Status SendPasswordReset(const PasswordResetNotice& notice) override;
};

}  // namespace huoju::identity
