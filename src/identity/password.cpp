#include "huoju/identity/password.hpp"

#include <sodium.h>

#include "huoju/core/hash.hpp"

namespace huoju::identity {

PasswordCost PasswordCost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::Fast() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

// Holds one of the concurrency slots for its lifetime. With `bounded`, gives up at once
// (acquired() false) when the wait queue is full.
class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher& h, bool bounded = false) : h_(h) {
    std::unique_lock<std::mutex> lock(h_.mu_);
    if (h_.running_ >= h_.max_concurrent_) {
      if (bounded && h_.waiting_ >= h_.max_waiting_) {
        return;
      }
      ++h_.waiting_;
      h_.cv_.wait(lock, [this] { return h_.running_ < h_.max_concurrent_; });
      --h_.waiting_;
    }
    ++h_.running_;
    acquired_ = true;
  }
  ~Slot() {
    if (!acquired_) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(h_.mu_);
      --h_.running_;
    }
    h_.cv_.notify_one();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  bool acquired() const { return acquired_; }

 private:
  PasswordHasher& h_;
  bool acquired_ = false;
};

PasswordHasher::PasswordHasher(PasswordCost cost, int max_concurrent, int max_waiting)
    : cost_(cost),
      max_concurrent_(max_concurrent < 1 ? 1 : max_concurrent),
      max_waiting_(max_waiting < 0 ? 4 * max_concurrent_ : max_waiting) {}

Result<std::string> PasswordHasher::Hash(std::string_view password) {
  Slot slot(*this);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.ops_limit, cost_.mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("密码处理失败：内存不足");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  Slot slot(*this);
  std::string copy(encoded);  // must be NUL-terminated
  return crypto_pwhash_str_verify(copy.c_str(), password.data(), password.size()) == 0;
}

Result<bool> PasswordHasher::VerifyOrBusy(std::string_view encoded, std::string_view password) {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) {
    return false;
  }
  Slot slot(*this, /*bounded=*/true);
  if (!slot.acquired()) {
    return Status(ErrorCode::kRateLimited, "当前登录人数较多，请稍后几秒再试");
  }
  std::string copy(encoded);  // must be NUL-terminated
  return crypto_pwhash_str_verify(copy.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view encoded) const {
  std::string copy(encoded);
  return crypto_pwhash_str_needs_rehash(copy.c_str(), cost_.ops_limit, cost_.mem_limit) != 0;
}

bool InitCrypto() {
  return sodium_init() >= 0;
}

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  randombytes_buf(bytes.data(), n);
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()), n);
  hex.resize(n * 2);
  return hex;
}

std::string TokenHash(std::string_view data) {
  return Blake2bHex(data);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace huoju::identity
