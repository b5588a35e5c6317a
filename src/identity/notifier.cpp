#include "huoju/identity/notifier.hpp"

#include "huoju/core/clock.hpp"
#include "huoju/core/log.hpp"

namespace huoju::identity {

Status LogNotifier::SendPasswordReset(const PasswordResetNotice& notice) {
  // The token in a log is acceptable only for the demo notifier (docs/api.md says so).
  LogEvent(LogLevel::kInfo, "identity.password_reset_token",
           {{"account_id", notice.account_id},
            {"requested_by", notice.requested_by},
            {"expires_at", FormatIsoUtc(notice.expires_at)},
            {"token", notice.token},
            {"demo_notifier", true}});
  return Status::Ok();
}

}  // namespace huoju::identity
