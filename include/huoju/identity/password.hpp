// huoju/identity/password.hpp
//
// Password hashing with argon2id (libsodium crypto_pwhash_str). Each hash costs tens of MiB
// of memory and ~50 ms of a core, so hashes run on `max_concurrent` threads of the hasher's
// own, at a lower CPU priority than request handling (a login storm then slows logins, not
// the pages of users already signed in); callers wait for their hash. A storm must not park
// every worker thread on that wait either (reads would queue behind it), so logins use
// VerifyOrBusy, which waits only while fewer than `max_waiting` hashes are queued. Call from
// worker threads only. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

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
  /// Runs the queued hashes, then joins the threads.
  ~PasswordHasher();
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

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
  // Runs `fn` on a hashing thread and waits for it; false (not run) when `bounded` and
  // max_waiting hashes are already queued.
  bool RunOnHasher(const std::function<void()>& fn, bool bounded);

  PasswordCost cost_;
  int max_concurrent_;
  int max_waiting_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
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
