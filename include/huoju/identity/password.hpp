// huoju/identity/password.hpp
//
// Password hashing with argon2id (libsodium crypto_pwhash_str). Each hash costs tens of MiB
// of memory, so at most `max_concurrent` run at once; callers beyond that wait. A login
// storm must not park every worker thread on that wait (reads would queue behind it), so
// logins use VerifyOrBusy, which waits only while fewer than `max_waiting` callers already
// do. Call from worker threads only. Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

#include "huoju/core/status.hpp"

namespace huoju::identity {

/// Cost parameters. `Interactive()` is libsodium's INTERACTIVE (64 MiB, 2 passes); `Fast()`
/// is the minimum, for tests and bulk demo data only.
struct PasswordCost {
  unsigned long long ops_limit;
  size_t mem_limit;
  static PasswordCost Interactive();
  static PasswordCost Fast();
};

class PasswordHasher {
 public:
  /// `max_waiting` < 0: four times `max_concurrent` (a few hash times of waiting at most).
  PasswordHasher(PasswordCost cost, int max_concurrent, int max_waiting = -1);

  /// An encoded `$argon2id$…` string, or Internal when memory cannot be had.
  Result<std::string> Hash(std::string_view password);
  /// True when `password` matches `encoded`. A malformed `encoded` never matches.
  bool Verify(std::string_view encoded, std::string_view password);
  /// As Verify, but Status kRateLimited at once, without hashing, when `max_waiting` callers
  /// already wait for a slot.
  Result<bool> VerifyOrBusy(std::string_view encoded, std::string_view password);
  /// True when `encoded` was made with other parameters than the current ones.
  bool NeedsRehash(std::string_view encoded) const;

 private:
  class Slot;
  PasswordCost cost_;
  int max_concurrent_;
  int max_waiting_;
  int running_ = 0;
  int waiting_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

/// Makes libsodium usable; call once at start. Returns false if it cannot initialise.
bool InitCrypto();

/// `n` random bytes as lower-case hex (from libsodium's CSPRNG).
std::string RandomHex(size_t n);

/// BLAKE2b-256 of `data` as hex: how session tokens are stored.
std::string TokenHash(std::string_view data);

/// Constant-time equality of two strings (lengths are not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace huoju::identity
